"""Counts over a whole result set: facets, a time series, co-occurring entities."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from storage.fold import tokens
from storage.models import Article, ArticleTopic
from storage.search.engine import LOCAL_OFFSET, match_conditions
from storage.search.query import parse, positive_terms
from storage.search.records import Bucket, EntityCount, Facets, SearchFilters

ENTITY_SAMPLE = 20000


def _bucket_expr(session: Session, bucket: Bucket) -> ColumnElement[Any]:
    """The local (Vietnam) day or ISO week (its Monday) of ``published_at``, as 'YYYY-MM-DD'."""
    hours = int(LOCAL_OFFSET.total_seconds() // 3600)
    if session.get_bind().dialect.name == "postgresql":
        local: ColumnElement[Any] = literal_column(
            f"((articles.published_at AT TIME ZONE 'UTC') + interval '{hours} hours')"
        )
        if bucket is Bucket.WEEK:
            local = func.date_trunc("week", local)
        return func.to_char(local, "YYYY-MM-DD")
    modifiers = [f"+{hours} hours"] + (["weekday 0", "-6 days"] if bucket is Bucket.WEEK else [])
    return func.date(Article.published_at, *modifiers)


_day_counts_table = table("article_day_counts", column("day"), column("n", Integer))


def _day_counts(
    session: Session, query: str, filters: SearchFilters, bucket: Bucket
) -> list[tuple[date, int]]:
    """Matching articles per local day or week (only non-empty buckets), oldest first."""
    if parse(query) is None and filters == SearchFilters(
        date_from=filters.date_from, date_to=filters.date_to
    ):
        return _from_rollup(session, filters, bucket)
    return _grouped(session, query, filters, bucket)


def _grouped(session: Session, query: str, filters: SearchFilters, bucket: Bucket) -> list[tuple[date, int]]:
    expr = _bucket_expr(session, bucket).label("bucket")
    rows = session.execute(
        select(expr, func.count())
        .where(Article.published_at.is_not(None), *match_conditions(session, query, filters))
        .group_by(expr)
        .order_by(expr)
    ).all()
    return [(date.fromisoformat(str(b)), int(n)) for b, n in rows]


def _from_rollup(session: Session, filters: SearchFilters, bucket: Bucket) -> list[tuple[date, int]]:
    """No text, no filter but dates: read the per-day counts the triggers keep (migration 0003)."""
    t = _day_counts_table
    stmt = select(t.c.day, t.c.n).where(t.c.n > 0).order_by(t.c.day)
    # Days are stored as ISO text (SQLite) or DATE (PostgreSQL); both compare as days.
    pg = session.get_bind().dialect.name == "postgresql"
    if filters.date_from is not None:
        stmt = stmt.where(t.c.day >= (filters.date_from if pg else filters.date_from.isoformat()))
    if filters.date_to is not None:
        stmt = stmt.where(t.c.day <= (filters.date_to if pg else filters.date_to.isoformat()))
    counts: dict[date, int] = {}
    for day, n in session.execute(stmt):
        d = day if isinstance(day, date) else date.fromisoformat(day)
        if bucket is Bucket.WEEK:
            d -= timedelta(days=d.weekday())
        counts[d] = counts.get(d, 0) + int(n)
    return sorted(counts.items())


def facets(session: Session, query: str, filters: SearchFilters) -> Facets:
    """Counts by topic, source and local day over all matches; raises ``QueryError``."""
    conds = match_conditions(session, query, filters)
    topic_stmt = select(ArticleTopic.topic, func.count())
    if conds:
        # Unfiltered, the count runs on the topic index alone, without touching articles.
        topic_stmt = topic_stmt.where(ArticleTopic.article_id.in_(select(Article.id).where(*conds)))
    topic_rows = session.execute(
        topic_stmt.group_by(ArticleTopic.topic).order_by(func.count().desc(), ArticleTopic.topic)
    ).all()
    source_rows = session.execute(
        select(Article.source_id, func.count())
        .where(*conds)
        .group_by(Article.source_id)
        .order_by(func.count().desc(), Article.source_id)
    ).all()
    return Facets(
        topics=tuple((t, int(n)) for t, n in topic_rows),
        sources=tuple((s, int(n)) for s, n in source_rows),
        days=tuple(_day_counts(session, query, filters, Bucket.DAY)),
    )


def time_series(
    session: Session, query: str, filters: SearchFilters, bucket: Bucket = Bucket.DAY
) -> list[tuple[date, int]]:
    """Matches per local day or week, with empty buckets filled in (0) between the ends.

    The range runs from ``filters.date_from`` (or the first match) to
    ``filters.date_to`` (or the last match).
    """
    counts = dict(_day_counts(session, query, filters, bucket))
    step = timedelta(days=7 if bucket is Bucket.WEEK else 1)

    def align(d: date) -> date:
        return d - timedelta(days=d.weekday()) if bucket is Bucket.WEEK else d

    first = filters.date_from or (min(counts) if counts else None)
    last = filters.date_to or (max(counts) if counts else None)
    if first is None or last is None:
        return []
    out = []
    day = align(first)
    while day <= align(last):
        out.append((day, counts.get(day, 0)))
        day += step
    return out


def _entity_lists(session: Session, conds: list[ColumnElement[bool]]) -> Iterator[list[Any]]:
    stmt = (
        select(Article.entities)
        .where(*conds)
        .order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
        .limit(ENTITY_SAMPLE)
        .execution_options(yield_per=1000)
    )
    for (entities,) in session.execute(stmt):
        yield entities or []


def top_entities(
    session: Session, query: str, filters: SearchFilters, limit: int = 20
) -> list[EntityCount]:
    """Entities named most often in matching articles (the newest 20,000), by article count.

    Entities that merely restate the query ("Hoàng Sa" when searching "hoang sa")
    are left out.
    """
    conds = match_conditions(session, query, filters)
    asked = {tok for t in positive_terms(parse(query)) for tok in t.tokens}
    seen: Counter[tuple[str, str]] = Counter()
    for entities in _entity_lists(session, conds):
        per_article = set()
        for item in entities:
            if isinstance(item, (list, tuple)) and len(item) >= 2:
                text, label = str(item[0]), str(item[1])
            else:
                text, label = str(item), ""
            folded = set(tokens(text))
            if folded and folded <= asked:
                continue
            per_article.add((text, label))
        seen.update(per_article)
    ranked = sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [EntityCount(text=t, label=lab, articles=n) for (t, lab), n in ranked]
