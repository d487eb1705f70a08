"""Run a search on SQLite FTS5 or PostgreSQL full text, with the same answers on both.

The text condition is compiled from one parsed query (``storage.search.query``)
into an FTS5 MATCH or a tsquery, always as a bound parameter; the other filters
are plain SQLAlchemy expressions shared by both engines.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    cast,
    column,
    exists,
    false,
    func,
    literal_column,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session, aliased

from storage.models import Article, ArticleTopic, Flag, FlagEvent, Source
from storage.search.query import Node, Term, parse, positive_terms, to_fts5, to_tsquery
from storage.search.records import (
    SearchFilters,
    SearchHit,
    SearchPage,
    SearchRequest,
    Segment,
    Sort,
)
from storage.search.snippets import highlight, snippet

logger = logging.getLogger(__name__)

# Days, weeks and date filters are in Vietnam time (no daylight saving).
LOCAL_OFFSET = timedelta(hours=7)
MAX_LIMIT = 1000

_fts = table("article_fts", column("rowid", Integer), column("rank", Float))
_pg = table("article_search", column("article_id", Integer), column("tsv", TSVECTOR))


def local_day_start(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in Vietnam."""
    return datetime.combine(day, time.min, tzinfo=UTC) - LOCAL_OFFSET


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _text_match(session: Session, node: Node) -> tuple[Any, ColumnElement[bool], ColumnElement[float]]:
    """(FROM table, match condition, score where higher is better) for the engine in use."""
    if _is_pg(session):
        q = cast(bindparam("tsq", to_tsquery(node)), TSQUERY)
        return _pg, _pg.c.tsv.op("@@")(q), func.ts_rank(_pg.c.tsv, q).cast(Float)
    fts: ColumnElement[Any] = literal_column("article_fts")
    match = fts.op("MATCH")(bindparam("ftsq", to_fts5(node)))
    # FTS5's rank column is bm25(4.0, 1.0) (set in migration 0003: the title counts four
    # times the body); lower is better.
    return _fts, match, -_fts.c.rank


def _ids_matching(session: Session, node: Node) -> Select[Any]:
    source, match, _ = _text_match(session, node)
    key = source.c.article_id if _is_pg(session) else source.c.rowid
    return select(key).where(match)


def _latest_status() -> Any:
    # The rule of pipeline.triage.current_status (and its status_sql): the latest event
    # with a non-empty status decides.
    return (
        select(FlagEvent.status)
        .where(
            FlagEvent.flag_id == Flag.id, FlagEvent.status.is_not(None), FlagEvent.status != ""
        )
        .order_by(FlagEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def filter_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """SQL conditions on ``Article`` for every set filter (engine-independent)."""
    f = filters
    out: list[ColumnElement[bool]] = []
    if f.date_from is not None:
        out.append(Article.published_at >= local_day_start(f.date_from))
    if f.date_to is not None:
        out.append(Article.published_at < local_day_start(f.date_to + timedelta(days=1)))
    if f.sources:
        out.append(Article.source_id.in_(f.sources))
    if f.kinds or f.tiers:
        wanted = select(Source.id)
        if f.kinds:
            wanted = wanted.where(Source.kind.in_(f.kinds))
        if f.tiers:
            wanted = wanted.where(Source.tier.in_(f.tiers))
        out.append(Article.source_id.in_(wanted))
    if f.topics:
        # An alias: the topic facet puts these conditions inside a query on article_topics.
        topic = aliased(ArticleTopic)
        out.append(exists().where(topic.article_id == Article.id, topic.topic.in_(f.topics)))
    if f.province is not None:
        out.append(Article.province_relevant.is_(true() if f.province else false()))
    if f.flagged is not None:
        flagged = exists().where(Flag.article_id == Article.id)
        out.append(flagged if f.flagged else ~flagged)
    if f.status is not None:
        # Status derives from the latest flag event that set one; "new" = none yet.
        latest = func.coalesce(_latest_status(), "new")
        out.append(exists().where(Flag.article_id == Article.id, latest == f.status))
    if f.lang is not None:
        out.append(Article.lang == f.lang)
    if f.cluster is not None:
        out.append(Article.cluster_id == f.cluster)
    return out


def match_conditions(session: Session, query: str, filters: SearchFilters) -> list[ColumnElement[bool]]:
    """All conditions on ``Article`` for a query and filters; raises ``QueryError``."""
    node = parse(query)
    conds = filter_conditions(filters)
    if node is not None:
        conds.append(Article.id.in_(_ids_matching(session, node)))
    return conds


def matching_ids(session: Session, request: SearchRequest) -> Select[Any, Any]:
    """``SELECT id, score`` of one page of matches, in the requested order."""
    node = parse(request.query)
    conds = filter_conditions(request.filters)
    limit = max(0, min(request.limit, MAX_LIMIT))
    offset = max(0, request.offset)
    by_date = (Article.published_at.desc().nulls_last(), Article.id.desc())
    if node is None:
        bare: Select[Any, Any] = select(Article.id, literal_column("NULL").label("score"))
        return bare.where(*conds).order_by(*by_date).limit(limit).offset(offset)
    source, match, score = _text_match(session, node)
    key = source.c.article_id if _is_pg(session) else source.c.rowid
    scored = score.label("score")
    stmt: Select[Any, Any] = (
        select(Article.id, scored)
        .select_from(source)
        .join(Article, Article.id == key)
        .where(match, *conds)
    )
    if request.sort is Sort.RELEVANCE and not _is_pg(session):
        # Exactly "ORDER BY article_fts.rank": FTS5 then sorts inside the virtual table and
        # SQLite stops at LIMIT — about twice as fast as sorting on bm25() in SQL.
        stmt = stmt.order_by(_fts.c.rank)
    elif request.sort is Sort.RELEVANCE:
        stmt = stmt.order_by(scored.desc(), Article.id.desc())
    else:
        stmt = stmt.order_by(*by_date)
    return stmt.limit(limit).offset(offset)


def build_hits(
    session: Session, rows: Sequence[tuple[int, float | None]], query: str
) -> tuple[SearchHit, ...]:
    """Hits, in the order of ``rows`` ((article id, score)), highlighted for ``query``."""
    terms = positive_terms(parse(query))
    ids = [article_id for article_id, _ in rows]
    if not ids:
        return ()
    # Plain column rows, not ORM objects: a page of hits needs no identity map.
    found = {
        r.id: r
        for r in session.execute(
            select(
                Article.id, Article.url, Article.title, Article.summary, Article.text,
                Article.source_id, Source.name.label("source_name"), Article.published_at,
                Article.lang, Article.province_relevant, Article.cluster_id,
            )  # fmt: skip
            .join(Source, Source.id == Article.source_id)
            .where(Article.id.in_(ids))
        )
    }
    topics: dict[int, list[str]] = {}
    for article_id, topic in session.execute(
        select(ArticleTopic.article_id, ArticleTopic.topic).where(ArticleTopic.article_id.in_(ids))
    ):
        topics.setdefault(article_id, []).append(topic)
    hits = []
    for article_id, score in rows:
        a = found[article_id]
        hits.append(
            SearchHit(
                article_id=a.id,
                url=a.url,
                title=a.title,
                source_id=a.source_id,
                source_name=a.source_name,
                published_at=a.published_at,
                lang=a.lang,
                topics=tuple(sorted(topics.get(a.id, ()))),
                province_relevant=a.province_relevant,
                cluster_id=a.cluster_id,
                score=None if score is None else float(score),
                title_segments=highlight(a.title, terms),
                snippet=_best_snippet(a.summary, a.text, terms),
            )
        )
    return tuple(hits)


def _best_snippet(summary: str, text_: str, terms: list[Term]) -> tuple[Segment, ...]:
    """From the summary or the text, whichever shows a match; else the start of either."""
    candidates = [t for t in (summary, text_) if t]
    for body in candidates:
        snip = snippet(body, terms)
        if any(is_match for _, is_match in snip):
            return snip
    return snippet(candidates[0], []) if candidates else ()


def count(session: Session, query: str, filters: SearchFilters) -> int:
    """How many articles match (all of them, not one page)."""
    conds = match_conditions(session, query, filters)
    return int(session.scalar(select(func.count()).select_from(Article).where(and_(true(), *conds))) or 0)


def search(session: Session, request: SearchRequest, *, with_total: bool = True) -> SearchPage:
    """One page of hits with highlighted title and snippet; raises ``QueryError``.

    >>> search(session, SearchRequest(query='"hoang sa" -du lich'))  # doctest: +SKIP
    """
    rows = session.execute(matching_ids(session, request)).all()
    hits = build_hits(session, [(r[0], r[1]) for r in rows], request.query)
    total = count(session, request.query, request.filters) if with_total else len(hits)
    return SearchPage(hits=hits, total=total)
