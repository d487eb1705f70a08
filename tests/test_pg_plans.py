"""PostgreSQL plans that matter at scale (measured with bench/search.py --url at 1M articles)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import Database


def test_newest_first_is_read_from_an_index(database: Database) -> None:
    # ORDER BY published_at DESC NULLS LAST, id DESC: what every date-sorted list asks.
    # Sorting is switched off, so a plan that must sort shows a Sort node (migration 0010).
    if database.name != "postgres":
        pytest.skip("SQLite's index on published_at already serves this order")
    with database.engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_sort = off"))
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN SELECT id FROM articles "
                    "ORDER BY published_at DESC NULLS LAST, id DESC LIMIT 20"
                )
            ).scalars()
        )
    assert "ix_articles_published_desc" in plan and "Sort" not in plan, plan


def test_searches_are_planned_for_their_own_values(database: Database) -> None:
    # psycopg's automatic prepared statements led PostgreSQL to generic plans blind to the
    # search words (a 2-word search: 6 ms -> 1.2 s at 1M articles); make_engine turns them off.
    if database.name != "postgres":
        pytest.skip("PostgreSQL only")
    with database.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None and getattr(raw, "prepare_threshold", 0) is None
