"""The "Tra cứu" page and its API: unaccented queries, filters, facets, chart, export, saved searches."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from storage.models import SavedSearch
from tests.html_check import assert_no_active_content
from tests.webkit import (
    NOW,
    XSS_TEXT,
    XSS_TITLE,
    XSS_URL,
    add_article,
    add_source,
    client_for,
    csrf_of,
    fast_hashing,  # noqa: F401  (autouse)
    make_app,
    seed_users,
)
from web import users
from web.roles import Role


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        seed_users(session)
        add_source(session, "vnexpress", "VnExpress", tier=1)
        add_source(session, "blog", "Blog cá nhân", tier=4, kind="social")
        add_article(
            session,
            "vnexpress",
            "Đảo Hoàng Sa là của Việt Nam",
            NOW - timedelta(days=1),
            topics=("bien_dao",),
            text="Bộ Ngoại giao khẳng định chủ quyền đối với Đảo Hoàng Sa.",
        )
        add_article(
            session,
            "blog",
            "Ngư dân gần đảo Hoàng Sa",
            NOW - timedelta(days=9),
            topics=("bien_dao",),
            province=True,
            text="Tàu cá Phan Thiết ra khơi.",
        )
        add_article(
            session,
            "vnexpress",
            "Thu hút đầu tư vào Phan Thiết",
            NOW - timedelta(days=2),
            topics=("dau_tu",),
            text="Ba dự án mới.",
        )
        add_article(
            session,
            "blog",
            XSS_TITLE + " Hoàng Sa",
            NOW - timedelta(hours=3),
            topics=("bien_dao",),
            text=XSS_TEXT + " Hoàng Sa",
            url=XSS_URL,
        )
    return make_app(db.sessions)


def _titles(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", t)
        for t in re.findall(r'<a class="title" href="[^"]*/bai-viet/\d+">(.*?)</a>', html)
    ]


def test_unaccented_query_finds_accented_text_highlighted(seeded: FastAPI) -> None:
    html = client_for(seeded, Role.ANALYST).get("/tra-cuu", params={"q": "dao hoang sa"}).text
    titles = _titles(html)
    assert "Đảo Hoàng Sa là của Việt Nam" in titles
    assert "Ngư dân gần đảo Hoàng Sa" in titles
    assert "Thu hút đầu tư vào Phan Thiết" not in titles
    # Each word highlighted in its accented form.
    assert "<mark>Đảo</mark>" in html and "<mark>Hoàng</mark>" in html and "<mark>Sa</mark>" in html
    assert "2 kết quả" in html


def test_filters_and_facets(seeded: FastAPI) -> None:
    client = client_for(seeded, Role.OFFICER)
    html = client.get("/tra-cuu", params={"q": "hoang sa", "nguon": "vnexpress"}).text
    assert _titles(html) == ["Đảo Hoàng Sa là của Việt Nam"]
    html = client.get("/tra-cuu", params={"q": "hoang sa", "tinh": "1"}).text
    assert _titles(html) == ["Ngư dân gần đảo Hoàng Sa"]
    html = client.get("/tra-cuu", params={"q": "hoang sa", "tu": "2026-11-20"}).text
    assert "Ngư dân gần đảo Hoàng Sa" not in _titles(html) and len(_titles(html)) == 2
    html = client.get("/tra-cuu", params={"chu_de": "dau_tu"}).text
    assert _titles(html) == ["Thu hút đầu tư vào Phan Thiết"]
    # Facets count over every match.
    html = client.get("/tra-cuu", params={"q": "hoang sa"}).text
    facets = re.search(r'<section class="panel facets">(.*?)</section>', html, re.S)
    assert facets
    assert re.search(r"Blog cá nhân</a> <span class=\"muted\">2</span>", facets.group(1))
    assert re.search(r"VnExpress</a> <span class=\"muted\">1</span>", facets.group(1))
    # The officer has no charts and no export.
    assert "<svg" not in html.split('class="search-layout"')[1]
    assert "Xuất CSV" not in html


def test_time_series_chart_for_the_analyst(seeded: FastAPI) -> None:
    html = (
        client_for(seeded, Role.ANALYST)
        .get("/tra-cuu", params={"q": "hoang sa", "tu": "2026-11-16", "den": "2026-11-26"})
        .text
    )
    chart = re.search(r'<figure class="series">(.*?)</figure>', html, re.S)
    assert chart, "no chart"
    assert chart.group(1).count("<rect") == 11  # 16..26 November, one bar a day
    weekly = (
        client_for(seeded, Role.ANALYST)
        .get(
            "/tra-cuu",
            params={"q": "hoang sa", "tu": "2026-11-16", "den": "2026-11-26", "nhom": "tuan"},
        )
        .text
    )
    chart = re.search(r'<figure class="series">(.*?)</figure>', weekly, re.S)
    assert chart and chart.group(1).count("<rect") == 2  # weeks of 16 and 23 November


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": '"hoang sa'}, "Thiếu dấu ngoặc kép"),
        ({"q": "hoang OR"}, "Thiếu từ sau OR"),
        ({"q": "x", "tu": "26/11/2026"}, "Ngày bắt đầu «26/11/2026» không hợp lệ"),
        ({"q": "x", "trang_thai": "bogus"}, "Trạng thái «bogus» không hợp lệ"),
    ],
)
def test_malformed_query_is_a_clear_vietnamese_message(
    seeded: FastAPI, params: dict[str, str], message: str
) -> None:
    response = client_for(seeded, Role.ANALYST).get("/tra-cuu", params=params)
    assert response.status_code == 200
    assert "Câu tìm kiếm chưa đúng" in response.text and message in response.text


def test_hostile_text_in_results_snippets_and_chart_is_inert(seeded: FastAPI) -> None:
    html = (
        client_for(seeded, Role.ANALYST)
        .get(
            "/tra-cuu",
            params={"q": '<script>alert(1)</script> hoang sa" onerror=x', "tu": "2026-11-20"},
        )
        .text
    )
    assert_no_active_content(html, "search error page")
    html = (
        client_for(seeded, Role.ANALYST)
        .get("/tra-cuu", params={"q": "tau la", "tu": "2026-11-20"})
        .text
    )
    assert_no_active_content(html, "search results")
    assert "&lt;script&gt;" in html
    assert f'href="{XSS_URL}' not in html
    # The query itself is in the chart title, escaped.
    html = (
        client_for(seeded, Role.ANALYST)
        .get("/tra-cuu", params={"q": "<img src=x onerror=alert(1)>"})
        .text
    )
    assert_no_active_content(html, "search chart")


def test_csv_and_jsonl_export_for_the_analyst(seeded: FastAPI) -> None:
    client = client_for(seeded, Role.ANALYST)
    response = client.get("/tra-cuu/xuat", params={"q": "dao hoang sa", "dinh_dang": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["title"] for r in rows} >= {
        "Đảo Hoàng Sa là của Việt Nam",
        "Ngư dân gần đảo Hoàng Sa",
    }
    assert len(rows) == 2
    lines = client.get(
        "/tra-cuu/xuat", params={"q": "dao hoang sa", "dinh_dang": "jsonl"}
    ).text.splitlines()
    assert len(lines) == 2 and all(json.loads(line)["id"] for line in lines)
    bad = client.get("/tra-cuu/xuat", params={"q": '"hoang'})
    assert bad.status_code == 400 and "Thiếu dấu ngoặc kép" in bad.text
    assert (
        client_for(seeded, Role.OFFICER).get("/tra-cuu/xuat", params={"q": "x"}).status_code == 403
    )


def test_saved_search_save_list_run_delete(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    client = client_for(seeded, Role.OFFICER)
    params = "q=hoang+sa&nguon=vnexpress"
    response = client.post(
        "/tra-cuu/luu",
        data={
            "name": "Hoàng Sa (VnExpress)",
            "params": params,
            "csrf_token": csrf_of(client, True),
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Đã lưu tìm kiếm «Hoàng Sa (VnExpress)»." in page
    assert "Hoàng Sa (VnExpress)</a>" in page
    with db.sessions() as session:
        saved = session.scalar(select(SavedSearch))
        assert saved is not None and saved.owner == "officer"
        assert saved.query == "hoang sa" and saved.filters == {"sources": ["vnexpress"]}
    run = client.get("/tra-cuu", params={"da_luu": "Hoàng Sa (VnExpress)"})
    assert run.status_code == 303
    assert _titles(client.get(run.headers["location"]).text) == ["Đảo Hoàng Sa là của Việt Nam"]
    # Same name twice: refused in Vietnamese. Another user does not see it.
    again = client.post(
        "/tra-cuu/luu",
        data={
            "name": "Hoàng Sa (VnExpress)",
            "params": params,
            "csrf_token": csrf_of(client, True),
        },
    )
    assert "Đã có tìm kiếm đã lưu tên" in client.get(again.headers["location"]).text
    assert "Hoàng Sa (VnExpress)" not in client_for(seeded, Role.ANALYST).get("/tra-cuu").text
    bad = client.post(
        "/tra-cuu/luu",
        data={"name": "Hỏng", "params": "q=%22hoang", "csrf_token": csrf_of(client, True)},
    )
    assert "Thiếu dấu ngoặc kép" in client.get(bad.headers["location"]).text
    client.post(
        "/tra-cuu/xoa", data={"name": "Hoàng Sa (VnExpress)", "csrf_token": csrf_of(client, True)}
    )
    with db.sessions() as session:
        assert session.scalar(select(SavedSearch)) is None


def test_api_search_and_export_with_a_token(seeded: FastAPI, db) -> None:  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        token = users.set_api_token(session, "analyst")
    from fastapi.testclient import TestClient

    client = TestClient(seeded)
    auth = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/search", params={"q": "dao hoang sa"}, headers=auth).json()
    assert body["total"] == 2
    first = next(h for h in body["hits"] if h["title"] == "Đảo Hoàng Sa là của Việt Nam")
    assert ["Hoàng", True] in first["title_segments"] and ["Đảo", True] in first["title_segments"]
    assert body["facets"]["sources"]
    bad = client.get("/api/search", params={"q": '"hoang'}, headers=auth)
    assert bad.status_code == 400 and "Thiếu dấu ngoặc kép" in bad.json()["detail"]
    export = client.get(
        "/api/search/export", params={"q": "dao hoang sa", "format": "jsonl"}, headers=auth
    )
    assert export.status_code == 200 and len(export.text.splitlines()) == 2


def test_a_long_daily_series_switches_to_weeks() -> None:
    from datetime import date

    from storage.search import Bucket, SearchFilters
    from web.search_view import series_bucket

    year = SearchFilters(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))
    assert series_bucket(year, [], Bucket.DAY) is Bucket.WEEK
    month = SearchFilters(date_from=date(2026, 11, 1))
    assert series_bucket(month, [(date(2026, 11, 26), 3)], Bucket.DAY) is Bucket.DAY
    assert series_bucket(SearchFilters(), [], Bucket.WEEK) is Bucket.WEEK
