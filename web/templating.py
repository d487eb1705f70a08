"""Jinja2 set-up: autoescaping on, filters for dates and untrusted URLs, one render helper."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from web.auth import csrf_token
from web.flash import pop_flash
from web.nav import nav_for, route_names
from web.roles import ROLE_LABELS, Role

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

SEVERITY_LABELS = {"high": "Cao", "medium": "Trung bình", "low": "Thấp"}
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def safe_url(value: str | None) -> str | None:
    """An http(s) URL to link to, or None: crawled ``javascript:`` or ``data:`` links are never links."""
    if not value:
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return value


def make_templates(timezone: str) -> Jinja2Templates:
    tz = ZoneInfo(timezone)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "svg", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def local_dt(value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
        if value is None:
            return "—"
        return as_utc(value).astimezone(tz).strftime(fmt)

    def local_day(value: datetime) -> str:
        local = as_utc(value).astimezone(tz)
        return f"{WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y}"

    def local_dt_iso(value: str | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
        """An ISO 8601 string (flag events keep their times so) in local time."""
        if not value:
            return "—"
        try:
            return local_dt(datetime.fromisoformat(value), fmt)
        except ValueError:
            return value

    env.filters["local_dt"] = local_dt
    env.filters["local_dt_iso"] = local_dt_iso
    env.filters["local_day"] = local_day
    env.filters["safe_url"] = safe_url
    env.filters["severity"] = lambda value: SEVERITY_LABELS.get(value, value)
    env.globals["role_label"] = lambda role: ROLE_LABELS.get(Role(role), role) if role in set(Role) else role
    return Jinja2Templates(env=env)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """Render a page with what the layout needs: who is signed in, the nav, the CSRF token."""
    principal = getattr(request.state, "principal", None)
    role = principal.role if principal else None
    templates: Jinja2Templates = request.app.state.templates
    full = {
        "principal": principal,
        "nav": nav_for(role, route_names(request.app.router)),
        "csrf_token": csrf_token(request),
        "flash": pop_flash(request),
        "app_name": "Hải Đăng",
        "province_name": request.app.state.config.province.province.name,
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, full, status_code=status_code)
