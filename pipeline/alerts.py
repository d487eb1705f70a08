"""Alerts: coverage that rises clearly above its own baseline, and high-severity flags.

A spike is judged with a Poisson test: today's count so far against the mean daily
count of the previous ``baseline_days`` days. Unlike a fixed multiplier this behaves at
tens of items a day: 6 items where 1.2 is usual is a spike, 60 where 50 is usual is not.
Each event has a key (``spike:bien_dao:2026-11-26``, ``flag:17``); it alerts once.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scipy.stats import poisson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.schema import Config
from pipeline.clock import day_bounds
from pipeline.mailer import Outbox, build_message, deliver
from storage.models import AlertSent, Article, ArticleTopic, Flag

logger = logging.getLogger(__name__)

PROVINCE = "province"
# A quiet topic (mean 0) would make any single item a spike; this floor keeps it sane.
MIN_BASELINE = 0.5


@dataclass(frozen=True, kw_only=True)
class AlertEvent:
    key: str
    kind: str
    subject: str
    count: int = 0
    baseline: float = 0.0
    p_value: float | None = None
    items: tuple[tuple[str, str], ...] = ()  # (title, url)



def _daily_counts(session: Session, config: Config, start: datetime, until: datetime) -> dict[str, Counter[date]]:
    tz = ZoneInfo(config.schedule.timezone)
    counts: dict[str, Counter[date]] = {}
    rows = session.execute(
        select(ArticleTopic.topic, Article.published_at, Article.fetched_at)
        .join(Article, Article.id == ArticleTopic.article_id)
        .where(Article.seen_at >= start, Article.seen_at <= until)
    )
    for topic, published, fetched in rows:
        counts.setdefault(topic, Counter())[(published or fetched).astimezone(tz).date()] += 1
    province_rows = session.execute(
        select(Article.published_at, Article.fetched_at).where(
            Article.province_relevant.is_(True), Article.seen_at >= start, Article.seen_at <= until
        )
    )
    for published, fetched in province_rows:
        counts.setdefault(PROVINCE, Counter())[(published or fetched).astimezone(tz).date()] += 1
    return counts


def spike_p_value(count: int, baseline: float) -> float:
    """P(X >= count) for X ~ Poisson(max(baseline, MIN_BASELINE))."""
    return float(poisson.sf(count - 1, max(baseline, MIN_BASELINE)))


def _items(session: Session, subject: str, start: datetime, until: datetime, limit: int = 10) -> tuple[tuple[str, str], ...]:
    query = select(Article.title, Article.url).where(Article.seen_at >= start, Article.seen_at <= until)
    if subject == PROVINCE:
        query = query.where(Article.province_relevant.is_(True))
    else:
        query = query.join(ArticleTopic, ArticleTopic.article_id == Article.id).where(ArticleTopic.topic == subject)
    return tuple((t, u) for t, u in session.execute(query.order_by(Article.seen_at.desc()).limit(limit)))


def find_alerts(session: Session, config: Config, now: datetime) -> list[AlertEvent]:
    """Every alert that is due now and has not been sent."""
    settings = config.schedule.alerts
    today = now.astimezone(ZoneInfo(config.schedule.timezone)).date()
    day_start, _ = day_bounds(today, config.schedule.timezone)
    window_start, _ = day_bounds(today - timedelta(days=settings.baseline_days), config.schedule.timezone)
    counts = _daily_counts(session, config, window_start, now)
    events = []
    subjects = [t.id for t in config.topics] + [PROVINCE]
    names = {t.id: t.name for t in config.topics} | {PROVINCE: config.province.province.name}
    for subject in subjects:
        daily = counts.get(subject, Counter())
        count = daily.get(today, 0)
        baseline = sum(daily.get(today - timedelta(days=d), 0) for d in range(1, settings.baseline_days + 1)) / settings.baseline_days
        if count < settings.min_count:
            continue
        p = spike_p_value(count, baseline)
        if p < settings.p_value:
            events.append(
                AlertEvent(
                    key=f"spike:{subject}:{today.isoformat()}",
                    kind="spike",
                    subject=names[subject],
                    count=count,
                    baseline=round(baseline, 2),
                    p_value=p,
                    items=_items(session, subject, day_start, now),
                )
            )
    for flag in session.scalars(select(Flag).where(Flag.severity == "high")):
        events.append(
            AlertEvent(
                key=f"flag:{flag.id}",
                kind="flag",
                subject=flag.article.title,
                items=((flag.article.title, flag.article.url),),
            )
        )
    sent = set(session.scalars(select(AlertSent.key).where(AlertSent.key.in_([e.key for e in events])))) if events else set()
    return [e for e in events if e.key not in sent]


def _message_text(event: AlertEvent) -> tuple[str, str]:
    if event.kind == "spike":
        subject = f"[Hải Đăng] Tin về {event.subject} tăng đột biến: {event.count} tin hôm nay"
        body = (
            f"Hôm nay có {event.count} tin về {event.subject}, trung bình các ngày trước là "
            f"{event.baseline:g} tin/ngày (p = {event.p_value:.2g}).\n"
        )
    else:
        subject = f"[Hải Đăng] Cờ mức cao: {event.subject}"
        body = "Một tin được gắn cờ mức cao, cần xem xét ngay.\n"
    body += "\n" + "\n".join(f"- {title}\n  {url}" for title, url in event.items) + "\n"
    return subject, body


def send_alerts(session: Session, config: Config, events: list[AlertEvent], now: datetime, outbox: Outbox | None = None) -> int:
    """Record each event once, then queue and send its e-mail. Returns how many were new."""
    mail = config.schedule.mail
    new = 0
    for event in events:
        try:
            with session.begin_nested():
                session.add(AlertSent(key=event.key, kind=event.kind, created_at=now, detail={"subject": event.subject, "count": event.count}))
        except IntegrityError:
            continue  # another process alerted first
        subject, body = _message_text(event)
        if mail.alerts_to:
            deliver(mail, build_message(mail, mail.alerts_to, subject, body), outbox)
        else:
            logger.warning("alert %s: no alerts_to recipients configured", event.key)
        new += 1
    session.commit()
    return new
