"""Administrator pages: the user list (accounts are created with ``haidang users add``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from web import users
from web.auth import requires
from web.deps import db_session
from web.roles import Permission
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/nguoi-dung", name="users", dependencies=[requires(Permission.USERS)])
def users_page(request: Request, session: Session = Depends(db_session)) -> Response:
    return render(
        request, "users.html", {"title": "Người dùng", "users": users.list_users(session)}
    )
