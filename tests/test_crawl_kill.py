"""Kill a crawl half way, run it again: no article lost, none duplicated."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from sqlalchemy import func, select

from storage.models import Article, Source
from tests.conftest import Database
from tests.crawl_support import (
    children,
    crawl_command,
    env_for,
    kill_and_reap,
    run_crawl,
    write_config,
)
from tests.fixture_site import FixtureSite, article_html, rss

PLACES = ["Phan Thiết", "La Gi", "Tuy Phong", "Bắc Bình", "Hàm Tân", "Đức Linh"]
COUNT = 24


def stored(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(Article.canonical_url)))


def test_killed_crawl_rerun_loses_and_duplicates_nothing(db: Database, tmp_path: Path) -> None:
    with FixtureSite() as site:
        paths = [f"/tin/bai-{i:02d}.html" for i in range(COUNT)]
        for i, path in enumerate(paths):
            place = PLACES[i % len(PLACES)]
            site.route(
                path,
                body=article_html(
                    f"Tin số {i} từ {place}",
                    [
                        f"Bản tin số {i}: chính quyền {place} họp bàn kế hoạch phòng chống thiên tai mùa mưa.",
                        "Các xã ven biển được yêu cầu kiểm tra đê kè và chuẩn bị phương án sơ tán dân.",
                    ],
                ),
            )
        site.route("/robots.txt", content_type="text/plain", body=b"User-agent: *\nAllow: /\n")
        site.route(
            "/rss/nhieu.rss",
            content_type="application/rss+xml",
            etag='"nhieu-1"',
            body=lambda s: rss([(f"Tin số {i}", s.url(p)) for i, p in enumerate(paths)]),
        )
        # A politeness delay makes the crawl slow enough to be stopped in the middle.
        config = write_config(
            tmp_path / "cfg",
            [{"id": "nhieu", "type": "rss", "url": site.url("/rss/nhieu.rss")}],
            download_delay_seconds=0.4,
        )
        proc = subprocess.Popen(
            crawl_command("--once"),
            env=env_for(db.env, config),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while len(stored(db)) < 3:
                assert proc.poll() is None, "the crawl ended before it could be killed"
                assert time.monotonic() < deadline, "the crawl stored nothing in time"
                time.sleep(0.1)
            workers = children(proc.pid)
            assert workers, "the crawl runs no analysis worker processes"
            # The analysis workers die with the crawl: no orphans left running.
            kill_and_reap(proc, workers)
        finally:
            if proc.poll() is None:
                proc.kill()
        before = set(stored(db))
        assert 3 <= len(before) < COUNT, "the kill came too late to test anything"
        with db.session() as session:
            source = session.get(Source, "nhieu")
            # The run did not finish: its feed validators were not saved, so the rerun
            # reads the whole feed again instead of getting a 304.
            assert source is not None and source.etag is None

        summary = run_crawl(db.env, config, "--once")
        after = stored(db)
        assert sorted(after) == sorted(site.url(p) for p in paths)
        assert summary["sources"]["nhieu"]["new"] == COUNT - len(before)
        assert summary["sources"]["nhieu"]["errors"] == 0
        with db.session() as session:
            assert session.scalar(select(func.count(Article.id))) == COUNT
            source = session.get(Source, "nhieu")
            assert source is not None and source.etag == '"nhieu-1"'
        # What was stored before the kill was not fetched again.
        for url in before:
            path = url.removeprefix(site.base)
            assert len(site.hits_for(path)) == 1, path
