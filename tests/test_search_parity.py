"""PARITY: the same queries on SQLite and PostgreSQL over the same data give the same answers.

The SQLite half always runs (against itself it checks determinism); the PostgreSQL
half is skipped only when ``HAIDANG_TEST_POSTGRES_URL`` is absent.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from storage.db import make_engine, with_driver
from storage.migrate import upgrade
from storage.models import Article, ArticleTopic
from storage.search import (
    Bucket,
    SearchFilters,
    SearchRequest,
    Sort,
    count,
    export_rows,
    facets,
    search,
    time_series,
)
from storage.search.engine import matching_ids
from tests.search_corpus import seed

# A vocabulary of our own (not from shared data), with diacritics and đ throughout.
WORDS = (
    "biển đảo Hoàng Sa Trường Sa ngư dân tàu cá Bình Thuận Phan Thiết Mũi Né du lịch đầu tư "
    "chuyển đổi số thanh long nước mắm cảnh sát biển biên phòng đường dây nóng điện gió "
    "khu công nghiệp hợp tác quốc tế khoa học công nghệ đổi mới sáng tạo Đảng đồng bào "
    "đánh bắt hải sản chủ quyền lãnh hải tỉnh Lâm Đồng Phú Quý La Gi Tuy Phong Đức Linh"
).split()
TOPICS = ("bien_dao", "dau_tu", "chuyen_doi_so", "van_hoa_du_lich", "san_pham")

QUERIES = [
    "",
    "dao",
    "đảo",
    "hoang sa",
    '"hoang sa"',
    '"sa hoang"',
    "binh thuan",
    "Bình Thuận",
    "thanh long OR nuoc mam",
    "bien -dao",
    '"ngu dan" NOT "tau ca"',
    "ph*",
    "duong*",
    "(du lich OR dau tu) -binh",
    "dong",
    "Đồng",
    "la gi",
    '"phu quy"',
    "khu AND cong AND nghiep",
]
FILTERS = [
    SearchFilters(),
    SearchFilters(date_from=date(2026, 2, 10), date_to=date(2026, 3, 5)),
    SearchFilters(topics=("bien_dao", "san_pham")),
    SearchFilters(sources=("tt",), province=True),
    SearchFilters(kinds=("press",), tiers=(1,), lang="vi"),
    SearchFilters(flagged=True),
    SearchFilters(cluster=1),
]


def _generate(session: Session, n: int = 400) -> None:
    rng = random.Random(6)
    base = datetime(2026, 2, 1, tzinfo=UTC)
    for i in range(n):
        title = " ".join(rng.choices(WORDS, k=rng.randint(4, 10)))
        body = " ".join(rng.choices(WORDS, k=rng.randint(10, 120)))
        session.add(
            Article(
                canonical_url=f"http://127.0.0.1/gen/{i}",
                url=f"http://127.0.0.1/gen/{i}",
                source_id=rng.choice(("vne", "tt", "fb")),
                title=title,
                summary="",
                text=body,
                lang="vi",
                published_at=base + timedelta(minutes=rng.randint(0, 60 * 24 * 45)),
                fetched_at=base,
                updated_at=base,
                content_hash=str(i),
                province_relevant=rng.random() < 0.4,
                cluster_id=rng.choice((None, 1, 2)),
                places=[],
                entities=[],
                topics=[
                    ArticleTopic(topic=t, score=0.5, evidence=[])
                    for t in rng.sample(TOPICS, rng.randint(0, 2))
                ],
            )
        )
    session.flush()


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    out: dict[str, Engine] = {}
    sqlite = make_engine(f"sqlite:///{tmp_path_factory.mktemp('parity') / 'parity.db'}")
    upgrade(sqlite)
    out["sqlite"] = sqlite
    admin = schema = None
    pg_url = os.environ.get("HAIDANG_TEST_POSTGRES_URL")
    if pg_url:
        base = with_driver(pg_url)
        schema = f"parity_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in base else "?"
        pg = make_engine(f"{base}{sep}options=-csearch_path%3D{schema}")
        upgrade(pg)
        out["postgres"] = pg
    for engine in out.values():
        with Session(engine) as session:
            seed(session)
            _generate(session)
            session.commit()
    yield out
    for engine in out.values():
        engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _urls(session: Session, ids: list[int]) -> list[str]:
    by_id = dict(
        session.execute(select(Article.id, Article.canonical_url).where(Article.id.in_(ids))).all()
    )
    return [by_id[i] for i in ids]


def _answers(engine: Engine) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with Session(engine) as session:
        for q in QUERIES:
            for i, f in enumerate(FILTERS):
                by_date = [r[0] for r in session.execute(matching_ids(session, SearchRequest(query=q, filters=f, sort=Sort.DATE, limit=1000)))]
                by_rel = [r[0] for r in session.execute(matching_ids(session, SearchRequest(query=q, filters=f, sort=Sort.RELEVANCE, limit=1000)))]
                out[f"date {q!r} {i}"] = _urls(session, by_date)
                out[f"rel {q!r} {i}"] = sorted(_urls(session, by_rel))
                out[f"total {q!r} {i}"] = count(session, q, f)
            page = search(session, SearchRequest(query=q, sort=Sort.DATE, limit=10))
            out[f"page {q!r}"] = [(h.title_segments, h.snippet, h.topics, h.source_name) for h in page.hits]
        for q in QUERIES[:8]:
            fc = facets(session, q, SearchFilters())
            out[f"facets {q!r}"] = (fc.topics, fc.sources, fc.days)
            out[f"weeks {q!r}"] = time_series(session, q, SearchFilters(), Bucket.WEEK)
            out[f"export {q!r}"] = [
                (r["title"], r["source_id"], r["topics"], r["published_at"].replace(tzinfo=None))
                for r in export_rows(session, q, SearchFilters(province=True))
            ]
    return out


def test_sqlite_answers_are_meaningful(engines: dict[str, Engine]) -> None:
    answers = _answers(engines["sqlite"])
    # Guard against a parity test that compares empty answers.
    assert len(answers["date 'dao' 0"]) > 100
    assert answers["date 'dao' 0"] == answers["date 'đảo' 0"]
    assert 0 < len(answers["""date '"hoang sa"' 0"""]) < len(answers["date 'hoang sa' 0"])
    assert answers["""date '"sa hoang"' 0"""] != answers["""date '"hoang sa"' 0"""]


def test_postgres_gives_the_same_answers_as_sqlite(engines: dict[str, Engine]) -> None:
    if "postgres" not in engines:
        pytest.skip(
            "HAIDANG_TEST_POSTGRES_URL is not set: PostgreSQL half of the parity test skipped"
        )
    lite, pg = _answers(engines["sqlite"]), _answers(engines["postgres"])
    assert lite.keys() == pg.keys()
    differing = [k for k in lite if lite[k] != pg[k]]
    assert not differing, differing[:5]
