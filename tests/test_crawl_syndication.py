"""Two crawl-level cases of issue 3: the same story syndicated to three sites becomes one
story cluster that knows who published first; a feed written in Windows-1258 comes out as
correct Vietnamese."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import select

from storage.models import Article, StoryCluster
from tests.conftest import Database
from tests.crawl_support import run_crawl, write_config
from tests.fixture_site import FixtureSite, article_html, rss
from tests.story_texts import EDITED, ORIGINAL
from tests.test_encoding import _cp1258

STORY_TITLE = "Hội thảo bảo quản thanh long sau thu hoạch"
# (site, published, its copy of the story): the second outlet published first.
COPIES = [
    ("baotinh", "2026-11-20T16:00:00+07:00", ORIGINAL),
    ("baoquocgia", "2026-11-20T15:30:00+07:00", EDITED[0]),
    ("tintuc", "2026-11-20T18:15:00+07:00", EDITED[1]),
]


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()] or [" ".join(text.split())]


def test_syndicated_story_is_one_cluster_with_first_outlet(db: Database, tmp_path: Path) -> None:
    with ExitStack() as stack:
        sites = {name: stack.enter_context(FixtureSite()) for name, _, _ in COPIES}
        for name, published, text in COPIES:
            site = sites[name]
            site.route("/bai/dai-su.html", body=article_html(STORY_TITLE, _paragraphs(text), published=published))
            site.route("/rss.xml", body=lambda s: rss([(STORY_TITLE, s.url("/bai/dai-su.html"))]),
                       content_type="application/rss+xml")
        # An unrelated story on the first site must stay out of the cluster.
        sites["baotinh"].route(
            "/bai/khac.html",
            body=article_html("Giá cà phê hôm nay", ["Giá cà phê nhân xô tại Tây Nguyên tăng nhẹ. " * 12]),
        )
        sites["baotinh"].route(
            "/rss.xml",
            body=lambda s: rss([(STORY_TITLE, s.url("/bai/dai-su.html")), ("Giá cà phê", s.url("/bai/khac.html"))]),
            content_type="application/rss+xml",
        )
        config = write_config(
            tmp_path / "cfg",
            [{"id": name, "type": "rss", "url": sites[name].url("/rss.xml")} for name, _, _ in COPIES],
        )
        summary = run_crawl(db.env, config, "--once")
    assert summary["totals"]["new"] == 4, summary
    with db.session() as session:
        story = session.scalars(select(Article).where(Article.title == STORY_TITLE)).all()
        assert len(story) == 3 and len({a.cluster_id for a in story}) == 1 and story[0].cluster_id is not None
        cluster = session.get(StoryCluster, story[0].cluster_id)
        assert cluster is not None and cluster.first_source_id == "baoquocgia"
        other = session.scalars(select(Article).where(Article.title != STORY_TITLE)).one()
        assert other.cluster_id is None


def test_windows_1258_feed(db: Database, tmp_path: Path) -> None:
    title = "Ngư dân Phú Quý vươn khơi bám biển"
    description = "Hàng trăm tàu cá của ngư dân huyện đảo Phú Quý đã xuất bến."
    with FixtureSite() as site:
        site.route("/bai/phu-quy.html", body=article_html(title, [description + " Bà con phấn khởi ra khơi. " * 6]))
        feed = (
            '<?xml version="1.0" encoding="windows-1258"?><rss version="2.0"><channel><title>Tin biển</title>'
            f"<item><title>{title}</title><link>{site.url('/bai/phu-quy.html')}</link>"
            f"<description>{description}</description></item></channel></rss>"
        )
        site.route("/rss.xml", body=_cp1258(feed), content_type="application/rss+xml")
        config = write_config(tmp_path / "cfg", [{"id": "cp1258", "type": "rss", "url": site.url("/rss.xml")}])
        summary = run_crawl(db.env, config, "--once")
    assert summary["sources"]["cp1258"]["new"] == 1, summary
    with db.session() as session:
        article = session.scalars(select(Article)).one()
        assert article.title == title
        assert description in (article.summary + article.text)
