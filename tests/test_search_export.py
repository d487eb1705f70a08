"""CSV and JSON-lines export: content, escaping, and constant memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from storage.fts import index_rows
from storage.models import Article, Source
from storage.search import ExportFormat, SearchFilters, export_rows, stream_export, write_export
from tests.conftest import Database
from tests.search_corpus import seed


@pytest.fixture
def corpus(db: Database) -> dict[str, int]:
    with db.session() as session:
        ids = seed(session)
        session.commit()
    return ids


def test_csv_export(db: Database, corpus: dict[str, int]) -> None:
    out = io.StringIO()
    with db.session() as session:
        n = write_export(session, "binh thuan", SearchFilters(), ExportFormat.CSV, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert n == len(rows) == 3
    assert [r["id"] for r in rows] == [str(corpus[k]) for k in ("thanh_long", "bao", "ngu_dan")]
    assert rows[0]["source_name"] == "VnExpress" and rows[0]["topics"] == "san_pham"
    assert rows[2]["published_at"].startswith("2026-03-02T10:00")


def test_csv_neutralises_formulas(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        session.add(
            Article(
                canonical_url="http://127.0.0.1/f",
                url="http://127.0.0.1/f",
                source_id="fb",
                title='=HYPERLINK("http://evil") Phan Thiết',
                fetched_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
                content_hash="f",
                places=[],
                entities=[],
            )
        )
        session.commit()
        text = "".join(
            stream_export(session, "phan thiet", SearchFilters(sources=("fb",)), ExportFormat.CSV)
        )
    titles = [r["title"] for r in csv.DictReader(io.StringIO(text))]
    assert '\'=HYPERLINK("http://evil") Phan Thiết' in titles


def test_jsonl_export(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        lines = list(
            stream_export(session, "", SearchFilters(topics=("bien_dao",)), ExportFormat.JSONL)
        )
    records = [json.loads(line) for line in lines]
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert {r["id"] for r in records} == {
        corpus["ngu_dan"],
        corpus["chu_quyen"],
        corpus["coast_guard"],
    }
    chu_quyen = next(r for r in records if r["id"] == corpus["chu_quyen"])
    assert chu_quyen["topics"] == ["bien_dao", "hop_tac_quoc_te"]
    assert "Đảo Hoàng Sa" in lines[[r["id"] for r in records].index(corpus["chu_quyen"])]


def test_empty_export_has_a_header_only(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        text = "".join(stream_export(session, "khong ton tai", SearchFilters(), ExportFormat.CSV))
    assert text.strip().split(",")[0] == "id" and text.count("\n") == 1


def _bulk(db: Database, n: int) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "canonical_url": f"http://127.0.0.1/b{i}",
            "url": f"http://127.0.0.1/b{i}",
            "source_id": "vne",
            "title": f"Tin số {i} về Bình Thuận",
            "summary": "",
            "text": "Nội dung " * 20,
            "author": "",
            "lang": "vi",
            "published_at": base + timedelta(minutes=i),
            "fetched_at": base,
            "updated_at": base,
            "content_hash": str(i),
            "province_relevant": True,
            "places": [],
            "entities": [],
            "risk_score": 0.0,
            "analysis_version": "",
            "version": 1,
        }
        for i in range(n)
    ]
    with db.engine.begin() as conn:
        conn.execute(
            insert(Source),
            [
                {
                    "id": "vne",
                    "name": "VnExpress",
                    "type": "rss",
                    "url": "x",
                    "kind": "press",
                    "lang": "vi",
                    "tier": 1,
                    "enabled": True,
                    "consecutive_failures": 0,
                    "skipped_irrelevant": 0,
                }
            ],
        )
        conn.execute(insert(Article), rows)
        ids = conn.execute(
            Article.__table__.select().with_only_columns(
                Article.id, Article.title, Article.summary, Article.text
            )
        ).all()
        index_rows(conn, ids)


def _peak_bytes(db: Database) -> tuple[int, int]:
    with db.session() as session:
        tracemalloc.start()
        rows = 0
        for _ in export_rows(session, "binh thuan", SearchFilters()):
            rows += 1
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return rows, peak


def test_export_streams_in_constant_memory(db: Database) -> None:
    _bulk(db, 12000)
    rows, peak = _peak_bytes(db)
    assert rows == 12000
    # A materialised result would hold 12,000 dicts (several MB); a stream holds one batch.
    assert peak < 4_000_000, peak
