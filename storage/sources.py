"""Crawl state of sources and failed URLs: when each is due next.

"Which sources are due" is defined here and nowhere else (:func:`next_due_at`):
a source's own ``interval_minutes`` (or the schedule's default) after its last
attempt, doubled for each consecutive failure, up to ``backoff_max_hours``.
Failed article URLs back off the same way (:func:`retry_at`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.schema import Config
from storage.models import FetchError, Source

# The first retry of a failed article URL waits this long; each later one twice as long.
RETRY_BASE = timedelta(minutes=30)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes even for timezone-aware columns.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def interval(config: Config, source_id: str) -> timedelta:
    src = config.source(source_id)
    minutes = (
        src.interval_minutes if src else None
    ) or config.schedule.crawl.default_interval_minutes
    return timedelta(minutes=minutes)


def backoff(base: timedelta, failures: int, max_hours: int) -> timedelta:
    """``base`` doubled per failure, capped at ``max_hours`` (and never below ``base``)."""
    if failures <= 0:
        return base
    capped = min(base * (2 ** min(failures, 20)), timedelta(hours=max_hours))
    return max(capped, base)


def next_due_at(row: Source, config: Config) -> datetime | None:
    """When ``row`` is next due; ``None`` means never crawled, so due now."""
    last = max(
        (m for m in (_aware(row.last_success_at), _aware(row.last_error_at)) if m is not None),
        default=None,
    )
    if last is None:
        return None
    wait = backoff(
        interval(config, row.id), row.consecutive_failures, config.schedule.crawl.backoff_max_hours
    )
    return last + wait


def due_sources(session: Session, config: Config, now: datetime | None = None) -> list[str]:
    """Ids of enabled, configured sources due at ``now``, longest-waiting first."""
    now = now or datetime.now(UTC)
    configured = {s.id for s in config.sources if s.enabled}
    due: list[tuple[datetime, str]] = []
    for row in session.scalars(select(Source).where(Source.enabled.is_(True))):
        if row.id not in configured:
            continue
        at = next_due_at(row, config)
        if at is None or at <= now:
            due.append((at or datetime.min.replace(tzinfo=UTC), row.id))
    return [source_id for _, source_id in sorted(due)]


def retry_at(attempts: int, now: datetime, max_hours: int) -> datetime:
    """When a URL that has failed ``attempts`` times is tried again."""
    return now + backoff(RETRY_BASE, attempts - 1, max_hours)


def retry_urls(
    session: Session, source_id: str, now: datetime | None, exclude: str = ""
) -> list[str]:
    """Unresolved failed article URLs of a source due for retry (all of them when ``now`` is None)."""
    query = select(FetchError.url).where(
        FetchError.source_id == source_id,
        FetchError.resolved_at.is_(None),
        FetchError.next_retry_at.is_not(None),
        FetchError.url != exclude,
    )
    if now is not None:
        query = query.where(FetchError.next_retry_at <= now)
    return list(dict.fromkeys(session.scalars(query.order_by(FetchError.at))))
