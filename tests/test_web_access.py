"""Every route, every role: the declared role table is what the app enforces."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from tests.seed import add_flag
from tests.webkit import (
    NOW,
    PASSWORD,
    add_article,
    add_source,
    client_for,
    csrf_of,
    fast_hashing,  # noqa: F401  (autouse)
    make_app,
    seed_users,
)
from web import users
from web.app import check_route_access
from web.roles import ROLE_PERMISSIONS, Permission, Role, allowed
from web.routing_table import RouteInfo, iter_routes

ROLES: list[Role | None] = [None, *Role]


@pytest.fixture
def app(db):  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        seed_users(session)
        add_source(session, "vnexpress", "VnExpress")
        article = add_article(session, "vnexpress", "Ngư dân Phan Thiết", NOW, topics=("bien_dao",))
        article_id = article.id
        flag_id = add_flag(session, article, NOW).id
    application = make_app(db.sessions)
    application.state.test_ids = {
        "article_id": str(article_id),
        "source_id": "vnexpress",
        "flag_id": str(flag_id),
    }
    return application


def _url(info: RouteInfo, ids: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], info.path)


def _form(info: RouteInfo, role: Role | None) -> dict[str, str]:
    if info.name == "login_submit":
        return {"name": role.value if role else "nobody", "password": PASSWORD}
    if info.name == "source_switch":
        return {"action": "tat"}
    return {}


# JSON bodies of the API's actions, valid in the order the walk calls them (new -> reviewing -> responded).
_API_BODIES: dict[str, dict[str, str]] = {
    "api_assign": {"assignee": "spokesperson"},
    "api_status": {"status": "reviewing"},
    "api_note": {"note": "ghi chú"},
    "api_respond": {"text": "Thông tin chính thức"},
}


def _call(client: TestClient, method: str, url: str, info: RouteInfo, role: Role | None):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        headers = {"X-CSRF-Token": csrf_of(client, role is not None)}
        return client.request(method, url, json=_API_BODIES.get(info.name or "", {}), headers=headers)
    data = _form(info, role) | {"csrf_token": csrf_of(client, role is not None)}
    return client.request(method, url, data=data)


def _denied(response, api: bool, role: Role | None) -> bool:  # type: ignore[no-untyped-def]
    if role is None:
        if api:
            return response.status_code == 401
        location = response.headers.get("location", "")
        return response.status_code == 303 and location.startswith("/dang-nhap?next=")
    return response.status_code == 403


def test_every_route_declares_its_roles(app: FastAPI) -> None:
    infos = list(iter_routes(app.routes))
    assert len(infos) >= 15
    for info in infos:
        if info.is_mount:
            assert info.path == "/static", f"unexpected mount {info.path}"
        else:
            assert info.access is not None, f"{info.path} declares no roles"


def test_a_route_without_roles_stops_start_up(app: FastAPI) -> None:
    router = APIRouter()

    @router.get("/quen-khai-bao")
    def forgotten() -> str:
        return "x"

    app.include_router(router)
    with pytest.raises(RuntimeError, match="quen-khai-bao"):
        check_route_access(app)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_walk_every_route_with_every_role(app: FastAPI, role: Role | None) -> None:
    ids = app.state.test_ids
    walked = 0
    infos = [i for i in iter_routes(app.routes) if not i.is_mount]
    # Sign-out last: it ends the session the other calls use.
    infos.sort(key=lambda i: i.name == "logout")
    client = client_for(app, role)
    for info in infos:
        assert info.access is not None
        for method in sorted(info.methods - {"HEAD"}):
            url = _url(info, ids)
            api = url.startswith("/api/")
            response = _call(client, method, url, info, role)
            should = allowed(role.value if role else None, info.access.permission)
            denied = _denied(response, api, role)
            assert denied != should, (
                f"{method} {url} as {role}: status {response.status_code}, "
                f"declared {info.access.permission.value}, expected {'allowed' if should else 'denied'}"
            )
            if should:
                assert response.status_code < 400 or info.name == "login_submit", (
                    f"{method} {url} as {role}: {response.status_code}"
                )
            walked += 1
    assert walked >= 15


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_api_routes_with_bearer_tokens(app: FastAPI, db, role: Role) -> None:  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        token = users.set_api_token(session, role.value)
    client = TestClient(app, follow_redirects=False)
    ids = app.state.test_ids
    for info in iter_routes(app.routes):
        if info.is_mount or not info.path.startswith("/api/") or "GET" not in info.methods:
            continue
        assert info.access is not None
        url = _url(info, ids)
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        if allowed(role.value, info.access.permission):
            assert response.status_code == 200, f"{url} as {role}: {response.status_code}"
        else:
            assert response.status_code == 403, f"{url} as {role}: {response.status_code}"
        bad = client.get(url, headers={"Authorization": "Bearer wrong-token"})
        assert bad.status_code == 401
        assert bad.headers["www-authenticate"] == "Bearer"


def test_role_table_matches_the_brief() -> None:
    assert ROLE_PERMISSIONS[Role.OFFICER] == {Permission.DIGEST, Permission.SEARCH}
    assert ROLE_PERMISSIONS[Role.SPOKESPERSON] == ROLE_PERMISSIONS[Role.OFFICER] | {
        Permission.TRIAGE
    }
    assert ROLE_PERMISSIONS[Role.ANALYST] == {
        Permission.SEARCH,
        Permission.EXPORT,
        Permission.CHARTS,
    }
    assert ROLE_PERMISSIONS[Role.ADMIN] == {Permission.USERS, Permission.SOURCES, Permission.HEALTH}
    assert not allowed("superuser", Permission.SIGNED_IN)
    assert allowed(None, Permission.PUBLIC)


def test_disabled_user_loses_session(app: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    client = client_for(app, Role.OFFICER)
    assert client.get("/hom-nay").status_code == 200
    with db.sessions.begin() as session:
        user = users.get_user(session, "officer")
        assert user is not None
        user.disabled = True
    response = client.get("/hom-nay")
    assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap")


def test_password_change_ends_other_sessions(app: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    client = client_for(app, Role.ANALYST)
    assert client.get("/bai-viet").status_code == 200
    with db.sessions.begin() as session:
        user = users.get_user(session, "analyst")
        assert user is not None
        user.password_hash = users.hash_password("mật khẩu mới")
    assert client.get("/bai-viet").status_code == 303
