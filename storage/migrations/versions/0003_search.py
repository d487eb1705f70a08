"""search: full-text index over folded text, saved searches

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:30:00

SQLite: FTS5 table ``article_fts(title, body)`` (rowid = articles.id) holding text
folded by ``storage.fold`` (đ included), plus a delete trigger. On SQLite >= 3.43 the
table is contentless-delete (no copy of the text); older SQLite keeps a copy.
PostgreSQL: ``article_search(article_id, tsv)`` with a GIN index, the tsvector built
from the same folded tokens. Both are back-filled from existing articles.
"""
from __future__ import annotations


import sqlalchemy as sa
from alembic import op

from storage.fts import reindex_all

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "name"),
    )
    # Facets over a date range count sources from the index alone.
    op.create_index("ix_articles_published_source", "articles", ["published_at", "source_id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE article_search ("
            " article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,"
            " tsv tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_article_search_tsv ON article_search USING GIN (tsv)")
    else:
        # The version of the SQLite library actually in use, not the Python module's.
        version = tuple(int(x) for x in bind.exec_driver_sql("select sqlite_version()").scalar().split("."))
        contentless = ", content='', contentless_delete=1" if version >= (3, 43) else ""
        op.execute(
            "CREATE VIRTUAL TABLE article_fts USING fts5("
            f"title, body, tokenize='unicode61 remove_diacritics 0'{contentless})"
        )
        # Relevance: bm25 with the title weighted 4x the body, as the table's rank column.
        op.execute("INSERT INTO article_fts (article_fts, rank) VALUES ('rank', 'bm25(4.0, 1.0)')")
        op.execute(
            "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
            "DELETE FROM article_fts WHERE rowid = old.id; END"
        )
    _create_day_counts(bind.dialect.name)
    reindex_all(bind)


# Articles per local (UTC+7) day, kept by triggers: the whole-corpus time series and day
# facet read ~hundreds of rows instead of grouping a million (storage/search/analytics.py).
SQLITE_DAY = "date({row}.published_at, '+7 hours')"
PG_DAY = "((({row}.published_at AT TIME ZONE 'UTC') + interval '7 hours')::date)"


def _create_day_counts(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("CREATE TABLE article_day_counts (day DATE PRIMARY KEY, n INTEGER NOT NULL)")
        op.execute(
            "CREATE FUNCTION haidang_article_day_counts() RETURNS trigger AS $$ BEGIN "
            "IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.published_at IS NOT NULL THEN "
            f"UPDATE article_day_counts SET n = n - 1 WHERE day = {PG_DAY.format(row='OLD')}; "
            "END IF; "
            "IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.published_at IS NOT NULL THEN "
            f"INSERT INTO article_day_counts (day, n) VALUES ({PG_DAY.format(row='NEW')}, 1) "
            "ON CONFLICT (day) DO UPDATE SET n = article_day_counts.n + 1; "
            "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER articles_day_counts AFTER INSERT OR DELETE OR UPDATE OF published_at "
            "ON articles FOR EACH ROW EXECUTE FUNCTION haidang_article_day_counts()"
        )
        day = PG_DAY.format(row="articles")
    else:
        op.execute(
            "CREATE TABLE article_day_counts (day TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID"
        )
        new, old = SQLITE_DAY.format(row="NEW"), SQLITE_DAY.format(row="OLD")
        add = (
            f"INSERT INTO article_day_counts (day, n) SELECT {new}, 1 "
            "WHERE NEW.published_at IS NOT NULL ON CONFLICT (day) DO UPDATE SET n = n + 1;"
        )
        sub = (
            f"UPDATE article_day_counts SET n = n - 1 "
            f"WHERE OLD.published_at IS NOT NULL AND day = {old};"
        )
        op.execute(f"CREATE TRIGGER articles_day_insert AFTER INSERT ON articles BEGIN {add} END")
        op.execute(f"CREATE TRIGGER articles_day_delete AFTER DELETE ON articles BEGIN {sub} END")
        op.execute(
            "CREATE TRIGGER articles_day_update AFTER UPDATE OF published_at ON articles "
            f"BEGIN {sub} {add} END"
        )
        day = SQLITE_DAY.format(row="articles")
    op.execute(
        f"INSERT INTO article_day_counts (day, n) SELECT {day}, count(*) FROM articles "
        f"WHERE published_at IS NOT NULL GROUP BY {day}"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TABLE article_day_counts")
        op.execute("DROP FUNCTION haidang_article_day_counts() CASCADE")
        op.execute("DROP TABLE article_search")
    else:
        for trigger in ("articles_fts_delete", "articles_day_insert", "articles_day_delete", "articles_day_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE article_day_counts")
        op.execute("DROP TABLE article_fts")
    op.drop_index("ix_articles_published_source", table_name="articles")
    op.drop_table("saved_searches")
