"""source enabled override (admin toggle in the web UI survives a config sync)

Revision ID: 0005_source_override
Revises: 0004
Create Date: 2026-11-26 09:15:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("enabled_override", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("override_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("override_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("override_at")
        batch.drop_column("override_by")
        batch.drop_column("enabled_override")
