"""The triage queue in SQL: the same flags as the old Python rule, paged, on both engines."""

from __future__ import annotations

import html
import importlib.util
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline import triage
from pipeline.triage import CLOSED, FlagStatus, view
from storage.models import Flag, FlagEvent
from tests.conftest import REPO, Database
from tests.webkit import (
    NOW,
    add_article,
    add_source,
    client_for,
    fast_hashing,  # noqa: F401  (autouse)
    make_app,
    seed_users,
)
from web import users as web_users
from web.roles import Role
from web.triage_view import ALL, OPEN, PAGE_SIZE, UNASSIGNED, QueueFilters, queue

# The old queue (load everything, filter in Python) lives on as the bench's baseline.
# Loaded by path: putting bench/ on sys.path would shadow packages (bench/nlp.py).
_spec = importlib.util.spec_from_file_location("bench_triage", REPO / "bench" / "triage.py")
assert _spec is not None and _spec.loader is not None
bench_triage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_triage)
old_queue = bench_triage.old_queue

Event = tuple[str, str | None, dict[str, Any]]
CREATED: Event = ("created", "new", {})
REVIEW: Event = ("status", "reviewing", {})
# Event histories (after none at all): each ends in a different status or assignee.
HISTORIES: dict[str, list[Event]] = {
    "no events": [],
    "created": [CREATED],
    "reviewing": [CREATED, REVIEW],
    "assigned": [CREATED, ("assign", None, {"assignee": "an"})],
    "reassigned": [
        CREATED, ("assign", None, {"assignee": "an"}), REVIEW, ("assign", None, {"assignee": "binh"}),
    ],
    "assignment cleared": [
        CREATED, ("assign", None, {"assignee": "an"}), ("assign", None, {"assignee": None}),
    ],
    "dismissed": [CREATED, REVIEW, ("status", "dismissed", {})],
    "dismissed, then reanalysed": [
        CREATED, REVIEW, ("status", "dismissed", {}), ("reanalysed", None, {"score": 0.9}),
    ],
    "responded": [
        CREATED, ("assign", None, {"assignee": "an"}), REVIEW, ("status", "needs_response", {}),
        ("respond", "responded", {"text": "Thông cáo", "label": "fake"}),
    ],
    "reopened": [CREATED, REVIEW, ("status", "dismissed", {}), ("status", "reopened", {})],
    "reopened, then reviewing": [
        CREATED, REVIEW, ("status", "dismissed", {}), ("status", "reopened", {}), REVIEW,
        ("assign", None, {"assignee": "binh"}),
    ],
    "needs response, then a note": [
        CREATED, REVIEW, ("status", "needs_response", {}), ("note", None, {}),
    ],
    "empty status is no status": [CREATED, REVIEW, ("note", "", {})],
}  # fmt: skip
SEVERITIES = ("high", "medium", "low", "unknown")


def _add_flag(
    session: Session,
    n: int,
    *,
    history: list[Event],
    severity: str = "medium",
    due_at: datetime | None = None,
    score: float = 0.5,
    topics: tuple[str, ...] = (),
) -> Flag:
    article = add_article(session, "blogla", f"Tin số {n}", NOW - timedelta(hours=n), topics=topics)
    flag = Flag(
        article_id=article.id, score=score, severity=severity, signals=[],
        created_at=NOW - timedelta(days=2), due_at=due_at,
    )  # fmt: skip
    session.add(flag)
    session.flush()
    for k, (action, status, data) in enumerate(history):
        # Event times run backwards: the rule goes by event id, not by time.
        at = NOW - timedelta(minutes=k)
        session.add(
            FlagEvent(
                flag_id=flag.id, at=at, actor="system", action=action, status=status, note="",
                data=data,
            )
        )  # fmt: skip
        session.flush()
    return flag


def _seed_varied(session: Session, count: int = 80) -> None:
    """Every history, with severities, deadlines and scores that tie often (so order is tested)."""
    add_source(session, "blogla", "Trang mạng lạ", tier=4)
    rng = random.Random(7)
    names = list(HISTORIES)
    for n in range(count):
        hours = rng.choice([None, -5, 1, 1, 24])
        _add_flag(
            session,
            n,
            history=HISTORIES[names[n % len(names)]],
            severity=rng.choice(SEVERITIES),
            due_at=None if hours is None else NOW + timedelta(hours=hours),
            score=rng.choice([0.5, 0.7, 0.9]),
            topics=tuple(rng.sample(["bien_dao", "dau_tu"], rng.randint(0, 2))),
        )


FILTERS = [
    QueueFilters(status=status, assignee=assignee, topic=topic)
    for status in [OPEN, ALL, *(s.value for s in FlagStatus)]
    for assignee in ["", UNASSIGNED, "an", "binh", "nobody"]
    for topic in ["", "bien_dao", "dau_tu"]
]


def test_sql_queue_returns_what_the_python_rule_did(db: Database) -> None:
    with db.sessions.begin() as session:
        _seed_varied(session)
    with db.sessions() as session:
        assert {view(f, NOW).status for f in session.scalars(select(Flag))} == set(FlagStatus)
        for filters in FILTERS:
            expected = [r.view.id for r in old_queue(session, filters, NOW)]
            got = queue(session, filters, NOW, page=1, per_page=200)
            assert [r.view.id for r in got.rows] == expected, filters
            assert got.total == len(expected), filters


def test_list_flags_and_overdue_in_sql_match_the_python_rule(db: Database) -> None:
    with db.sessions.begin() as session:
        _seed_varied(session, count=40)
    far = datetime.max.replace(tzinfo=UTC)
    with db.sessions() as session:
        views = [view(f, NOW) for f in session.scalars(select(Flag))]
        for statuses in (None, ["new"], ["reviewing", "reopened"], ["dismissed", "responded"]):
            wanted = set(statuses or FlagStatus)
            expected = sorted(
                (v for v in views if v.status in wanted),
                key=lambda v: (v.status in CLOSED, v.due_at or far, -v.score, v.id),
            )
            got = triage.list_flags(session, statuses=statuses, now=NOW)
            assert [v.id for v in got] == [v.id for v in expected], statuses
        overdue = [v.id for v in triage.overdue_flags(session, NOW)]
        assert overdue and sorted(overdue) == sorted(v.id for v in views if v.overdue)


def test_pages_cover_the_queue_once_in_order(db: Database) -> None:
    with db.sessions.begin() as session:
        _seed_varied(session)
    with db.sessions() as session:
        everything = queue(session, QueueFilters(status=ALL), NOW, per_page=200)
        assert everything.total == 80 and everything.pages == 1
        pages = [
            queue(session, QueueFilters(status=ALL), NOW, page=p, per_page=7) for p in range(1, 13)
        ]
        assert {p.total for p in pages} == {80} and {p.pages for p in pages} == {12}
        assert [len(p.rows) for p in pages] == [7] * 11 + [3]
        assert [r.view.id for p in pages for r in p.rows] == [r.view.id for r in everything.rows]
        assert queue(session, QueueFilters(status=ALL), NOW, page=13, per_page=7).rows == []
        for page, per_page in ((0, 10), (1, 0), (1, 201)):
            with pytest.raises(ValueError):
                queue(session, QueueFilters(), NOW, page=page, per_page=per_page)


# --- the page and the API -------------------------------------------------------------------


@pytest.fixture
def many(db: Database) -> FastAPI:
    """120 open flags (three pages of 50), every other one about bien_dao, and 30 dismissed."""
    with db.sessions.begin() as session:
        seed_users(session)
        add_source(session, "blogla", "Trang mạng lạ", tier=4)
        for n in range(150):
            _add_flag(
                session,
                n,
                history=HISTORIES["dismissed" if n >= 120 else "created"],
                due_at=NOW + timedelta(hours=n),
                topics=("bien_dao",) if n % 2 == 0 else ("dau_tu",),
            )
    return make_app(db.sessions)


def _queue_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="[^"]*/can-xu-ly/(\d+)"', page)]


def _link(page: str, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def test_queue_page_shows_total_and_links_keep_the_filters(many: FastAPI) -> None:
    client = client_for(many, Role.SPOKESPERSON)
    first = client.get("/can-xu-ly").text
    assert '<span class="count">120</span>' in first
    assert len(_queue_ids(first)) == PAGE_SIZE and "Trang 1 / 3" in first
    assert _link(first, "prev") is None
    next_url = _link(first, "next")
    assert next_url and next_url.endswith("/can-xu-ly?trang=2")
    second = client.get(next_url).text
    assert "Trang 2 / 3" in second and "(51–100 trong 120 cảnh báo)" in second
    assert not set(_queue_ids(first)) & set(_queue_ids(second))
    prev_url = _link(second, "prev")
    assert prev_url and prev_url.endswith("/can-xu-ly")  # page 1 has no trang=
    # With filters: 60 flags about bien_dao, unassigned, open -> two pages; links keep them.
    filtered = client.get("/can-xu-ly", params={"chu_de": "bien_dao", "nguoi_xu_ly": "-"}).text
    assert '<span class="count">60</span>' in filtered and "Trang 1 / 2" in filtered
    next_url = _link(filtered, "next")
    assert next_url and "chu_de=bien_dao" in next_url and "nguoi_xu_ly=-" in next_url
    last = client.get(next_url).text
    assert len(_queue_ids(last)) == 10 and _link(last, "next") is None
    # All statuses: the dismissed ones come too.
    every = client.get("/can-xu-ly", params={"trang_thai": "tat-ca", "trang": "3"}).text
    assert '<span class="count">150</span>' in every and "Trang 3 / 3" in every
    assert "trang_thai=tat-ca" in (_link(every, "prev") or "")


def test_queue_page_past_the_end_shows_the_last_page(many: FastAPI) -> None:
    client = client_for(many, Role.SPOKESPERSON)
    last = client.get("/can-xu-ly?trang=3").text
    beyond = client.get("/can-xu-ly?trang=9")
    assert beyond.status_code == 200 and "Trang 3 / 3" in beyond.text
    assert _queue_ids(beyond.text) == _queue_ids(last) and len(_queue_ids(last)) == 20


@pytest.mark.parametrize("value", ["abc", "0", "-1", "2.5", "99999999"])
def test_malformed_page_is_a_clear_vietnamese_message(many: FastAPI, value: str) -> None:
    response = client_for(many, Role.SPOKESPERSON).get("/can-xu-ly", params={"trang": value})
    assert response.status_code == 200
    assert f"Số trang «{value}» không hợp lệ." in response.text
    assert _queue_ids(response.text) == []


def test_api_pages_with_total(many: FastAPI, db: Database) -> None:
    with db.sessions.begin() as session:
        token = web_users.set_api_token(session, "spokesperson")
    client = TestClient(many)
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get("/api/flags", headers=auth).json()
    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (120, 1, 50, 3)
    seen = []
    for page in (1, 2, 3):
        body = client.get(
            "/api/flags", params={"topic": "bien_dao", "per_page": 25, "page": page}, headers=auth
        ).json()
        assert (body["total"], body["pages"]) == (60, 3)
        seen += [f["id"] for f in body["items"]]
    everything = client.get(
        "/api/flags", params={"topic": "bien_dao", "per_page": 200}, headers=auth
    ).json()
    assert seen == [f["id"] for f in everything["items"]] and len(seen) == 60
    beyond = client.get("/api/flags", params={"page": 4}, headers=auth).json()
    assert beyond["items"] == [] and beyond["total"] == 120  # a script paging on stops here
    for bad in ({"page": 0}, {"page": "x"}, {"per_page": 201}, {"per_page": 0}):
        assert client.get("/api/flags", params=bad, headers=auth).status_code == 422, bad
    refused = client.get("/api/flags", params={"status": "bogus"}, headers=auth)
    assert (
        refused.status_code == 400 and "Trạng thái «bogus» không hợp lệ" in refused.json()["detail"]
    )
