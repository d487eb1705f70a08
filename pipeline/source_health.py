"""Source health (``haidang sources``): is each source still delivering?"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.schema import Config
from storage.models import Article, CrawlRun, Source
from storage.sources import next_due_at

# The error rate is taken over the runs of this period.
ERROR_RATE_WINDOW = timedelta(days=7)


@dataclass(frozen=True, kw_only=True)
class SourceHealth:
    id: str
    name: str
    type: str
    enabled: bool
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    items_24h: int
    items_7d: int
    fetches_7d: int
    errors_7d: int
    skipped_irrelevant: int
    next_due_at: datetime | None

    @property
    def error_rate(self) -> float | None:
        return self.errors_7d / self.fetches_7d if self.fetches_7d else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
        data["error_rate"] = None if self.error_rate is None else round(self.error_rate, 4)
        return data


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _items_since(session: Session, since: datetime) -> dict[str, int]:
    rows = session.execute(
        select(Article.source_id, func.count(Article.id))
        .where(Article.fetched_at >= since)
        .group_by(Article.source_id)
    )
    return {source_id: count for source_id, count in rows}


def _fetch_counts(session: Session, since: datetime) -> dict[str, tuple[int, int]]:
    """Per source: (fetches, errors) over the crawl runs since ``since``."""
    counts: dict[str, tuple[int, int]] = {}
    for stats in session.scalars(select(CrawlRun.stats).where(CrawlRun.started_at >= since)):
        per_source = stats.get("sources") if isinstance(stats, dict) else None
        if not isinstance(per_source, dict):
            continue
        for source_id, tally in per_source.items():
            fetched, errors = counts.get(source_id, (0, 0))
            counts[source_id] = (
                fetched + int(tally.get("fetched", 0)),
                errors + int(tally.get("errors", 0)),
            )
    return counts


def source_health(
    session: Session, config: Config, now: datetime | None = None
) -> list[SourceHealth]:
    """One row per configured source, in ``sources.yaml`` order."""
    now = now or datetime.now(UTC)
    rows = {row.id: row for row in session.scalars(select(Source))}
    day = _items_since(session, now - timedelta(days=1))
    week = _items_since(session, now - timedelta(days=7))
    fetches = _fetch_counts(session, now - ERROR_RATE_WINDOW)
    health: list[SourceHealth] = []
    for src in config.sources:
        row = rows.get(src.id)
        fetched, errors = fetches.get(src.id, (0, 0))
        health.append(
            SourceHealth(
                id=src.id,
                name=src.name,
                type=src.type.value,
                enabled=src.enabled,
                last_success_at=_aware(row.last_success_at) if row else None,
                last_error_at=_aware(row.last_error_at) if row else None,
                last_error=row.last_error if row else None,
                consecutive_failures=row.consecutive_failures if row else 0,
                items_24h=day.get(src.id, 0),
                items_7d=week.get(src.id, 0),
                fetches_7d=fetched,
                errors_7d=errors,
                skipped_irrelevant=row.skipped_irrelevant if row else 0,
                next_due_at=next_due_at(row, config) if row else None,
            )
        )
    return health
