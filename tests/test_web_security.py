"""Hostile crawled text, CSRF, security headers, login rate limit, secret key."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from storage.models import Source
from tests.webkit import (
    PASSWORD,
    XSS_URL,
    client_for,
    csrf_from,
    csrf_of,
    fast_hashing,  # noqa: F401  (autouse)
    make_app,
    seed_hostile,
    seed_users,
    web_config,
)
from web.auth import LoginRateLimiter, RateLimited, load_secret_key
from web.roles import Role


@pytest.fixture
def hostile_app(db):  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        seed_users(session)
        article = seed_hostile(session)
        article_id = article.id
    application = make_app(db.sessions, web_config(hostile=True))
    application.state.article_id = article_id
    return application


_TAG_WITH_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
_JS_LINK = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def assert_inert(html: str, page: str) -> None:
    """No script element, no event-handler attribute, no javascript: link — anywhere."""
    assert "<script" not in html.lower(), f"{page}: raw <script>"
    assert not _TAG_WITH_HANDLER.search(html), f"{page}: event handler attribute"
    assert not _JS_LINK.search(html), f"{page}: javascript: link"


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        (Role.OFFICER, ["/hom-nay", "/bai-viet", "/bai-viet/{id}"]),
        (Role.ANALYST, ["/bai-viet", "/bai-viet/{id}", "/bai-viet?chu_de=bien_dao"]),
        (Role.ADMIN, ["/nguon-tin"]),
    ],
)
def test_hostile_text_is_escaped_on_every_page(
    hostile_app: FastAPI, role: Role, pages: list[str]
) -> None:
    client = client_for(hostile_app, role)
    for page in pages:
        url = page.replace("{id}", str(hostile_app.state.article_id))
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text, url)
        # The hostile text is shown (escaped), not dropped.
        assert "&lt;script&gt;" in response.text, url


def test_chart_labels_and_section_names_are_escaped(hostile_app: FastAPI) -> None:
    html = client_for(hostile_app, Role.OFFICER).get("/hom-nay").text
    charts = re.findall(r"<svg.*?</svg>", html, re.S)
    assert charts, "digest has no chart"
    assert any("&lt;script&gt;alert(&#34;c&#34;)" in chart for chart in charts)
    for chart in charts:
        assert_inert(chart, "chart")


def test_javascript_url_is_never_a_link(hostile_app: FastAPI) -> None:
    client = client_for(hostile_app, Role.SPOKESPERSON)
    html = client.get(f"/bai-viet/{hostile_app.state.article_id}").text
    assert XSS_URL in html  # shown as text for the reader
    assert f'href="{XSS_URL}' not in html


def test_api_returns_hostile_text_as_json_data(hostile_app: FastAPI) -> None:
    response = client_for(hostile_app, Role.ANALYST).get("/api/articles")
    assert response.headers["content-type"].startswith("application/json")
    titles = [item["title"] for item in response.json()["items"]]
    assert any(t.startswith("<script>") for t in titles)


# --- CSRF -------------------------------------------------------------------------


def _admin_switch(client: TestClient, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post("/nguon-tin/evil/trang-thai", data=data)


def test_csrf_required_on_admin_form(hostile_app: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    client = client_for(hostile_app, Role.ADMIN)
    assert _admin_switch(client, {"action": "tat"}).status_code == 403
    assert _admin_switch(client, {"action": "tat", "csrf_token": "forged"}).status_code == 403
    other = client_for(hostile_app, Role.ADMIN)
    foreign = csrf_of(other, signed_in=True)
    assert _admin_switch(client, {"action": "tat", "csrf_token": foreign}).status_code == 403
    with db.sessions() as session:
        assert session.get(Source, "evil").enabled is True
    token = csrf_of(client, signed_in=True)
    assert _admin_switch(client, {"action": "tat", "csrf_token": token}).status_code == 303
    with db.sessions() as session:
        assert session.get(Source, "evil").enabled is False


def test_csrf_required_on_login_and_logout(hostile_app: FastAPI) -> None:
    client = TestClient(hostile_app, follow_redirects=False)
    response = client.post("/dang-nhap", data={"name": "officer", "password": PASSWORD})
    assert response.status_code == 403
    assert "haidang_session" not in response.cookies or "uid" not in response.text
    signed = client_for(hostile_app, Role.OFFICER)
    assert signed.post("/dang-xuat", data={}).status_code == 403
    assert signed.get("/hom-nay").status_code == 200  # still signed in


def test_csrf_token_changes_at_sign_in(hostile_app: FastAPI) -> None:
    client = TestClient(hostile_app, follow_redirects=False)
    before = csrf_from(client.get("/dang-nhap").text)
    client.post("/dang-nhap", data={"name": "officer", "password": PASSWORD, "csrf_token": before})
    after = csrf_of(client, signed_in=True)
    assert before != after


# --- headers and cookies -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dang-nhap", "/khong-co", "/static/style.css", "/api/articles"])
def test_security_headers(hostile_app: FastAPI, path: str) -> None:
    response = TestClient(hostile_app, follow_redirects=False).get(path)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_session_cookie_flags(hostile_app: FastAPI) -> None:
    client = TestClient(hostile_app, follow_redirects=False)
    page = client.get("/dang-nhap")
    response = client.post(
        "/dang-nhap",
        data={"name": "officer", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    cookie = response.headers["set-cookie"].lower()
    assert "haidang_session=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_forged_cookie_is_ignored(hostile_app: FastAPI) -> None:
    client = TestClient(
        hostile_app, follow_redirects=False, cookies={"haidang_session": "eyJ1aWQiOiAxfQ==.x.y"}
    )
    assert client.get("/hom-nay").status_code == 303


def test_open_redirect_after_sign_in_is_refused(hostile_app: FastAPI) -> None:
    client = TestClient(hostile_app, follow_redirects=False)
    token = csrf_from(client.get("/dang-nhap?next=//evil.example").text)
    response = client.post(
        "/dang-nhap",
        data={
            "name": "officer",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example",
        },
    )
    assert response.status_code == 303
    assert "evil" not in response.headers["location"]


# --- login rate limit -----------------------------------------------------------------


def _login(client: TestClient, name: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/dang-nhap").text)
    return client.post("/dang-nhap", data={"name": name, "password": password, "csrf_token": token})


def test_login_rate_limit(hostile_app: FastAPI) -> None:
    client = TestClient(hostile_app, follow_redirects=False)
    for _ in range(5):
        assert _login(client, "officer", "sai").status_code == 401
    blocked = _login(client, "officer", PASSWORD)
    assert blocked.status_code == 429
    assert "Quá nhiều lần đăng nhập sai" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0
    # Another user from the same address is not locked out.
    assert _login(client, "analyst", PASSWORD).status_code == 303


def test_rate_limiter_window_and_keys() -> None:
    now = [1000.0]
    limiter = LoginRateLimiter(max_failures=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("Lan", "10.0.0.1")
        limiter.failed("Lan", "10.0.0.1")
    with pytest.raises(RateLimited):
        limiter.check("lan", "10.0.0.1")  # names compared without case
    limiter.check("lan", "10.0.0.2")  # another address is its own key
    now[0] += 61
    limiter.check("lan", "10.0.0.1")  # the window has passed
    limiter.failed("lan", "10.0.0.1")
    limiter.succeeded("lan", "10.0.0.1")
    limiter.check("lan", "10.0.0.1")


def test_secret_key_from_env_or_private_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAIDANG_SECRET_KEY", "tu-moi-truong")
    assert load_secret_key(tmp_path / "k") == "tu-moi-truong"
    assert not (tmp_path / "k").exists()
    monkeypatch.delenv("HAIDANG_SECRET_KEY")
    path = tmp_path / "data" / "secret_key"
    first = load_secret_key(path)
    assert len(first) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret_key(path) == first


def test_unknown_source_switch_is_404(hostile_app: FastAPI) -> None:
    client = client_for(hostile_app, Role.ADMIN)
    token = csrf_of(client, signed_in=True)
    response = client.post(
        "/nguon-tin/khong-co/trang-thai", data={"action": "tat", "csrf_token": token}
    )
    assert response.status_code == 404
