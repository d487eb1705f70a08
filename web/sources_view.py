"""Source health for the "Nguồn tin" page, and the administrator's enable/disable switch.

The switch is stored as ``sources.enabled_override`` (with who and when);
``pipeline.ingest.sync_sources`` applies it over ``enabled`` from sources.yaml at
every sync, so it outlives a restart or a config reload. "Theo cấu hình" clears it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.schema import Config
from storage.models import Article, FetchError, Source

logger = logging.getLogger(__name__)


class Health(StrEnum):
    OK = "ok"
    FAILING = "failing"
    NEVER = "never"
    PAUSED = "paused"
    REMOVED = "removed"


HEALTH_LABELS = {
    Health.OK: "Hoạt động tốt",
    Health.FAILING: "Đang lỗi",
    Health.NEVER: "Chưa lấy tin",
    Health.PAUSED: "Tạm dừng",
    Health.REMOVED: "Đã bỏ khỏi cấu hình",
}


KIND_LABELS = {
    "provincial_press": "Báo chí địa phương",
    "national_press": "Báo chí trung ương",
    "government": "Cơ quan nhà nước",
    "foreign_press": "Báo chí nước ngoài",
    "blog": "Blog",
    "search": "Công cụ tìm kiếm",
    "social": "Mạng xã hội",
}


class SwitchAction(StrEnum):
    ENABLE = "bat"
    DISABLE = "tat"
    FOLLOW_CONFIG = "theo_cau_hinh"


@dataclass(frozen=True, kw_only=True)
class SourceHealth:
    source: Source
    health: Health
    articles: int
    articles_24h: int
    open_errors: int
    config_enabled: bool | None

    @property
    def health_label(self) -> str:
        return HEALTH_LABELS[self.health]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.source.kind, self.source.kind)


def _health(source: Source) -> Health:
    if source.removed_at is not None:
        return Health.REMOVED
    if not source.enabled:
        return Health.PAUSED
    if source.consecutive_failures > 0:
        return Health.FAILING
    if source.last_success_at is None:
        return Health.NEVER
    return Health.OK


def source_health(
    session: Session, config: Config, now: datetime | None = None
) -> list[SourceHealth]:
    now = now or datetime.now(UTC)
    since = now - timedelta(hours=24)
    totals = dict(
        session.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all()
    )
    recent = dict(
        session.execute(
            select(Article.source_id, func.count())
            .where(Article.fetched_at >= since)
            .group_by(Article.source_id)
        ).all()
    )
    errors = dict(
        session.execute(
            select(FetchError.source_id, func.count())
            .where(FetchError.resolved_at.is_(None))
            .group_by(FetchError.source_id)
        ).all()
    )
    rows = []
    for source in session.scalars(select(Source).order_by(Source.kind, Source.name)):
        configured = config.source(source.id)
        rows.append(
            SourceHealth(
                source=source,
                health=_health(source),
                articles=totals.get(source.id, 0),
                articles_24h=recent.get(source.id, 0),
                open_errors=errors.get(source.id, 0),
                config_enabled=configured.enabled if configured else None,
            )
        )
    # Problems first, so the administrator sees them without scrolling.
    order = [Health.FAILING, Health.NEVER, Health.OK, Health.PAUSED, Health.REMOVED]
    rows.sort(key=lambda r: order.index(r.health))
    return rows


class SourceNotFound(LookupError):
    pass


def switch_source(
    session: Session,
    config: Config,
    source_id: str,
    action: SwitchAction,
    actor: str,
    now: datetime | None = None,
) -> Source:
    """Enable, disable, or return a source to what sources.yaml says."""
    source = session.get(Source, source_id)
    if source is None:
        raise SourceNotFound(source_id)
    now = now or datetime.now(UTC)
    if action is SwitchAction.FOLLOW_CONFIG:
        configured = config.source(source_id)
        source.enabled_override = None
        source.override_by = None
        source.override_at = None
        source.enabled = bool(configured and configured.enabled and source.removed_at is None)
    else:
        source.enabled_override = action is SwitchAction.ENABLE
        source.override_by = actor
        source.override_at = now
        source.enabled = source.enabled_override and source.removed_at is None
    session.flush()
    logger.info("source %s: %s by %s (enabled=%s)", source_id, action.value, actor, source.enabled)
    return source
