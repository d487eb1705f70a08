"""What the "Cần xử lý" pages show: the queue (filtered, most urgent first) and one flag in full."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pipeline.corrections import corrections_for
from pipeline.triage import (
    RESPOND_FROM,
    SIGNAL_LABELS_VI,
    TRANSITIONS,
    FlagStatus,
    FlagView,
    TriageError,
    assignee_sql,
    due_soonest_first,
    get_flag,
    is_open_sql,
    status_sql,
    view,
)
from storage.models import Article, ArticleTopic, ArticleVersion, Correction, Flag, User
from web.highlight import HighlightedText, Segment, highlight_article, sentence_segments
from web.roles import Permission, allowed

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
# Query values of the status filter besides the statuses themselves.
OPEN = ""
ALL = "tat-ca"
UNASSIGNED = "-"
# Flags per page: the web page shows PAGE_SIZE; the API lets a script ask for up to MAX_PAGE_SIZE.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 10_000

ACTION_LABELS_VI = {
    "created": "Tạo cảnh báo",
    "status": "Đổi trạng thái",
    "assign": "Giao xử lý",
    "note": "Ghi chú",
    "respond": "Ghi nhận phản hồi chính thức",
    "reanalysed": "Phân tích lại",
}
KIND_LABELS_VI = {
    "number": "số liệu khác",
    "negation": "phủ định",
    "reversal": "đảo ngược quan điểm",
}


@dataclass(frozen=True, kw_only=True)
class QueueFilters:
    status: str = OPEN
    assignee: str = ""
    topic: str = ""


@dataclass(frozen=True, kw_only=True)
class QueueRow:
    view: FlagView
    source_name: str
    topics: tuple[str, ...]
    province_relevant: bool


@dataclass(frozen=True, kw_only=True)
class QueuePage:
    """One page of the queue and the number of flags matching the filters."""

    rows: list[QueueRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _conditions(filters: QueueFilters) -> list[ColumnElement[bool]]:
    """The filters as SQL on ``Flag``, so closed flags are never loaded for the open queue."""
    if filters.status not in (OPEN, ALL) and filters.status not in set(FlagStatus):
        raise TriageError(f"unknown status '{filters.status}'")
    out: list[ColumnElement[bool]] = []
    if filters.status == OPEN:
        out.append(is_open_sql(status_sql()))
    elif filters.status != ALL:
        out.append(status_sql() == filters.status)
    if filters.assignee == UNASSIGNED:
        out.append(assignee_sql().is_(None))
    elif filters.assignee:
        out.append(assignee_sql() == filters.assignee)
    if filters.topic:
        out.append(
            exists().where(
                ArticleTopic.article_id == Flag.article_id, ArticleTopic.topic == filters.topic
            )
        )
    return out


def _most_urgent_first() -> tuple[ColumnElement[Any], ...]:
    """Severity (high first; unknown last), deadline (soonest first, none last), score, id."""
    severity = case(SEVERITY_RANK, value=Flag.severity, else_=len(SEVERITY_RANK))
    return severity, *due_soonest_first(), Flag.score.desc(), Flag.id.asc()


def queue(
    session: Session,
    filters: QueueFilters,
    now: datetime,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> QueuePage:
    """One page of flags by severity (high first), deadline (soonest first), score (highest first).

    Filtering, ordering and paging happen in SQL; only the page's flags are loaded. A page
    past the last one is empty (``QueuePage.pages`` says how many there are). Raises
    ``TriageError`` for an unknown status filter.
    """
    if page < 1 or not 1 <= per_page <= MAX_PAGE_SIZE:
        raise ValueError(f"page {page}, per_page {per_page}: out of range")
    conditions = _conditions(filters)
    total = session.scalar(select(func.count()).select_from(Flag).where(*conditions)) or 0
    flags = session.scalars(
        select(Flag)
        .where(*conditions)
        .order_by(*_most_urgent_first())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows = [
        QueueRow(
            view=view(flag, now),
            source_name=flag.article.source.name,
            topics=tuple(t.topic for t in flag.article.topics),
            province_relevant=flag.article.province_relevant,
        )
        for flag in flags
    ]
    return QueuePage(rows=rows, total=total, page=page, per_page=per_page)


def triage_users(session: Session) -> list[str]:
    """Users a flag can be given to: active, and allowed to triage."""
    return [
        u.name
        for u in session.scalars(select(User).where(User.disabled.is_(False)).order_by(User.name))
        if allowed(u.role, Permission.TRIAGE)
    ]


@dataclass(frozen=True, kw_only=True)
class SignalRow:
    name: str
    label: str
    weight: float
    terms: tuple[str, ...]  # the words found in the text (shown highlighted)
    note: str  # what else the evidence says (tier, model score, ...)


@dataclass(frozen=True, kw_only=True)
class Contradiction:
    subject: str
    statement: str
    source: str
    date: str
    kind: str
    sentence: tuple[Segment, ...]
    claimed: str
    official: str


@dataclass(frozen=True, kw_only=True)
class FlagDetail:
    flag: Flag
    view: FlagView
    article: Article
    text: HighlightedText
    signals: tuple[SignalRow, ...]
    contradictions: tuple[Contradiction, ...]
    cluster: tuple[Article, ...]
    versions: tuple[ArticleVersion, ...]
    corrections: tuple[Correction, ...]
    next_statuses: tuple[FlagStatus, ...]
    can_respond: bool


def _signal_row(signal: dict[str, Any]) -> SignalRow:
    name = str(signal.get("name"))
    evidence = signal.get("evidence")
    evidence = evidence if isinstance(evidence, dict) else {}
    terms: tuple[str, ...] = ()
    note = ""
    if isinstance(evidence.get("matches"), list):
        found = [
            str(m.get("text") or m.get("term") or "")
            for m in evidence["matches"]
            if isinstance(m, dict)
        ]
        terms = tuple(dict.fromkeys(t for t in found if t))
    elif "statement" in evidence:
        terms = (str(evidence.get("matched") or ""),) if evidence.get("matched") else ()
        note = str(evidence.get("subject") or "")
    elif "tier" in evidence:
        note = f"Hạng tin cậy của nguồn: {evidence['tier']}"
    elif "model_score" in evidence:
        note = f"Điểm mô hình: {float(evidence['model_score']):.2f}"
    elif "window_hours" in evidence:
        tiers = ", ".join(map(str, evidence.get("top_tiers", [])))
        note = f"Không có nguồn hạng {tiers} đưa tin trong {evidence['window_hours']} giờ"
    return SignalRow(
        name=name,
        label=SIGNAL_LABELS_VI.get(name, name),
        weight=float(signal.get("weight") or 0.0),
        terms=terms,
        note=note,
    )


def _contradictions(signals: list[Any]) -> tuple[Contradiction, ...]:
    out = []
    for signal in signals:
        if not isinstance(signal, dict) or signal.get("name") != "contradicts_fact":
            continue
        ev = signal.get("evidence")
        if not isinstance(ev, dict):
            continue
        out.append(
            Contradiction(
                subject=str(ev.get("subject") or ""),
                statement=str(ev.get("statement") or ""),
                source=str(ev.get("source") or ""),
                date=str(ev.get("date") or ""),
                kind=KIND_LABELS_VI.get(str(ev.get("kind")), str(ev.get("kind") or "")),
                sentence=sentence_segments(ev),
                claimed=str(ev.get("claimed") or ""),
                official=str(ev.get("official") or ""),
            )
        )
    return tuple(out)


def flag_detail(session: Session, flag_id: int, now: datetime) -> FlagDetail:
    """Everything the detail page shows; ``TriageError`` when the flag does not exist."""
    flag = get_flag(session, flag_id)
    v = view(flag, now)
    article = flag.article
    signals = [s for s in v.signals if isinstance(s, dict)]
    cluster: tuple[Article, ...] = ()
    if article.cluster_id is not None:
        when = Article.seen_at
        cluster = tuple(
            session.scalars(
                select(Article)
                .where(Article.cluster_id == article.cluster_id, Article.id != article.id)
                .order_by(when, Article.id)
            ).unique()
        )
    versions = tuple(
        session.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.article_id == article.id)
            .order_by(ArticleVersion.version.desc())
        )
    )
    return FlagDetail(
        flag=flag,
        view=v,
        article=article,
        text=highlight_article(article.title, article.text, signals),
        signals=tuple(_signal_row(s) for s in signals),
        contradictions=_contradictions(signals),
        cluster=cluster,
        versions=versions,
        corrections=tuple(corrections_for(session, article.id)),
        next_statuses=tuple(
            s for s in FlagStatus if s in TRANSITIONS[v.status] and s is not FlagStatus.RESPONDED
        ),
        can_respond=v.status in RESPOND_FROM,
    )
