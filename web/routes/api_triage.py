"""REST API for triage (``/api/flags``): the spokesperson's queue and actions, for scripts.

Same permission as the "Cần xử lý" pages (``triage``). With ``Authorization: Bearer`` no
CSRF token is needed; a browser session must send ``X-CSRF-Token``. The queue comes a
page at a time, with the total (``{"total", "page", "per_page", "pages", "items"}``). Examples:

    curl -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:8000/api/flags?assignee=-&page=2&per_page=100"

    curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
         -d '{"status": "reviewing", "note": "đang xác minh"}' http://127.0.0.1:8000/api/flags/3/status
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from pipeline import triage
from pipeline.errors import UserError
from pipeline.triage import TriageError
from web.auth import Principal, requires
from web.deps import db_session
from web.roles import Permission
from web.triage_messages import vietnamese
from web.triage_view import MAX_PAGE, MAX_PAGE_SIZE, OPEN, PAGE_SIZE, QueueFilters, queue

router = APIRouter(prefix="/api", tags=["triage"])
TRIAGE = [requires(Permission.TRIAGE)]


class FlagOut(BaseModel):
    id: int
    article_id: int
    title: str
    url: str
    source: str
    score: float
    severity: str
    status: str
    assignee: str | None
    created_at: str
    due_at: str | None
    overdue: bool
    article_edited: bool
    article_version: int
    article_taken_down_at: str | None
    response: dict[str, Any] | None
    signals: list[Any]
    topics: list[str] = []
    events: list[dict[str, Any]] | None = None


class FlagPage(BaseModel):
    total: int
    page: int
    per_page: int
    pages: int
    items: list[FlagOut]


class AssignIn(BaseModel):
    assignee: str = Field(..., max_length=64, description="user name")


class StatusIn(BaseModel):
    status: str = Field(
        ..., max_length=32, description="reviewing, dismissed, needs_response, reopened"
    )
    note: str = Field("", max_length=4000)


class NoteIn(BaseModel):
    note: str = Field(..., max_length=4000)


class RespondIn(BaseModel):
    text: str = Field(..., max_length=20000, description="the official information given")
    link: str = Field("", max_length=2000)
    channel: str = Field("", max_length=200)
    date: dt.date | None = None
    label: str = Field("misleading", description="misleading or fake")
    note: str = Field("", max_length=4000)


def _flag_out(session: Session, flag_id: int, request: Request, *, events: bool) -> FlagOut:
    try:
        flag = triage.get_flag(session, flag_id)
    except TriageError:
        raise HTTPException(status_code=404) from None
    data = triage.view(flag, request.app.state.clock()).to_dict(with_events=events)
    data["topics"] = [t.topic for t in flag.article.topics]
    return FlagOut.model_validate(data)


@router.get("/flags", response_model=FlagPage, dependencies=TRIAGE)
def api_flags(
    request: Request,
    status: str = Query(OPEN, description="a status, 'tat-ca' for all; default: not closed"),
    assignee: str = Query("", description="user name, '-' for unassigned"),
    topic: str = Query("", description="topic id, e.g. bien_dao"),
    page: int = Query(1, ge=1, le=MAX_PAGE, description="page number, from 1"),
    per_page: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="flags per page"),
    session: Session = Depends(db_session),
) -> FlagPage | Response:
    """Flags by severity, deadline and score (the "Cần xử lý" queue), one page at a time.

    ``total`` counts every flag matching the filters; a page past the last one is empty.
    """
    try:
        result = queue(
            session,
            QueueFilters(status=status, assignee=assignee, topic=topic),
            request.app.state.clock(),
            page=page,
            per_page=per_page,
        )
    except TriageError as exc:
        return _refused(exc)
    return FlagPage(
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
        items=[
            FlagOut.model_validate(r.view.to_dict(with_events=False) | {"topics": list(r.topics)})
            for r in result.rows
        ],
    )


@router.get("/flags/{flag_id}", response_model=FlagOut, dependencies=TRIAGE)
def api_flag(flag_id: int, request: Request, session: Session = Depends(db_session)) -> FlagOut:
    """One flag with its signals and its whole event history."""
    return _flag_out(session, flag_id, request, events=True)


def _refused(exc: UserError) -> Response:
    return JSONResponse({"detail": vietnamese(str(exc)), "error": str(exc)}, status_code=400)


def _act(
    request: Request, session: Session, flag_id: int, action: Callable[[str], object]
) -> FlagOut | Response:
    principal: Principal = request.state.principal
    _flag_out(session, flag_id, request, events=False)  # 404 first
    try:
        action(principal.name)
    except UserError as exc:
        session.rollback()
        return _refused(exc)
    session.commit()
    return _flag_out(session, flag_id, request, events=True)


@router.post("/flags/{flag_id}/assign", response_model=FlagOut, dependencies=TRIAGE)
def api_assign(
    flag_id: int, body: AssignIn, request: Request, session: Session = Depends(db_session)
) -> Any:
    """Give the flag to a user."""
    now = request.app.state.clock()
    return _act(
        request,
        session,
        flag_id,
        lambda me: triage.assign(session, flag_id, body.assignee, by=me, now=now),
    )


@router.post("/flags/{flag_id}/status", response_model=FlagOut, dependencies=TRIAGE)
def api_status(
    flag_id: int, body: StatusIn, request: Request, session: Session = Depends(db_session)
) -> Any:
    """Move the flag to another status (the workflow decides which are allowed)."""
    now = request.app.state.clock()
    return _act(
        request, session, flag_id,
        lambda me: triage.set_status(session, flag_id, body.status, by=me, note=body.note, now=now),
    )  # fmt: skip


@router.post("/flags/{flag_id}/note", response_model=FlagOut, dependencies=TRIAGE)
def api_note(
    flag_id: int, body: NoteIn, request: Request, session: Session = Depends(db_session)
) -> Any:
    """Add a note to the flag's history."""
    now = request.app.state.clock()
    return _act(
        request,
        session,
        flag_id,
        lambda me: triage.add_note(session, flag_id, body.note, by=me, now=now),
    )


@router.post("/flags/{flag_id}/respond", response_model=FlagOut, dependencies=TRIAGE)
def api_respond(
    flag_id: int, body: RespondIn, request: Request, session: Session = Depends(db_session)
) -> Any:
    """Record the official response; the flag becomes ``responded``."""
    now = request.app.state.clock()
    return _act(
        request, session, flag_id,
        lambda me: triage.respond(
            session, flag_id, by=me, text=body.text, link=body.link, channel=body.channel,
            on=body.date, label=body.label, note=body.note, now=now,
        ),
    )  # fmt: skip
