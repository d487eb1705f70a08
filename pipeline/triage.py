"""Triage workflow for the spokesperson (plan §II.6): flags with an append-only memory.

A flag is a suggestion to a person, never a verdict. Its current status is *derived*
from its events (``FlagEvent``), which are only ever appended: every status change,
assignment, note and response records who and when.

Statuses::

    new -> reviewing -> dismissed
                     -> needs_response -> responded (only through ``respond``)
    dismissed | responded -> reopened -> reviewing | dismissed | needs_response

A user mistake (unknown flag, user or status, a forbidden transition) raises
``TriageError`` before anything is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from config.schema import Config, RiskSettings, Severity
from nlp.records import Analysis, Risk
from nlp.risk import severity_for, with_corroboration
from pipeline.errors import UserError
from storage.models import Article, Flag, FlagEvent, Source, User

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"


class TriageError(UserError):
    """A triage action that cannot be done; nothing was changed."""


class FlagStatus(StrEnum):
    NEW = "new"
    REVIEWING = "reviewing"
    DISMISSED = "dismissed"
    NEEDS_RESPONSE = "needs_response"
    RESPONDED = "responded"
    REOPENED = "reopened"


class Action(StrEnum):
    CREATED = "created"
    STATUS = "status"
    ASSIGN = "assign"
    NOTE = "note"
    RESPOND = "respond"
    REANALYSED = "reanalysed"


# Transitions through ``set_status``. ``responded`` is reached only by ``respond``.
TRANSITIONS: dict[FlagStatus, frozenset[FlagStatus]] = {
    FlagStatus.NEW: frozenset({FlagStatus.REVIEWING}),
    FlagStatus.REVIEWING: frozenset({FlagStatus.DISMISSED, FlagStatus.NEEDS_RESPONSE}),
    FlagStatus.NEEDS_RESPONSE: frozenset({FlagStatus.REVIEWING, FlagStatus.DISMISSED}),
    FlagStatus.DISMISSED: frozenset({FlagStatus.REOPENED}),
    FlagStatus.RESPONDED: frozenset({FlagStatus.REOPENED}),
    FlagStatus.REOPENED: frozenset(
        {FlagStatus.REVIEWING, FlagStatus.DISMISSED, FlagStatus.NEEDS_RESPONSE}
    ),
}
# What the web UI shows (its users read Vietnamese).
STATUS_LABELS_VI: dict[str, str] = {
    "new": "Mới",
    "reviewing": "Đang xem xét",
    "dismissed": "Bỏ qua",
    "needs_response": "Cần phản hồi",
    "responded": "Đã phản hồi",
    "reopened": "Mở lại",
}
SIGNAL_LABELS_VI: dict[str, str] = {
    "contradicts_fact": "Trái với thông tin chính thức",
    "terminology": "Dùng tên gọi trái quan điểm chính thức",
    "sensational": "Ngôn từ giật gân, kích động",
    "source_credibility": "Nguồn có độ tin cậy thấp",
    "uncorroborated": "Chưa được nguồn uy tín xác nhận",
    "model": "Mô hình đánh giá có dấu hiệu sai lệch",
}
SEVERITY_LABELS_VI: dict[str, str] = {"low": "Thấp", "medium": "Trung bình", "high": "Cao"}

RESPOND_FROM = frozenset({FlagStatus.REVIEWING, FlagStatus.NEEDS_RESPONSE, FlagStatus.REOPENED})
CLOSED = frozenset({FlagStatus.DISMISSED, FlagStatus.RESPONDED})
RESPONSE_LABELS = ("misleading", "fake")


# --- reading ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FlagView:
    """A flag as people see it: derived status, assignee, response, article state."""

    id: int
    article_id: int
    title: str
    url: str
    source_id: str
    score: float
    severity: str
    signals: list[Any]
    status: FlagStatus
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    article_edited: bool
    article_version: int
    article_taken_down_at: datetime | None
    response: dict[str, Any] | None
    events: list[dict[str, Any]]

    def to_dict(self, *, with_events: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "article_id": self.article_id,
            "title": self.title,
            "url": self.url,
            "source": self.source_id,
            "score": round(self.score, 4),
            "severity": self.severity,
            "status": self.status.value,
            "assignee": self.assignee,
            "created_at": self.created_at.isoformat(),
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "overdue": self.overdue,
            "article_edited": self.article_edited,
            "article_version": self.article_version,
            "article_taken_down_at": self.article_taken_down_at.isoformat()
            if self.article_taken_down_at
            else None,
            "response": self.response,
            "signals": self.signals,
        }
        if with_events:
            data["events"] = self.events
        return data


def current_status(flag: Flag) -> FlagStatus:
    """The status of the last event that set one (events are in id order)."""
    for event in reversed(_events(flag)):
        if event.status:
            return FlagStatus(event.status)
    return FlagStatus.NEW


def _events(flag: Flag) -> list[FlagEvent]:
    return sorted(flag.events, key=lambda e: e.id or 0)


def view(flag: Flag, now: datetime | None = None) -> FlagView:
    now = now or datetime.now(UTC)
    events = _events(flag)
    status = current_status(flag)
    assignee = next((e.data.get("assignee") for e in reversed(events) if e.action == Action.ASSIGN), None)
    response = next((dict(e.data) for e in reversed(events) if e.action == Action.RESPOND), None)
    article = flag.article
    return FlagView(
        id=flag.id,
        article_id=flag.article_id,
        title=article.title,
        url=article.url,
        source_id=article.source_id,
        score=flag.score,
        severity=flag.severity,
        signals=list(flag.signals or []),
        status=status,
        assignee=assignee,
        created_at=flag.created_at,
        due_at=flag.due_at,
        overdue=is_overdue(flag, now, status),
        article_edited=article.version > 1,
        article_version=article.version,
        article_taken_down_at=article.taken_down_at,
        response=response,
        events=[
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "status": e.status,
                "note": e.note,
                "data": e.data,
            }
            for e in events
        ],
    )


def is_overdue(flag: Flag, now: datetime, status: FlagStatus | None = None) -> bool:
    status = status or current_status(flag)
    return status not in CLOSED and flag.due_at is not None and flag.due_at < now


def get_flag(session: Session, flag_id: int) -> Flag:
    flag = session.get(Flag, flag_id)
    if flag is None:
        raise TriageError(f"flag {flag_id} does not exist")
    return flag


def status_sql() -> ColumnElement[str]:
    """``current_status`` as SQL on ``Flag``: the latest status event's, else ``new``.

    A correlated subquery (SQLite and PostgreSQL alike), so listings filter and sort on
    the derived status without loading events; a test keeps it equal to ``current_status``.
    """
    latest = (
        select(FlagEvent.status)
        .where(
            FlagEvent.flag_id == Flag.id,
            FlagEvent.status.is_not(None),
            FlagEvent.status != "",  # current_status skips any falsy status
        )
        .order_by(FlagEvent.id.desc())
        .limit(1)
        .correlate(Flag)
        .scalar_subquery()
    )
    return func.coalesce(latest, FlagStatus.NEW.value)


def assignee_sql() -> ColumnElement[str | None]:
    """The assignee ``view`` shows, as SQL on ``Flag``: the latest ``assign`` event's, else NULL."""
    return (
        select(FlagEvent.data["assignee"].as_string())
        .where(FlagEvent.flag_id == Flag.id, FlagEvent.action == Action.ASSIGN.value)
        .order_by(FlagEvent.id.desc())
        .limit(1)
        .correlate(Flag)
        .scalar_subquery()
    )


def is_open_sql(status: ColumnElement[str]) -> ColumnElement[bool]:
    """``status`` (e.g. ``status_sql()``) is not a closed one."""
    return status.not_in([s.value for s in CLOSED])


def due_soonest_first() -> tuple[ColumnElement[Any], ...]:
    """ORDER BY terms for ``due_at`` ascending with no deadline last, on either engine."""
    return case((Flag.due_at.is_(None), 1), else_=0), Flag.due_at.asc()


def list_flags(
    session: Session,
    *,
    statuses: list[str] | None = None,
    overdue_only: bool = False,
    now: datetime | None = None,
) -> list[FlagView]:
    """Flags, most urgent first (open before closed, due date, then score), by derived status."""
    now = now or datetime.now(UTC)
    status = status_sql()
    query = select(Flag)
    if statuses:
        query = query.where(status.in_(sorted({parse_status(s).value for s in statuses})))
    if overdue_only:
        query = query.where(is_open_sql(status), Flag.due_at.is_not(None), Flag.due_at < now)
    query = query.order_by(
        case((is_open_sql(status), 0), else_=1), *due_soonest_first(), Flag.score.desc(), Flag.id
    )
    return [view(flag, now) for flag in session.scalars(query)]


def overdue_flags(session: Session, now: datetime | None = None) -> list[FlagView]:
    """Open flags past their response deadline."""
    return list_flags(session, overdue_only=True, now=now)


def parse_status(value: str) -> FlagStatus:
    try:
        return FlagStatus(value.strip().lower().replace("-", "_"))
    except ValueError:
        allowed = ", ".join(s.value for s in FlagStatus)
        raise TriageError(f"unknown status {value!r}: expected one of {allowed}") from None


# --- creating flags from analysis -----------------------------------------


def is_corroborated(session: Session, article: Article, settings: RiskSettings) -> bool | None:
    """Whether a top-tier source carries the article's story within the window.

    ``None`` when the article has no story cluster yet (nothing to look up).
    The article's own source counts: a top-tier outlet corroborates itself.
    """
    if article.cluster_id is None:
        return None
    top = settings.corroboration.top_tiers
    window = timedelta(hours=settings.corroboration.window_hours)
    when = article.published_at or article.fetched_at
    rows = session.execute(
        select(Article.published_at, Article.fetched_at)
        .join(Source, Source.id == Article.source_id)
        .where(Article.cluster_id == article.cluster_id, Source.tier.in_(top))
    ).all()
    return any(abs((published or fetched) - when) <= window for published, fetched in rows)


def ensure_flag(
    session: Session,
    article: Article,
    analysis: Analysis,
    now: datetime | None = None,
    *,
    config: Config | None = None,
    corroborated: bool | None = None,
    new: bool = False,
) -> Flag | None:
    """Create the article's flag when its risk is flagged; never a second one.

    Call after ``pipeline.ingest.store`` (the article needs its id). When the article
    already has a flag (re-analysis), the flag keeps its status and history; a changed
    score is recorded as a ``reanalysed`` event. ``corroborated`` defaults to a lookup
    of the article's story cluster (``is_corroborated``). ``new``: the article was
    inserted in this transaction, so it has no flag yet (no lookup).
    """
    now = now or datetime.now(UTC)
    settings = _settings(config)
    risk = analysis.risk
    if corroborated is None:
        corroborated = is_corroborated(session, article, settings)
    if corroborated is not None:
        risk = with_corroboration(risk, corroborated, settings)
    existing = None if new else session.scalar(select(Flag).where(Flag.article_id == article.id))
    if existing is not None:
        _reanalysed(session, existing, risk, analysis, settings, now)
        return existing
    if not risk.flagged:
        return None
    severity = severity_for(risk.score, [t.id for t in analysis.topics], settings)
    flag = Flag(
        article_id=article.id,
        score=risk.score,
        severity=severity.value,
        signals=_signals_json(risk),
        created_at=now,
        due_at=now + timedelta(hours=settings.deadlines_hours[severity]),
    )
    try:
        with session.begin_nested():
            session.add(flag)
            session.flush()
            session.add(
                FlagEvent(
                    flag_id=flag.id,
                    at=now,
                    actor=SYSTEM_ACTOR,
                    action=Action.CREATED.value,
                    status=FlagStatus.NEW.value,
                    note="",
                    data={"score": round(risk.score, 4), "severity": severity.value},
                )
            )
    except IntegrityError:
        # Another process flagged the same article first: use its flag.
        existing = session.scalar(select(Flag).where(Flag.article_id == article.id))
        if existing is None:
            raise
        return existing
    session.refresh(flag)
    logger.info("flagged article %s (score %.2f, %s)", article.id, risk.score, severity.value)
    return flag


def _reanalysed(
    session: Session, flag: Flag, risk: Risk, analysis: Analysis, settings: RiskSettings, now: datetime
) -> None:
    if abs(flag.score - risk.score) < 1e-6:
        return
    severity = severity_for(risk.score, [t.id for t in analysis.topics], settings)
    session.add(
        FlagEvent(
            flag_id=flag.id,
            at=now,
            actor=SYSTEM_ACTOR,
            action=Action.REANALYSED.value,
            status=None,
            note="",
            data={
                "old_score": round(flag.score, 4),
                "score": round(risk.score, 4),
                "flagged": risk.flagged,
                "severity": severity.value,
            },
        )
    )
    # The score shown is the latest analysis; status and due date stay as decided.
    flag.score = risk.score
    flag.signals = _signals_json(risk)
    session.flush()
    session.expire(flag, ["events"])


def _signals_json(risk: Risk) -> list[Any]:
    return [{"name": s.name, "weight": s.weight, "evidence": s.evidence} for s in risk.signals]


def _settings(config: Config | None) -> RiskSettings:
    if config is not None:
        return config.risk
    from config import load_config

    return load_config().risk


# --- actions -----------------------------------------------------------------


def _user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise TriageError(f"user {name!r} does not exist")
    if user.disabled:
        raise TriageError(f"user {name!r} is disabled")
    return user


def _append(
    session: Session,
    flag: Flag,
    *,
    actor: str,
    action: Action,
    now: datetime | None,
    status: FlagStatus | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> FlagEvent:
    event = FlagEvent(
        flag_id=flag.id,
        at=now or datetime.now(UTC),
        actor=actor,
        action=action.value,
        status=status.value if status else None,
        note=note,
        data=data or {},
    )
    session.add(event)
    session.flush()
    session.expire(flag, ["events"])
    return event


def assign(
    session: Session, flag_id: int, assignee: str, *, by: str, now: datetime | None = None
) -> FlagEvent:
    """Give the flag to a user (recorded as an event; the latest assignment wins)."""
    flag = get_flag(session, flag_id)
    _user(session, by)
    _user(session, assignee)
    return _append(session, flag, actor=by, action=Action.ASSIGN, now=now, data={"assignee": assignee})


def add_note(
    session: Session, flag_id: int, note: str, *, by: str, now: datetime | None = None
) -> FlagEvent:
    flag = get_flag(session, flag_id)
    _user(session, by)
    if not note.strip():
        raise TriageError("a note needs some text")
    return _append(session, flag, actor=by, action=Action.NOTE, now=now, note=note.strip())


def set_status(
    session: Session,
    flag_id: int,
    status: str,
    *,
    by: str,
    note: str = "",
    now: datetime | None = None,
) -> FlagEvent:
    """Move the flag to ``status`` if the workflow allows it from the current one."""
    flag = get_flag(session, flag_id)
    _user(session, by)
    target = parse_status(status)
    current = current_status(flag)
    if target is FlagStatus.RESPONDED:
        raise TriageError(
            f"flag {flag_id}: 'responded' needs the official information given: "
            "use 'haidang triage respond ID --text ... --link ... --by USER'"
        )
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none"
        raise TriageError(
            f"flag {flag_id}: cannot go from {current.value} to {target.value} (allowed: {allowed})"
        )
    return _append(
        session, flag, actor=by, action=Action.STATUS, now=now, status=target, note=note.strip()
    )


def respond(
    session: Session,
    flag_id: int,
    *,
    by: str,
    text: str,
    link: str = "",
    channel: str = "",
    on: date | None = None,
    label: str = "misleading",
    note: str = "",
    now: datetime | None = None,
) -> FlagEvent:
    """Record the official information given in answer; the flag becomes ``responded``.

    ``label`` (misleading or fake) is the office's judgement, used by ``export_decisions``.
    """
    flag = get_flag(session, flag_id)
    _user(session, by)
    current = current_status(flag)
    if current not in RESPOND_FROM:
        allowed = ", ".join(sorted(s.value for s in RESPOND_FROM))
        raise TriageError(
            f"flag {flag_id}: cannot record a response while {current.value} (allowed from: {allowed})"
        )
    if not text.strip():
        raise TriageError("a response needs --text: the official information given")
    if link and not link.startswith(("http://", "https://")):
        raise TriageError(f"--link {link!r}: expected an http:// or https:// address")
    if label not in RESPONSE_LABELS:
        raise TriageError(f"--label {label!r}: expected one of {', '.join(RESPONSE_LABELS)}")
    now = now or datetime.now(UTC)
    data = {
        "text": text.strip(),
        "link": link,
        "channel": channel,
        "date": (on or now.date()).isoformat(),
        "label": label,
    }
    return _append(
        session,
        flag,
        actor=by,
        action=Action.RESPOND,
        now=now,
        status=FlagStatus.RESPONDED,
        note=note.strip(),
        data=data,
    )


# --- decisions as training data ------------------------------------------------


def export_decisions(session: Session) -> list[dict[str, Any]]:
    """Labelled records for ``haidang train risk``: dismissed -> real, responded -> its label.

    Flags still open (or reopened) carry no decision and are left out.
    """
    records = []
    for flag in session.scalars(select(Flag).order_by(Flag.id)):
        status = current_status(flag)
        if status is FlagStatus.DISMISSED:
            label = "real"
        elif status is FlagStatus.RESPONDED:
            response = view(flag).response or {}
            label = str(response.get("label") or "misleading")
        else:
            continue
        article = flag.article
        records.append(
            {
                "id": f"flag-{flag.id}",
                "title": article.title,
                "text": article.text,
                "label": label,
                "url": article.url,
                "source": article.source_id,
                "date": (article.published_at or article.fetched_at).isoformat(),
                "flag_id": flag.id,
            }
        )
    return records


__all__ = [
    "CLOSED",
    "SEVERITY_LABELS_VI",
    "SIGNAL_LABELS_VI",
    "STATUS_LABELS_VI",
    "TRANSITIONS",
    "Action",
    "FlagStatus",
    "FlagView",
    "Severity",
    "TriageError",
    "add_note",
    "assign",
    "assignee_sql",
    "current_status",
    "due_soonest_first",
    "ensure_flag",
    "export_decisions",
    "get_flag",
    "is_corroborated",
    "is_open_sql",
    "is_overdue",
    "list_flags",
    "overdue_flags",
    "parse_status",
    "respond",
    "set_status",
    "status_sql",
    "view",
]
