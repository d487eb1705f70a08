"""The weekly summary: seven days per plan section against the seven before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.schema import Config
from pipeline.clock import day_bounds
from pipeline.mailer import SendReport, build_message, deliver
from storage.models import Article, ArticleTopic


@dataclass(frozen=True, kw_only=True)
class WeeklySummary:
    start: date
    end: date  # inclusive
    total: int
    province_total: int
    rows: tuple[tuple[str, int, int], ...]  # section name, this week, week before


def _counts(session: Session, start: datetime, end: datetime) -> tuple[dict[str, int], int, int]:
    when = Article.seen_at
    span = (when >= start) & (when < end)
    per_topic = dict(
        session.execute(
            select(ArticleTopic.topic, func.count(ArticleTopic.article_id))
            .join(Article, Article.id == ArticleTopic.article_id)
            .where(span)
            .group_by(ArticleTopic.topic)
        ).all()
    )
    total = session.scalar(select(func.count(Article.id)).where(span)) or 0
    province = session.scalar(select(func.count(Article.id)).where(span, Article.province_relevant.is_(True))) or 0
    return per_topic, total, province


def build_weekly(session: Session, config: Config, at: datetime) -> WeeklySummary:
    tz = config.schedule.timezone
    end_day = at.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)
    start_day = end_day - timedelta(days=6)
    start, _ = day_bounds(start_day, tz)
    _, end = day_bounds(end_day, tz)
    before_start, _ = day_bounds(start_day - timedelta(days=7), tz)
    this_week, total, province = _counts(session, start, end)
    last_week, _, _ = _counts(session, before_start, start)
    rows = tuple((t.name, this_week.get(t.id, 0), last_week.get(t.id, 0)) for t in config.topics)
    return WeeklySummary(start=start_day, end=end_day, total=total, province_total=province, rows=rows)


def render_weekly(summary: WeeklySummary) -> str:
    lines = [
        f"TỔNG HỢP TUẦN {summary.start:%d/%m} – {summary.end:%d/%m/%Y}",
        f"Tổng số tin: {summary.total} (liên quan tỉnh: {summary.province_total})",
        "",
    ]
    lines += [f"- {name}: {now} tin (tuần trước {before}, {now - before:+d})" for name, now, before in summary.rows]
    return "\n".join(lines) + "\n"


def send_weekly(config: Config, summary: WeeklySummary) -> SendReport:
    mail = config.schedule.mail
    if not mail.digest_to:
        return SendReport(sent=0, pending=0, errors=("no digest_to recipients",))
    subject = f"[Hải Đăng] Tổng hợp tuần {summary.start:%d/%m} – {summary.end:%d/%m/%Y}"
    return deliver(mail, build_message(mail, mail.digest_to, subject, render_weekly(summary)))
