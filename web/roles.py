"""Roles and what each may do. The one table every route's permission is checked against."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    SPOKESPERSON = "spokesperson"
    ANALYST = "analyst"
    ADMIN = "admin"


class Permission(StrEnum):
    DIGEST = "digest"
    SEARCH = "search"
    TRIAGE = "triage"
    EXPORT = "export"
    CHARTS = "charts"
    USERS = "users"
    SOURCES = "sources"
    HEALTH = "health"
    # Any signed-in user (home redirect, sign-out, API docs).
    SIGNED_IN = "signed_in"
    # No sign-in needed (sign-in page, stylesheet).
    PUBLIC = "public"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: frozenset({Permission.DIGEST, Permission.SEARCH}),
    Role.SPOKESPERSON: frozenset({Permission.DIGEST, Permission.SEARCH, Permission.TRIAGE}),
    Role.ANALYST: frozenset({Permission.SEARCH, Permission.EXPORT, Permission.CHARTS}),
    Role.ADMIN: frozenset({Permission.USERS, Permission.SOURCES, Permission.HEALTH}),
}

ROLE_LABELS: dict[Role, str] = {
    Role.OFFICER: "Cán bộ thông tin",
    Role.SPOKESPERSON: "Người phát ngôn",
    Role.ANALYST: "Chuyên viên phân tích",
    Role.ADMIN: "Quản trị viên",
}


def allowed(role: str | None, permission: Permission) -> bool:
    """Whether ``role`` (None: not signed in) may use a route that needs ``permission``."""
    if permission is Permission.PUBLIC:
        return True
    if role is None:
        return False
    try:
        granted = ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
    return permission is Permission.SIGNED_IN or permission in granted
