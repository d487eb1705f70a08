"""``haidang import``: JSON-lines archives through the normal ingest path, analysis included."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.cli_nlp import IMPORT_SOURCE_ID
from storage.models import Article, ArticleTopic, Source
from tests.conftest import Database

RECORDS = [
    {
        "id": "1",
        "title": "Ngư dân Phan Thiết bám biển Hoàng Sa",
        "text": "Tàu cá của ngư dân vươn khơi dài ngày.",
        "url": "https://baobinhthuan.com.vn/ngu-dan-1.html?utm_source=fb",
        "source": "baobinhthuan",
        "date": "2025-06-30",
    },
    {
        "id": "2",
        "title": "Kết quả xổ số Bình Thuận hôm nay",
        "text": "XSBTh: giải đặc biệt 123456.",
        "url": "https://example.org/xo-so.html",
        "source": "some-blog-not-configured",
        "date": "2025-11-20T18:30:00+07:00",
    },
    {
        "id": "3",
        "title": "",
        "text": "Người dân làm thủ tục trên VNeID, dịch vụ công trực tuyến tăng mạnh.",
        "url": "https://example.org/vneid.html",
    },
]


def _write(path: Path, rows: Sequence[object]) -> Path:
    path.write_text(
        "".join(
            (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
        ),
        encoding="utf-8",
    )
    return path


def _import(path: Path) -> dict[str, int]:
    result = CliRunner().invoke(app, ["import", str(path), "--json"])
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    summary["exit_code"] = result.exit_code
    summary["stderr"] = result.stderr  # type: ignore[assignment]
    return summary


def test_import_stores_analysed_articles_and_is_idempotent(db: Database, tmp_path: Path) -> None:
    path = _write(tmp_path / "archive.jsonl", RECORDS)
    first = _import(path)
    assert first["exit_code"] == 0, first["stderr"]
    assert (first["new"], first["unchanged"], first["updated"], first["failed"]) == (3, 0, 0, 0)
    second = _import(path)
    assert (second["new"], second["unchanged"], second["updated"], second["failed"]) == (0, 3, 0, 0)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 3
        fishing = session.scalar(
            select(Article).where(
                Article.canonical_url == "https://baobinhthuan.com.vn/ngu-dan-1.html"
            )
        )
        assert fishing is not None
        assert fishing.source_id == "baobinhthuan"
        assert fishing.province_relevant is True and fishing.places == ["Phan Thiết"]
        assert fishing.published_at is not None
        published = fishing.published_at
        if published.tzinfo is None:  # SQLite hands back naive UTC
            published = published.replace(tzinfo=UTC)
        assert published == datetime(2025, 6, 29, 17, 0, tzinfo=UTC)  # midnight in Asia/Ho_Chi_Minh
        topics = session.scalars(
            select(ArticleTopic).where(ArticleTopic.article_id == fishing.id)
        ).all()
        bien_dao = [t for t in topics if t.topic == "bien_dao"]
        assert bien_dao and "Hoàng Sa" in bien_dao[0].evidence
        lottery = session.scalar(
            select(Article).where(Article.url == "https://example.org/xo-so.html")
        )
        assert lottery is not None
        assert lottery.source_id == IMPORT_SOURCE_ID and lottery.province_relevant is False
        source = session.get(Source, IMPORT_SOURCE_ID)
        assert (
            source is not None
            and source.enabled is False
            and source.tier == 3
            and source.kind == "blog"
        )


def test_changed_text_is_an_update(db: Database, tmp_path: Path) -> None:
    _import(_write(tmp_path / "a.jsonl", RECORDS[:1]))
    changed = dict(RECORDS[0], text="Tàu cá của ngư dân vươn khơi dài ngày, bám biển Trường Sa.")
    summary = _import(_write(tmp_path / "b.jsonl", [changed]))
    assert (summary["new"], summary["updated"]) == (0, 1)
    with db.session() as session:
        article = session.scalar(select(Article))
        assert article is not None and article.version == 2 and "Trường Sa" in article.text


def test_bad_lines_are_reported_and_the_rest_stored(db: Database, tmp_path: Path) -> None:
    rows: list[object] = [
        RECORDS[0],
        "{broken",
        {"id": "no-url", "title": "Tin", "text": "Nội dung"},
        {"id": "ftp", "title": "Tin", "text": "Nội dung", "url": "ftp://example.org/x"},
        {
            "id": "bad-date",
            "title": "Tin",
            "text": "Nội dung",
            "url": "https://example.org/d",
            "date": "hôm qua",
        },
        RECORDS[2],
    ]
    summary = _import(_write(tmp_path / "mixed.jsonl", rows))
    assert summary["exit_code"] == 1
    assert (summary["new"], summary["failed"]) == (2, 4)
    errors = str(summary["stderr"])
    assert "line 2: not valid JSON" in errors
    assert "line 3: item 'no-url': \"url\" is required" in errors
    assert "line 4: item 'ftp'" in errors and "not an http(s) URL" in errors
    assert "line 5: date 'hôm qua' is not an ISO 8601" in errors
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 2


def test_plain_summary_line(db: Database, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(_write(tmp_path / "one.jsonl", RECORDS[2:]))])
    assert result.exit_code == 0, result.stderr
    assert "1 new, 0 unchanged, 0 updated, 0 failed" in result.stdout


def test_missing_file_is_a_user_error(db: Database, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2 and "cannot read" in result.stderr
