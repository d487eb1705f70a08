"""The "Cần xử lý" pages: the spokesperson's queue of flags, one flag in full, and its actions.

Every action is a CSRF-protected POST that redirects back to the flag (POST-redirect-GET);
a refused action (``TriageError``) changes nothing and is shown in Vietnamese.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from config.schema import Config
from pipeline import triage
from pipeline.corrections import correct_article
from pipeline.errors import UserError
from pipeline.triage import (
    SEVERITY_LABELS_VI,
    SIGNAL_LABELS_VI,
    STATUS_LABELS_VI,
    FlagStatus,
    TriageError,
)
from web.auth import Principal, requires
from web.deps import app_config, db_session
from web.flash import flash
from web.roles import Permission
from web.search_form import FormError, page_number
from web.templating import render
from web.topics import topic_labels, topic_names
from web.triage_messages import vietnamese
from web.triage_view import (
    ACTION_LABELS_VI,
    ALL,
    MAX_PAGE,
    OPEN,
    UNASSIGNED,
    QueueFilters,
    flag_detail,
    queue,
    triage_users,
)

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
TRIAGE = [requires(Permission.TRIAGE)]
RESPONSE_LABELS_VI = {"misleading": "Sai lệch, gây hiểu lầm", "fake": "Tin giả"}


def _labels() -> dict[str, object]:
    return {
        "status_labels": STATUS_LABELS_VI,
        "signal_labels": SIGNAL_LABELS_VI,
        "severity_labels": SEVERITY_LABELS_VI,
        "action_labels": ACTION_LABELS_VI,
        "response_labels": RESPONSE_LABELS_VI,
    }


def _queue_url(request: Request, filters: QueueFilters, page: int) -> str:
    """The queue's address for ``page`` with the same filters (empty ones left out)."""
    params = {
        "trang_thai": filters.status,
        "nguoi_xu_ly": filters.assignee,
        "chu_de": filters.topic,
        "trang": str(page) if page > 1 else "",
    }
    kept = {k: v for k, v in params.items() if v}
    return str(request.url_for("triage_queue").include_query_params(**kept))


@router.get("/can-xu-ly", name="triage_queue", dependencies=TRIAGE)
def triage_queue_page(
    request: Request,
    trang_thai: str = Query(OPEN, max_length=32),
    nguoi_xu_ly: str = Query("", max_length=64),
    chu_de: str = Query("", max_length=32),
    trang: str = Query("1", max_length=16),
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Response:
    filters = QueueFilters(status=trang_thai, assignee=nguoi_xu_ly, topic=chu_de)
    now = request.app.state.clock()
    result, error = None, None
    try:
        result = queue(session, filters, now, page=page_number(trang, MAX_PAGE))
        if result.page > result.pages:
            # The queue shrank since the link was made (flags closed): show its last page.
            result = queue(session, filters, now, page=result.pages)
    except TriageError as exc:
        error = vietnamese(str(exc))
    except FormError as exc:
        error = str(exc)
    prev_url = next_url = None
    if result is not None and result.page > 1:
        prev_url = _queue_url(request, filters, result.page - 1)
    if result is not None and result.page < result.pages:
        next_url = _queue_url(request, filters, result.page + 1)
    return render(
        request,
        "triage_queue.html",
        {
            "title": "Cần xử lý",
            "result": result,
            "rows": result.rows if result else [],
            "prev_url": prev_url,
            "next_url": next_url,
            "filters": filters,
            "error": error,
            "statuses": list(FlagStatus),
            "open_value": OPEN,
            "all_value": ALL,
            "unassigned": UNASSIGNED,
            "users": triage_users(session),
            "topics": topic_labels(config),
            "topic_names": topic_names(config),
            **_labels(),
        },
    )


@router.get("/can-xu-ly/{flag_id}", name="triage_flag", dependencies=TRIAGE)
def triage_flag_page(
    request: Request,
    flag_id: int,
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Response:
    try:
        detail = flag_detail(session, flag_id, request.app.state.clock())
    except TriageError:
        raise HTTPException(status_code=404) from None
    return render(
        request,
        "triage_flag.html",
        {
            "title": detail.article.title or f"Cảnh báo {flag_id}",
            "d": detail,
            "users": triage_users(session),
            "topics": topic_labels(config),
            "topic_names": topic_names(config),
            "today": request.app.state.clock().date().isoformat(),
            **_labels(),
        },
    )


def _act(
    request: Request,
    session: Session,
    flag_id: int,
    action: Callable[[str], object],
    done: str,
) -> Response:
    """Run one action as the signed-in user; commit, or roll back and say why in Vietnamese."""
    principal: Principal = request.state.principal
    try:
        action(principal.name)
    except UserError as exc:
        session.rollback()
        logger.info("triage action on flag %s refused: %s", flag_id, exc)
        flash(request, vietnamese(str(exc)), ok=False)
    else:
        session.commit()  # before the redirect is followed (see web.deps.db_session)
        flash(request, done)
    return RedirectResponse(str(request.url_for("triage_flag", flag_id=flag_id)), status_code=303)


@router.post("/can-xu-ly/{flag_id}/nhan", name="triage_take", dependencies=TRIAGE)
def triage_take(request: Request, flag_id: int, session: Session = Depends(db_session)) -> Response:
    now = request.app.state.clock()
    return _act(
        request,
        session,
        flag_id,
        lambda me: triage.assign(session, flag_id, me, by=me, now=now),
        "Bạn đã nhận xử lý cảnh báo này.",
    )


@router.post("/can-xu-ly/{flag_id}/giao", name="triage_assign", dependencies=TRIAGE)
def triage_assign(
    request: Request,
    flag_id: int,
    assignee: str = Form("", max_length=64),
    session: Session = Depends(db_session),
) -> Response:
    now = request.app.state.clock()
    return _act(
        request,
        session,
        flag_id,
        lambda me: triage.assign(session, flag_id, assignee.strip(), by=me, now=now),
        f"Đã giao cho {assignee.strip()}.",
    )


@router.post("/can-xu-ly/{flag_id}/trang-thai", name="triage_status", dependencies=TRIAGE)
def triage_status(
    request: Request,
    flag_id: int,
    status: str = Form("", max_length=32),
    note: str = Form("", max_length=4000),
    session: Session = Depends(db_session),
) -> Response:
    now = request.app.state.clock()
    label = STATUS_LABELS_VI.get(status, status)
    return _act(
        request,
        session,
        flag_id,
        lambda me: triage.set_status(session, flag_id, status, by=me, note=note, now=now),
        f"Đã chuyển sang «{label}».",
    )


@router.post("/can-xu-ly/{flag_id}/ghi-chu", name="triage_note", dependencies=TRIAGE)
def triage_note(
    request: Request,
    flag_id: int,
    note: str = Form("", max_length=4000),
    session: Session = Depends(db_session),
) -> Response:
    now = request.app.state.clock()
    return _act(
        request,
        session,
        flag_id,
        lambda me: triage.add_note(session, flag_id, note, by=me, now=now),
        "Đã thêm ghi chú.",
    )


def _parse_day(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise TriageError("bad date") from None


@router.post("/can-xu-ly/{flag_id}/phan-hoi", name="triage_respond", dependencies=TRIAGE)
def triage_respond(
    request: Request,
    flag_id: int,
    text: str = Form("", max_length=20000),
    link: str = Form("", max_length=2000),
    channel: str = Form("", max_length=200),
    on: str = Form("", max_length=10),
    label: str = Form("misleading", max_length=16),
    note: str = Form("", max_length=4000),
    session: Session = Depends(db_session),
) -> Response:
    now = request.app.state.clock()

    def respond(me: str) -> object:
        return triage.respond(
            session,
            flag_id,
            by=me,
            text=text,
            link=link.strip(),
            channel=channel.strip(),
            on=_parse_day(on),
            label=label,
            note=note,
            now=now,
        )

    return _act(request, session, flag_id, respond, "Đã ghi nhận phản hồi chính thức.")


@router.post("/bai-viet/{article_id}/hieu-chinh", name="article_correct", dependencies=TRIAGE)
def article_correct(
    request: Request,
    article_id: int,
    topics: list[str] = Form(default_factory=list),
    province: str = Form(""),
    note: str = Form("", max_length=4000),
    flag_id: str = Form("", max_length=12),
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Response:
    """Correct an article's topics and province relevance (from its flag or its own page)."""
    principal: Principal = request.state.principal
    try:
        correct_article(
            session,
            article_id,
            by=principal.name,
            topics=topics,
            province=province == "1",
            known_topics=[t.id for t in config.topics],
            note=note,
            now=request.app.state.clock(),
        )
    except UserError as exc:
        session.rollback()
        flash(request, vietnamese(str(exc)), ok=False)
    else:
        session.commit()
        flash(request, "Đã lưu hiệu chỉnh chủ đề và mức liên quan đến tỉnh.")
    if flag_id.isdigit():
        target = request.url_for("triage_flag", flag_id=int(flag_id))
    else:
        target = request.url_for("article", article_id=article_id)
    return RedirectResponse(str(target), status_code=303)
