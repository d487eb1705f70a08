"""The web application: ``create_app()`` for uvicorn and tests.

    uvicorn --factory web.app:create_app
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from config.loader import load_config
from config.schema import Config
from nlp.parties import Parties
from storage.db import make_engine, session_factory
from web import errors
from web.auth import SESSION_COOKIE, SESSION_MAX_AGE, LoginRateLimiter, load_secret_key
from web.routes import (
    admin,
    api,
    api_search,
    api_triage,
    articles,
    digest,
    search,
    session,
    sources,
    triage,
)
from web.routing_table import iter_routes
from web.security import SecurityHeadersMiddleware
from web.templating import make_templates

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
ROUTERS = (
    session.router,
    digest.router,
    triage.router,
    search.router,
    articles.router,
    sources.router,
    admin.router,
    api.router,
    api_triage.router,
    api_search.router,
)


def _now() -> datetime:
    return datetime.now(UTC)


def check_route_access(app: FastAPI) -> None:
    """Refuse to start when a route does not declare who may call it."""
    missing = [
        f"{sorted(info.methods)} {info.path}"
        for info in iter_routes(app.routes)
        if isinstance(info.route, APIRoute) and info.access is None
    ]
    if missing:
        raise RuntimeError("routes without a declared role: " + ", ".join(missing))


def create_app(
    sessions: sessionmaker[Session] | None = None,
    config: Config | None = None,
    *,
    secret_key: str | None = None,
    clock: Callable[[], datetime] = _now,
) -> FastAPI:
    """Build the app over a database and a configuration (defaults: the configured ones).

    The session key is ``secret_key``, else ``HAIDANG_SECRET_KEY``, else a random key
    kept in ``data/secret_key`` (mode 0600).
    """
    config = config or load_config()
    sessions = sessions or session_factory(make_engine())
    app = FastAPI(
        title="Hải Đăng API",
        version="1",
        description="Bài viết và nguồn tin của Hải Đăng. Xác thực: Authorization: Bearer <token>.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.sessions = sessions
    app.state.config = config
    # Compiled once: the article page says why an item has no topic (nlp.parties).
    app.state.parties = Parties(config.parties, config.province)
    app.state.clock = clock
    app.state.templates = make_templates(config.schedule.timezone)
    app.state.login_limiter = LoginRateLimiter()
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or load_secret_key(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=os.environ.get("HAIDANG_HTTPS", "") == "1",
    )
    # Added last so it is outermost: headers also go on error responses.
    app.add_middleware(SecurityHeadersMiddleware)
    check_route_access(app)
    return app
