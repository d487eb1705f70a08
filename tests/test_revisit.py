"""Revisits on SQLite and PostgreSQL: an article edited between two crawls keeps its old
text as a version; one deleted is marked taken down, and cleared when it comes back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config import load_config
from crawlers.extract import extract
from crawlers.records import ArticleDraft, FetchedPage, FetchResult, Outcome
from crawlers.revisit_spider import redirected_home
from nlp.records import Analysis, ProvinceMatch
from pipeline.ingest import store
from pipeline.revisit import RevisitStatus, apply_failure, apply_page, due_for_revisit
from storage.models import Article, ArticleVersion, Source
from tests.conftest import REPO, Database
from tests.fixture_site import FixtureSite
from tests.story_texts import EDITED, ORIGINAL, UNRELATED

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CRAWL = load_config().schedule.crawl  # 3 days, every 6 hours


def _analysis(_draft: ArticleDraft | None = None) -> Analysis:
    return Analysis(lang="vi", province=ProvinceMatch(relevant=True), topics=())


def _source(session: Session, source_id: str = "site_a", enabled: bool = True) -> None:
    session.add(
        Source(
            id=source_id,
            name=source_id,
            type="rss",
            url=f"http://{source_id}.test/rss",
            kind="press",
            lang="vi",
            tier=2,
            enabled=enabled,
            consecutive_failures=0,
            skipped_irrelevant=0,
        )
    )
    session.flush()


def _article(
    session: Session,
    slug: str,
    *,
    source_id: str = "site_a",
    published: datetime | None,
    fetched: datetime,
    text: str = ORIGINAL,
    url: str | None = None,
) -> Article:
    url = url or f"http://{source_id}.test/{slug}.html"
    draft = ArticleDraft(
        source_id=source_id,
        url=url,
        canonical_url=url,
        title=f"Tin {slug}",
        text=text,
        fetched_at=fetched,
        published=published,
    )
    article = session.get(Article, store(session, draft, _analysis(), now=fetched).article_id)
    assert article is not None
    return article


def test_due_for_revisit_is_young_and_not_fetched_lately(db: Database) -> None:
    with db.session() as session:
        _source(session)
        _source(session, "site_off", enabled=False)
        hours = timedelta(hours=1)
        due_old_check = _article(session, "a", published=NOW - 30 * hours, fetched=NOW - 30 * hours)
        due_old_check.revisited_at = NOW - 8 * hours
        due_never = _article(session, "b", published=NOW - 10 * hours, fetched=NOW - 7 * hours)
        gone = _article(session, "c", published=None, fetched=NOW - 20 * hours)
        gone.taken_down_at = NOW - 12 * hours
        _article(session, "fresh", published=NOW - 2 * hours, fetched=NOW - 1 * hours)
        checked = _article(session, "checked", published=NOW - 20 * hours, fetched=NOW - 20 * hours)
        checked.revisited_at = NOW - 2 * hours
        _article(session, "old", published=NOW - 80 * hours, fetched=NOW - 10 * hours)
        _article(
            session, "off", source_id="site_off", published=NOW - 9 * hours, fetched=NOW - 9 * hours
        )
        session.commit()

        targets = due_for_revisit(session, CRAWL, NOW)
        # Least recently seen first.
        assert [t.url for t in targets] == [
            "http://site_a.test/c.html",
            "http://site_a.test/a.html",
            "http://site_a.test/b.html",
        ]
        assert targets[0].article_id == gone.id and targets[0].source_id == "site_a"
        assert [t.article_id for t in due_for_revisit(session, CRAWL, NOW, limit=1)] == [gone.id]
        assert due_never.id in {t.article_id for t in targets}


def _page(article: Article, text: str) -> ArticleDraft:
    return ArticleDraft(
        source_id=article.source_id,
        url=article.url,
        # A page may declare another canonical URL later: the revisited article is still this one.
        canonical_url=article.canonical_url + "?amp=1",
        title=article.title,
        text=text,
        fetched_at=NOW,
    )


def _gone(article: Article, status: int = 404) -> FetchResult:
    outcome = Outcome.GONE if status in (404, 410) else Outcome.HTTP_ERROR
    return FetchResult(
        source_id=article.source_id, url=article.url, outcome=outcome, http_status=status
    )


def test_apply_edit_takedown_and_return(db: Database) -> None:
    with db.session() as session:
        _source(session)
        article = _article(
            session, "a", published=NOW - timedelta(hours=20), fetched=NOW - timedelta(hours=20)
        )
        assert (
            apply_page(session, article, _page(article, ORIGINAL), _analysis, NOW)
            is RevisitStatus.UNCHANGED
        )
        assert article.version == 1 and article.revisited_at == NOW

        later = NOW + timedelta(hours=6)
        assert (
            apply_page(session, article, _page(article, EDITED[0]), _analysis, later)
            is RevisitStatus.UPDATED
        )
        session.commit()
        assert article.version == 2 and article.text == EDITED[0]
        old = session.scalars(
            select(ArticleVersion).where(ArticleVersion.article_id == article.id)
        ).all()
        assert [(v.version, v.text) for v in old] == [(1, ORIGINAL)]
        assert (
            session.scalar(select(Article).where(Article.canonical_url.endswith("?amp=1"))) is None
        )

        # A server error is not a take-down.
        at_500 = later + timedelta(hours=6)
        assert (
            apply_failure(session, article, _gone(article, 500), at_500) is RevisitStatus.UNREADABLE
        )
        assert article.taken_down_at is None and article.revisited_at == at_500

        removed_at = at_500 + timedelta(hours=6)
        assert (
            apply_failure(session, article, _gone(article, 410), removed_at)
            is RevisitStatus.TAKEN_DOWN
        )
        assert (
            apply_failure(session, article, _gone(article, 404), removed_at + timedelta(hours=6))
            is RevisitStatus.STILL_DOWN
        )
        session.commit()
        assert article.taken_down_at == removed_at  # the first time it was seen gone

        back = removed_at + timedelta(hours=12)
        assert (
            apply_page(session, article, _page(article, EDITED[0]), _analysis, back)
            is RevisitStatus.RESTORED
        )
        session.commit()
        assert article.taken_down_at is None and article.version == 2


def test_redirect_to_home_page_counts_as_gone() -> None:
    assert redirected_home("http://a.test/tin/x.html", "http://a.test/")
    assert redirected_home("http://a.test/tin/x.html", "http://a.test/index.html")
    assert not redirected_home("http://a.test/tin/x.html", "http://a.test/tin/x-moi.html")
    assert not redirected_home("http://a.test/", "http://a.test/")


def _html(title: str, text: str) -> bytes:
    paragraphs = "".join(f"<p>{line.strip()}</p>" for line in text.strip().splitlines())
    return (
        f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='og:title' content='{title}'></head><body><nav>Trang chủ | Thời sự</nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article><footer>Bản quyền</footer></body></html>"
    ).encode()


def _run_revisit(db: Database) -> dict[str, object]:
    env = {**os.environ, **db.env}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.revisit",
            "--set",
            "DOWNLOAD_DELAY=0",
            "--set",
            "AUTOTHROTTLE_ENABLED=false",
            "--set",
            "DOWNLOAD_TIMEOUT=10",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    summary: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def test_revisit_crawl_edit_and_delete(db: Database) -> None:
    with FixtureSite() as site:
        site.route("/tin/thanh-long.html", body=_html("Hội thảo thanh long", ORIGINAL))
        site.route("/tin/dau-tu.html", body=_html("Đoàn doanh nghiệp Hàn Quốc", UNRELATED))
        site.route("/tin/goc.html", body=_html("Bản gốc", EDITED[1]))
        fetched = datetime.now(UTC) - timedelta(hours=CRAWL.revisit_interval_hours + 1)
        with db.session() as session:
            _source(session)
            ids = {}
            for path in ("/tin/thanh-long.html", "/tin/dau-tu.html", "/tin/goc.html"):
                raw = site.routes[path].body
                assert isinstance(raw, bytes)
                page = FetchedPage(
                    source_id="site_a",
                    url=site.url(path),
                    status=200,
                    html=raw.decode(),
                    fetched_at=fetched,
                )
                draft = extract(page)
                ids[path] = store(session, draft, _analysis(), now=fetched).article_id
            session.commit()

        # Between two crawls: one article is edited, the other deleted.
        site.route("/tin/thanh-long.html", body=_html("Hội thảo thanh long", EDITED[0]))
        del site.routes["/tin/dau-tu.html"]
        # ... and a third now sends readers to the home page: removed, the soft way.
        site.route("/tin/goc.html", status=301, location="/", body=b"")
        site.route("/", body=_html("Trang chủ", "Tin mới nhất trong ngày. " * 20))
        summary = _run_revisit(db)
        assert summary["due"] == 3
        assert summary["counts"] == {"taken_down": 2, "updated": 1}
        with db.session() as session:
            edited = session.get(Article, ids["/tin/thanh-long.html"])
            deleted = session.get(Article, ids["/tin/dau-tu.html"])
            assert edited is not None and deleted is not None
            assert edited.version == 2 and "Ngành thanh long Bình Thuận" in edited.text
            assert edited.taken_down_at is None
            versions = session.scalars(
                select(ArticleVersion).where(ArticleVersion.article_id == edited.id)
            ).all()
            assert len(versions) == 1 and "Ngành thanh long" not in versions[0].text
            assert deleted.taken_down_at is not None and deleted.version == 1
            taken_down_at = deleted.taken_down_at
            assert (
                session.scalar(select(Article).where(Article.canonical_url.contains("dau-tu")))
                is deleted
            )

        # Nothing is due right after a revisit.
        assert _run_revisit(db)["due"] == 0

        # The deleted article comes back; the next revisit (6 hours later) notices.
        site.route("/tin/dau-tu.html", body=_html("Đoàn doanh nghiệp Hàn Quốc", UNRELATED))
        with db.session() as session:
            session.execute(update(Article).values(revisited_at=fetched))
            session.commit()
        summary = _run_revisit(db)
        assert summary["counts"] == {"restored": 1, "still_down": 1, "unchanged": 1}
        with db.session() as session:
            back = session.get(Article, ids["/tin/dau-tu.html"])
            assert back is not None and back.taken_down_at is None
            redirected = session.get(Article, ids["/tin/goc.html"])
            assert redirected is not None and redirected.taken_down_at is not None
            assert redirected.version == 1 and "TTXVN" in redirected.text  # not the home page
            assert taken_down_at < datetime.now(UTC)
        assert len(site.hits_for("/tin/dau-tu.html")) == 2
