"""articles: an index in "newest first" order for PostgreSQL

Lists sorted by date ask for ``published_at DESC NULLS LAST, id DESC``. PostgreSQL
sorts NULLs high, so read backwards ``ix_articles_published_at`` gives NULLS FIRST and
cannot serve that order: the newest 20 articles of a 30-day window read the whole table
(bench/search.py --url at 1M articles: 174 ms; with this index 0.5 ms), and the topic
facet under a date filter scanned the table for ids (268 ms, now 111 ms). SQLite sorts
NULLs low, its existing index already serves the order, and it does not accept NULLS
LAST in an index: PostgreSQL only.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 20:50:00
"""
from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_articles_published_desc "
            "ON articles (published_at DESC NULLS LAST, id DESC)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_articles_published_desc")
