"""The app's routes, flattened: path, methods, name and declared access of each.

FastAPI >= 0.13x keeps included routers as wrappers in ``app.routes``;
``fastapi.routing.iter_route_contexts`` flattens them. Older versions list routes directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.routing import BaseRoute, Mount

from web.auth import Access, route_access

_iter_route_contexts: Callable[[Sequence[BaseRoute]], Iterator[Any]] | None
try:
    from fastapi.routing import iter_route_contexts as _iter_route_contexts
except ImportError:  # older FastAPI: app.routes is already flat
    _iter_route_contexts = None


@dataclass(frozen=True, kw_only=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    name: str | None
    access: Access | None
    route: BaseRoute
    is_mount: bool


def iter_routes(routes: Sequence[BaseRoute]) -> Iterator[RouteInfo]:
    if _iter_route_contexts is not None:
        for context in _iter_route_contexts(routes):
            original = context.original_route
            yield RouteInfo(
                path=str(context.path or getattr(original, "path", "")),
                methods=frozenset(context.methods or ()),
                name=context.name,
                access=route_access(original),
                route=original,
                is_mount=isinstance(original, Mount),
            )
        return
    for route in routes:
        yield RouteInfo(
            path=str(getattr(route, "path", "")),
            methods=frozenset(getattr(route, "methods", None) or ()),
            name=getattr(route, "name", None),
            access=route_access(route),
            route=route,
            is_mount=isinstance(route, Mount),
        )
