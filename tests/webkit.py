"""Helpers for the web tests: a seeded database, signed-in clients, CSRF tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from config import load_config
from config.schema import Config, Topic
from storage.models import Article, ArticleTopic, Flag
from tests.seed import add_source  # noqa: F401 - the web tests import it from here
from web import users
from web.app import create_app
from web.roles import Role

# 10:00 in Hồ Chí Minh City on 26 November 2026.
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
PASSWORD = "mật-khẩu-thử"
XSS_TITLE = '<script>alert("t")</script> Tàu lạ <img src=x onerror=alert(1)>'
XSS_TEXT = (
    'Đoạn một <script>alert("b")</script>\n<a href="javascript:alert(2)">bấm</a> onerror=alert(3)'
)
XSS_URL = "javascript:alert(document.cookie)"
XSS_SOURCE = '<script>alert("s")</script>Báo lạ'
XSS_TOPIC = '<script>alert("c")</script>Biển'


def web_config(hostile: bool = False) -> Config:
    """The shipped config with two topics (the digest shows them in topics.yaml order)."""
    base = load_config()
    topics = [
        Topic(id="bien_dao", name=XSS_TOPIC if hostile else "Biển, đảo", plan="§II.5.1"),
        Topic(id="dau_tu", name="Đầu tư, kinh doanh", plan="§II.2"),
    ]
    return base.model_copy(update={"topics": topics})


_counter = iter(range(1, 1_000_000))


def add_article(
    session: Session,
    source_id: str,
    title: str,
    when: datetime | None,
    *,
    topics: tuple[str, ...] = (),
    province: bool = False,
    cluster: int | None = None,
    text: str = "Nội dung bài viết.",
    url: str | None = None,
    fetched: datetime | None = None,
) -> Article:
    n = next(_counter)
    article = Article(
        canonical_url=f"https://{source_id}.example.vn/bai-{n}",
        url=url or f"https://{source_id}.example.vn/bai-{n}",
        source_id=source_id,
        title=title,
        summary="",
        text=text,
        author="",
        lang="vi",
        published_at=when,
        fetched_at=fetched or when or NOW,
        updated_at=NOW,
        content_hash=f"{n:064d}",
        province_relevant=province,
        places=["Phan Thiết"] if province else [],
        entities=[],
        risk_score=0.0,
        analysis_version="test",
        cluster_id=cluster,
        version=1,
    )
    article.topics = [ArticleTopic(topic=t, score=0.8, evidence=["Hoàng Sa"]) for t in topics]
    session.add(article)
    session.flush()
    return article


def seed_users(session: Session) -> dict[Role, str]:
    """One user per role, named after the role."""
    for role in Role:
        users.create_user(session, role.value, role.value, PASSWORD)
    return {role: role.value for role in Role}


def seed_hostile(session: Session) -> Article:
    """Crawled text is hostile: a source, article and flag full of markup."""
    add_source(
        session,
        "evil",
        XSS_SOURCE,
        tier=5,
        consecutive_failures=2,
        last_error='<script>alert("e")</script>',
    )
    article = add_article(
        session,
        "evil",
        XSS_TITLE,
        NOW - timedelta(hours=1),
        topics=("bien_dao",),
        province=True,
        cluster=7,
        text=XSS_TEXT,
        url=XSS_URL,
    )
    add_article(
        session,
        "evil",
        XSS_TITLE + " (2)",
        NOW - timedelta(hours=2),
        topics=("bien_dao",),
        cluster=7,
        url=XSS_URL,
    )
    session.add(Flag(article_id=article.id, score=0.9, severity="high", signals=[], created_at=NOW))
    session.flush()
    return article


def make_app(sessions, config: Config | None = None) -> FastAPI:  # type: ignore[no-untyped-def]
    return create_app(sessions, config or web_config(), secret_key="test-secret", clock=lambda: NOW)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def client_for(app: FastAPI, role: Role | None) -> TestClient:
    """A client signed in as the user named after ``role`` (anonymous for None)."""
    client = TestClient(app, follow_redirects=False)
    if role is not None:
        page = client.get("/dang-nhap")
        response = client.post(
            "/dang-nhap",
            data={"name": role.value, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        )
        assert response.status_code == 303, response.text
    return client


def csrf_of(client: TestClient, signed_in: bool) -> str:
    return csrf_from(client.get("/tai-khoan" if signed_in else "/dang-nhap").text)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters in tests (import this fixture into a test module to use it)."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_hasher", cheap)
    monkeypatch.setattr(users, "_DUMMY_HASH", cheap.hash("dummy"))
