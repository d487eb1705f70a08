"""``haidang crawl`` and ``haidang sources``: run the crawlers, and see how each source is doing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer

from crawlers.settings import parse_settings
from pipeline.errors import UserError, friendly


def scrapy_overrides(values: list[str]) -> dict[str, Any]:
    """``--set`` values as Scrapy setting overrides; a malformed one is a user error."""
    try:
        return parse_settings(values)
    except ValueError as exc:
        raise UserError(str(exc)) from exc


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    seconds = int((moment - now).total_seconds())
    ago = seconds < 0
    seconds = abs(seconds)
    if seconds < 90:
        text = f"{seconds}s"
    elif seconds < 90 * 60:
        text = f"{seconds // 60}m"
    elif seconds < 48 * 3600:
        text = f"{seconds // 3600}h"
    else:
        text = f"{seconds // 86400}d"
    return f"{text} ago" if ago else f"in {text}"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        for row in [headers, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


@friendly
def crawl(
    once: bool = typer.Option(False, "--once", help="crawl every enabled source now, due or not"),
    source: list[str] = typer.Option([], "--source", "-s", help="only this source id (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    setting: list[str] = typer.Option([], "--set", help="override a Scrapy setting, KEY=VALUE"),
) -> None:
    """Crawl sources once: the due ones, or with --once every enabled one.

    Example: haidang crawl --once --source vnexpress_thoisu
    """
    from config import load_config
    from pipeline.crawl import crawl_once
    from storage.db import make_engine, session_factory
    from storage.migrate import upgrade

    overrides = scrapy_overrides(setting)
    config = load_config()
    engine = make_engine()
    upgrade(engine)
    summary = crawl_once(
        config,
        session_factory(engine),
        source_ids=list(source) or None,
        settings_overrides=overrides,
        trigger="cli",
        due_only=not once,
    )
    engine.dispose()
    if as_json:
        typer.echo(json.dumps(summary.to_json(), ensure_ascii=False))
        return
    if not summary.sources:
        typer.echo("no source is due (haidang crawl --once crawls them all now)")
        return
    rows = []
    for source_id, tally in sorted(summary.sources.items()):
        problems = ", ".join(
            f"{name} {count}"
            for name, count in sorted(tally.outcomes.items())
            if name not in {"ok", "not_modified"}
        )
        rows.append(
            [
                source_id,
                str(tally.fetched),
                str(tally.new),
                str(tally.updated),
                str(tally.skipped),
                str(tally.errors),
                problems,
            ]
        )
    total = summary.totals
    rows.append(
        [
            "TOTAL",
            str(total.fetched),
            str(total.new),
            str(total.updated),
            str(total.skipped),
            str(total.errors),
            "",
        ]
    )
    typer.echo(
        _table(["source", "fetched", "new", "updated", "skipped", "errors", "error outcomes"], rows)
    )
    typer.echo(f"crawl run {summary.run_id}: {summary.close_reason}")


@friendly
def sources(
    as_json: bool = typer.Option(
        False, "--json", help="print one JSON object per source, as a list"
    ),
) -> None:
    """Health of each source: last success, last error, items in 24 h / 7 days, error rate, next due.

    Example: haidang sources --json
    """
    from config import load_config
    from pipeline.ingest import sync_sources
    from pipeline.source_health import source_health
    from storage.db import make_engine, session_factory
    from storage.migrate import upgrade

    config = load_config()
    engine = make_engine()
    upgrade(engine)
    now = datetime.now(UTC)
    with session_factory(engine)() as session:
        sync_sources(session, config, now)
        session.commit()
        health = source_health(session, config, now)
    engine.dispose()
    if as_json:
        typer.echo(json.dumps([h.to_json() for h in health], ensure_ascii=False, indent=2))
        return
    rows = []
    for h in health:
        rate = "-" if h.error_rate is None else f"{h.error_rate:.0%}"
        due = (
            "disabled"
            if not h.enabled
            else (
                "now"
                if h.next_due_at is None or h.next_due_at <= now
                else _when(h.next_due_at, now)
            )
        )
        error = f"{h.last_error} ({_when(h.last_error_at, now)})" if h.last_error else "-"
        rows.append(
            [
                h.id,
                h.type,
                _when(h.last_success_at, now),
                str(h.items_24h),
                str(h.items_7d),
                rate,
                due,
                error[:70],
            ]
        )
    typer.echo(
        _table(
            ["source", "type", "last success", "24h", "7d", "errors", "next due", "last error"],
            rows,
        )
    )


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl)
    app.command("sources")(sources)
