"""The pages' content: digest, article list and detail, sources and their switch, API."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi import FastAPI

from config import load_config
from pipeline.ingest import sync_sources
from storage.models import Source
from tests.webkit import (
    NOW,
    add_article,
    add_source,
    client_for,
    csrf_of,
    fast_hashing,  # noqa: F401  (autouse)
    make_app,
    seed_users,
    web_config,
)
from web.digest import digest_page
from web.roles import Role


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        seed_users(session)
        add_source(session, "baobinhthuan", "Báo Bình Thuận", tier=1)
        add_source(session, "vnexpress", "VnExpress", tier=1)
        add_source(session, "blog", "Blog cá nhân", tier=4)
        # Today in Hồ Chí Minh City (UTC+7) starts at 2026-11-25 17:00 UTC.
        add_article(
            session,
            "vnexpress",
            "Tàu cá ngoài khơi",
            NOW - timedelta(hours=1),
            topics=("bien_dao",),
        )
        add_article(
            session,
            "baobinhthuan",
            "Ngư dân Phan Thiết bám biển",
            NOW - timedelta(hours=5),
            topics=("bien_dao",),
            province=True,
        )
        add_article(
            session,
            "blog",
            "Hoàng Sa: bài blog",
            NOW - timedelta(hours=3),
            topics=("bien_dao",),
            cluster=42,
        )
        add_article(
            session,
            "vnexpress",
            "Hoàng Sa: bài báo",
            NOW - timedelta(hours=4),
            topics=("bien_dao",),
            cluster=42,
        )
        # 00:30 local today, 23:30 local yesterday.
        add_article(
            session,
            "vnexpress",
            "Thu hút FDI",
            NOW - timedelta(hours=9, minutes=30),
            topics=("dau_tu", "bien_dao"),
        )
        add_article(
            session,
            "vnexpress",
            "Hôm qua muộn",
            NOW - timedelta(hours=10, minutes=30),
            topics=("dau_tu",),
        )
        for days in (1, 2, 2, 6):
            add_article(
                session, "vnexpress", f"Cũ {days}", NOW - timedelta(days=days), topics=("bien_dao",)
            )
        add_article(session, "vnexpress", "Quá cũ", NOW - timedelta(days=9), topics=("bien_dao",))
        add_article(session, "vnexpress", "Không chủ đề", None, fetched=NOW - timedelta(hours=2))
    return make_app(db.sessions)


def test_digest_groups_by_plan_section_in_topics_md_order(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        digest = digest_page(session, web_config(), date(2026, 11, 26), NOW)
    assert [s.topic_id for s in digest.sections] == ["bien_dao", "dau_tu", ""]
    bien_dao, dau_tu, untagged = digest.sections
    assert bien_dao.name == "Biển, đảo" and bien_dao.plan == "§II.5.1"
    assert bien_dao.today == 5
    assert bien_dao.province_stories == 1
    assert bien_dao.previous_total == 4  # days 1, 2, 2, 6; day 9 is outside the window
    assert [b.value for b in bien_dao.chart.bars] == [0, 1, 0, 0, 0, 2, 1, 5]
    assert dau_tu.today == 1  # "Hôm qua muộn" is 23:30 yesterday, local time
    assert dau_tu.previous_total == 1
    assert untagged.today == 1  # no publication time: the fetch time counts
    assert digest.total_today == 6
    # Province-relevant first; the cluster is one story led by its earliest report.
    titles = [item.title for item in bien_dao.items]
    assert titles[0] == "Ngư dân Phan Thiết bám biển"
    assert len(bien_dao.items) == 4
    story = next(item for item in bien_dao.items if item.outlets)
    assert story.title == "Hoàng Sa: bài báo" and story.source == "VnExpress"
    assert story.outlets == ("Blog cá nhân",)


def test_digest_page(seeded: FastAPI) -> None:
    html = client_for(seeded, Role.OFFICER).get("/hom-nay").text
    assert "Thứ Năm, 26/11/2026" in html
    assert (
        html.index("Biển, đảo")
        < html.index("Đầu tư, kinh doanh")
        < html.index("Chưa xếp vào mục nào")
    )
    assert "+1 nguồn khác cùng đưa tin: Blog cá nhân" in html
    assert html.count("<svg") == 3
    assert "7 ngày trước: 4 bài" in html


def test_digest_empty_day(db) -> None:  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        seed_users(session)
    html = client_for(make_app(db.sessions), Role.SPOKESPERSON).get("/hom-nay").text
    assert "Chưa có bài viết nào trong 8 ngày qua." in html


def test_article_list_newest_first_with_topic_names(seeded: FastAPI) -> None:
    html = client_for(seeded, Role.ANALYST).get("/bai-viet").text
    titles = re.findall(r'class="title" href="[^"]+">([^<]+)</a>', html)
    assert titles[:3] == ["Tàu cá ngoài khơi", "Không chủ đề", "Hoàng Sa: bài blog"]
    assert titles[-1] == "Quá cũ"
    assert '<span class="chip">Biển, đảo</span>' in html
    assert '<span class="chip province"' in html
    filtered = client_for(seeded, Role.ANALYST).get("/bai-viet?chu_de=dau_tu&tinh=false").text
    assert re.findall(r'class="title" href="[^"]+">([^<]+)</a>', filtered) == [
        "Thu hút FDI",
        "Hôm qua muộn",
    ]
    province = client_for(seeded, Role.ANALYST).get("/bai-viet?tinh=true").text
    assert re.findall(r'class="title" href="[^"]+">([^<]+)</a>', province) == [
        "Ngư dân Phan Thiết bám biển"
    ]


def test_article_detail_and_cluster(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    client = client_for(seeded, Role.OFFICER)
    listing = client.get("/api/articles?limit=500").json()
    story = next(a for a in listing["items"] if a["title"] == "Hoàng Sa: bài báo")
    html = client.get(f"/bai-viet/{story['id']}").text
    assert "Cùng sự kiện" in html and "Hoàng Sa: bài blog" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert client.get("/bai-viet/999999").status_code == 404


def test_api_articles(seeded: FastAPI) -> None:
    client = client_for(seeded, Role.ANALYST)
    page = client.get("/api/articles?limit=2&offset=0").json()
    assert page["total"] == 12 and len(page["items"]) == 2
    first = page["items"][0]
    assert first["title"] == "Tàu cá ngoài khơi"
    assert first["topics"][0]["name"] == "Biển, đảo"
    assert first["published_at"].endswith("Z") or first["published_at"].endswith("+00:00")
    one = client.get(f"/api/articles/{first['id']}").json()
    assert one["text"] == "Nội dung bài viết."
    assert client.get("/api/articles?limit=9999").status_code == 422


def test_sources_page_and_admin_switch_survives_sync(db) -> None:  # type: ignore[no-untyped-def]
    config = load_config()
    shipped = config.sources[0]
    assert shipped.enabled
    with db.sessions.begin() as session:
        seed_users(session)
        sync_sources(session, config)
    app = make_app(db.sessions, config)
    client = client_for(app, Role.ADMIN)
    html = client.get("/nguon-tin").text
    assert shipped.name in html and "Chưa lấy tin" in html
    token = csrf_of(client, signed_in=True)
    response = client.post(
        f"/nguon-tin/{shipped.id}/trang-thai", data={"action": "tat", "csrf_token": token}
    )
    assert response.status_code == 303
    with db.sessions.begin() as session:
        sync_sources(session, config)  # the file still says enabled
    with db.sessions() as session:
        row = session.get(Source, shipped.id)
        assert row is not None
        assert row.enabled is False and row.enabled_override is False and row.override_by == "admin"
    html = client.get("/nguon-tin").text
    assert "Đặt bởi admin" in html and "Theo cấu hình (bật)" in html
    api = {s["id"]: s for s in client.get("/api/sources").json()}
    assert api[shipped.id]["enabled"] is False and api[shipped.id]["health"] == "paused"
    client.post(
        f"/nguon-tin/{shipped.id}/trang-thai",
        data={"action": "theo_cau_hinh", "csrf_token": token},
    )
    with db.sessions.begin() as session:
        sync_sources(session, config)
    with db.sessions() as session:
        row = session.get(Source, shipped.id)
        assert row is not None and row.enabled is True and row.enabled_override is None


def test_home_leads_each_role_to_its_page(seeded: FastAPI) -> None:
    expected = {
        Role.OFFICER: "/hom-nay",
        Role.SPOKESPERSON: "/hom-nay",
        Role.ANALYST: "/tra-cuu",  # search is the analyst's first page
        Role.ADMIN: "/nguon-tin",
    }
    for role, path in expected.items():
        response = client_for(seeded, role).get("/")
        assert response.headers["location"].endswith(path), role


def test_nav_shows_only_allowed_pages(seeded: FastAPI) -> None:
    officer = client_for(seeded, Role.OFFICER).get("/bai-viet").text
    assert ">Hôm nay</a>" in officer and ">Nguồn tin</a>" not in officer and "Đăng xuất" in officer
    admin = client_for(seeded, Role.ADMIN).get("/nguon-tin").text
    assert ">Nguồn tin</a>" in admin and ">Hôm nay</a>" not in admin
    assert ">Tra cứu</a>" in officer and ">Cần xử lý</a>" not in officer
    spokesperson = client_for(seeded, Role.SPOKESPERSON).get("/hom-nay").text
    assert ">Cần xử lý</a>" in spokesperson and ">Tra cứu</a>" in spokesperson


def test_api_docs_need_sign_in(seeded: FastAPI) -> None:
    from fastapi.testclient import TestClient

    anonymous = TestClient(seeded, follow_redirects=False)
    assert anonymous.get("/api/docs").status_code == 401
    assert anonymous.get("/api/openapi.json").status_code == 401
    client = client_for(seeded, Role.ANALYST)
    assert "/api/articles" in client.get("/api/openapi.json").json()["paths"]
    assert "GET" in client.get("/api/docs").text


def test_users_page_for_admin(seeded: FastAPI) -> None:
    html = client_for(seeded, Role.ADMIN).get("/nguoi-dung").text
    assert html.count("<tr>") == 1 + len(Role)
    assert "Người phát ngôn" in html and "$argon2" not in html


def test_article_without_topics_says_when_it_names_only_foreign_parties(db) -> None:  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        seed_users(session)
        add_source(session, "vnexpress", "VnExpress", tier=1)
        foreign = add_article(
            session, "vnexpress", "Nga tố Mỹ vi phạm công ước UNCLOS", NOW, text="Tàu dầu bị bắt."
        ).id
        ours = add_article(session, "vnexpress", "Giá xăng giảm nhẹ", NOW).id
    client = client_for(make_app(db.sessions), Role.OFFICER)
    html = client.get(f"/bai-viet/{foreign}").text
    assert "Không gắn chủ đề: tin chỉ nêu bên nước ngoài (Nga, Mỹ)" in html
    assert "tin chỉ nêu bên nước ngoài" not in client.get(f"/bai-viet/{ours}").text
