"""Scrapy item pipeline: what the spider yields goes to analysis and storage here.

- :class:`ArticleDraft` -> ``nlp.Analyzer.analyze`` -> :func:`pipeline.ingest.ingest`,
  committed one article at a time: a crash mid-crawl loses nothing already
  stored, and a rerun duplicates nothing (ingest is an upsert by canonical URL).
  Analysis runs in worker processes (:mod:`pipeline.analysis_pool`, Scrapy
  setting ``ANALYSIS_WORKERS``, default one per core up to two), so the reactor
  keeps downloading while articles are analysed; storing stays on the reactor
  thread. ``ANALYSIS_WORKERS=0`` analyses in the crawl process itself.
- :class:`FetchResult` -> crawl state: a failure becomes (or updates) a
  :class:`FetchError` row with a retry time; a later success resolves it. A
  source's ETag and Last-Modified are saved only when the run finishes, so
  entries a killed run never reached are not hidden behind a 304 next time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from config.schema import Config
from crawlers.canonical import canonicalize
from crawlers.records import ArticleDraft, FetchResult, Outcome
from nlp.records import Analysis
from pipeline import clock
from pipeline.analysis_pool import AnalysisPool, default_workers
from pipeline.ingest import IngestStatus, ingest
from storage.models import Article, FetchError, Source
from storage.sources import next_due_at, retry_at

logger = logging.getLogger(__name__)

SUCCESS = frozenset({Outcome.OK, Outcome.NOT_MODIFIED})
# Roles whose failures are not retried URL by URL: the source's own fetch
# retries them (a feed on its schedule, a sitemap or listing page from its parent).
NOT_RETRIED_ALONE = frozenset({"feed", "sitemap_child", "listing_page"})
# Scrapy setting: analysis worker processes (0: analyse on the reactor thread).
WORKERS_SETTING = "ANALYSIS_WORKERS"


@dataclass
class SourceTally:
    """What one source gave in one run."""

    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": self.errors,
            "outcomes": dict(sorted(self.outcomes.items())),
        }


@dataclass
class CrawlContext:
    """Shared by the runner and the item pipeline of one run (same process)."""

    config: Config
    sessions: sessionmaker[Session]
    crawl_run_id: int
    tallies: dict[str, SourceTally] = field(default_factory=dict)
    close_reason: str = ""

    def tally(self, source_id: str) -> SourceTally:
        return self.tallies.setdefault(source_id, SourceTally())


def is_known(session: Session, url: str) -> bool:
    """No need to follow this link now: already stored, deliberately skipped as
    irrelevant, or a failed URL that the retry schedule owns (it is retried when
    due, with back-off, not each time a feed lists it again)."""
    canonical = canonicalize(url)
    article = session.scalar(
        select(Article.id)
        .where(or_(Article.canonical_url == canonical, Article.url == url))
        .limit(1)
    )
    if article is not None:
        return True
    noted = session.scalar(
        select(FetchError.id)
        .where(
            FetchError.url.in_([url, canonical]),
            or_(
                FetchError.outcome == Outcome.SKIPPED_IRRELEVANT.value,
                FetchError.resolved_at.is_(None),
            ),
        )
        .limit(1)
    )
    return noted is not None


class IngestPipeline:
    """Receives ArticleDraft and FetchResult items; needs ``spider.ingest_context``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx: CrawlContext | None = None
        self.analyzer: Any = None
        self.pool: AnalysisPool | None = None
        self.waiting = 0  # articles handed to the pool and not yet stored
        self.most_waiting = 0
        # Feed-level successes, written when the spider closes (see module docstring).
        self.pending: dict[str, FetchResult] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> Deferred[None] | None:
        spider = self.crawler.spider
        ctx = getattr(spider, "ingest_context", None)
        if not isinstance(ctx, CrawlContext):
            raise RuntimeError("IngestPipeline needs the spider argument ingest_context")
        workers = self.crawler.settings.getint(WORKERS_SETTING, default_workers())
        if workers < 1:
            from nlp import Analyzer  # heavy (models): loaded once, when the crawl starts

            self.analyzer = Analyzer(ctx.config)
            # Only now: a pipeline that could not open leaves the run without a close
            # reason, and the runner reports that the crawl did not start.
            self.ctx = ctx
            return None
        pool = self.pool = AnalysisPool(ctx.config, workers)

        def ready(_: object) -> None:
            self.ctx = ctx
            logger.info("analysis in %s worker process(es) %s", workers, pool.pids())

        def failed(failure: Failure) -> Failure:
            self._stop_pool()
            return failure

        # The crawl starts once the workers have loaded their models, as it did
        # when the models loaded here.
        return pool.start().addCallbacks(ready, failed)

    def close_spider(self) -> None:
        if self.pool is not None:
            logger.info("analysis pool: at most %s articles waiting at once", self.most_waiting)
        self._stop_pool()

    def _stop_pool(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleDraft):
            if self.pool is None:
                self._analyse_and_store(item)
                return item
            self.waiting += 1
            self.most_waiting = max(self.most_waiting, self.waiting)
            # Scrapy waits for this Deferred; its scraper slot bounds how many
            # responses (and so drafts) are in flight at once.
            return self.pool.analyze(item).addBoth(self._analysed, item)
        if isinstance(item, FetchResult):
            self._record_fetch(item)
        return item

    # -- articles -----------------------------------------------------------

    def _analyse_and_store(self, draft: ArticleDraft) -> None:
        try:
            analysis = self.analyzer.analyze(draft)
        except Exception as exc:  # noqa: BLE001 - the dead-letter boundary: keep the URL, go on
            logger.exception("analysing %s failed", draft.url)
            self._dead_letter(draft, exc)
            return
        self._store_article(draft, analysis)

    def _analysed(self, outcome: Analysis | Failure, draft: ArticleDraft) -> ArticleDraft:
        self.waiting -= 1
        if isinstance(outcome, Failure):
            exc = outcome.value or RuntimeError(outcome.getErrorMessage())
            # The worker's own traceback rides along as the exception's __cause__.
            logger.error("analysing %s failed", draft.url, exc_info=exc)
            self._dead_letter(draft, exc)
        else:
            self._store_article(draft, outcome)
        return draft

    def _store_article(self, draft: ArticleDraft, analysis: Analysis) -> None:
        ctx = self._context()
        tally = ctx.tally(draft.source_id)
        source_cfg = ctx.config.source(draft.source_id)
        now = clock.now()
        with ctx.sessions() as session:
            try:
                if (
                    source_cfg is not None
                    and source_cfg.only_relevant
                    and not analysis.province.relevant
                ):
                    self._skip_irrelevant(session, draft, now)
                    tally.skipped += 1
                    session.commit()
                    return
                result = ingest(session, draft, analysis, config=ctx.config, now=now)
                session.commit()
            except Exception as exc:  # noqa: BLE001 - the dead-letter boundary: keep the URL, go on
                session.rollback()
                logger.exception("storing %s failed", draft.url)
                self._dead_letter(draft, exc)
                return
        if result.status is IngestStatus.NEW:
            tally.new += 1
        elif result.status is IngestStatus.UPDATED:
            tally.updated += 1
        else:
            tally.unchanged += 1

    def _dead_letter(self, draft: ArticleDraft, exc: BaseException) -> None:
        self._record_fetch(
            FetchResult(
                source_id=draft.source_id,
                url=draft.url,
                outcome=Outcome.PARSE_ERROR,
                reason=f"analysis or storage failed: {type(exc).__name__}: {exc}",
                extra={"role": "article"},
            )
        )

    def _skip_irrelevant(self, session: Session, draft: ArticleDraft, now: datetime) -> None:
        source = session.get(Source, draft.source_id)
        if source is not None:
            source.skipped_irrelevant += 1
        # Remembered (resolved at once) so later runs do not fetch it again.
        session.add(
            FetchError(
                crawl_run_id=self._context().crawl_run_id,
                source_id=draft.source_id,
                url=draft.canonical_url,
                outcome=Outcome.SKIPPED_IRRELEVANT.value,
                reason="not about the province; source keeps only relevant items",
                at=now,
                resolved_at=now,
            )
        )

    # -- fetch outcomes -------------------------------------------------------

    def _record_fetch(self, result: FetchResult) -> None:
        ctx = self._context()
        tally = ctx.tally(result.source_id)
        tally.fetched += 1
        tally.outcomes[result.outcome.value] = tally.outcomes.get(result.outcome.value, 0) + 1
        now = clock.now()
        if result.outcome in SUCCESS:
            if result.is_feed:
                self.pending[result.source_id] = result
            with ctx.sessions() as session:
                self._resolve(session, result.source_id, result.url, now)
                session.commit()
            return
        tally.errors += 1
        with ctx.sessions() as session:
            self._store_error(session, result, now)
            if result.is_feed:
                self._source_failed(session, result, now)
            session.commit()

    def _resolve(self, session: Session, source_id: str, url: str, now: datetime) -> None:
        for row in session.scalars(
            select(FetchError).where(
                FetchError.source_id == source_id,
                FetchError.url == url,
                FetchError.resolved_at.is_(None),
            )
        ):
            row.resolved_at = now

    def _store_error(self, session: Session, result: FetchResult, now: datetime) -> None:
        ctx = self._context()
        role = str(result.extra.get("role", "article"))
        row = session.scalar(
            select(FetchError)
            .where(
                FetchError.source_id == result.source_id,
                FetchError.url == result.url,
                FetchError.resolved_at.is_(None),
            )
            .order_by(FetchError.id.desc())
            .limit(1)
        )
        if row is None:
            row = FetchError(source_id=result.source_id, url=result.url, attempts=0)
            session.add(row)
        row.attempts = (row.attempts or 0) + 1
        row.crawl_run_id = ctx.crawl_run_id
        row.outcome = result.outcome.value
        row.reason = result.reason
        row.http_status = result.http_status
        row.at = now
        max_hours = ctx.config.schedule.crawl.backoff_max_hours
        row.next_retry_at = (
            None if role in NOT_RETRIED_ALONE else retry_at(row.attempts, now, max_hours)
        )
        logger.warning(
            "%s %s: %s %s (attempt %s)",
            result.source_id,
            result.url,
            result.outcome.value,
            result.reason,
            row.attempts,
        )

    def _source_failed(self, session: Session, result: FetchResult, now: datetime) -> None:
        source = session.get(Source, result.source_id)
        if source is None:
            return
        source.consecutive_failures = (source.consecutive_failures or 0) + 1
        source.last_error_at = now
        source.last_error = f"{result.outcome.value}: {result.reason}"
        source.next_fetch_at = next_due_at(source, self._context().config)

    def _source_succeeded(
        self, session: Session, result: FetchResult, now: datetime, save_validators: bool
    ) -> None:
        source = session.get(Source, result.source_id)
        if source is None:
            return
        source.consecutive_failures = 0
        source.last_success_at = now
        if save_validators and result.outcome is Outcome.OK:
            source.etag = result.etag
            source.last_modified = result.last_modified
        source.next_fetch_at = next_due_at(source, self._context().config)

    # -- end of run -------------------------------------------------------------

    def spider_closed(self, spider: Spider, reason: str) -> None:
        del spider
        if self.ctx is None:
            return
        ctx = self.ctx
        ctx.close_reason = reason
        # A run cut short may not have followed every entry: keep the old validators.
        save_validators = reason == "finished"
        now = clock.now()
        with ctx.sessions() as session:
            for result in self.pending.values():
                self._source_succeeded(session, result, now, save_validators)
            session.commit()
        self.pending.clear()

    def _context(self) -> CrawlContext:
        if self.ctx is None:
            raise RuntimeError("IngestPipeline used before open_spider")
        return self.ctx
