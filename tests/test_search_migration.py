"""Migration 0003: index tables exist, are back-filled, and autogenerate leaves them alone."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert

from storage.db import make_engine
from storage.fts import include_name
from storage.migrate import upgrade
from storage.models import Article, Base, Source
from storage.search import SearchFilters, count
from tests.conftest import Database


def test_autogenerate_sees_no_search_table_changes(db: Database) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_name": include_name})
        diffs = compare_metadata(ctx, Base.metadata)
    mine = ("article_fts", "article_search", "article_day_counts", "saved_searches", "ix_articles_published_source")
    touched = [d for d in diffs if any(name in repr(d) for name in mine)]
    assert touched == []


def test_upgrade_back_fills_existing_articles(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(Source).values(id="s", name="S", type="rss", url="x", kind="press",
                                           lang="vi", tier=1, enabled=True,
                                           consecutive_failures=0, skipped_irrelevant=0))
        conn.execute(insert(Article).values(
            canonical_url="u", url="u", source_id="s", title="Đảo Phú Quý", summary="", text="",
            author="", lang="vi", fetched_at=now, updated_at=now, content_hash="h",
            province_relevant=True, places=[], entities=[], risk_score=0.0, analysis_version="",
            version=1))  # fmt: skip
    upgrade(engine, "0003")
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        assert count(session, "dao phu quy", SearchFilters()) == 1
    engine.dispose()
