"""Sign-in sessions, API tokens, CSRF, login rate limit and the per-route access check.

Every route declares an ``Access`` dependency (``requires(Permission.X)``); ``create_app``
refuses to start when a route has none.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from storage.models import User
from web import users
from web.roles import Permission, allowed

logger = logging.getLogger(__name__)

SECRET_ENV = "HAIDANG_SECRET_KEY"
SECRET_FILE = Path("data") / "secret_key"
SESSION_COOKIE = "haidang_session"
SESSION_MAX_AGE = 12 * 60 * 60
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def load_secret_key(path: Path = SECRET_FILE) -> str:
    """``HAIDANG_SECRET_KEY`` if set; else a random key kept in ``data/secret_key`` (mode 0600).

    The file is created on first use so that sessions survive a restart.
    """
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    os.chmod(path, 0o600)
    logger.warning("no %s set: created a random session key in %s", SECRET_ENV, path)
    return key


# --- errors turned into responses by web.errors ------------------------------


class NotSignedIn(Exception):
    """No valid session or token."""


class Forbidden(Exception):
    """Signed in, but the role does not allow this route."""


class CsrfError(Exception):
    """An unsafe request without the session's CSRF token."""


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


# --- who is asking --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Principal:
    user_id: int
    name: str
    role: str
    via_token: bool = False


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (also for the anonymous sign-in form)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def start_session(request: Request, user: User) -> None:
    """A fresh session on sign-in (new CSRF token too), so a planted cookie is worthless."""
    request.session.clear()
    request.session.update(
        {"uid": user.id, "pw": users.password_fingerprint(user), "csrf": secrets.token_urlsafe(32)}
    )


def end_session(request: Request) -> None:
    request.session.clear()


def _session_principal(factory: sessionmaker[Session], data: dict[str, Any]) -> Principal | None:
    uid = data.get("uid")
    if not isinstance(uid, int):
        return None
    with factory() as session:
        user = session.get(User, uid)
        if user is None or user.disabled or data.get("pw") != users.password_fingerprint(user):
            return None
        return Principal(user_id=user.id, name=user.name, role=user.role)


def _token_principal(factory: sessionmaker[Session], token: str) -> Principal | None:
    with factory() as session:
        user = users.user_by_token(session, token)
        if user is None:
            return None
        return Principal(user_id=user.id, name=user.name, role=user.role, via_token=True)


def is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


async def _check_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CsrfError


class Access:
    """Route dependency: who may call the route. Also the route's declaration for the role table."""

    def __init__(self, permission: Permission):
        self.permission = permission

    def __repr__(self) -> str:
        return f"Access({self.permission.value})"

    async def __call__(self, request: Request) -> Principal | None:
        factory: sessionmaker[Session] = request.app.state.sessions
        principal: Principal | None = None
        authorization = request.headers.get("authorization", "")
        if is_api(request) and authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
            principal = await run_in_threadpool(_token_principal, factory, token)
            if principal is None:
                raise NotSignedIn
        else:
            if request.method not in SAFE_METHODS:
                # Cookie-authenticated (or anonymous) writes need the CSRF token; bearer
                # tokens are not sent by browsers on their own, so they do not.
                await _check_csrf(request)
            if "uid" in request.session:
                principal = await run_in_threadpool(
                    _session_principal, factory, dict(request.session)
                )
                if principal is None:
                    request.session.clear()
        request.state.principal = principal
        if self.permission is Permission.PUBLIC:
            return principal
        if principal is None:
            raise NotSignedIn
        if not allowed(principal.role, self.permission):
            raise Forbidden
        return principal


def requires(permission: Permission) -> Any:
    """``dependencies=[requires(Permission.DIGEST)]`` — the route's declared access."""
    return Depends(Access(permission))


def current_principal(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise NotSignedIn
    return principal


def route_access(route: BaseRoute) -> Access | None:
    """The ``Access`` a route declares (searched through its dependency tree), if any."""
    if not isinstance(route, APIRoute):
        return None
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Access):
            return dep.call
        stack.extend(dep.dependencies)
    return None


# --- login rate limit -----------------------------------------------------------


class LoginRateLimiter:
    """At most ``max_failures`` failed sign-ins per (user name, client IP) in ``window`` seconds.

    In memory: one web process per office is the deployment; a restart forgets.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        now = self.clock()
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def check(self, name: str, ip: str) -> None:
        """Raise ``RateLimited`` when this user name from this address has failed too often."""
        key = (name.strip().casefold(), ip)
        with self._lock:
            times = self._recent(key)
            if len(times) >= self.max_failures:
                retry = int(self.window - (self.clock() - times[0])) + 1
                raise RateLimited(retry)

    def failed(self, name: str, ip: str) -> None:
        key = (name.strip().casefold(), ip)
        with self._lock:
            self._recent(key).append(self.clock())
            if len(self._failures) > 10_000:
                # Bound memory against a flood of made-up names: forget the emptiest keys.
                for stale in [k for k, v in self._failures.items() if len(v) <= 1][:5_000]:
                    del self._failures[stale]

    def succeeded(self, name: str, ip: str) -> None:
        with self._lock:
            self._failures.pop((name.strip().casefold(), ip), None)
