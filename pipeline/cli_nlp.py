"""``haidang analyze`` (the batch-analysis contract) and ``haidang import`` (archives into storage).

Both read JSON lines (see ``pipeline.jsonl_input``). A malformed line is reported on stderr
as ``line N: reason``; the other lines are still processed; the exit status is 1 when any
line failed.

``import`` attributes a record to its ``source`` when that is a configured source id;
every other record (no source, or one not in sources.yaml) goes to the source row
``import`` ("Nhập từ tệp", kind blog, tier 3, disabled so it is never crawled).
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer

from crawlers.canonical import canonicalize
from crawlers.records import ArticleDraft
from nlp.records import TextItem
from pipeline.errors import UserError, friendly
from pipeline.jsonl_input import InputRecord, RecordError, parse_date, read_records

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from config.schema import Config
    from nlp import Analyzer

logger = logging.getLogger(__name__)

IMPORT_SOURCE_ID = "import"
IMPORT_SOURCE_NAME = "Nhập từ tệp (haidang import)"
IMPORT_SOURCE_TIER = 3
# Commit every so many records: a crash loses at most this much work, and a rerun redoes it
# idempotently.
_COMMIT_EVERY = 200


def _models_dir(models: Path | None) -> Path | None:
    if models is not None and not models.is_dir():
        raise UserError(f"--models {models}: no such directory")
    return models


def _open_input(path: Path | None) -> IO[str]:
    if path is None or str(path) == "-":
        return sys.stdin
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None


def _lines(handle: IO[str], name: str) -> Iterable[str]:
    try:
        yield from handle
    except UnicodeDecodeError as exc:
        raise UserError(f"{name}: not UTF-8 text ({exc.reason})") from None


def _analyzer(models: Path | None) -> Analyzer:
    from config import load_config
    from nlp import Analyzer

    # Nothing is stored: no near-duplicate fingerprints needed.
    return Analyzer(load_config(), models_dir=_models_dir(models), fingerprints=False)


def _item(record: InputRecord, source: str | None = None) -> TextItem:
    return TextItem(
        id=record.id,
        title=record.title,
        text=record.text,
        lang=record.lang,
        source=source if source is not None else record.source,
        url=record.url,
    )


def _report(number: int, reason: str) -> None:
    typer.echo(f"line {number}: {reason}", err=True)


@friendly
def analyze(
    file: Path | None = typer.Argument(
        None,
        help="JSON-lines file (id, title, text, optional url, source, date, lang); stdin when absent",
    ),
    models: Path | None = typer.Option(
        None,
        "--models",
        help="directory of trained models (haidang train ...); shipped ones otherwise",
    ),
) -> None:
    """Analyse JSON lines; print one JSON line per input, in input order.

    Output: {"id", "lang", "province": {"relevant", "places"}, "topics": [{"id", "score", "evidence"}],
    "risk": {"score", "model_score", "flagged", "signals"}}. Bad lines go to stderr as
    "line N: reason" and make the exit status 1.

    Example: haidang analyze items.jsonl > analysed.jsonl
    """
    analyzer = _analyzer(models)
    handle = _open_input(file)
    failed = 0
    out = sys.stdout
    try:
        for number, parsed in read_records(_lines(handle, str(file or "stdin"))):
            if isinstance(parsed, RecordError):
                _report(number, str(parsed))
                failed += 1
                continue
            try:
                analysis = analyzer.analyze(_item(parsed))
            except (ValueError, RuntimeError) as exc:
                logger.exception("analysis of line %s failed", number)
                _report(number, f"item {parsed.id!r}: analysis failed: {exc}")
                failed += 1
                continue
            out.write(json.dumps(analysis.to_contract(parsed.id), ensure_ascii=False) + "\n")
            out.flush()
    finally:
        if handle is not sys.stdin:
            handle.close()
    if failed:
        typer.echo(f"{failed} line(s) failed", err=True)
        raise typer.Exit(1)


def ensure_import_source(session: Session, now: datetime) -> None:
    """The ``import`` source row, created once; never crawled (enabled is false)."""
    from storage.models import Source

    if session.get(Source, IMPORT_SOURCE_ID) is not None:
        return
    session.add(
        Source(
            id=IMPORT_SOURCE_ID,
            name=IMPORT_SOURCE_NAME,
            type="page",
            url="",
            kind="blog",
            lang="vi",
            tier=IMPORT_SOURCE_TIER,
            enabled=False,
            added_at=now,
            consecutive_failures=0,
            skipped_irrelevant=0,
        )
    )
    session.flush()


def _draft(record: InputRecord, source_id: str, tz: ZoneInfo, now: datetime) -> ArticleDraft:
    url = (record.url or "").strip()
    if not url:
        raise RecordError(f'item {record.id!r}: "url" is required for import')
    if not url.lower().startswith(("http://", "https://")):
        raise RecordError(f"item {record.id!r}: url {url!r} is not an http(s) URL")
    published = parse_date(record.date, tz) if record.date else None
    return ArticleDraft(
        source_id=source_id,
        url=url,
        canonical_url=canonicalize(url),
        title=record.title.strip(),
        text=record.text.strip(),
        fetched_at=now,
        published=published,
        lang=record.lang,
    )


def _source_for(record: InputRecord, config: Config) -> str:
    if record.source and config.source(record.source) is not None:
        return record.source
    return IMPORT_SOURCE_ID


@friendly
def import_(
    file: Path = typer.Argument(
        ..., help="JSON-lines file: id, title, text, url (required), optional source, date, lang"
    ),
    models: Path | None = typer.Option(None, "--models", help="directory of trained models"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Store JSON-lines records through the normal ingest path, analysis included.

    A record whose "source" is a configured source id is filed under it; any other goes to
    the source "import". Importing the same file again changes nothing. Bad lines go to
    stderr as "line N: reason" and make the exit status 1.

    Example: haidang import archive-2024.jsonl
    """
    from sqlalchemy.exc import SQLAlchemyError

    from config import load_config
    from nlp import Analyzer
    from pipeline.ingest import store, sync_sources
    from storage.db import make_engine, session_factory
    from storage.migrate import upgrade

    config = load_config()
    analyzer = Analyzer(config, models_dir=_models_dir(models))
    tz = ZoneInfo(config.schedule.timezone)
    handle = _open_input(file)
    engine = make_engine()
    upgrade(engine)
    counts: Counter[str] = Counter()
    session = session_factory(engine)()
    try:
        now = datetime.now(UTC)
        sync_sources(session, config, now)
        ensure_import_source(session, now)
        session.commit()
        pending = 0
        for number, parsed in read_records(_lines(handle, str(file))):
            if isinstance(parsed, RecordError):
                _report(number, str(parsed))
                counts["failed"] += 1
                continue
            try:
                source_id = _source_for(parsed, config)
                draft = _draft(parsed, source_id, tz, datetime.now(UTC))
                analysis = analyzer.analyze(_item(parsed, source_id))
                with session.begin_nested():
                    result = store(session, draft, analysis)
            except RecordError as exc:
                _report(number, str(exc))
                counts["failed"] += 1
                continue
            except SQLAlchemyError as exc:
                _report(number, f"item {parsed.id!r}: not stored: {exc.__class__.__name__}: {exc}")
                counts["failed"] += 1
                continue
            counts[result.status.value] += 1
            pending += 1
            if pending >= _COMMIT_EVERY:
                session.commit()
                pending = 0
        session.commit()
    finally:
        session.close()
        engine.dispose()
        if handle is not sys.stdin:
            handle.close()
    summary = {key: counts.get(key, 0) for key in ("new", "unchanged", "updated", "failed")}
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(
            f"imported {file}: {summary['new']} new, {summary['unchanged']} unchanged, "
            f"{summary['updated']} updated, {summary['failed']} failed"
        )
    if summary["failed"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
    app.command("import")(import_)
