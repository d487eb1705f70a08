"""Crawl state in the database: which URLs need no fetch, fetch failures and their
retries, and each source's health (failures, validators, next due time).

Used by the crawl's item pipeline (:mod:`pipeline.scrapy_ingest`), which decides
when these are written, and by the crawl runner (:mod:`pipeline.crawl`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from config.schema import Config
from crawlers.canonical import canonicalize
from crawlers.records import ArticleDraft, FetchResult, Outcome
from storage.models import Article, FetchError, Source
from storage.sources import next_due_at, retry_at

logger = logging.getLogger(__name__)

# Roles whose failures are not retried URL by URL: the source's own fetch
# retries them (a feed on its schedule, a sitemap or listing page from its parent).
NOT_RETRIED_ALONE = frozenset({"feed", "sitemap_child", "listing_page"})
# Bound on the URLs of one IN (...) question.
CHUNK = 500


def chunks(values: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


def known_urls(session: Session, urls: Sequence[str]) -> set[str]:
    """Which of ``urls`` need not be followed now: already stored (by URL or canonical
    URL), deliberately skipped as irrelevant, or failed URLs that the retry schedule
    owns (retried when due, with back-off, not each time a feed lists them again).

    Two questions for the whole list, whatever its length (up to 500 URLs a question).
    """
    canonical = {url: canonicalize(url) for url in urls}
    every = sorted(set(canonical) | set(canonical.values()))
    found: set[str] = set()
    for chunk in chunks(every):
        found.update(
            *session.execute(
                select(Article.canonical_url, Article.url).where(
                    or_(Article.canonical_url.in_(chunk), Article.url.in_(chunk))
                )
            ).all()
        )
        found.update(
            session.scalars(
                select(FetchError.url).where(
                    FetchError.url.in_(chunk),
                    or_(
                        FetchError.outcome == Outcome.SKIPPED_IRRELEVANT.value,
                        FetchError.resolved_at.is_(None),
                    ),
                )
            )
        )
    return {url for url in urls if url in found or canonical[url] in found}


def skip_irrelevant(
    session: Session, draft: ArticleDraft, crawl_run_id: int, now: datetime
) -> None:
    """Count an item a relevant-only source did not keep, and remember its URL as skipped."""
    source = session.get(Source, draft.source_id)
    if source is not None:
        source.skipped_irrelevant += 1
    # Remembered (resolved at once) so later runs do not fetch it again.
    session.add(
        FetchError(
            crawl_run_id=crawl_run_id,
            source_id=draft.source_id,
            url=draft.canonical_url,
            outcome=Outcome.SKIPPED_IRRELEVANT.value,
            reason="not about the province; source keeps only relevant items",
            at=now,
            resolved_at=now,
        )
    )


def resolve_failures(session: Session, succeeded: dict[str, set[str]], now: datetime) -> None:
    """Mark the open failures of URLs fetched successfully as resolved (one UPDATE per source).

    Only URLs with an open failure come here (``open_failures``, loaded when the
    spider opens and kept up to date), so most batches need no UPDATE at all.
    """
    for source_id, urls in succeeded.items():
        for chunk in chunks(sorted(urls)):
            session.execute(
                update(FetchError)
                .where(
                    FetchError.source_id == source_id,
                    FetchError.url.in_(chunk),
                    FetchError.resolved_at.is_(None),
                )
                .values(resolved_at=now)
                .execution_options(synchronize_session=False)
            )
    succeeded.clear()


def store_fetch_error(
    session: Session, result: FetchResult, *, crawl_run_id: int, config: Config, now: datetime
) -> None:
    """Record a failed fetch (or count one more attempt of an open failure) with its retry time."""
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
    row.crawl_run_id = crawl_run_id
    row.outcome = result.outcome.value
    row.reason = result.reason
    row.http_status = result.http_status
    row.at = now
    max_hours = config.schedule.crawl.backoff_max_hours
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


def source_failed(session: Session, result: FetchResult, config: Config, now: datetime) -> None:
    """A source's own fetch (its feed, sitemap or page) failed: count it, schedule the next."""
    source = session.get(Source, result.source_id)
    if source is None:
        return
    source.consecutive_failures = (source.consecutive_failures or 0) + 1
    source.last_error_at = now
    source.last_error = f"{result.outcome.value}: {result.reason}"
    source.next_fetch_at = next_due_at(source, config)


def source_succeeded(
    session: Session, result: FetchResult, config: Config, now: datetime, save_validators: bool
) -> None:
    """A source's own fetch succeeded: reset its failures, keep its validators, schedule it."""
    source = session.get(Source, result.source_id)
    if source is None:
        return
    source.consecutive_failures = 0
    source.last_success_at = now
    if save_validators and result.outcome is Outcome.OK:
        source.etag = result.etag
        source.last_modified = result.last_modified
    source.next_fetch_at = next_due_at(source, config)
