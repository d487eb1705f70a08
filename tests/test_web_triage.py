"""The "Cần xử lý" pages through the UI: queue order and filters, evidence, actions, corrections."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from nlp.evaluate import read_labelled
from pipeline.triage import current_status, get_flag
from storage.models import Article, Correction, FlagEvent
from tests.web_triage_seed import FLAG_TEXT, TriageSeed, seed_triage
from tests.webkit import (
    NOW,
    client_for,
    csrf_of,
    fast_hashing,  # noqa: F401  (autouse)
    make_app,
    seed_users,
)
from web.roles import Role


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        seed_users(session)
        ids = seed_triage(session, NOW)
    app = make_app(db.sessions)
    app.state.seed = ids
    return app


def _ids(app: FastAPI) -> TriageSeed:
    seed: TriageSeed = app.state.seed
    return seed


def _post(client: TestClient, url: str, data: Mapping[str, str | list[str]]):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_of(client, True)})


def _events(db, flag_id: int) -> list[FlagEvent]:  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        return list(
            session.scalars(
                select(FlagEvent).where(FlagEvent.flag_id == flag_id).order_by(FlagEvent.id)
            )
        )


def _queue_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="[^"]*/can-xu-ly/(\d+)"', html)]


def test_queue_by_severity_deadline_and_score_with_overdue_marked(seeded: FastAPI) -> None:
    ids = _ids(seeded)
    html = client_for(seeded, Role.SPOKESPERSON).get("/can-xu-ly").text
    order = _queue_ids(html)
    # High severity first; among the two high ones the overdue deadline comes first.
    assert order == [ids.overdue_flag_id, ids.flag_id, ids.other_flag_id]
    rows = re.findall(r"<tr class=\"([^\"]*)\">.*?/can-xu-ly/(\d+)", html, re.S)
    marked = {int(i) for cls, i in rows if "overdue" in cls}
    assert marked == {ids.overdue_flag_id}
    assert html.count("Quá hạn") == 1
    # Two contradicted facts, one signal name in the queue.
    row = re.search(rf'/can-xu-ly/{ids.flag_id}".*?</tr>', html, re.S)
    assert row and row.group(0).count("Trái với thông tin chính thức") == 1


def test_queue_filters(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(seeded)
    client = client_for(seeded, Role.SPOKESPERSON)
    assert _queue_ids(client.get("/can-xu-ly?chu_de=dau_tu").text) == [ids.other_flag_id]
    assert _queue_ids(client.get("/can-xu-ly?trang_thai=reviewing").text) == []
    assert _post(client, f"/can-xu-ly/{ids.flag_id}/nhan", {}).status_code == 303
    assert _queue_ids(client.get("/can-xu-ly?nguoi_xu_ly=spokesperson").text) == [ids.flag_id]
    assert ids.flag_id not in _queue_ids(client.get("/can-xu-ly?nguoi_xu_ly=-").text)
    bad = client.get("/can-xu-ly?trang_thai=bogus")
    assert bad.status_code == 200 and "Trạng thái «bogus» không hợp lệ" in bad.text


def test_detail_highlights_every_signal_and_shows_context(seeded: FastAPI) -> None:
    ids = _ids(seeded)
    html = client_for(seeded, Role.SPOKESPERSON).get(f"/can-xu-ly/{ids.flag_id}").text
    marks = re.findall(r"<mark>([^<]*)</mark>", html)
    # Contradictions (reversal, number), terminology and sensational wording, title and body.
    for evidence in (
        "thuộc Trung Quốc",
        "250 km",
        "Thành phố Tam Sa",
        "Tây Sa",
        "!!!",
        "SỐC",
        "sự thật bị che giấu",
    ):
        assert evidence in marks, evidence
    # The official fact beside the sentence.
    assert "Bình Thuận (cũ) có đường bờ biển dài 192 km." in html
    assert "Bờ biển Bình Thuận dài <mark>250 km</mark>." in html
    # The other outlet in the story cluster, the earlier version, the event history.
    assert "Báo Bình Thuận" in html and "Hoàng Sa là của Việt Nam" in html
    assert "Bản 1:" in html and "đã được sửa 1 lần" in html
    assert "Tạo cảnh báo" in html


def test_taken_down_article_says_so_in_queue_and_detail(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(seeded)
    with db.sessions.begin() as session:
        article = session.get(Article, ids.article_id)
        assert article is not None
        article.taken_down_at = NOW - timedelta(minutes=30)
    client = client_for(seeded, Role.SPOKESPERSON)
    assert "Bài đã bị gỡ" in client.get("/can-xu-ly").text
    assert "Bài đã bị gỡ lúc 09:30 26/11/2026." in client.get(f"/can-xu-ly/{ids.flag_id}").text


def test_take_status_and_response_through_the_ui(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(seeded)
    client = client_for(seeded, Role.SPOKESPERSON)
    base = f"/can-xu-ly/{ids.flag_id}"
    assert _post(client, f"{base}/nhan", {}).status_code == 303
    r = _post(client, f"{base}/trang-thai", {"status": "reviewing", "note": "Đang kiểm tra nguồn"})
    assert r.status_code == 303 and r.headers["location"].endswith(base)
    r = _post(client, f"{base}/trang-thai", {"status": "needs_response", "note": ""})
    r = _post(
        client,
        f"{base}/phan-hoi",
        {
            "text": "Sở đã đăng thông cáo khẳng định chủ quyền.",
            "link": "https://binhthuan.gov.vn/thong-cao",
            "channel": "Cổng thông tin tỉnh",
            "on": "2026-11-26",
            "label": "misleading",
        },
    )
    assert r.status_code == 303
    page = client.get(base).text
    assert "Đã ghi nhận phản hồi chính thức." in page  # the one-time notice
    assert "Sở đã đăng thông cáo khẳng định chủ quyền." in page
    assert "Đang kiểm tra nguồn" in page
    assert 'href="https://binhthuan.gov.vn/thong-cao"' in page
    events = _events(db, ids.flag_id)
    assert [e.action for e in events] == ["created", "assign", "status", "status", "respond"]
    assert all(e.actor in ("system", "spokesperson") for e in events)
    with db.sessions() as session:
        assert current_status(get_flag(session, ids.flag_id)).value == "responded"
    # The notice is shown once.
    assert "Đã ghi nhận phản hồi chính thức." not in client.get(base).text


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        (
            "trang-thai",
            {"status": "dismissed", "note": "x"},
            "Không thể chuyển từ «Mới» sang «Bỏ qua»",
        ),
        ("trang-thai", {"status": "responded"}, "hãy ghi nhận phản hồi chính thức"),
        ("trang-thai", {"status": "bogus"}, "Trạng thái «bogus» không hợp lệ"),
        ("giao", {"assignee": "khong-co-ai"}, "Không có người dùng «khong-co-ai»"),
        ("phan-hoi", {"text": "Nội dung"}, "Không thể ghi nhận phản hồi khi cảnh báo đang «Mới»"),
        ("ghi-chu", {"note": "   "}, "Ghi chú cần có nội dung"),
    ],
)
def test_refused_actions_say_why_in_vietnamese_and_change_nothing(
    seeded: FastAPI,
    db,
    path: str,
    data: dict[str, str],
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    ids = _ids(seeded)
    client = client_for(seeded, Role.SPOKESPERSON)
    before = len(_events(db, ids.flag_id))
    response = _post(client, f"/can-xu-ly/{ids.flag_id}/{path}", data)
    assert response.status_code == 303
    page = client.get(f"/can-xu-ly/{ids.flag_id}").text
    assert message in page
    assert "Không có gì thay đổi." in page
    assert len(_events(db, ids.flag_id)) == before


def test_response_with_a_bad_link_is_refused(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(seeded)
    client = client_for(seeded, Role.SPOKESPERSON)
    _post(client, f"/can-xu-ly/{ids.flag_id}/trang-thai", {"status": "reviewing"})
    before = len(_events(db, ids.flag_id))
    _post(
        client, f"/can-xu-ly/{ids.flag_id}/phan-hoi", {"text": "x", "link": "javascript:alert(1)"}
    )
    page = client.get(f"/can-xu-ly/{ids.flag_id}").text
    assert "phải bắt đầu bằng http:// hoặc https://" in page
    assert len(_events(db, ids.flag_id)) == before


def test_unknown_flag_is_404(seeded: FastAPI) -> None:
    client = client_for(seeded, Role.SPOKESPERSON)
    assert client.get("/can-xu-ly/999999").status_code == 404


def test_csrf_required_on_triage_actions(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(seeded)
    client = client_for(seeded, Role.SPOKESPERSON)
    before = len(_events(db, ids.flag_id))
    assert client.post(f"/can-xu-ly/{ids.flag_id}/nhan", data={}).status_code == 403
    assert (
        client.post(f"/can-xu-ly/{ids.flag_id}/nhan", data={"csrf_token": "forged"}).status_code
        == 403
    )
    assert len(_events(db, ids.flag_id)) == before


def test_officer_and_analyst_cannot_triage(seeded: FastAPI) -> None:
    ids = _ids(seeded)
    for role in (Role.OFFICER, Role.ANALYST, Role.ADMIN):
        client = client_for(seeded, role)
        assert client.get("/can-xu-ly").status_code == 403
        assert _post(client, f"/can-xu-ly/{ids.flag_id}/nhan", {}).status_code == 403


# --- corrections ------------------------------------------------------------------


def test_correction_is_stored_applied_and_exported(seeded: FastAPI, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(seeded)
    client = client_for(seeded, Role.SPOKESPERSON)
    response = _post(
        client,
        f"/bai-viet/{ids.article_id}/hieu-chinh",
        {
            "topics": ["bien_dao", "dau_tu"],
            "note": "Bài nói cả về du lịch",
            "flag_id": str(ids.flag_id),
        },
    )
    assert response.status_code == 303 and response.headers["location"].endswith(
        f"/can-xu-ly/{ids.flag_id}"
    )
    with db.sessions() as session:
        article = session.get(Article, ids.article_id)
        assert article is not None
        assert sorted(t.topic for t in article.topics) == ["bien_dao", "dau_tu"]
        assert article.province_relevant is False  # the box was left unticked
        stored = list(session.scalars(select(Correction)))
        assert [(c.actor, c.topics, c.province, c.note) for c in stored] == [
            ("spokesperson", ["bien_dao", "dau_tu"], False, "Bài nói cả về du lịch")
        ]
    out = tmp_path / "corr.jsonl"
    from pipeline.cli import app as cli_app

    result = CliRunner().invoke(cli_app, ["corrections", "export", str(out)], env=db.env)
    assert result.exit_code == 0, result.output
    assert "wrote 1 corrections" in result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert records == [
        {
            "id": f"correction-{ids.article_id}",
            "title": records[0]["title"],
            "text": FLAG_TEXT,
            "topics": ["bien_dao", "dau_tu"],
            "province": False,
        }
    ]
    # The topic trainer reads it as labelled data.
    (item,) = read_labelled(out)
    assert item.topics == frozenset({"bien_dao", "dau_tu"}) and item.province is False


def test_correction_from_the_article_page(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(seeded)
    client = client_for(seeded, Role.SPOKESPERSON)
    page = client.get(f"/bai-viet/{ids.article_id}").text
    assert 'id="correct-form"' in page
    response = _post(
        client, f"/bai-viet/{ids.article_id}/hieu-chinh", {"topics": ["bien_dao"], "province": "1"}
    )
    assert response.headers["location"].endswith(f"/bai-viet/{ids.article_id}")
    page = client.get(f"/bai-viet/{ids.article_id}").text
    assert "Đã lưu hiệu chỉnh" in page and "spokesperson: Biển, đảo; liên quan đến tỉnh" in page
    # Officers read the article without the correction form, and cannot post one.
    officer = client_for(seeded, Role.OFFICER)
    assert 'id="correct-form"' not in officer.get(f"/bai-viet/{ids.article_id}").text
    assert (
        _post(officer, f"/bai-viet/{ids.article_id}/hieu-chinh", {"topics": ["dau_tu"]}).status_code
        == 403
    )


def test_correction_with_unknown_topic_changes_nothing(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(seeded)
    client = client_for(seeded, Role.SPOKESPERSON)
    _post(
        client, f"/bai-viet/{ids.article_id}/hieu-chinh", {"topics": ["khong_co"], "province": "1"}
    )
    page = client.get(f"/bai-viet/{ids.article_id}").text
    assert "Chủ đề không hợp lệ: khong_co." in page
    with db.sessions() as session:
        assert list(session.scalars(select(Correction))) == []
        article = session.get(Article, ids.article_id)
        assert article is not None and [t.topic for t in article.topics] == ["bien_dao"]


def test_digest_lists_new_flags_for_the_spokesperson(seeded: FastAPI) -> None:
    ids = _ids(seeded)
    html = client_for(seeded, Role.SPOKESPERSON).get("/hom-nay").text
    assert f"/can-xu-ly/{ids.flag_id}" in html
    officer = client_for(seeded, Role.OFFICER).get("/hom-nay").text
    assert "/can-xu-ly/" not in officer  # officers see the flags, without triage links
    assert NOW - timedelta(hours=1)  # seeded flags are from today


# --- hostile text -------------------------------------------------------------------


def test_hostile_title_body_url_and_evidence_are_inert(db) -> None:  # type: ignore[no-untyped-def]
    from storage.models import Flag
    from tests.html_check import assert_no_active_content
    from tests.webkit import XSS_TEXT, XSS_TITLE, XSS_URL

    hostile_sentence = "Tin <img src=x onerror=alert(9)> nói Hoàng Sa thuộc Trung Quốc."
    with db.sessions.begin() as session:
        seed_users(session)
        ids = seed_triage(
            session,
            NOW,
            title=XSS_TITLE + " SỐC",
            text=XSS_TEXT + "\n" + hostile_sentence + "\n" + FLAG_TEXT,
            url=XSS_URL,
        )
        flag = session.get(Flag, ids.flag_id)
        assert flag is not None
        # Stored evidence is crawled text too: a fact statement and terms full of markup.
        flag.signals = [
            *flag.signals,
            {"name": "contradicts_fact", "weight": 0.6, "evidence": {
                "subject": "<script>alert('s')</script>", "statement": '<a href="javascript:alert(1)">x</a>',
                "source": "<b onmouseover=alert(2)>", "date": "2024-01-01", "kind": "reversal",
                "sentence": hostile_sentence, "field": "text", "span": [0, 5], "matched": "<img src=x onerror=alert(9)>",
                "claimed": "<script>", "official": "<svg onload=alert(3)>"}},
            {"name": "<script>alert('n')</script>", "weight": 0.1, "evidence": {"matches": [
                {"text": "<script>x</script>", "field": "text", "span": [0, 3]}]}},
        ]  # fmt: skip
    app = make_app(db.sessions)
    client = client_for(app, Role.SPOKESPERSON)
    _post(
        client,
        f"/can-xu-ly/{ids.flag_id}/trang-thai",
        {"status": "reviewing", "note": "<script>alert('note')</script>"},
    )
    _post(client, f"/can-xu-ly/{ids.flag_id}/phan-hoi", {
        "text": "<img src=x onerror=alert(5)>", "link": "https://example.vn/?q=<script>", "channel": "<script>c</script>",
    })  # fmt: skip
    # (Responded, the flag has left the default queue; "tat-ca" lists it.)
    for url in (f"/can-xu-ly/{ids.flag_id}", "/can-xu-ly?trang_thai=tat-ca", "/hom-nay"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_active_content(response.text, url)
        assert "&lt;script&gt;" in response.text, url  # shown as text, not dropped
    page = client.get(f"/can-xu-ly/{ids.flag_id}").text
    assert f'href="{XSS_URL}' not in page and XSS_URL in page
    assert "<mark>&lt;img src=x onerror=alert(9)&gt;</mark>" in page  # highlighted, escaped
    assert "&lt;img src=x onerror=alert(5)&gt;" in page  # the response text
    api = TestClient(app)
    from web import users as web_users

    with db.sessions.begin() as session:
        token = web_users.set_api_token(session, "spokesperson")
    data = api.get(f"/api/flags/{ids.flag_id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert data["title"].startswith("<script>")  # JSON carries the data as it is


# --- REST API -----------------------------------------------------------------------


def test_api_flags_and_actions_with_a_token(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    from web import users as web_users

    ids = _ids(seeded)
    with db.sessions.begin() as session:
        token = web_users.set_api_token(session, "spokesperson")
    client = TestClient(seeded)
    auth = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/flags", headers=auth).json()
    listed = body["items"]
    assert [f["id"] for f in listed] == [ids.overdue_flag_id, ids.flag_id, ids.other_flag_id]
    assert (body["total"], body["page"], body["pages"]) == (3, 1, 1)
    assert listed[0]["overdue"] is True and "bien_dao" in listed[0]["topics"]
    by_topic = client.get("/api/flags?topic=dau_tu", headers=auth).json()["items"]
    assert by_topic[0]["id"] == ids.other_flag_id
    # No CSRF token needed with a bearer token.
    done = client.post(
        f"/api/flags/{ids.flag_id}/status",
        json={"status": "reviewing", "note": "xem"},
        headers=auth,
    )
    assert done.status_code == 200 and done.json()["status"] == "reviewing"
    refused = client.post(f"/api/flags/{ids.flag_id}/status", json={"status": "new"}, headers=auth)
    assert refused.status_code == 400
    assert "Không thể chuyển từ «Đang xem xét» sang «Mới»" in refused.json()["detail"]
    responded = client.post(
        f"/api/flags/{ids.flag_id}/respond",
        json={
            "text": "Thông cáo",
            "link": "https://binhthuan.gov.vn/tc",
            "channel": "Họp báo",
            "date": "2026-11-26",
        },
        headers=auth,
    ).json()
    assert responded["status"] == "responded" and responded["response"]["channel"] == "Họp báo"
    assert [e["action"] for e in responded["events"]] == ["created", "status", "respond"]
    assert client.get("/api/flags/999999", headers=auth).status_code == 404
    # A browser session must send the CSRF token.
    browser = client_for(seeded, Role.SPOKESPERSON)
    assert browser.post(f"/api/flags/{ids.flag_id}/note", json={"note": "x"}).status_code == 403
    ok = browser.post(
        f"/api/flags/{ids.flag_id}/note",
        json={"note": "x"},
        headers={"X-CSRF-Token": csrf_of(browser, True)},
    )
    assert ok.status_code == 200


def test_api_digest(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(seeded)
    client = client_for(seeded, Role.OFFICER)
    body = client.get("/api/digest", params={"date": "2026-11-26"}).json()
    assert body["day"] == "2026-11-26"
    assert any(f["flag_id"] == ids.flag_id for f in body["new_flags"])
    bien_dao = next(s for s in body["sections"] if s["topic"] == "bien_dao")
    assert bien_dao["count"] == 2
    story = next(i for i in bien_dao["items"] if i["outlets"])
    assert story["outlets"] == ["Báo Bình Thuận"]
