"""Scrapy item pipeline: what the spider yields is stored here, and analysed after.

- :class:`ArticleDraft` -> :func:`pipeline.ingest.store` without analysis: the
  article is stored *pending* at once, and its analysis (topics, province,
  story cluster, flag) follows in worker processes at low priority
  (:mod:`pipeline.analysis_pool`, Scrapy settings ``ANALYSIS_WORKERS``, default
  one per core up to two, and ``ANALYSIS_NICE``), which write the results
  themselves (:mod:`pipeline.pending`). The pipeline waits for them when the
  spider closes, so a crawl that returns has analysed everything it stored.
  ``ANALYSIS_WORKERS=0`` analyses in the crawl process, after the last page.
- Sources that keep only province-relevant items (``only_relevant``) need the
  analysis before storing: their drafts are analysed first (in a worker) and
  stored analysed, or skipped and remembered as skipped.
- :class:`FetchResult` -> crawl state: a failure becomes (or updates) a
  :class:`FetchError` row with a retry time; a later success resolves it. A
  source's ETag and Last-Modified are saved only when the run finishes, so
  entries a killed run never reached are not hidden behind a 304 next time.

Items are written in batches, in the order they came, one transaction per
batch (``STORE_BATCH_ITEMS`` items or ``STORE_BATCH_SECONDS`` seconds, whichever
comes first, and when the spider closes), by one writer thread, so the reactor
never waits for the database; when the writer falls behind, Scrapy is made to
wait instead of the batches piling up. A crash mid-crawl loses nothing
already committed, and a rerun duplicates nothing (storing is an upsert by
canonical URL, and what was not committed is not known, so it is fetched again).
A batch that fails is written again item by item, so one bad article costs only
itself (it becomes a dead letter).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from config.schema import Config
from crawlers.records import ArticleDraft, FetchResult, Outcome
from crawlers.workers import as_deferred
from nlp.records import Analysis
from pipeline import clock, crawl_state
from pipeline.analysis_pool import DEFAULT_NICE, AnalysisPool, default_workers
from pipeline.ingest import IngestResult, IngestStatus, ingest, store
from pipeline.pending import BATCH, PendingTally, analyse_all_pending, pending_ids
from storage.db import begin_writing
from storage.models import FetchError

logger = logging.getLogger(__name__)

SUCCESS = frozenset({Outcome.OK, Outcome.NOT_MODIFIED})
# Scrapy settings: analysis worker processes (0: analyse in the crawl process) and their niceness.
WORKERS_SETTING = "ANALYSIS_WORKERS"
NICE_SETTING = "ANALYSIS_NICE"
# Scrapy settings: a batch of items is written when it has this many items, or is this old.
BATCH_ITEMS_SETTING = "STORE_BATCH_ITEMS"
BATCH_SECONDS_SETTING = "STORE_BATCH_SECONDS"
DEFAULT_BATCH_ITEMS = 50
DEFAULT_BATCH_SECONDS = 0.5
# More batches than this waiting for the writer, and Scrapy is made to wait.
MAX_BATCHES_IN_FLIGHT = 4


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
    # Deferred analysis of stored articles, this run's and any left by earlier runs.
    analysis: PendingTally = field(default_factory=PendingTally)

    def tally(self, source_id: str) -> SourceTally:
        return self.tallies.setdefault(source_id, SourceTally())


@dataclass(frozen=True)
class _Done:
    """What writing one item did; counted once its transaction is committed."""

    source_id: str
    fetch: FetchResult | None = None
    stored: IngestResult | None = None
    pending: bool = False
    skipped: bool = False


class IngestPipeline:
    """Receives ArticleDraft and FetchResult items; needs ``spider.ingest_context``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx: CrawlContext | None = None
        self.analyzer: Any = None  # in-process analysis (ANALYSIS_WORKERS=0)
        self.pool: AnalysisPool | None = None
        self.only_relevant: frozenset[str] = frozenset()
        self.batch: list[FetchResult | tuple[ArticleDraft, Analysis | None]] = []
        self.batch_items = DEFAULT_BATCH_ITEMS
        self.flusher: LoopingCall | None = None
        self.writer: ThreadPoolExecutor | None = None
        self.writing: set[Deferred[Any]] = set()
        # Stored articles waiting to be handed to the pool, and what the pool works on.
        self.to_analyse: list[int] = []
        self.analysing: list[Deferred[Any]] = []
        self.submitted: set[int] = set()
        self.last_round = False  # failures count only in the last round of analysis
        # (source, URL) of failures not resolved yet: only their successes need an UPDATE.
        self.open_failures: set[tuple[str, str]] = set()
        # Feed-level successes, written when the spider closes (see module docstring).
        self.feed_successes: dict[str, FetchResult] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        ctx = getattr(spider, "ingest_context", None)
        if not isinstance(ctx, CrawlContext):
            raise RuntimeError("IngestPipeline needs the spider argument ingest_context")
        settings = self.crawler.settings
        self.only_relevant = frozenset(s.id for s in ctx.config.sources if s.only_relevant)
        self.batch_items = max(1, settings.getint(BATCH_ITEMS_SETTING, DEFAULT_BATCH_ITEMS))
        with ctx.sessions() as session:
            self.open_failures = {
                (source_id, url)
                for source_id, url in session.execute(
                    select(FetchError.source_id, FetchError.url).where(
                        FetchError.resolved_at.is_(None)
                    )
                )
            }
        workers = settings.getint(WORKERS_SETTING, default_workers())
        database_url = _shareable_url(ctx.sessions)
        if workers < 1 or database_url is None:
            from nlp import Analyzer  # heavy (models): loaded once, when the crawl starts

            self.analyzer = Analyzer(ctx.config)
        else:
            pool = self.pool = AnalysisPool(
                ctx.config,
                workers,
                database_url=database_url,
                nice=settings.getint(NICE_SETTING, DEFAULT_NICE),
            )
            # The crawl does not wait for the workers' models: they load beside it.
            pool.start().addCallbacks(
                lambda _: logger.info("analysis in %s worker process(es) %s", workers, pool.pids()),
                lambda failure: logger.error(
                    "analysis workers could not start: %s", failure.getErrorMessage()
                ),
            )
            # Whatever an earlier run stored and did not analyse (it was killed) goes first.
            with ctx.sessions() as session:
                self._analyse_later(pending_ids(session))
        # One writer thread: batches are written in order, and the reactor never
        # waits for the database (SQLite's write lock may be an analysis worker's).
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="haidang-store")
        # Only now: a pipeline that could not open leaves the run without a close
        # reason, and the runner reports that the crawl did not start.
        self.ctx = ctx
        self.flusher = LoopingCall(self._flush)
        self.flusher.start(
            settings.getfloat(BATCH_SECONDS_SETTING, DEFAULT_BATCH_SECONDS), now=False
        )

    def close_spider(self) -> Deferred[Any] | None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        if self.ctx is None:
            self._stop()
            return None
        self._flush()
        # The last batches are written, then the last articles analysed, then all stops.
        done = DeferredList(list(self.writing), consumeErrors=True)
        done.addCallback(lambda _: self._analyse_the_rest())
        return done.addBoth(lambda _: self._stop())

    def _analyse_the_rest(self) -> Deferred[Any] | None:
        ctx = self._context()
        if self.pool is None:
            if self.analyzer is not None:
                ctx.analysis.add(
                    analyse_all_pending(ctx.sessions, self.analyzer.analyze, config=ctx.config)
                )
            return None
        self._submit(final=True)
        # Nothing left to fetch or store: analysis may have the whole machine.
        self.pool.full_priority()
        logger.info(
            "waiting for the analysis of %s batch(es) of stored articles", len(self.analysing)
        )
        first = DeferredList(self.analysing, consumeErrors=True)
        return first.addCallback(lambda _: self._analyse_again())

    def _analyse_again(self) -> Deferred[Any] | None:
        """One more try for what the first round left pending (a worker failed, a lock
        wait timed out); what fails again is counted as failed and left for the next run."""
        ctx = self._context()
        with ctx.sessions() as session:
            left = [i for i in pending_ids(session) if i in self.submitted]
        self.last_round = True
        if not left:
            return None
        logger.warning("analysing %s stored article(s) again after a failure", len(left))
        self.analysing = []
        self.to_analyse = left
        self._submit(final=True)
        return DeferredList(self.analysing, consumeErrors=True)

    def _stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None
        if self.writer is not None:
            self.writer.shutdown(wait=True)
            self.writer = None

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleDraft):
            if item.source_id not in self.only_relevant:
                return _then(self._add(item, None), item)
            if self.pool is None:
                self._analyse_here(item)
                return item
            # Scrapy waits for this Deferred; its scraper slot bounds how many
            # responses (and so drafts) are in flight at once.
            return self.pool.analyze(item).addBoth(self._analysed, item)
        if isinstance(item, FetchResult):
            return _then(self._add(item), item)
        return item

    # -- articles that need their analysis before storing ---------------------

    def _analyse_here(self, draft: ArticleDraft) -> None:
        try:
            analysis = self.analyzer.analyze(draft)
        except Exception as exc:  # noqa: BLE001 - the dead-letter boundary: keep the URL, go on
            logger.exception("analysing %s failed", draft.url)
            self._add(_dead_letter(draft, exc))
            return
        self._add(draft, analysis)

    def _analysed(self, outcome: Analysis | Failure, draft: ArticleDraft) -> ArticleDraft:
        if isinstance(outcome, Failure):
            exc = outcome.value or RuntimeError(outcome.getErrorMessage())
            # The worker's own traceback rides along as the exception's __cause__.
            logger.error("analysing %s failed", draft.url, exc_info=exc)
            self._add(_dead_letter(draft, exc))
        else:
            self._add(draft, outcome)
        return draft

    # -- batches ----------------------------------------------------------------

    def _add(
        self, item: FetchResult | ArticleDraft, analysis: Analysis | None = None
    ) -> Deferred[Any] | None:
        """Queue an item; a full batch goes to the writer. When the writer lags behind,
        the Deferred returned makes Scrapy wait for it."""
        self.batch.append(item if isinstance(item, FetchResult) else (item, analysis))
        if len(self.batch) < self.batch_items:
            return None
        written = self._flush()
        return written if len(self.writing) > MAX_BATCHES_IN_FLIGHT else None

    def _flush(self) -> Deferred[Any] | None:
        """Hand the batch to the writer thread; its counts are taken back on the reactor thread."""
        batch, self.batch = self.batch, []
        if not batch or self.writer is None:
            return None
        written = as_deferred(self.writer.submit(self._write_batch, batch, clock.now()))
        self.writing.add(written)

        def settled(done: list[_Done] | Failure) -> None:
            self.writing.discard(written)
            if isinstance(done, Failure):
                logger.error("writing a batch failed: %s", done.getTraceback())
            else:
                self._count(done)

        return written.addBoth(settled)

    def _write_batch(
        self, batch: list[FetchResult | tuple[ArticleDraft, Analysis | None]], now: datetime
    ) -> list[_Done]:
        """In the writer thread: the batch in one transaction; should that fail, item by item."""
        try:
            with self._context().sessions() as session:
                done = self._write(session, batch, now)
                session.commit()
            return done
        except Exception:  # noqa: BLE001 - find the bad item: write them one by one
            logger.warning(
                "a batch of %s items failed; writing them one by one", len(batch), exc_info=True
            )
            return [d for item in batch for d in self._write_alone(item, now)]

    def _write_alone(
        self, item: FetchResult | tuple[ArticleDraft, Analysis | None], now: datetime
    ) -> list[_Done]:
        ctx = self._context()
        with ctx.sessions() as session:
            try:
                done = self._write(session, [item], now)
                session.commit()
                return done
            except Exception as exc:  # noqa: BLE001 - the dead-letter boundary: keep the URL, go on
                session.rollback()
                if isinstance(item, FetchResult):
                    logger.exception("recording %s %s failed", item.url, item.outcome.value)
                    return []
                logger.exception("storing %s failed", item[0].url)
                failed = _dead_letter(item[0], exc)
        return self._write_alone(failed, now)

    def _write(
        self,
        session: Session,
        batch: list[FetchResult | tuple[ArticleDraft, Analysis | None]],
        now: datetime,
    ) -> list[_Done]:
        ctx = self._context()
        # Analysed drafts are clustered at once: serialise with the analysis workers.
        begin_writing(
            session, serialise=any(isinstance(i, tuple) and i[1] is not None for i in batch)
        )
        done: list[_Done] = []
        succeeded: dict[str, set[str]] = {}
        for item in batch:
            if isinstance(item, FetchResult):
                if item.outcome in SUCCESS:
                    if (item.source_id, item.url) in self.open_failures:
                        succeeded.setdefault(item.source_id, set()).add(item.url)
                else:
                    # A success earlier in the batch is resolved before a new failure is noted.
                    crawl_state.resolve_failures(session, succeeded, now)
                    crawl_state.store_fetch_error(
                        session, item, crawl_run_id=ctx.crawl_run_id, config=ctx.config, now=now
                    )
                    self.open_failures.add((item.source_id, item.url))
                    if item.is_feed:
                        crawl_state.source_failed(session, item, ctx.config, now)
                done.append(_Done(item.source_id, fetch=item))
                continue
            draft, analysis = item
            if analysis is not None and not analysis.province.relevant:
                crawl_state.skip_irrelevant(session, draft, ctx.crawl_run_id, now)
                done.append(_Done(draft.source_id, skipped=True))
                continue
            if analysis is None:
                result = store(session, draft, None, now)
            else:
                result = ingest(session, draft, analysis, config=ctx.config, now=now)
            pending = analysis is None and result.status is not IngestStatus.UNCHANGED
            done.append(_Done(draft.source_id, stored=result, pending=pending))
        crawl_state.resolve_failures(session, succeeded, now)
        return done

    def _count(self, done: list[_Done]) -> None:
        ctx = self._context()
        stored: list[int] = []
        for item in done:
            tally = ctx.tally(item.source_id)
            if item.fetch is not None:
                result = item.fetch
                tally.fetched += 1
                outcome = result.outcome.value
                tally.outcomes[outcome] = tally.outcomes.get(outcome, 0) + 1
                if result.outcome not in SUCCESS:
                    tally.errors += 1
                elif result.is_feed:
                    self.feed_successes[result.source_id] = result
            elif item.skipped:
                tally.skipped += 1
            elif item.stored is not None:
                if item.stored.status is IngestStatus.NEW:
                    tally.new += 1
                elif item.stored.status is IngestStatus.UPDATED:
                    tally.updated += 1
                else:
                    tally.unchanged += 1
                if item.pending:
                    stored.append(item.stored.article_id)
        self._analyse_later(stored)

    # -- deferred analysis ----------------------------------------------------------

    def _analyse_later(self, article_ids: list[int]) -> None:
        if self.pool is None:
            return  # analysed in this process when the spider closes
        self.to_analyse.extend(article_ids)
        self._submit()

    def _submit(self, *, final: bool = False) -> None:
        """Hand the pool full batches of stored articles (and, at the end, the rest)."""
        pool = self.pool
        if pool is None:
            return
        while len(self.to_analyse) >= BATCH or (final and self.to_analyse):
            ids, self.to_analyse = self.to_analyse[:BATCH], self.to_analyse[BATCH:]
            self.submitted.update(ids)
            deferred = pool.analyse_stored(ids)
            deferred.addCallbacks(self._analysis_done, self._analysis_failed, errbackArgs=(ids,))
            self.analysing.append(deferred)

    def _analysis_done(self, tally: PendingTally) -> None:
        if not self.last_round:
            tally.failed = 0  # tried again before the crawl ends (_analyse_again)
        self._context().analysis.add(tally)

    def _analysis_failed(self, failure: Failure, ids: list[int]) -> None:
        logger.error("analysing stored articles %s failed: %s", ids, failure.getErrorMessage())
        if self.last_round:
            # The articles stay pending: the next run analyses them.
            self._context().analysis.failed += len(ids)

    # -- fetch outcomes -------------------------------------------------------

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
            for result in self.feed_successes.values():
                crawl_state.source_succeeded(session, result, ctx.config, now, save_validators)
            session.commit()
        self.feed_successes.clear()

    def _context(self) -> CrawlContext:
        if self.ctx is None:
            raise RuntimeError("IngestPipeline used before open_spider")
        return self.ctx


def _then(waiting: Deferred[Any] | None, item: Any) -> Any:
    """``item``, once ``waiting`` (if any) has fired."""
    return item if waiting is None else waiting.addBoth(lambda _: item)


def _dead_letter(draft: ArticleDraft, exc: BaseException) -> FetchResult:
    return FetchResult(
        source_id=draft.source_id,
        url=draft.url,
        outcome=Outcome.PARSE_ERROR,
        reason=f"analysis or storage failed: {type(exc).__name__}: {exc}",
        extra={"role": "article"},
    )


def _shareable_url(sessions: sessionmaker[Session]) -> str | None:
    """The database URL worker processes can open too (not an in-memory SQLite)."""
    bind = sessions.kw.get("bind")
    url = getattr(bind, "url", None)
    if url is None or (
        url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    ):
        return None
    return str(url.render_as_string(hide_password=False))
