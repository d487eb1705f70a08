"""Analysis off the reactor thread: JSON between the processes, worker parity, the in-process fallback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from config import load_config
from crawlers.records import ArticleDraft
from nlp import Analyzer
from pipeline.analysis_pool import (
    AnalysisPool,
    _analyze,
    analysis_from_json,
    analysis_to_json,
    draft_from_json,
)
from storage.models import Article, Source
from tests.conftest import Database
from tests.crawl_support import run_crawl, write_config
from tests.fixture_site import FixtureSite

DRAFTS = [
    ArticleDraft(
        source_id="vnexpress_thoisu",
        url="https://vnexpress.net/bao-so-9-1.html?utm_source=rss",
        canonical_url="https://vnexpress.net/bao-so-9-1.html",
        title="Ngư dân Phan Thiết khẩn trương đưa tàu thuyền vào bờ tránh bão",
        text="Chiều 25/11, Bộ đội Biên phòng tỉnh Bình Thuận kêu gọi hơn 3.000 tàu cá "
        "về nơi tránh trú an toàn. Tin đồn vỡ đê ở La Gi là sai sự thật, chính quyền khẳng định.",
        fetched_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
        published=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        author="Trần Hải Yến",
        lang="vi",
    ),
    ArticleDraft(
        source_id="unknown",
        url="https://example.vn/gia-ca-phe.html",
        canonical_url="https://example.vn/gia-ca-phe.html",
        title="Giá cà phê hôm nay tăng nhẹ",
        text="Giá cà phê Tây Nguyên tăng 500 đồng mỗi ký so với hôm qua.",
        fetched_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
    ),
]


def test_draft_round_trips_through_json() -> None:
    for draft in DRAFTS:
        assert draft_from_json(json.loads(json.dumps(draft.to_json()))) == draft


def test_analysis_round_trips_through_json() -> None:
    analyzer = Analyzer(load_config())
    for draft in DRAFTS:
        analysis = analyzer.analyze(draft)
        text = json.dumps(analysis_to_json(analysis), ensure_ascii=False)
        back = analysis_from_json(json.loads(text))
        assert back == analysis
        assert back.to_contract("x") == analysis.to_contract("x")


def test_worker_analysis_matches_in_process() -> None:
    config = load_config()
    analyzer = Analyzer(config)
    pool = AnalysisPool(config, 1)
    try:
        # The pool's own executor, without a reactor: spawn, initializer, JSON both ways.
        executor = pool._executor
        for draft in DRAFTS:
            payload = json.dumps(draft.to_json(), ensure_ascii=False)
            remote = analysis_from_json(json.loads(executor.submit(_analyze, payload).result(60)))
            assert remote == analyzer.analyze(draft)
        assert len(pool.pids()) == 1
    finally:
        pool.shutdown()
    with pytest.raises(ValueError):
        AnalysisPool(config, 0)


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite("tinbien") as running:
        yield running


@pytest.mark.parametrize("workers", [0, 1])
def test_crawl_with_and_without_workers(
    db: Database, site: FixtureSite, tmp_path: Path, workers: int
) -> None:
    config = write_config(
        tmp_path / "cfg",
        [{"id": "loc", "type": "rss", "url": site.url("/rss/thoi-su.rss"), "only_relevant": True}],
    )
    summary = run_crawl(db.env, config, "--once", "--set", f"ANALYSIS_WORKERS={workers}")
    tally = summary["sources"]["loc"]
    assert (tally["new"], tally["skipped"], tally["errors"]) == (2, 1, 0)
    assert summary["close_reason"] == "finished"
    with db.session() as session:
        stored = list(session.scalars(select(Article)))
        assert len(stored) == 2 and all(a.province_relevant for a in stored)
        assert all(a.analysis_version.startswith("analyzer-") for a in stored)
        source = session.get(Source, "loc")
        assert source is not None and source.skipped_irrelevant == 1
        # Feed state saved at the normal end of the run, pool or not.
        assert source.last_success_at is not None and source.consecutive_failures == 0
