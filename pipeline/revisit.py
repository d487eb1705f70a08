"""Revisits: re-fetch young articles to catch silent edits and take-downs.

A spokesperson must be able to see that a story was edited after publication or
removed. Articles younger than ``schedule.crawl.revisit_max_age_days`` that were
not fetched within ``revisit_interval_hours`` are fetched again
(:func:`due_for_revisit` is the one definition of "due"):

- a changed text goes through :func:`pipeline.ingest.ingest`, which keeps the old
  text in ``article_versions``; the article's story cluster fingerprint follows;
- 404/410 (or a redirect to the home page) sets ``articles.taken_down_at``, the
  time we first saw it gone; an article that answers again is cleared;
- anything else (500, timeout, no text) changes nothing but ``revisited_at``.

Like ``pipeline.crawl``, one Scrapy run per process (:func:`revisit_once`);
``python -m pipeline.revisit`` runs one in a fresh process.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler, CrawlerProcess
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config.schema import Config, CrawlSettings
from crawlers.extract import NoTextError, extract
from crawlers.records import ArticleDraft, FetchedPage, FetchResult, Outcome
from crawlers.revisit_spider import RevisitSpider, RevisitTarget
from crawlers.settings import parse_setting, scrapy_settings
from nlp.records import Analysis
from pipeline import clock
from pipeline.ingest import IngestStatus, content_hash, ingest
from storage.models import Article, Source

logger = logging.getLogger(__name__)

ITEM_PIPELINE = "pipeline.revisit.RevisitPipeline"


class RevisitStatus(StrEnum):
    UNCHANGED = "unchanged"
    UPDATED = "updated"
    TAKEN_DOWN = "taken_down"
    STILL_DOWN = "still_down"
    RESTORED = "restored"
    UNREADABLE = "unreadable"


def due_for_revisit(
    session: Session, crawl: CrawlSettings, now: datetime, *, limit: int | None = None
) -> list[RevisitTarget]:
    """Articles to fetch again now: young enough, not fetched lately, source enabled.

    Young: published (else first fetched) within ``revisit_max_age_days``. Not
    fetched lately: neither revisited nor (re)stored within ``revisit_interval_hours``.
    Taken-down articles stay due, so a story that comes back is noticed. Oldest
    check first, so a ``limit`` never starves anyone.
    """
    born = Article.seen_at
    last_seen = func.coalesce(Article.revisited_at, Article.fetched_at)
    query = (
        select(Article.id, Article.source_id, Article.url)
        .join(Source, Source.id == Article.source_id)
        .where(
            Source.enabled.is_(True),
            born >= now - timedelta(days=crawl.revisit_max_age_days),
            last_seen <= now - timedelta(hours=crawl.revisit_interval_hours),
        )
        .order_by(last_seen, Article.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        RevisitTarget(article_id=row.id, source_id=row.source_id, url=row.url)
        for row in session.execute(query)
    ]


def apply_page(
    session: Session,
    article: Article,
    draft: ArticleDraft,
    analyze: Callable[[ArticleDraft], Analysis],
    now: datetime,
) -> RevisitStatus:
    """The article answered with a readable page: store a changed text as a new version."""
    was_down = article.taken_down_at is not None
    article.revisited_at = now
    article.taken_down_at = None
    # The stored article is the one revisited, whatever canonical link the page declares now.
    draft = dataclasses.replace(
        draft, canonical_url=article.canonical_url, source_id=article.source_id
    )
    status = RevisitStatus.RESTORED if was_down else RevisitStatus.UNCHANGED
    if content_hash(draft.title, draft.text) == article.content_hash:
        session.flush()
        return status  # unchanged text: no analysis needed
    result = ingest(session, draft, analyze(draft), now=now)
    if result.status is IngestStatus.UPDATED:
        logger.warning(
            "article %s was edited after publication (now version %s)",
            article.canonical_url,
            article.version,
        )
        status = RevisitStatus.RESTORED if was_down else RevisitStatus.UPDATED
    return status


def apply_failure(
    session: Session, article: Article, result: FetchResult, now: datetime
) -> RevisitStatus:
    """The article did not answer with a readable page: gone, or just not readable now."""
    article.revisited_at = now
    if result.outcome is not Outcome.GONE:
        logger.info("revisit %s: %s %s", article.url, result.outcome.value, result.reason)
        session.flush()
        return RevisitStatus.UNREADABLE
    if article.taken_down_at is not None:
        session.flush()
        return RevisitStatus.STILL_DOWN
    # The first time we see it gone is the time we can vouch for.
    article.taken_down_at = now
    session.flush()
    logger.warning("article %s was taken down (%s)", article.canonical_url, result.reason)
    return RevisitStatus.TAKEN_DOWN


@dataclass
class RevisitSummary:
    started_at: datetime
    due: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    close_reason: str = ""

    def count(self, status: RevisitStatus) -> None:
        self.counts[status.value] = self.counts.get(status.value, 0) + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "due": self.due,
            "counts": dict(sorted(self.counts.items())),
            "close_reason": self.close_reason,
        }


@dataclass
class RevisitContext:
    """Shared by :func:`revisit_once` and the item pipeline of one run (same process)."""

    config: Config
    sessions: sessionmaker[Session]
    summary: RevisitSummary
    # Article id by the URL it was requested with (FetchedPage.requested_url).
    by_url: dict[str, int] = field(default_factory=dict)


class RevisitPipeline:
    """Receives FetchedPage and FetchResult items from RevisitSpider; one commit per article."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx: RevisitContext | None = None
        self.analyzer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RevisitPipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        ctx = getattr(self.crawler.spider, "revisit_context", None)
        if not isinstance(ctx, RevisitContext):
            raise RuntimeError("RevisitPipeline needs the spider argument revisit_context")
        self.ctx = ctx

    def _analyze(self, draft: ArticleDraft) -> Analysis:
        if self.analyzer is None:
            from nlp import Analyzer  # heavy: loaded only when some text really changed

            self.analyzer = Analyzer(self._context().config)
        result: Analysis = self.analyzer.analyze(draft)
        return result

    def process_item(self, item: Any) -> Any:
        ctx = self._context()
        if isinstance(item, FetchedPage):
            article_id = ctx.by_url.get(item.requested_url)
        elif isinstance(item, FetchResult):
            article_id = item.extra.get("article_id")
        else:
            return item
        if not isinstance(article_id, int):
            logger.error("revisit item for an unknown article: %r", item)
            return item
        now = clock.now()
        with ctx.sessions() as session:
            article = session.get(Article, article_id)
            if article is None:
                return item  # deleted meanwhile
            status = self._apply(session, article, item, now)
            session.commit()
        ctx.summary.count(status)
        return item

    def _apply(
        self, session: Session, article: Article, item: FetchedPage | FetchResult, now: datetime
    ) -> RevisitStatus:
        if isinstance(item, FetchResult):
            return apply_failure(session, article, item, now)
        try:
            draft = extract(item)
        except NoTextError as exc:
            # A 200 page without article text may be a soft removal; it is not
            # marked as one (too many false alarms), but it is counted and logged.
            failed = FetchResult(
                source_id=item.source_id, url=item.url, outcome=Outcome.NO_TEXT, reason=str(exc)
            )
            return apply_failure(session, article, failed, now)
        return apply_page(session, article, draft, self._analyze, now)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        del spider
        self._context().summary.close_reason = reason

    def _context(self) -> RevisitContext:
        if self.ctx is None:
            raise RuntimeError("RevisitPipeline used before open_spider")
        return self.ctx


def revisit_once(
    config: Config,
    sessions: sessionmaker[Session],
    *,
    settings_overrides: dict[str, Any] | None = None,
    limit: int | None = None,
) -> RevisitSummary:
    """Fetch every due article once and apply what changed. Once per process (Scrapy)."""
    now = clock.now()
    with sessions() as session:
        targets = due_for_revisit(session, config.schedule.crawl, now, limit=limit)
    summary = RevisitSummary(started_at=now, due=len(targets))
    if not targets:
        summary.close_reason = "nothing due"
        return summary
    ctx = RevisitContext(
        config=config,
        sessions=sessions,
        summary=summary,
        by_url={target.url: target.article_id for target in targets},
    )
    settings = scrapy_settings(config.schedule.crawl, settings_overrides)
    settings["ITEM_PIPELINES"] = {ITEM_PIPELINE: 300}
    process = CrawlerProcess(settings, install_root_handler=False)
    process.crawl(RevisitSpider, targets=targets, revisit_context=ctx)
    process.start()
    logger.info("revisit: %s", summary.to_json())
    return summary


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.revisit [--limit N] [--set KEY=VALUE ...]``: JSON summary on stdout."""
    from config.loader import load_config
    from storage.db import make_engine, session_factory

    parser = argparse.ArgumentParser(prog="python -m pipeline.revisit", description=main.__doc__)
    parser.add_argument("--limit", type=int, default=None, help="at most this many articles")
    parser.add_argument(
        "--set", action="append", type=parse_setting, default=[], help="Scrapy setting"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    engine = make_engine()
    try:
        summary = revisit_once(
            load_config(),
            session_factory(engine),
            settings_overrides=dict(args.set),
            limit=args.limit,
        )
    finally:
        engine.dispose()
    json.dump(summary.to_json(), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    # Run the module's own copy: Scrapy loads the item pipeline as ``pipeline.revisit``,
    # and its RevisitContext must be the class this run creates.
    from pipeline.revisit import main as module_main

    sys.exit(module_main())
