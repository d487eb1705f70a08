"""``haidang search``, ``haidang export`` and ``haidang saved``: search stored articles."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from pipeline.errors import UserError, friendly
from storage.db import make_engine, session_factory, session_scope
from storage.search import (
    Bucket,
    ExportFormat,
    QueryError,
    SavedSearchError,
    SearchFilters,
    SearchHit,
    SearchRequest,
    Segment,
    Sort,
    add_saved,
    check_alerts,
    delete_saved,
    facets,
    list_saved,
    search,
    time_series,
    write_export,
)
from storage.search.engine import LOCAL_OFFSET

saved_app = typer.Typer(
    help="Saved searches and their alerts. Example: haidang saved add 'Hoàng Sa' '\"hoang sa\"' --alert",
    no_args_is_help=True,
)

FROM = typer.Option(None, "--from", help="first day (YYYY-MM-DD, Vietnam time)")
TO = typer.Option(None, "--to", help="last day, inclusive (YYYY-MM-DD)")
SOURCE = typer.Option([], "--source", help="source id (repeatable)")
KIND = typer.Option([], "--kind", help="source kind, e.g. press, social (repeatable)")
TIER = typer.Option([], "--tier", help="source tier (repeatable)")
TOPIC = typer.Option([], "--topic", help="topic id, e.g. bien_dao (repeatable; any of them)")
PROVINCE = typer.Option(None, "--province/--no-province", help="province-relevant or not")
LANG = typer.Option(None, "--lang", help="language code, e.g. vi")
FLAGGED = typer.Option(None, "--flagged/--unflagged", help="has a flag or not")
STATUS = typer.Option(None, "--status", help="flag status (latest flag event; 'new' if none)")
CLUSTER = typer.Option(None, "--cluster", help="story cluster id")


class SeriesArg(StrEnum):
    DAY = "day"
    WEEK = "week"


def _filters(
    date_from: str | None, date_to: str | None, source: list[str], kind: list[str],
    tier: list[int], topic: list[str], province: bool | None, lang: str | None,
    flagged: bool | None, status: str | None, cluster: int | None,
) -> SearchFilters:  # fmt: skip
    def day(value: str | None, option: str) -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise UserError(f"{option} {value!r}: expected a date like 2026-03-31") from None

    return SearchFilters(
        date_from=day(date_from, "--from"), date_to=day(date_to, "--to"),
        sources=tuple(source), kinds=tuple(kind), tiers=tuple(tier), topics=tuple(topic),
        province=province, flagged=flagged, status=status, lang=lang, cluster=cluster,
    )  # fmt: skip


@contextmanager
def _session() -> Iterator[Session]:
    """A session whose query and schema errors become one clear line."""
    try:
        with session_scope(session_factory(make_engine())) as session:
            yield session
    except QueryError as exc:
        raise UserError(f"bad query: {exc}") from None
    except SavedSearchError as exc:
        raise UserError(str(exc)) from None
    except (OperationalError, ProgrammingError) as exc:
        message = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        if "no such" in message or "does not exist" in message:
            raise UserError(
                f"the database schema is not up to date ({message}): run `haidang db upgrade`"
            ) from None
        raise


def _render(segments: tuple[Segment, ...]) -> str:
    return "".join(typer.style(t, bold=True) if m else t for t, m in segments)


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    data = asdict(hit)
    data["published_at"] = hit.published_at.isoformat() if hit.published_at else None
    data["title_segments"] = [list(s) for s in hit.title_segments]
    data["snippet"] = [list(s) for s in hit.snippet]
    return data


def _print_hit(hit: SearchHit) -> None:
    when = "(no date)"
    if hit.published_at is not None:
        # SQLite hands back naive UTC; show Vietnam time either way.
        utc = hit.published_at.replace(tzinfo=hit.published_at.tzinfo or UTC)
        when = (utc + LOCAL_OFFSET).strftime("%Y-%m-%d %H:%M") + " (UTC+7)"
    typer.echo(f"[{hit.article_id}] {when}  {hit.source_name}  {_render(hit.title_segments)}")
    if hit.snippet:
        typer.echo(f"    {_render(hit.snippet)}")
    typer.echo(f"    {hit.url}")


@friendly
def search_cmd(
    query: str = typer.Argument(..., help='query: words, "phrases", OR, NOT/-word, prefix*'),
    date_from: str | None = FROM, date_to: str | None = TO, source: list[str] = SOURCE,
    kind: list[str] = KIND, tier: list[int] = TIER, topic: list[str] = TOPIC,
    province: bool | None = PROVINCE, lang: str | None = LANG, flagged: bool | None = FLAGGED,
    status: str | None = STATUS, cluster: int | None = CLUSTER,
    sort: Sort = typer.Option(Sort.RELEVANCE, "--sort", help="relevance or date"),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="how many hits"),
    offset: int = typer.Option(0, "--offset", min=0, help="skip this many hits"),
    show_facets: bool = typer.Option(False, "--facets", help="also count by topic, source, day"),
    series: SeriesArg | None = typer.Option(None, "--series", help="also a time series by day or week"),
    as_json: bool = typer.Option(False, "--json", help="JSON output for scripts"),
) -> None:  # fmt: skip
    """Search stored articles, accents optional ("dao hoang sa" finds "Đảo Hoàng Sa").

    Example: haidang search '"hoang sa" -du lich' --from 2026-03-01 --topic bien_dao --sort date

    A query that starts with "-" goes after "--": haidang search -- '-x y'
    """
    filters = _filters(date_from, date_to, source, kind, tier, topic, province, lang, flagged, status, cluster)
    request = SearchRequest(query=query, filters=filters, sort=sort, limit=limit, offset=offset)
    with _session() as session:
        page = search(session, request)
        fc = facets(session, query, filters) if show_facets else None
        ts = time_series(session, query, filters, Bucket(series.value)) if series else None
    if as_json:
        out: dict[str, Any] = {"total": page.total, "hits": [_hit_json(h) for h in page.hits]}
        if fc is not None:
            out["facets"] = {"topics": fc.topics, "sources": fc.sources,
                             "days": [(d.isoformat(), n) for d, n in fc.days]}  # fmt: skip
        if ts is not None:
            out["series"] = [(d.isoformat(), n) for d, n in ts]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{page.total} matches" + (f", showing {offset + 1}-{offset + len(page.hits)}" if page.hits else ""))
    for hit in page.hits:
        _print_hit(hit)
    if fc is not None:
        typer.echo("topics:  " + ", ".join(f"{t} {n}" for t, n in fc.topics))
        typer.echo("sources: " + ", ".join(f"{s} {n}" for s, n in fc.sources))
        typer.echo("days:    " + ", ".join(f"{d.isoformat()} {n}" for d, n in fc.days))
    if ts is not None:
        for d, n in ts:
            typer.echo(f"{d.isoformat()}  {n:6d}  {'#' * min(n, 60)}")


@friendly
def export_cmd(
    query: str = typer.Argument(..., help="query, as for haidang search ('' for everything)"),
    fmt: ExportFormat = typer.Option(ExportFormat.CSV, "--format", help="csv or jsonl"),
    out: Path | None = typer.Option(None, "--out", help="file to write (default: standard output)"),
    date_from: str | None = FROM, date_to: str | None = TO, source: list[str] = SOURCE,
    kind: list[str] = KIND, tier: list[int] = TIER, topic: list[str] = TOPIC,
    province: bool | None = PROVINCE, lang: str | None = LANG, flagged: bool | None = FLAGGED,
    status: str | None = STATUS, cluster: int | None = CLUSTER,
) -> None:  # fmt: skip
    """Export every matching article, streamed (constant memory), newest first.

    Example: haidang export 'binh thuan' --format jsonl --from 2026-01-01 --out bt.jsonl
    """
    filters = _filters(date_from, date_to, source, kind, tier, topic, province, lang, flagged, status, cluster)
    with _session() as session:
        if out is None:
            n = write_export(session, query, filters, fmt, sys.stdout)
        else:
            with out.open("w", encoding="utf-8", newline="") as fh:
                n = write_export(session, query, filters, fmt, fh)
    if out is not None:
        typer.echo(f"{n} rows written to {out}", err=True)


@saved_app.command("add")
@friendly
def saved_add(
    name: str = typer.Argument(..., help="a name for the search"),
    query: str = typer.Argument(..., help="the query"),
    owner: str = typer.Option("cli", "--owner", help="user name that owns it"),
    alert: bool = typer.Option(False, "--alert", help="report new matches on `saved check`"),
    date_from: str | None = FROM, date_to: str | None = TO, source: list[str] = SOURCE,
    kind: list[str] = KIND, tier: list[int] = TIER, topic: list[str] = TOPIC,
    province: bool | None = PROVINCE, lang: str | None = LANG, flagged: bool | None = FLAGGED,
    status: str | None = STATUS, cluster: int | None = CLUSTER,
) -> None:  # fmt: skip
    """Save a search. Example: haidang saved add 'Hoàng Sa' '"hoang sa"' --topic bien_dao --alert"""
    filters = _filters(date_from, date_to, source, kind, tier, topic, province, lang, flagged, status, cluster)
    with _session() as session:
        add_saved(session, owner=owner, name=name, query=query, filters=filters, alert=alert)
    typer.echo(f"saved search {name!r} added" + (" (alert on)" if alert else ""))


@saved_app.command("list")
@friendly
def saved_list(
    owner: str | None = typer.Option(None, "--owner", help="only this user's searches"),
    as_json: bool = typer.Option(False, "--json", help="JSON output"),
) -> None:
    """List saved searches. Example: haidang saved list --owner an"""
    with _session() as session:
        rows = [
            {"owner": s.owner, "name": s.name, "query": s.query, "filters": s.filters,
             "alert": s.alert, "last_seen_at": s.last_seen_at.isoformat() if s.last_seen_at else None}
            for s in list_saved(session, owner)
        ]  # fmt: skip
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['owner']}/{r['name']}: {r['query']} {json.dumps(r['filters'], ensure_ascii=False)}"
                   + ("  [alert]" if r["alert"] else ""))  # fmt: skip


@saved_app.command("delete")
@friendly
def saved_delete(
    name: str = typer.Argument(..., help="the saved search"),
    owner: str = typer.Option("cli", "--owner", help="its owner"),
) -> None:
    """Delete a saved search. Example: haidang saved delete 'Hoàng Sa'"""
    with _session() as session:
        if not delete_saved(session, owner, name):
            raise UserError(f"no saved search {owner}/{name}")
    typer.echo(f"saved search {name!r} deleted")


@saved_app.command("check")
@friendly
def saved_check(
    owner: str | None = typer.Option(None, "--owner", help="only this user's searches"),
    as_json: bool = typer.Option(False, "--json", help="JSON output"),
) -> None:
    """Report new matches of alerting saved searches, and mark them seen. Example: haidang saved check"""
    now = datetime.now(UTC)
    with _session() as session:
        alerts = check_alerts(session, now=now, owner=owner)
        found = [(s.owner, s.name, hits) for s, hits in alerts]
    if as_json:
        typer.echo(json.dumps(
            [{"owner": o, "name": n, "hits": [_hit_json(h) for h in hits]} for o, n, hits in found],
            ensure_ascii=False, indent=2))  # fmt: skip
        return
    if not found:
        typer.echo("no new matches")
    for o, n, hits in found:
        typer.echo(f"{o}/{n}: {len(hits)} new")
        for hit in hits:
            _print_hit(hit)


def register(app: typer.Typer) -> None:
    app.command("search")(search_cmd)
    app.command("export")(export_cmd)
    app.add_typer(saved_app, name="saved")
