"""End to end: fixture site -> ``haidang crawl`` (a real Scrapy run in a subprocess) -> database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawlers.records import Outcome
from storage.models import Article, CrawlRun, FetchError, Source
from tests.conftest import Database
from tests.crawl_support import run_crawl, write_config
from tests.fixture_site import FixtureSite, article_html

ARTICLES = ["phan-thiet-tau-ca", "mui-ne-le-hoi", "gia-ca-phe"]


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite("tinbien") as running:
        yield running


def articles(db: Database) -> list[Article]:
    with db.session() as session:
        return list(session.scalars(select(Article).order_by(Article.canonical_url)))


def test_rss_end_to_end_then_no_duplicates(db: Database, site: FixtureSite, tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "cfg", [{"id": "tinbien", "type": "rss", "url": site.url("/rss/thoi-su.rss")}]
    )
    summary = run_crawl(db.env, config, "--once")
    tally = summary["sources"]["tinbien"]
    assert (tally["new"], tally["errors"], tally["fetched"]) == (3, 0, 4)

    stored = articles(db)
    assert [a.canonical_url for a in stored] == sorted(
        site.url(f"/bai/{name}.html") for name in ARTICLES
    )
    by_url = {a.canonical_url: a for a in stored}
    fishing = by_url[site.url("/bai/phan-thiet-tau-ca.html")]
    assert fishing.title == "Phan Thiết đón tàu cá vươn khơi đầu tiên sau mùa mưa bão"
    assert fishing.author == "Trần Hải Yến"
    assert fishing.source_id == "tinbien"
    assert fishing.province_relevant is True
    assert "Phan Thiết" in fishing.places
    assert "Ban quản lý cảng cá" in fishing.text
    assert by_url[site.url("/bai/gia-ca-phe.html")].province_relevant is False
    # The feed link carried utm_ parameters and the page a fragment: fetched once, stored canonical.
    assert len(site.hits_for("/bai/phan-thiet-tau-ca.html")) == 1

    with db.session() as session:
        run = session.scalars(select(CrawlRun)).one()
        assert run.finished_at is not None and run.stats["totals"]["new"] == 3
        source = session.get(Source, "tinbien")
        assert source is not None and source.last_success_at is not None
        assert source.consecutive_failures == 0 and source.next_fetch_at is not None

    again = run_crawl(db.env, config, "--once")
    assert again["sources"]["tinbien"]["new"] == 0
    assert again["sources"]["tinbien"]["errors"] == 0
    assert len(articles(db)) == 3
    # Already stored articles are not fetched again.
    assert len(site.hits_for("/bai/phan-thiet-tau-ca.html")) == 1


def test_etag_304_costs_nothing_further(db: Database, site: FixtureSite, tmp_path: Path) -> None:
    feed = (Path(__file__).parent / "fixtures/sites/tinbien/rss/thoi-su.rss").read_bytes()
    site.route(
        "/rss/etag.rss",
        body=lambda s: feed.replace(b"{base}", s.base.encode()),
        content_type="application/rss+xml; charset=utf-8",
        etag='"v1"',
        last_modified="Wed, 25 Nov 2026 01:00:00 GMT",
    )
    config = write_config(
        tmp_path / "cfg", [{"id": "etag", "type": "rss", "url": site.url("/rss/etag.rss")}]
    )
    run_crawl(db.env, config, "--once")
    with db.session() as session:
        source = session.get(Source, "etag")
        assert source is not None
        assert (source.etag, source.last_modified) == ('"v1"', "Wed, 25 Nov 2026 01:00:00 GMT")
    before = len(site.hits)

    summary = run_crawl(db.env, config, "--once")
    tally = summary["sources"]["etag"]
    assert tally["outcomes"] == {Outcome.NOT_MODIFIED.value: 1}
    assert tally["new"] == 0 and tally["errors"] == 0
    conditional = site.hits_for("/rss/etag.rss")[-1]
    assert conditional.headers.get("If-None-Match") == '"v1"'
    assert conditional.headers.get("If-Modified-Since") == "Wed, 25 Nov 2026 01:00:00 GMT"
    # robots.txt and the feed: no article page was requested.
    assert {hit.path for hit in site.hits[before:]} <= {"/robots.txt", "/rss/etag.rss"}


def test_plain_crawl_takes_only_due_sources(
    db: Database, site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "cfg",
        [
            {
                "id": "tinbien",
                "type": "rss",
                "url": site.url("/rss/thoi-su.rss"),
                "interval_minutes": 30,
            },
            {"id": "hong", "type": "rss", "url": site.url("/rss/hong.rss")},
        ],
    )
    first = run_crawl(db.env, config)
    assert set(first["sources"]) == {"tinbien", "hong"}  # never crawled: both due
    second = run_crawl(db.env, config)
    assert second["sources"] == {}  # both just tried
    with db.session() as session:
        source = session.get(Source, "tinbien")
        assert source is not None
        source.last_success_at = datetime.now(UTC) - timedelta(minutes=31)
        session.commit()
    third = run_crawl(db.env, config)
    assert set(third["sources"]) == {"tinbien"}


def test_only_relevant_source_skips_and_counts(
    db: Database, site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "cfg",
        [{"id": "loc", "type": "rss", "url": site.url("/rss/thoi-su.rss"), "only_relevant": True}],
    )
    summary = run_crawl(db.env, config, "--once")
    assert (summary["sources"]["loc"]["new"], summary["sources"]["loc"]["skipped"]) == (2, 1)
    assert all(a.province_relevant for a in articles(db))
    with db.session() as session:
        source = session.get(Source, "loc")
        assert source is not None and source.skipped_irrelevant == 1
    run_crawl(db.env, config, "--once")
    # The skipped page is remembered, not fetched and counted again.
    assert len(site.hits_for("/bai/gia-ca-phe.html")) == 1
    with db.session() as session:
        source = session.get(Source, "loc")
        assert source is not None and source.skipped_irrelevant == 1


def test_listing_sitemap_and_watched_page(db: Database, site: FixtureSite, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    site.route(
        "/sitemap-index.xml",
        content_type="application/xml",
        body=(
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>/sitemap-news.xml</loc><lastmod>{now.isoformat()}</lastmod></sitemap>"
            f"<sitemap><loc>/sitemap-2019.xml</loc><lastmod>2019-01-01</lastmod></sitemap>"
            "</sitemapindex>"
        ).encode(),
    )
    site.route(
        "/sitemap-news.xml",
        content_type="application/xml",
        body=(
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"<url><loc>/bai/so-do-moi.html</loc><news:news><news:publication_date>{now.isoformat()}"
            "</news:publication_date><news:title>Tin mới</news:title></news:news></url>"
            f"<url><loc>/bai/tin-cu.html</loc><lastmod>{(now - timedelta(days=20)).isoformat()}</lastmod></url>"
            "</urlset>"
        ).encode(),
    )
    site.route(
        "/bai/so-do-moi.html",
        body=article_html(
            "Hàm Thuận Nam khởi công tuyến đường ven biển",
            [
                "Huyện Hàm Thuận Nam khởi công tuyến đường ven biển dài mười hai cây số nối các khu du lịch.",
                "Công trình dự kiến hoàn thành sau hai năm, giúp giảm tải cho quốc lộ vào mùa cao điểm.",
            ],
        ),
    )
    config = write_config(
        tmp_path / "cfg",
        [
            {
                "id": "chuyenmuc",
                "type": "listing",
                "url": site.url("/chuyen-muc/kinh-te.html"),
                "link_selector": "h3.title-news a",
                "next_selector": "//a[@class='next-page']/@href",
                "max_pages": 2,
            },
            {
                "id": "sodo",
                "type": "sitemap",
                "url": site.url("/sitemap-index.xml"),
                "max_age_days": 3,
            },
            {"id": "thongcao", "type": "page", "url": site.url("/thong-cao.html")},
        ],
    )
    summary = run_crawl(db.env, config, "--once")
    assert summary["sources"]["chuyenmuc"]["new"] == 3  # two on page 1, one on page 2
    assert summary["sources"]["sodo"]["new"] == 1
    assert summary["sources"]["thongcao"]["new"] == 1
    assert summary["totals"]["errors"] == 0
    assert not site.hits_for("/chuyen-muc/kinh-te-p3.html")  # beyond max_pages
    assert not site.hits_for("/sitemap-2019.xml") and not site.hits_for("/bai/tin-cu.html")
    urls = {a.canonical_url: a for a in articles(db)}
    assert site.url("/bai/gia-ca-phe.html") in urls  # utm_ dropped from the listing link
    assert (
        urls[site.url("/thong-cao.html")].title
        == "Thông cáo báo chí về Hội chợ công nghệ và thiết bị tỉnh"
    )

    # The watched page is edited: the next crawl stores the new text as a new version.
    edited = (Path(__file__).parent / "fixtures/sites/tinbien/thong-cao.html").read_text(
        encoding="utf-8"
    )
    edited = edited.replace("từ ngày 10 đến ngày 12 tháng 12", "từ ngày 15 đến ngày 17 tháng 12")
    site.route("/thong-cao.html", body=edited.encode("utf-8"))
    again = run_crawl(db.env, config, "--once")
    assert again["totals"]["new"] == 0
    assert again["sources"]["thongcao"]["updated"] == 1
    with db.session() as session:
        assert session.scalar(select(func.count(Article.id))) == 5
        assert session.scalar(select(func.count(FetchError.id))) == 0
        notice = session.scalars(
            select(Article).where(Article.canonical_url == site.url("/thong-cao.html"))
        ).one()
        assert notice.version == 2 and "ngày 15 đến ngày 17" in notice.text
