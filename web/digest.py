"""The "Hôm nay" page's view of the daily digest (``pipeline.digest.build_digest``).

The digest itself (sections, collapsed story clusters, flags) is built by the pipeline,
as for the e-mailed digest; this module only puts the sections in TOPICS.md order,
drops sections with nothing to show and adds the small per-day chart of each section.
Days are calendar days in the configured time zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.schema import Config
from pipeline.clock import day_bounds, local_today
from pipeline.digest import Digest, DigestItem, FlagLine, build_digest
from storage.models import Article, ArticleTopic
from web.charts import BarChart, bar_chart
from web.templating import as_utc

HISTORY_DAYS = 7
UNTAGGED = ""
UNTAGGED_NAME = "Chưa xếp vào mục nào"


@dataclass(frozen=True, kw_only=True)
class Section:
    topic_id: str
    name: str
    plan: str
    items: tuple[DigestItem, ...]
    today: int
    province_stories: int
    previous_total: int
    chart: BarChart

    @property
    def previous_average(self) -> float:
        return self.previous_total / HISTORY_DAYS


@dataclass(frozen=True, kw_only=True)
class DigestPage:
    day: date
    start: datetime
    total_today: int
    province_today: int
    sections: tuple[Section, ...]
    new_flags: tuple[FlagLine, ...]
    overdue_flags: tuple[FlagLine, ...]


def daily_counts(session: Session, config: Config, days: list[date]) -> dict[tuple[date, str], int]:
    """Articles per (local day, topic) over ``days`` (consecutive); untagged under ``UNTAGGED``."""
    tz = config.schedule.timezone
    start, _ = day_bounds(days[0], tz)
    _, end = day_bounds(days[-1], tz)
    when = Article.seen_at
    rows = session.execute(
        select(Article.id, when, ArticleTopic.topic)
        .outerjoin(ArticleTopic, ArticleTopic.article_id == Article.id)
        .where(when >= start, when < end)
    ).all()
    seen: dict[tuple[date, str], set[int]] = defaultdict(set)
    for article_id, at, topic in rows:
        seen[(local_today(tz, as_utc(at)), topic or UNTAGGED)].add(article_id)
    return {key: len(ids) for key, ids in seen.items()}


def _chart(name: str, days: list[date], counts: list[int], today: date) -> BarChart:
    return bar_chart(
        name,
        [
            (("Hôm nay" if day == today else f"{day:%d/%m}") + f" — {name}", f"{day:%d/%m}", count)
            for day, count in zip(days, counts, strict=True)
        ],
    )


def _ordered(
    digest: Digest,
) -> list[tuple[str, str, str, tuple[DigestItem, ...], int | None]]:
    """(topic id, name, plan, items, articles today) in the digest's order; untagged last.

    The digest counts untagged stories, not articles: their count comes from the chart's data.
    """
    out: list[tuple[str, str, str, tuple[DigestItem, ...], int | None]] = [
        (s.topic, s.name, s.plan, s.items, s.count) for s in digest.sections
    ]
    out.append((UNTAGGED, UNTAGGED_NAME, "", digest.untagged, None))
    return out


def digest_page(session: Session, config: Config, day: date, now: datetime) -> DigestPage:
    """The day's digest, ready for the template."""
    digest = build_digest(session, config, day, now)
    days = [day - timedelta(days=k) for k in range(HISTORY_DAYS, -1, -1)]
    counts = daily_counts(session, config, days)
    sections = []
    for topic_id, name, plan, items, today_count in _ordered(digest):
        series = [counts.get((d, topic_id), 0) for d in days]
        if not items and not any(series):
            continue
        sections.append(
            Section(
                topic_id=topic_id,
                name=name,
                plan=plan,
                items=items,
                today=series[-1] if today_count is None else today_count,
                province_stories=sum(1 for i in items if i.province_relevant),
                previous_total=sum(series[:-1]),
                chart=_chart(name, days, series, day),
            )
        )
    start, _ = day_bounds(day, config.schedule.timezone)
    return DigestPage(
        day=day,
        start=start,
        total_today=digest.total,
        province_today=digest.province_total,
        sections=tuple(sections),
        new_flags=digest.new_flags,
        overdue_flags=digest.overdue_flags,
    )
