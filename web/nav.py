"""The navigation bar: one entry per page, shown to the roles that may open it.

Pages added later (triage, search) add an entry here with their route name; an
entry whose route is not registered yet is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.routing import Router

from web.roles import Permission, allowed
from web.routing_table import iter_routes


@dataclass(frozen=True, kw_only=True)
class NavItem:
    label: str
    route_name: str
    permission: Permission


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem(label="Hôm nay", route_name="digest", permission=Permission.DIGEST),
    NavItem(label="Cần xử lý", route_name="triage_queue", permission=Permission.TRIAGE),
    NavItem(label="Tra cứu", route_name="search", permission=Permission.SEARCH),
    NavItem(label="Bài viết", route_name="articles", permission=Permission.SEARCH),
    NavItem(label="Nguồn tin", route_name="sources", permission=Permission.HEALTH),
    NavItem(label="Người dùng", route_name="users", permission=Permission.USERS),
)


def route_names(router: Router) -> set[str]:
    return {info.name for info in iter_routes(router.routes) if info.name}


def nav_for(role: str | None, registered: set[str]) -> list[NavItem]:
    return [
        item
        for item in NAV_ITEMS
        if item.route_name in registered and allowed(role, item.permission)
    ]


def home_route(role: str | None, registered: set[str]) -> str | None:
    """The first page this role may open (where ``/`` and sign-in lead)."""
    items = nav_for(role, registered)
    return items[0].route_name if items else None
