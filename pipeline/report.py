"""The annual report (plan §III.2), due to the department before 10 November.

``build_report`` gathers the year's figures once; ``pipeline.report_render`` writes
them as DOCX (what the office files), HTML and PDF (for reading).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.schema import Config
from pipeline.clock import day_bounds
from pipeline.triage import Action
from storage.models import Article, ArticleTopic, Flag, Source

MONTHS = tuple(range(1, 13))


@dataclass(frozen=True, kw_only=True)
class SectionRow:
    topic: str
    name: str
    plan: str
    by_month: tuple[int, ...]  # 12 counts

    @property
    def total(self) -> int:
        return sum(self.by_month)


@dataclass(frozen=True, kw_only=True)
class NotableItem:
    title: str
    url: str
    source: str
    published: date
    reason: str


@dataclass(frozen=True, kw_only=True)
class AnnualReport:
    year: int
    province: str
    generated_at: datetime
    total: int
    province_total: int
    province_by_month: tuple[int, ...]
    total_by_month: tuple[int, ...]
    sections: tuple[SectionRow, ...]
    top_outlets: tuple[tuple[str, int, int], ...]  # name, items, province items
    flags_total: int
    flags_by_severity: tuple[tuple[str, int], ...]
    responded: int
    median_hours_to_respond: float | None
    notable: tuple[NotableItem, ...]
    sources_added: tuple[str, ...]
    sources_lost: tuple[str, ...]

    @property
    def province_share(self) -> float:
        return self.province_total / self.total if self.total else 0.0


def _response_time_hours(flag: Flag) -> float | None:
    """Hours from the flag to its first recorded official response."""
    for event in flag.events:
        if event.action == Action.RESPOND:
            return (event.at - flag.created_at).total_seconds() / 3600
    return None


def build_report(session: Session, config: Config, year: int, now: datetime) -> AnnualReport:
    tz = ZoneInfo(config.schedule.timezone)
    start, _ = day_bounds(date(year, 1, 1), config.schedule.timezone)
    end, _ = day_bounds(date(year + 1, 1, 1), config.schedule.timezone)
    when = Article.seen_at
    in_year = (when >= start) & (when < end)

    total_by_month: Counter[int] = Counter()
    province_by_month: Counter[int] = Counter()
    outlets: Counter[str] = Counter()
    outlets_province: Counter[str] = Counter()
    rows = session.execute(
        select(Article.published_at, Article.fetched_at, Article.province_relevant, Source.name)
        .join(Source, Source.id == Article.source_id)
        .where(in_year)
    )
    for published, fetched, relevant, source in rows:
        month = (published or fetched).astimezone(tz).month
        total_by_month[month] += 1
        outlets[source] += 1
        if relevant:
            province_by_month[month] += 1
            outlets_province[source] += 1

    per_topic: dict[str, Counter[int]] = defaultdict(Counter)
    for topic, published, fetched in session.execute(
        select(ArticleTopic.topic, Article.published_at, Article.fetched_at)
        .join(Article, Article.id == ArticleTopic.article_id)
        .where(in_year)
    ):
        per_topic[topic][(published or fetched).astimezone(tz).month] += 1
    sections = tuple(
        SectionRow(topic=t.id, name=t.name, plan=t.plan, by_month=tuple(per_topic[t.id][m] for m in MONTHS))
        for t in config.topics
    )

    flags = list(session.scalars(select(Flag).where(Flag.created_at >= start, Flag.created_at < end)))
    hours = [h for h in (_response_time_hours(f) for f in flags) if h is not None]
    severity = Counter(f.severity for f in flags)

    notable = []
    for flag in sorted(flags, key=lambda f: -f.score)[:5]:
        a = flag.article
        notable.append(NotableItem(title=a.title, url=a.url, source=a.source.name,
                                   published=(a.published_at or a.fetched_at).astimezone(tz).date(),
                                   reason=f"gắn cờ mức {flag.severity}, điểm {flag.score:.2f}"))
    widest = session.execute(
        select(Article.cluster_id, func.count(Article.id))
        .where(in_year, Article.province_relevant.is_(True), Article.cluster_id.is_not(None))
        .group_by(Article.cluster_id)
        .order_by(func.count(Article.id).desc())
        .limit(5)
    ).all()
    for cluster_id, size in widest:
        if size < 2:
            continue
        first = session.scalars(select(Article).where(Article.cluster_id == cluster_id).order_by(when)).first()
        if first is not None:
            notable.append(NotableItem(title=first.title, url=first.url, source=first.source.name,
                                       published=first.seen_at.astimezone(tz).date(),
                                       reason=f"về tỉnh, được {size} cơ quan báo chí đưa tin"))

    sources = list(session.scalars(select(Source)))
    return AnnualReport(
        year=year,
        province=config.province.province.name,
        generated_at=now,
        total=sum(total_by_month.values()),
        province_total=sum(province_by_month.values()),
        province_by_month=tuple(province_by_month[m] for m in MONTHS),
        total_by_month=tuple(total_by_month[m] for m in MONTHS),
        sections=sections,
        top_outlets=tuple((name, n, outlets_province[name]) for name, n in outlets.most_common(10)),
        flags_total=len(flags),
        flags_by_severity=tuple(sorted(severity.items())),
        responded=len(hours),
        median_hours_to_respond=round(statistics.median(hours), 1) if hours else None,
        notable=tuple(notable),
        sources_added=tuple(sorted(s.name for s in sources if s.added_at and start <= s.added_at < end)),
        sources_lost=tuple(sorted(s.name for s in sources if s.removed_at and start <= s.removed_at < end)),
    )
