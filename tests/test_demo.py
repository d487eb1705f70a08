"""The demo site is a well-formed news site, and ``haidang demo --once`` stores it once."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import feedparser
import lxml.html
import pytest
from sqlalchemy import func, select

from config import load_config
from pipeline.demo import PROFILES, demo_config, demo_source_id, demo_sources
from pipeline.demo_site import load_outlets, serve_site
from pipeline.demo_site.corpus import TZ, vietnamese_dateline
from pipeline.demo_site.server import PortBusyError
from storage.models import Article, ArticleTopic
from tests.conftest import Database

HAIDANG = Path(sys.executable).with_name("haidang")
FIXED_NOW = dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)  # 10:00 in Vietnam, a Thursday


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read().decode("utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_corpus_is_large_varied_and_of_news_length() -> None:
    outlets = load_outlets()
    articles = [a for o in outlets for a in o.articles]
    assert len(articles) >= 45
    assert 4 <= len(outlets) <= 5
    assert {o.feed for o in outlets} == {"rss", "atom"}
    assert {o.lang for o in outlets} == {"vi", "en"}
    assert set(PROFILES) == {o.id for o in outlets}, "every outlet needs a credibility profile"
    assert len({a.path for a in articles}) == len(articles)
    short_or_long = [(a.id, a.word_count()) for a in articles if not 150 <= a.word_count() <= 500]
    assert not short_or_long, f"articles outside 150-500 words: {short_or_long}"
    # Items of today exist for the digest, and everything lies within the last ten days.
    days = Counter(a.days_ago for a in articles)
    assert days[0] >= 8
    assert max(days) <= 10


def test_every_feed_parses_and_every_link_is_a_page_with_metadata() -> None:
    outlets = load_outlets()
    expected = {a.path for o in outlets for a in o.articles}
    seen: set[str] = set()
    with serve_site(0, clock=lambda: FIXED_NOW) as site:
        for outlet_id, feed_url in site.feed_urls().items():
            status, ctype, body = _get(feed_url)
            assert status == 200 and "xml" in ctype
            feed = feedparser.parse(body)
            assert not feed.bozo, f"{outlet_id}: {feed.get('bozo_exception')}"
            assert feed.entries
            for entry in feed.entries:
                assert entry.link.startswith(site.base_url + "/" + outlet_id + "/")
                status, _, html = _get(entry.link)
                assert status == 200
                tree = lxml.html.fromstring(html)
                assert tree.xpath('string(//meta[@property="og:title"]/@content)') == entry.title
                assert tree.xpath('string(//link[@rel="canonical"]/@href)') == entry.link
                ld = json.loads(tree.xpath('string(//script[@type="application/ld+json"])'))
                assert ld["@type"] == "NewsArticle"
                published = dt.datetime.fromisoformat(ld["datePublished"])
                assert published.utcoffset() == dt.timedelta(hours=7)
                assert published <= FIXED_NOW
                feed_time = entry.get("published_parsed") or entry.get("updated_parsed")
                assert dt.datetime.fromtimestamp(calendar.timegm(feed_time), dt.UTC) == published
                assert tree.xpath("//article"), entry.link
                seen.add(entry.link.removeprefix(site.base_url))
        status, _, robots = _get(site.base_url + "/robots.txt")
        assert "Allow: /" in robots
        with pytest.raises(urllib.error.HTTPError) as missing:
            _get(site.base_url + "/tintuc24/khong-co/bai-nay-9999.html")
        assert missing.value.code == 404
    assert seen == expected


def test_vietnamese_pages_carry_a_vietnamese_date_line() -> None:
    with serve_site(0, clock=lambda: FIXED_NOW) as site:
        outlet = next(o for o in site.outlets if o.id == "baobinhthuan")
        art = next(a for a in outlet.articles if a.days_ago == 1)
        _, _, html = _get(site.base_url + art.path)
    # One day before Thursday 26/11/2026.
    assert re.search(r"Thứ tư, 25/11/2026, \d\d:\d\d \(GMT\+7\)", html)
    assert (
        vietnamese_dateline(dt.datetime(2026, 11, 1, 0, 30, tzinfo=TZ))
        == "Chủ nhật, 1/11/2026, 00:30 (GMT+7)"
    )


def test_dates_follow_the_clock_and_never_lie_in_the_future() -> None:
    articles = [a for o in load_outlets() for a in o.articles]
    early = dt.datetime(2027, 3, 2, 0, 20, tzinfo=TZ)  # 00:20: most of today's items are "later"
    for art in articles:
        when = art.published(early)
        assert when <= early
        assert when.date() == (early - dt.timedelta(days=art.days_ago)).date()
    # Two crawls in the same hour see the same times, so the page text does not change.
    later = early + dt.timedelta(minutes=25)
    assert all(a.published(early) == a.published(later) for a in articles if a.days_ago)


def test_busy_site_port_is_a_clear_error() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(PortBusyError):
            with serve_site(port):
                pass
        result = subprocess.run(
            [str(HAIDANG), "demo", "--once", "--site-port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HAIDANG_DATABASE_URL": "sqlite:///:memory:"},
        )
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is busy" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_config_adds_rated_rss_sources() -> None:
    config = load_config()
    with serve_site(0) as site:
        merged = demo_config(config, site)
        extra = demo_sources(site)
    assert len(merged.sources) == len(config.sources) + len(extra)
    paper = merged.source(demo_source_id("baobinhthuan"))
    blog = merged.source(demo_source_id("blog-tudo"))
    assert paper is not None and paper.tier == 1 and paper.kind == "provincial_press"
    assert blog is not None and blog.tier == 5 and blog.kind == "blog"
    assert all(s.type == "rss" and s.url.startswith(site.base_url) for s in extra)
    assert merged.source(demo_source_id("vnn-english")).lang == "en"  # type: ignore[union-attr]


def _run_demo(db: Database, port: int) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(HAIDANG), "demo", "--once", "--site-port", str(port)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **db.env},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_demo_once_twice_stores_the_corpus_once(db: Database) -> None:
    pytest.importorskip("pipeline.crawl", reason="the crawl runner is not there yet")
    corpus = {a.title for o in load_outlets() for a in o.articles}
    port = _free_port()

    first = _run_demo(db, port)
    assert "TOTAL" in first.stdout
    with db.session() as session:
        rows = session.execute(select(Article.id, Article.title, Article.province_relevant)).all()
        topics = set(session.scalars(select(ArticleTopic.topic).distinct()))
        paper = session.scalar(
            select(func.count())
            .select_from(Article)
            .where(Article.source_id == "demo_baobinhthuan")
        )
    assert {title for _, title, _ in rows} == corpus
    assert paper == len(next(o for o in load_outlets() if o.id == "baobinhthuan").articles)
    relevant = sum(1 for *_, is_relevant in rows if is_relevant)
    assert 20 <= relevant < len(rows)
    assert len(topics) >= 7

    second = _run_demo(db, port)
    assert re.search(r"^TOTAL\s+\d+\s+0\s", second.stdout, re.MULTILINE), second.stdout
    with db.session() as session:
        again = session.execute(select(Article.id, Article.title, Article.province_relevant)).all()
    assert sorted(again) == sorted(rows)


def test_demo_users_are_created_once_and_can_sign_in(db: Database) -> None:
    from pipeline.demo import ensure_demo_users
    from web.users import authenticate, list_users

    with db.session() as session:
        first = ensure_demo_users(session)
        again = ensure_demo_users(session)  # a second demo run changes nothing
        session.commit()
        users = {u.name: u.role for u in list_users(session)}
        officer = authenticate(session, "canbo", "demo-canbo")
        wrong = authenticate(session, "phatngon", "demo-canbo")
    assert first == again
    assert users == {
        "canbo": "officer",
        "phatngon": "spokesperson",
        "phantich": "analyst",
        "quantri": "admin",
    }
    assert officer is not None and wrong is None
