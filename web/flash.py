"""One-time messages across a POST-redirect-GET: kept in the signed session, shown once."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

_KEY = "flash"


@dataclass(frozen=True, kw_only=True)
class Flash:
    ok: bool
    text: str


def flash(request: Request, text: str, *, ok: bool = True) -> None:
    request.session[_KEY] = {"ok": ok, "text": text}


def pop_flash(request: Request) -> Flash | None:
    if "session" not in request.scope:
        return None
    data = request.session.pop(_KEY, None)
    if not isinstance(data, dict):
        return None
    return Flash(ok=bool(data.get("ok")), text=str(data.get("text", "")))
