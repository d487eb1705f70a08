"""crawl lookups: indexes on articles.url and fetch_errors.url

The crawler asks, for every feed entry, whether its URL is already stored or
waiting for a retry; without these indexes each question scans the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 09:30:00
"""
from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_url", "articles", ["url"])
    op.create_index("ix_fetch_errors_url", "fetch_errors", ["url"])


def downgrade() -> None:
    op.drop_index("ix_fetch_errors_url", table_name="fetch_errors")
    op.drop_index("ix_articles_url", table_name="articles")
