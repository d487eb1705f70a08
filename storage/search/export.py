"""Stream a whole result set as CSV or JSON lines, in constant memory.

Rows come from the database in batches (``yield_per``: a server-side cursor on
PostgreSQL, SQLite's stepping cursor) and are written one at a time, so a
500,000-row export never holds more than one batch.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Article, ArticleTopic, Source
from storage.search.engine import match_conditions
from storage.search.records import SearchFilters

COLUMNS = (
    "id",
    "published_at",
    "source_id",
    "source_name",
    "title",
    "url",
    "lang",
    "topics",
    "province_relevant",
    "cluster_id",
    "risk_score",
)
BATCH = 1000


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


def export_rows(session: Session, query: str, filters: SearchFilters) -> Iterator[dict[str, Any]]:
    """Every matching article as a flat dict (keys ``COLUMNS``), newest first; raises ``QueryError``."""
    conds = match_conditions(session, query, filters)
    agg = (
        func.string_agg(ArticleTopic.topic, ";")
        if session.get_bind().dialect.name == "postgresql"
        else func.group_concat(ArticleTopic.topic, ";")
    )
    topics = select(agg).where(ArticleTopic.article_id == Article.id).scalar_subquery()
    stmt = (
        select(
            Article.id,
            Article.published_at,
            Article.source_id,
            Source.name,
            Article.title,
            Article.url,
            Article.lang,
            topics,
            Article.province_relevant,
            Article.cluster_id,
            Article.risk_score,
        )
        .join(Source, Source.id == Article.source_id)
        .where(*conds)
        .order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
        .execution_options(yield_per=BATCH)
    )
    for row in session.execute(stmt):
        item = dict(zip(COLUMNS, row, strict=True))
        item["topics"] = sorted(item["topics"].split(";")) if item["topics"] else []
        yield item


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # A spreadsheet would run crawled text starting with these as a formula.
        return "'" + value
    return value


def iter_csv(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """CSV text, a header line then one line per row."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in COLUMNS])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    if buf.tell():
        yield buf.getvalue()


def iter_jsonl(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line, UTF-8 text kept readable (no \\u escapes)."""
    for row in rows:
        yield json.dumps(row, ensure_ascii=False, default=_json_default) + "\n"


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def stream_export(
    session: Session, query: str, filters: SearchFilters, fmt: ExportFormat
) -> Iterator[str]:
    """Text chunks of the export in ``fmt``, ready for a streaming HTTP response."""
    rows = export_rows(session, query, filters)
    return iter_csv(rows) if fmt is ExportFormat.CSV else iter_jsonl(rows)


def write_export(
    session: Session, query: str, filters: SearchFilters, fmt: ExportFormat, out: TextIO
) -> int:
    """Write the export to ``out``; returns the number of rows written."""
    written = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal written
        for row in export_rows(session, query, filters):
            written += 1
            yield row

    chunks = iter_csv(counted()) if fmt is ExportFormat.CSV else iter_jsonl(counted())
    for chunk in chunks:
        out.write(chunk)
    return written
