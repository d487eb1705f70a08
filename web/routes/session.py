"""Sign-in, sign-out and the home redirect."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from web import users
from web.auth import (
    LoginRateLimiter,
    Principal,
    RateLimited,
    end_session,
    requires,
    start_session,
)
from web.deps import db_session
from web.nav import home_route, route_names
from web.roles import Permission
from web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never ``//evil`` or ``https://evil``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _home(request: Request, role: str) -> str:
    name = home_route(role, route_names(request.app.router))
    return str(request.url_for(name)) if name else "/tai-khoan"


@router.get("/", name="home", dependencies=[requires(Permission.SIGNED_IN)])
def home(request: Request) -> Response:
    principal: Principal = request.state.principal
    return RedirectResponse(_home(request, principal.role), status_code=303)


@router.get("/tai-khoan", name="account", dependencies=[requires(Permission.SIGNED_IN)])
def account(request: Request) -> Response:
    return render(request, "account.html", {"title": "Tài khoản"})


@router.get("/dang-nhap", name="login", dependencies=[requires(Permission.PUBLIC)])
def login_form(request: Request, next: str | None = None) -> Response:
    principal: Principal | None = request.state.principal
    if principal is not None:
        return RedirectResponse(_safe_next(next) or _home(request, principal.role), status_code=303)
    return render(request, "login.html", {"title": "Đăng nhập", "next": _safe_next(next) or ""})


@router.post("/dang-nhap", name="login_submit", dependencies=[requires(Permission.PUBLIC)])
def login_submit(
    request: Request,
    name: str = Form("", max_length=64),
    password: str = Form("", max_length=1024),
    next: str = Form(""),
    session: Session = Depends(db_session),
) -> Response:
    limiter: LoginRateLimiter = request.app.state.login_limiter
    ip = request.client.host if request.client else "unknown"
    context = {"title": "Đăng nhập", "next": _safe_next(next) or "", "name": name}
    try:
        limiter.check(name, ip)
    except RateLimited as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)
        context["error"] = f"Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau {minutes} phút."
        response = render(request, "login.html", context, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    user = users.authenticate(session, name, password)
    if user is None:
        limiter.failed(name, ip)
        context["error"] = "Tên đăng nhập hoặc mật khẩu không đúng."
        return render(request, "login.html", context, status_code=401)
    limiter.succeeded(name, ip)
    start_session(request, user)
    session.commit()  # a re-hashed password is saved before the redirect is followed
    return RedirectResponse(_safe_next(next) or _home(request, user.role), status_code=303)


@router.post("/dang-xuat", name="logout", dependencies=[requires(Permission.SIGNED_IN)])
def logout(request: Request) -> Response:
    end_session(request)
    return RedirectResponse(str(request.url_for("login")), status_code=303)
