"""story clusters, near-duplicate signatures, article revisit time

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:20:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('articles', sa.Column('revisited_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('story_clusters',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('first_article_id', sa.Integer(), nullable=True),
    sa.Column('first_source_id', sa.String(length=64), nullable=True),
    sa.Column('first_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['first_article_id'], ['articles.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_source_id'], ['sources.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('article_signatures',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id')
    )
    op.create_index(op.f('ix_article_signatures_seen_at'), 'article_signatures', ['seen_at'], unique=False)
    op.create_table('article_lsh_buckets',
    sa.Column('bucket', sa.BigInteger(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('bucket', 'article_id')
    )
    op.create_index(op.f('ix_article_lsh_buckets_article_id'), 'article_lsh_buckets', ['article_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_article_lsh_buckets_article_id'), table_name='article_lsh_buckets')
    op.drop_table('article_lsh_buckets')
    op.drop_index(op.f('ix_article_signatures_seen_at'), table_name='article_signatures')
    op.drop_table('article_signatures')
    op.drop_table('story_clusters')
    with op.batch_alter_table('articles') as batch_op:
        batch_op.drop_column('revisited_at')
