"""The daily digest: one day's coverage by plan section, in TOPICS.md order.

``build_digest`` gathers the data once; ``pipeline.digest_render`` turns it into
plain text, Markdown or an HTML e-mail, and the web app's "Hôm nay" page shows it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.schema import Config
from pipeline.clock import day_bounds
from pipeline.triage import current_status, is_overdue
from storage.models import Article, ArticleTopic, FetchError, Flag, Source

BASELINE_DAYS = 7


@dataclass(frozen=True, kw_only=True)
class DigestItem:
    article_id: int
    title: str
    url: str
    source: str
    published_at: datetime
    province_relevant: bool
    flagged: bool = False
    # Other outlets carrying the same story (collapsed cluster), earliest first.
    outlets: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DigestSection:
    topic: str
    name: str
    plan: str
    count: int
    baseline: float
    items: tuple[DigestItem, ...]

    @property
    def change(self) -> float:
        return self.count - self.baseline


@dataclass(frozen=True, kw_only=True)
class FlagLine:
    flag_id: int
    title: str
    severity: str
    status: str
    due_at: datetime | None
    overdue: bool


@dataclass(frozen=True, kw_only=True)
class FailedSource:
    source_id: str
    name: str
    failures: int
    outcome: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Digest:
    day: date
    timezone: str
    total: int
    province_total: int
    sections: tuple[DigestSection, ...]
    new_flags: tuple[FlagLine, ...] = ()
    overdue_flags: tuple[FlagLine, ...] = ()
    failed_sources: tuple[FailedSource, ...] = ()
    untagged: tuple[DigestItem, ...] = field(default=())



def _collapse(articles: list[Article], flagged_ids: set[int]) -> list[DigestItem]:
    """One item per story cluster: its earliest article, with the other outlets named."""
    by_story: dict[object, list[Article]] = defaultdict(list)
    for article in articles:
        key = ("c", article.cluster_id) if article.cluster_id is not None else ("a", article.id)
        by_story[key].append(article)
    items = []
    for members in by_story.values():
        members.sort(key=lambda a: a.published_at or a.fetched_at)
        head = members[0]
        outlets = tuple(dict.fromkeys(m.source.name for m in members[1:] if m.source_id != head.source_id))
        items.append(
            DigestItem(
                article_id=head.id,
                title=head.title,
                url=head.url,
                source=head.source.name,
                published_at=head.published_at or head.fetched_at,
                province_relevant=any(m.province_relevant for m in members),
                flagged=any(m.id in flagged_ids for m in members),
                outlets=outlets,
            )
        )
    # Province-relevant first, then flagged, then newest.
    items.sort(key=lambda i: (not i.province_relevant, not i.flagged, -i.published_at.timestamp()))
    return items


def _baseline(session: Session, start: datetime) -> dict[str, float]:
    since = start - timedelta(days=BASELINE_DAYS)
    rows = session.execute(
        select(ArticleTopic.topic, func.count(ArticleTopic.article_id))
        .join(Article, Article.id == ArticleTopic.article_id)
        .where(Article.seen_at >= since, Article.seen_at < start)
        .group_by(ArticleTopic.topic)
    )
    return {topic: count / BASELINE_DAYS for topic, count in rows}


def _flag_lines(session: Session, start: datetime, end: datetime, now: datetime) -> tuple[list[FlagLine], list[FlagLine]]:
    new, overdue = [], []
    for flag in session.scalars(select(Flag).where(Flag.created_at < end)):
        status = current_status(flag)
        late = is_overdue(flag, now, status)
        line = FlagLine(
            flag_id=flag.id,
            title=flag.article.title,
            severity=flag.severity,
            status=status.value,
            due_at=flag.due_at,
            overdue=late,
        )
        if start <= flag.created_at < end:
            new.append(line)
        if late:
            overdue.append(line)
    return new, overdue


def _failed_sources(session: Session, start: datetime, end: datetime) -> list[FailedSource]:
    rows = session.execute(
        select(FetchError.source_id, func.count(FetchError.id), func.max(FetchError.id))
        .where(FetchError.at >= start, FetchError.at < end)
        .group_by(FetchError.source_id)
    ).all()
    failed = []
    for source_id, failures, last_id in rows:
        last = session.get(FetchError, last_id)
        source = session.get(Source, source_id)
        failed.append(
            FailedSource(
                source_id=source_id,
                name=source.name if source else source_id,
                failures=failures,
                outcome=last.outcome if last else "",
                reason=last.reason if last else "",
            )
        )
    failed.sort(key=lambda f: (-f.failures, f.name))
    return failed


def build_digest(session: Session, config: Config, day: date, now: datetime | None = None) -> Digest:
    """Gather one day's digest.

    Example: ``build_digest(session, load_config(), date(2026, 11, 26))`` — mục "Biển, đảo"
    lists the day's items about Trường Sa first when they concern Bình Thuận.
    """
    start, end = day_bounds(day, config.schedule.timezone)
    now = now or end
    articles = list(
        session.scalars(select(Article).where(Article.seen_at >= start, Article.seen_at < end))
    )
    flagged_ids = set(
        session.scalars(select(Flag.article_id).where(Flag.article_id.in_([a.id for a in articles])))
    ) if articles else set()
    by_topic: dict[str, list[Article]] = defaultdict(list)
    untagged = []
    for article in articles:
        for topic in article.topics:
            by_topic[topic.topic].append(article)
        if not article.topics:
            untagged.append(article)
    baseline = _baseline(session, start)
    sections = tuple(
        DigestSection(
            topic=topic.id,
            name=topic.name,
            plan=topic.plan,
            count=len(by_topic.get(topic.id, [])),
            baseline=round(baseline.get(topic.id, 0.0), 2),
            items=tuple(_collapse(by_topic.get(topic.id, []), flagged_ids)),
        )
        for topic in config.topics
    )
    new_flags, overdue = _flag_lines(session, start, end, now)
    return Digest(
        day=day,
        timezone=config.schedule.timezone,
        total=len(articles),
        province_total=sum(1 for a in articles if a.province_relevant),
        sections=sections,
        new_flags=tuple(new_flags),
        overdue_flags=tuple(overdue),
        failed_sources=tuple(_failed_sources(session, start, end)),
        untagged=tuple(_collapse(untagged, flagged_ids)),
    )
