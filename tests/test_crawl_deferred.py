"""Store first, analyse after: the crawl stores articles pending and analyses them before it
returns; a crawl killed in between leaves them pending for the next run; re-analysis makes
no second flag or cluster; a batch that fails loses none of its good items."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from config import load_config
from config.schema import Config
from config.schema import Source as SourceConfig
from crawlers.records import ArticleDraft, FetchResult, Outcome
from nlp import Analyzer
from pipeline.ingest import IngestStatus, store, sync_sources
from pipeline.pending import analyse_all_pending, count_pending
from pipeline.scrapy_ingest import CrawlContext, IngestPipeline
from storage.models import Article, FetchError, Flag, FlagEvent, StoryCluster
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

# Flagged by the real analyser: foreign names for Vietnamese islands, sensational wording.
RUMOUR = [
    "SỐC: Quần đảo Nam Sa và Tây Sa thuộc chủ quyền Trung Quốc, ngư dân Phan Thiết hoang mang.",
    "Tin cực nóng chưa được kiểm chứng lan truyền khắp mạng xã hội khiến dư luận phẫn nộ.",
    "Sự thật kinh hoàng đằng sau vụ việc tại Bình Thuận vẫn chưa được làm rõ.",
]
PLAIN = [
    "Ủy ban nhân dân tỉnh Bình Thuận tổ chức hội nghị triển khai kế hoạch chuyển đổi số tại Phan Thiết.",
    "Hội nghị có sự tham gia của nhiều doanh nghiệp và các sở, ngành trên địa bàn tỉnh.",
]
# path -> (title, paragraphs): a rumour, its copy on another path, two plain stories.
PAGES = {
    "/tin/tin-don.html": ("Tin đồn về quần đảo", RUMOUR),
    "/tin/tin-don-ban-sao.html": ("Tin đồn về quần đảo (đăng lại)", RUMOUR),
    "/tin/hoi-nghi.html": ("Hội nghị chuyển đổi số", PLAIN),
    "/tin/mua-thanh-long.html": (
        "Mùa thanh long Bình Thuận",
        [
            "Nông dân huyện Hàm Thuận Bắc, tỉnh Bình Thuận bước vào vụ thu hoạch thanh long chính năm nay.",
            "Giá thanh long ruột đỏ tại vườn dao động quanh mức ổn định so với cùng kỳ năm trước.",
        ],
    ),
}


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite() as running:
        for path, (title, paragraphs) in PAGES.items():
            running.route(path, body=article_html(title, paragraphs))
        running.route("/robots.txt", content_type="text/plain", body=b"User-agent: *\nAllow: /\n")
        running.route(
            "/rss.xml",
            content_type="application/rss+xml",
            body=lambda s: rss([(title, s.url(path)) for path, (title, _) in PAGES.items()]),
        )
        yield running


def _check_analysed(db: Database) -> None:
    """Every article analysed, the rumour and its copy one cluster, one flag each."""
    with db.session() as session:
        articles = {a.url.rsplit("/", 1)[1]: a for a in session.scalars(select(Article))}
        assert len(articles) == len(PAGES)
        assert not any(a.analysis_pending for a in articles.values())
        assert all(a.analysis_version.startswith("analyzer-") for a in articles.values())
        assert all(a.lang == "vi" and a.province_relevant for a in articles.values())
        rumour, copy = articles["tin-don.html"], articles["tin-don-ban-sao.html"]
        assert rumour.cluster_id is not None and rumour.cluster_id == copy.cluster_id
        assert session.scalar(select(func.count(StoryCluster.id))) == 1
        flagged = list(session.scalars(select(Flag.article_id).order_by(Flag.article_id)))
        assert flagged == sorted([rumour.id, copy.id])
        created = session.scalar(
            select(func.count(FlagEvent.id)).where(FlagEvent.action == "created")
        )
        assert created == 2


def test_deferred_articles_are_analysed_before_the_crawl_returns(
    db: Database, site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "cfg", [{"id": "tin", "type": "rss", "url": site.url("/rss.xml")}]
    )
    summary = run_crawl(
        db.env, config, "--once", "--set", "ANALYSIS_WORKERS=1", "--set", "STORE_BATCH_ITEMS=2"
    )
    assert summary["sources"]["tin"]["new"] == len(PAGES)
    assert summary["analysis"] == {
        "analysed": len(PAGES), "skipped": 0, "failed": 0, "still_pending": 0,
    }  # fmt: skip
    _check_analysed(db)


def _nice(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])


def test_crawl_killed_before_analysis_leaves_pending_articles_for_the_next_run(
    db: Database, site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "cfg", [{"id": "tin", "type": "rss", "url": site.url("/rss.xml")}]
    )
    proc = subprocess.Popen(
        crawl_command("--once", "--set", "ANALYSIS_WORKERS=1"),
        env=env_for(db.env, config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stopped: set[int] = set()
    try:
        # The analysis worker (the one child that lowered its priority) is frozen while it
        # loads its models, before it can analyse anything; the crawl stores regardless.
        deadline = time.monotonic() + 60
        while not stopped:
            assert proc.poll() is None, "the crawl ended before its analysis worker was found"
            assert time.monotonic() < deadline, "no analysis worker appeared"
            for pid in children(proc.pid):
                try:
                    # Above the crawl's own niceness (the tests may run under ``nice``).
                    if _nice(pid) > _nice(proc.pid):
                        stopped.add(pid)
                        os.kill(pid, signal.SIGSTOP)
                except OSError:
                    continue
            time.sleep(0.02)
        deadline = time.monotonic() + 60
        while True:
            with db.session() as session:
                if session.scalar(select(func.count(Article.id))) == len(PAGES):
                    break
            assert proc.poll() is None, "the crawl ended although its analysis was frozen"
            assert time.monotonic() < deadline, "the crawl did not store every article"
            time.sleep(0.1)
        # The frozen worker dies with the crawl too.
        kill_and_reap(proc, stopped)
    finally:
        if proc.poll() is None:
            proc.kill()
    with db.session() as session:
        assert count_pending(session) == len(PAGES)
        assert session.scalar(select(func.count(Flag.id))) == 0

    summary = run_crawl(db.env, config, "--once")
    assert summary["analysis"]["analysed"] == len(PAGES)
    assert summary["analysis"]["still_pending"] == 0
    # Stored before the kill: not fetched again, not stored twice.
    assert summary["sources"]["tin"]["new"] == 0
    for path in PAGES:
        assert len(site.hits_for(path)) == 1, path
    _check_analysed(db)


# -- in process, both engines ---------------------------------------------------------


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_config())


def _config() -> Config:
    source = SourceConfig(
        id="tin",
        name="Tin",
        type="rss",
        url="http://127.0.0.1/rss.xml",
        kind="national_press",
        tier=2,
    )  # type: ignore[arg-type]
    return load_config().model_copy(update={"sources": [source]})


def _draft(path: str, now: datetime) -> ArticleDraft:
    title, paragraphs = PAGES[path]
    url = f"http://127.0.0.1{path}"
    return ArticleDraft(
        source_id="tin", url=url, canonical_url=url, title=title, text="\n".join(paragraphs),
        fetched_at=now, lang="vi",
    )  # fmt: skip


def test_reanalysis_makes_no_second_flag_or_cluster(db: Database, analyzer: Analyzer) -> None:
    config, now = _config(), datetime.now(UTC)
    with db.session() as session:
        sync_sources(session, config, now)
        for path in PAGES:
            assert store(session, _draft(path, now), None, now).status is IngestStatus.NEW
        session.commit()
    first = analyse_all_pending(db.sessions, analyzer.analyze, config=config)
    assert (first.analysed, first.failed) == (len(PAGES), 0)
    # Pending again (as when a killed analysis had in fact committed): analysed twice.
    with db.session() as session:
        session.execute(update(Article).values(analysis_pending=True))
        session.commit()
    again = analyse_all_pending(db.sessions, analyzer.analyze, config=config)
    assert again.analysed == len(PAGES)
    with db.session() as session:
        sizes = list(session.scalars(select(StoryCluster.size)))
        assert sizes == [2]
    _check_db_flags(db)


def _check_db_flags(db: Database) -> None:
    with db.session() as session:
        assert session.scalar(select(func.count(Flag.id))) == 2
        assert (
            session.scalar(select(func.count(FlagEvent.id)).where(FlagEvent.action == "created"))
            == 2
        )
        assert count_pending(session) == 0


def test_changed_text_while_pending_is_analysed_in_its_new_version(
    db: Database, analyzer: Analyzer
) -> None:
    config, now = _config(), datetime.now(UTC)
    draft = _draft("/tin/hoi-nghi.html", now)
    with db.session() as session:
        sync_sources(session, config, now)
        store(session, draft, None, now)
        session.commit()
    later = ArticleDraft(
        **{**draft.__dict__, "text": "\n".join(RUMOUR), "fetched_at": now + timedelta(hours=1)}
    )
    with db.session() as session:
        assert store(session, later, None, now).status is IngestStatus.UPDATED
        session.commit()
    analyse_all_pending(db.sessions, analyzer.analyze, config=config)
    with db.session() as session:
        article = session.scalars(select(Article)).one()
        assert article.version == 2 and not article.analysis_pending
        assert session.scalar(select(func.count(Flag.id))) == 1  # the rumour it became


def test_a_failing_batch_loses_none_of_its_good_items(db: Database) -> None:
    config, now = _config(), datetime.now(UTC)
    with db.session() as session:
        sync_sources(session, config, now)
        session.commit()
    pipeline = IngestPipeline(crawler=None)  # type: ignore[arg-type]
    pipeline.ctx = CrawlContext(config=config, sessions=db.sessions, crawl_run_id=None)  # type: ignore[arg-type]
    good = [_draft(path, now) for path in ("/tin/hoi-nghi.html", "/tin/tin-don.html")]
    # No title: the database refuses it (NOT NULL), and with it the whole batch at first.
    bad = ArticleDraft(**{**_draft("/tin/mua-thanh-long.html", now).__dict__, "title": None})
    fetched = FetchResult(
        source_id="tin", url=good[0].url, outcome=Outcome.OK, extra={"role": "article"}
    )
    done = pipeline._write_batch([(good[0], None), fetched, (bad, None), (good[1], None)], now)
    with db.session() as session:
        stored = set(session.scalars(select(Article.url)))
        assert stored == {d.url for d in good}
        assert count_pending(session) == 2
        dead = session.scalars(select(FetchError)).one()
        assert dead.url == bad.url and dead.outcome == Outcome.PARSE_ERROR.value
    assert sum(1 for d in done if d.pending) == 2
    assert sum(1 for d in done if d.fetch is not None) == 2  # the success and the dead letter


def test_one_result_that_cannot_be_stored_leaves_only_itself_pending(
    db: Database, analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Results are written together; when one write fails, the others are still stored.
    import pipeline.pending as pending

    config, now = _config(), datetime.now(UTC)
    with db.session() as session:
        sync_sources(session, config, now)
        for path in PAGES:
            store(session, _draft(path, now), None, now)
        session.commit()
        bad_id = session.scalars(select(Article.id).order_by(Article.id)).first()
    real_apply = pending.apply_analysis

    def failing_apply(session: Session, article: Article, *args: Any, **kwargs: Any) -> None:
        if article.id == bad_id:
            raise RuntimeError("disk full")
        real_apply(session, article, *args, **kwargs)

    monkeypatch.setattr(pending, "apply_analysis", failing_apply)
    ids = list(range(1, 10_000))
    tally = pending.analyse_stored(db.sessions, analyzer.analyze, ids, config=config)
    assert (tally.analysed, tally.failed) == (len(PAGES) - 1, 1)
    with db.session() as session:
        assert list(session.scalars(select(Article.id).where(Article.analysis_pending))) == [bad_id]
    monkeypatch.setattr(pending, "apply_analysis", real_apply)
    again = pending.analyse_stored(db.sessions, analyzer.analyze, [bad_id], config=config)
    assert (again.analysed, again.failed) == (1, 0)
    _check_db_flags(db)
