"""The crawl runner: configured sources -> one Scrapy run -> stored articles and crawl state.

:func:`crawl_once` is the one entry point (``haidang crawl``, ``haidang demo``,
the scheduler). Scrapy's Twisted reactor cannot be restarted, so it runs one
crawl per process; code that needs several crawls runs each in its own process
(``python -m pipeline.crawl`` or ``haidang crawl``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scrapy.crawler import CrawlerProcess
from sqlalchemy.orm import Session, sessionmaker

from config.schema import Config
from crawlers.settings import parse_setting, scrapy_settings
from crawlers.spiders import SourceJob, SourcesSpider
from pipeline import clock
from pipeline.crawl_state import known_urls
from pipeline.errors import UserError
from pipeline.ingest import sync_sources
from pipeline.pending import PendingTally, count_pending
from pipeline.scrapy_ingest import CrawlContext, SourceTally
from storage.models import CrawlRun, Source
from storage.sources import due_sources, retry_urls

logger = logging.getLogger(__name__)

ITEM_PIPELINE = "pipeline.scrapy_ingest.IngestPipeline"


class CrawlFailed(UserError):
    """The Scrapy run did not start (e.g. the analyser could not load); the log says why."""


@dataclass
class CrawlSummary:
    """Per source: fetched, new, updated, unchanged, skipped, errors; plus totals."""

    run_id: int
    started_at: datetime
    finished_at: datetime | None = None
    sources: dict[str, SourceTally] = field(default_factory=dict)
    close_reason: str = ""
    # Stored articles analysed after storing (this run's and any an earlier run left),
    # and how many still wait (analysis failed: the next run tries again).
    analysis: PendingTally = field(default_factory=PendingTally)
    still_pending: int = 0

    @property
    def totals(self) -> SourceTally:
        total = SourceTally()
        for tally in self.sources.values():
            total.fetched += tally.fetched
            total.new += tally.new
            total.updated += tally.updated
            total.unchanged += tally.unchanged
            total.skipped += tally.skipped
            total.errors += tally.errors
            for outcome, count in tally.outcomes.items():
                total.outcomes[outcome] = total.outcomes.get(outcome, 0) + count
        return total

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "close_reason": self.close_reason,
            "sources": {sid: tally.to_json() for sid, tally in sorted(self.sources.items())},
            "totals": self.totals.to_json(),
            "analysis": {**self.analysis.to_json(), "still_pending": self.still_pending},
        }


def select_sources(
    session: Session,
    config: Config,
    source_ids: list[str] | None,
    *,
    due_only: bool,
    now: datetime,
) -> list[str]:
    """The sources this run crawls: the named ones, or every enabled one, or the due ones."""
    enabled = [s.id for s in config.sources if s.enabled]
    if source_ids:
        unknown = [sid for sid in source_ids if config.source(sid) is None]
        if unknown:
            raise UserError(f"unknown source id(s): {', '.join(unknown)} (see config/sources.yaml)")
        chosen = list(dict.fromkeys(source_ids))
    else:
        chosen = enabled
    if due_only:
        due = set(due_sources(session, config, now))
        chosen = [sid for sid in chosen if sid in due]
    return chosen


def build_jobs(
    session: Session, config: Config, source_ids: list[str], now: datetime
) -> list[SourceJob]:
    jobs: list[SourceJob] = []
    for source_id in source_ids:
        src = config.source(source_id)
        row = session.get(Source, source_id)
        if src is None or row is None:
            continue
        jobs.append(
            SourceJob(
                source_id=src.id,
                type=src.type.value,
                url=src.url,
                etag=row.etag,
                last_modified=row.last_modified,
                max_entries=config.schedule.crawl.max_entries_per_feed,
                link_selector=src.link_selector,
                next_selector=src.next_selector,
                max_pages=src.max_pages,
                max_age_days=src.max_age_days,
                retry_urls=tuple(retry_urls(session, src.id, now, exclude=src.url)),
            )
        )
    return jobs


def crawl_once(
    config: Config,
    sessions: sessionmaker[Session],
    *,
    source_ids: list[str] | None = None,
    settings_overrides: dict[str, Any] | None = None,
    trigger: str = "cli",
    due_only: bool = False,
) -> CrawlSummary:
    """Crawl the chosen sources once (all enabled ones by default; ``due_only`` for the schedule).

    Once per process: Scrapy's reactor cannot start twice. Articles are stored first
    and analysed after (``pipeline.pending``); this returns once they are analysed,
    together with any an earlier, interrupted run left pending.
    """
    now = clock.now()
    with sessions() as session:
        sync_sources(session, config, now)
        session.commit()
        chosen = select_sources(session, config, source_ids, due_only=due_only, now=now)
        run = CrawlRun(started_at=now, trigger=trigger, stats={"sources": chosen})
        session.add(run)
        session.commit()
        run_id = run.id
        jobs = build_jobs(session, config, chosen, now)
    summary = CrawlSummary(run_id=run_id, started_at=now)
    ctx = CrawlContext(config=config, sessions=sessions, crawl_run_id=run_id)
    for job in jobs:
        ctx.tally(job.source_id)
    if jobs:
        _run_scrapy(config, sessions, jobs, ctx, settings_overrides)
    else:
        ctx.analysis = analyse_leftovers(config, sessions)
    summary.sources = ctx.tallies
    summary.analysis = ctx.analysis
    summary.close_reason = ctx.close_reason or ("did not run" if jobs else "nothing due")
    summary.finished_at = clock.now()
    with sessions() as session:
        summary.still_pending = count_pending(session)
        if summary.still_pending:
            logger.error(
                "%s stored article(s) are not analysed yet; the next crawl tries again",
                summary.still_pending,
            )
        run_row = session.get(CrawlRun, run_id)
        if run_row is not None:
            run_row.finished_at = summary.finished_at
            run_row.stats = summary.to_json()
        session.commit()
    if jobs and not ctx.close_reason:
        raise CrawlFailed(
            f"crawl run {run_id} did not start; the log above says why (--verbose for more)"
        )
    return summary


def analyse_leftovers(config: Config, sessions: sessionmaker[Session]) -> PendingTally:
    """Analyse, in this process, what an interrupted run stored and left pending.

    For a run with nothing to crawl; a crawl hands them to its own workers.
    """
    with sessions() as session:
        if not count_pending(session):
            return PendingTally()
    from nlp import Analyzer  # heavy (models): only when there is something to analyse
    from pipeline.pending import analyse_all_pending

    return analyse_all_pending(sessions, Analyzer(config).analyze, config=config)


def _run_scrapy(
    config: Config,
    sessions: sessionmaker[Session],
    jobs: list[SourceJob],
    ctx: CrawlContext,
    overrides: dict[str, Any] | None,
) -> None:
    settings = scrapy_settings(config.schedule.crawl, overrides)
    settings["ITEM_PIPELINES"] = {ITEM_PIPELINE: 300}
    lookup = sessions()

    def known(urls: Sequence[str]) -> set[str]:
        try:
            return known_urls(lookup, urls)
        finally:
            lookup.rollback()  # a fresh snapshot each time; never hold a transaction open

    level = logging.root.level
    settings["LOG_INSTALL_ROOT_HANDLER"] = False  # the command's own logging set-up stands
    process = CrawlerProcess(settings)
    # Scrapy lowers the root logger to NOTSET; the command's own level stands,
    # and Scrapy's own chatter (stats dumps) stays at warnings unless asked for.
    logging.root.setLevel(level)
    logging.getLogger("scrapy").setLevel(
        level if level and level < logging.WARNING else logging.WARNING
    )
    process.crawl(SourcesSpider, jobs=jobs, known_urls=known, ingest_context=ctx)
    try:
        process.start()
    finally:
        lookup.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.crawl [--due] [--source ID ...] [--set KEY=VALUE ...]``: JSON summary on stdout."""
    from config.loader import load_config
    from storage.db import make_engine, session_factory
    from storage.migrate import upgrade

    parser = argparse.ArgumentParser(prog="python -m pipeline.crawl", description=main.__doc__)
    parser.add_argument("--source", action="append", dest="sources", default=None)
    parser.add_argument("--due", action="store_true", help="only sources that are due")
    parser.add_argument(
        "--set", action="append", type=parse_setting, default=[], help="Scrapy setting"
    )
    parser.add_argument("--trigger", default="cli")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    config = load_config()
    engine = make_engine()
    upgrade(engine)
    summary = crawl_once(
        config,
        session_factory(engine),
        source_ids=args.sources,
        settings_overrides=dict(args.set),
        trigger=args.trigger,
        due_only=args.due,
    )
    json.dump(summary.to_json(), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
