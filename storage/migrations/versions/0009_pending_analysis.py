"""articles.analysis_pending: stored by the crawl, analysed afterwards

The crawl stores an article as soon as its text is extracted and analyses it
after (in worker processes, at low priority); until then the article is
pending. A partial index keeps "which articles wait for analysis" one small
index scan, however many articles are stored.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch rebuild: the table keeps its full-text triggers.
    op.add_column(
        "articles",
        sa.Column("analysis_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_articles_analysis_pending",
        "articles",
        ["id"],
        sqlite_where=sa.text("analysis_pending = 1"),
        postgresql_where=sa.text("analysis_pending"),
    )


def downgrade() -> None:
    op.drop_index("ix_articles_analysis_pending", table_name="articles")
    op.drop_column("articles", "analysis_pending")
