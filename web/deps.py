"""Request-scoped dependencies shared by the route modules."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from config.schema import Config
from storage.db import session_scope


def db_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed after the route returns.

    FastAPI may run this exit code only after the response has gone out, so a route
    that writes calls ``session.commit()`` itself before it answers: otherwise the
    browser, following the redirect, can read the old state.
    """
    with session_scope(request.app.state.sessions) as session:
        yield session


def app_config(request: Request) -> Config:
    config: Config = request.app.state.config
    return config
