"""Deferred analysis: articles the crawl stored before analysing them.

The crawl stores each article as soon as its text is extracted, marked pending
(``articles.analysis_pending``, :func:`pipeline.ingest.store` without an
analysis), and analysis catches up: in low-priority worker processes while the
crawl runs (``pipeline.analysis_pool``), and in any case before ``crawl_once``
returns. Storage no longer waits for analysis, so the crawl runs at the speed
of fetching, extracting and storing.

An article stops being pending in the same transaction that stores its topics,
story cluster and flag (:func:`pipeline.ingest.apply_analysis`), so a crash
loses nothing: whatever is still pending is analysed by the next run. Analysing
an article twice is harmless (the cluster and the flag are never made twice),
and an article whose text changed while it was being analysed is left pending
for the analysis of its new text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config.schema import Config
from crawlers.records import ArticleDraft
from nlp.records import Analysis
from pipeline import clock
from pipeline.ingest import apply_analysis
from storage.db import begin_writing
from storage.models import Article

logger = logging.getLogger(__name__)

# Articles per task handed to an analysis worker.
BATCH = 8

Analyze = Callable[[ArticleDraft], Analysis]


@dataclass
class PendingTally:
    """What one round of deferred analysis did."""

    analysed: int = 0
    # No longer pending when their turn came (analysed by someone else) or changed meanwhile.
    skipped: int = 0
    failed: int = 0

    def add(self, other: PendingTally) -> None:
        self.analysed += other.analysed
        self.skipped += other.skipped
        self.failed += other.failed

    def to_json(self) -> dict[str, int]:
        return {"analysed": self.analysed, "skipped": self.skipped, "failed": self.failed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingTally:
        return cls(analysed=data["analysed"], skipped=data["skipped"], failed=data["failed"])


def pending_ids(session: Session, *, after: int = 0, limit: int | None = None) -> list[int]:
    """Ids of the articles waiting for analysis, oldest first (the partial index answers)."""
    query = (
        select(Article.id)
        .where(Article.analysis_pending == True, Article.id > after)  # noqa: E712 - matches the partial index
        .order_by(Article.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def draft_of(article: Article) -> ArticleDraft:
    """The draft a stored article was made from, for the analyser."""
    return ArticleDraft(
        source_id=article.source_id,
        url=article.url,
        canonical_url=article.canonical_url,
        title=article.title,
        text=article.text,
        fetched_at=article.fetched_at,
        summary=article.summary,
        author=article.author,
        published=article.published_at,
        lang=article.lang or None,
    )


def analyse_stored(
    sessions: sessionmaker[Session],
    analyze: Analyze,
    article_ids: Iterable[int],
    *,
    config: Config,
    now: datetime | None = None,
) -> PendingTally:
    """Analyse these pending articles and store the results.

    The analysis runs outside any transaction. The results are written together, in
    one short transaction with the write lock held (``begin_writing(serialise=True)``),
    so two processes clustering copies of one story see each other's work; should
    that fail, each is written on its own. An article that fails stays pending
    (logged, counted), and the others are stored.
    """
    tally = PendingTally()
    with sessions() as session:
        articles = list(
            session.scalars(
                select(Article)
                .where(Article.id.in_(list(article_ids)), Article.analysis_pending == True)  # noqa: E712
                .order_by(Article.id)
            )
        )
        drafts = {a.id: (a.content_hash, draft_of(a)) for a in articles}
        session.rollback()  # hold no transaction while analysing
    analysed: list[_Result] = []
    for article_id, (digest, draft) in drafts.items():
        try:
            analysed.append(_Result(article_id, digest, analyze(draft)))
        except Exception:  # noqa: BLE001 - one bad text must not stop the others; it stays pending
            logger.exception("analysing stored article %s (%s) failed", article_id, draft.url)
            tally.failed += 1
    if not analysed:
        return tally
    now = now or clock.now()
    try:
        with sessions() as session:
            begin_writing(session, serialise=True)
            stored: list[bool | None] = [_apply(session, r, config, now) for r in analysed]
            session.commit()
    except Exception:  # noqa: BLE001 - find the bad one: write them one by one
        logger.warning(
            "storing %s analyses together failed; storing them one by one",
            len(analysed),
            exc_info=True,
        )
        stored = [_apply_alone(sessions, result, config, now) for result in analysed]
    for outcome in stored:
        if outcome is None:
            tally.failed += 1
        elif outcome:
            tally.analysed += 1
        else:
            tally.skipped += 1
    return tally


@dataclass(frozen=True)
class _Result:
    article_id: int
    digest: str
    analysis: Analysis


def _apply(session: Session, result: _Result, config: Config, now: datetime) -> bool:
    """Store one result; ``False`` when the article is gone, analysed or changed meanwhile."""
    article = session.get(Article, result.article_id)
    if article is None or not article.analysis_pending or article.content_hash != result.digest:
        return False
    apply_analysis(session, article, result.analysis, config=config, now=now)
    return True


def _apply_alone(
    sessions: sessionmaker[Session], result: _Result, config: Config, now: datetime
) -> bool | None:
    """``_apply`` in a transaction of its own; ``None`` when it fails (it stays pending)."""
    with sessions() as session:
        try:
            begin_writing(session, serialise=True)
            stored = _apply(session, result, config, now)
            session.commit()
            return stored
        except Exception:  # noqa: BLE001 - as above: the article stays pending, the rest go on
            session.rollback()
            logger.exception("storing the analysis of article %s failed", result.article_id)
            return None


def analyse_all_pending(
    sessions: sessionmaker[Session], analyze: Analyze, *, config: Config, batch: int = BATCH
) -> PendingTally:
    """Analyse every pending article in this process, batch by batch (oldest first).

    Each article is tried once: one that fails stays pending for the next run.
    """
    tally = PendingTally()
    last = 0
    while True:
        with sessions() as session:
            ids = pending_ids(session, after=last, limit=batch)
        if not ids:
            return tally
        tally.add(analyse_stored(sessions, analyze, ids, config=config))
        last = ids[-1]


def count_pending(session: Session) -> int:
    """How many articles wait for analysis."""
    return (
        session.scalar(
            select(func.count(Article.id)).where(Article.analysis_pending == True)  # noqa: E712
        )
        or 0
    )
