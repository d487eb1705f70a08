"""Bad input: every broken feed or page ends in its outcome, stored as a fetch error
with its reason, and the rest of the run carries on."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.models import Article, FetchError, Source
from tests.conftest import Database
from tests.crawl_support import env_for, haidang, run_crawl, write_config
from tests.fixture_site import FixtureSite, article_html, rss

GOOD_TEXT = [
    "Ngư dân Tuy Phong kéo lưới được mẻ cá cơm lớn nhất từ đầu mùa, giá bán tại bến đạt mức cao.",
    "Các vựa hải sản ở La Gi cho biết nhu cầu làm nước mắm tăng mạnh dịp cuối năm.",
]

# path -> (outcome the article URL must end in, route set-up)
BAD_ARTICLES = {
    "/bai/khong-noi-dung.html": "no_text",
    "/bai/mat-trang.html": "http_error",
    "/bai/loi-may-chu.html": "http_error",
    "/bai/cham.html": "timeout",
    "/bai/rat-lon.html": "too_large",
    "/bai/tai-lieu.pdf": "not_html",
    "/cam/bai-noi-bo.html": "robots_denied",
    "/bai/vong-lap.html": "redirect_loop",
}


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite("tinbien") as running:
        running.route("/bai/loi-may-chu.html", status=500, body=b"<html><body>500</body></html>")
        running.route("/bai/cham.html", delay=4.0, body=article_html("Chậm", GOOD_TEXT))
        huge = article_html("Rất lớn", GOOD_TEXT * 2000)
        running.route("/bai/rat-lon.html", body=huge)
        running.route(
            "/bai/tai-lieu.pdf", content_type="application/pdf", body=b"%PDF-1.4 not a page"
        )
        running.route("/bai/vong-lap.html", status=302, location="/bai/vong-lap.html")
        running.route("/bai/chuyen-1.html", status=301, location="/bai/chuyen-2.html")
        running.route("/bai/chuyen-2.html", status=302, location="/bai/tot.html")
        running.route("/bai/tot.html", body=article_html("Cá cơm được mùa ở Tuy Phong", GOOD_TEXT))
        # The header says Latin-1; the page (and its <meta>) are UTF-8.
        running.route(
            "/bai/sai-charset.html",
            content_type="text/html; charset=iso-8859-1",
            body=article_html("Thanh long Hàm Thuận Nam vào vụ", GOOD_TEXT[::-1]),
        )
        running.route("/rss/cham.rss", delay=4.0, body=rss([]))
        links = [*BAD_ARTICLES, "/bai/chuyen-1.html", "/bai/sai-charset.html"]
        running.route(
            "/rss/xau.rss",
            content_type="application/rss+xml",
            body=lambda s: rss([(f"Bài {i}", s.url(path)) for i, path in enumerate(links)]),
        )
        yield running


def test_every_bad_input_ends_in_its_outcome(
    db: Database, site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "cfg",
        [
            {"id": "xau", "type": "rss", "url": site.url("/rss/xau.rss")},
            {"id": "hong", "type": "rss", "url": site.url("/rss/hong.rss")},
            {"id": "cham", "type": "rss", "url": site.url("/rss/cham.rss")},
            {"id": "mat", "type": "rss", "url": site.url("/rss/khong-co.rss")},
            {"id": "dns", "type": "rss", "url": "http://khong-ton-tai.invalid/rss"},
            {"id": "tinbien", "type": "rss", "url": site.url("/rss/thoi-su.rss")},
        ],
    )
    summary = run_crawl(db.env, config, "--once")
    sources = summary["sources"]
    # The good source is untouched by its neighbours' failures.
    assert (sources["tinbien"]["new"], sources["tinbien"]["errors"]) == (3, 0)
    # The bad feed's good pages (through a redirect chain, under a lying charset header) are stored.
    assert sources["xau"]["new"] == 2
    assert sources["xau"]["errors"] == len(BAD_ARTICLES)

    with db.session() as session:
        errors = {e.url: e for e in session.scalars(select(FetchError))}
        for path, outcome in BAD_ARTICLES.items():
            row = errors[site.url(path)]
            assert row.outcome == outcome, (path, row.reason)
            assert row.reason and row.source_id == "xau" and row.crawl_run_id == summary["run_id"]
            assert row.next_retry_at is not None and row.resolved_at is None
        assert errors[site.url("/bai/mat-trang.html")].http_status == 404
        assert errors[site.url("/bai/loi-may-chu.html")].http_status == 500
        for source_id, outcome in [
            ("hong", "parse_error"),
            ("cham", "timeout"),
            ("mat", "http_error"),
            ("dns", "dns_error"),
        ]:
            source = session.get(Source, source_id)
            assert source is not None
            assert source.last_error is not None and source.last_error.startswith(outcome), (
                source.last_error
            )
            assert source.consecutive_failures == 1 and source.last_success_at is None
            assert source.next_fetch_at is not None
        titles = {
            a.title for a in session.scalars(select(Article).where(Article.source_id == "xau"))
        }
        assert titles == {"Cá cơm được mùa ở Tuy Phong", "Thanh long Hàm Thuận Nam vào vụ"}
        redirected = session.scalars(
            select(Article).where(Article.title.startswith("Cá cơm"))
        ).one()
        assert redirected.canonical_url == site.url("/bai/tot.html")
    # robots.txt forbade it: never requested.
    assert not site.hits_for("/cam/bai-noi-bo.html")

    # Failed URLs are kept and retried once due; a fixed page is then stored and its error resolved.
    site.route("/bai/loi-may-chu.html", body=article_html("Máy chủ đã sửa", GOOD_TEXT))
    with db.session() as session:
        row = session.scalars(
            select(FetchError).where(FetchError.url == site.url("/bai/loi-may-chu.html"))
        ).one()
        row.next_retry_at = datetime.now(UTC) - timedelta(minutes=1)
        session.commit()
    second = run_crawl(db.env, config, "--once", "--source", "xau")
    assert second["sources"]["xau"]["new"] == 1
    with db.session() as session:
        fixed = session.scalars(
            select(FetchError).where(FetchError.url == site.url("/bai/loi-may-chu.html"))
        ).one()
        assert fixed.resolved_at is not None
        waiting = session.scalars(
            select(FetchError).where(FetchError.url == site.url("/bai/tai-lieu.pdf"))
        ).one()
        # Still failing, not yet due again: kept, attempts counted once per actual try.
        assert waiting.resolved_at is None and waiting.attempts == 1


def test_sources_health_reports_errors(db: Database, site: FixtureSite, tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "cfg",
        [
            {"id": "tinbien", "type": "rss", "url": site.url("/rss/thoi-su.rss")},
            {"id": "hong", "type": "rss", "url": site.url("/rss/hong.rss")},
        ],
    )
    run_crawl(db.env, config, "--once")
    env = env_for(db.env, config)
    proc = subprocess.run(
        [*haidang(), "sources", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    health = {row["id"]: row for row in json.loads(proc.stdout)}
    assert health["tinbien"]["items_24h"] == 3 and health["tinbien"]["items_7d"] == 3
    assert health["tinbien"]["last_success_at"] and health["tinbien"]["error_rate"] == 0
    assert health["hong"]["last_error"].startswith("parse_error: malformed feed")
    assert health["hong"]["error_rate"] == 1.0 and health["hong"]["next_due_at"]
    table = subprocess.run(
        [*haidang(), "sources"], env=env, capture_output=True, text=True, timeout=60
    )
    assert table.returncode == 0, table.stderr
    assert "parse_error" in table.stdout and "tinbien" in table.stdout


def test_crawl_cli_table_and_unknown_source(
    db: Database, site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "cfg",
        [
            {"id": "tinbien", "type": "rss", "url": site.url("/rss/thoi-su.rss")},
            {"id": "hong", "type": "rss", "url": site.url("/rss/hong.rss")},
        ],
    )
    env = env_for(db.env, config)
    proc = subprocess.run(
        [*haidang(), "crawl", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line.split() for line in proc.stdout.splitlines() if line.strip()}
    assert lines["tinbien"][1:4] == ["4", "3", "0"]  # fetched, new, updated
    assert lines["hong"][5] == "1" and "parse_error" in lines["hong"]
    bad = subprocess.run(
        [*haidang(), "crawl", "--once", "--source", "khong_co"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "unknown source id" in bad.stderr and "Traceback" not in bad.stderr
