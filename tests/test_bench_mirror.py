"""The crawl benchmark's mirror: the pages it serves are real articles to our extractor."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime

from crawlers.extract import extract
from crawlers.feeds import parse_feed
from crawlers.records import FetchedPage
from tests.conftest import REPO

# Loaded by path: putting bench/ on sys.path would shadow packages (bench/nlp.py).
_spec = importlib.util.spec_from_file_location("bench_mirror", REPO / "bench" / "mirror.py")
assert _spec is not None and _spec.loader is not None
mirror = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mirror)


def test_mirror_site_has_feed_and_extractable_distinct_articles() -> None:
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    base = "http://127.0.0.3:8000"
    pages = mirror.build_site(base, host=2, per_host=30, now=now)
    articles = {path: body for path, (body, _kind) in pages.items() if path.startswith("/tin/")}
    assert len(articles) == 30
    feed = parse_feed(pages["/rss.xml"][0], source_id="m", url=base + "/rss.xml", max_entries=100)
    assert sorted(e.url for e in feed.entries) == sorted(base + p for p in articles)
    texts = set()
    for path, body in list(articles.items())[:3]:
        draft = extract(
            FetchedPage(
                source_id="m", url=base + path, status=200, html=body.decode(), fetched_at=now
            )
        )
        assert draft.canonical_url == base + path
        assert len(draft.text) > 1000 and "Tin liên quan" not in draft.text
        assert draft.published is not None and draft.published <= now
        texts.add(draft.text)
    assert len(texts) == 3
    # Same seed, same site: the benchmark is repeatable.
    assert mirror.build_site(base, 2, 30, now) == pages
