"""Migrations form one line and produce exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.fts import HAND_MADE_INDEXES, SEARCH_TABLES
from storage.migrate import alembic_config
from storage.models import Base
from tests.conftest import Database


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_models_match_migrations(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Full-text tables are made by hand in migrations (FTS5 / tsvector), and so are indexes
    # only one engine can have; models don't list them.
    hand_made = SEARCH_TABLES + HAND_MADE_INDEXES
    assert [d for d in diff if not any(name in str(d) for name in hand_made)] == []
