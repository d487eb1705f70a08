"""SQLAlchemy 2 models. Every schema change goes through an Alembic migration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every engine.

    SQLite has no time zone type: SQLAlchemy would store an aware value's local
    wall time and drop the offset. We store UTC and hand back aware UTC values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Source(Base):
    """A configured source and its crawl state (the state lives here, not in YAML)."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    tier: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime | None] = mapped_column(default=None)
    removed_at: Mapped[datetime | None] = mapped_column(default=None)
    etag: Mapped[str | None] = mapped_column(Text, default=None)
    last_modified: Mapped[str | None] = mapped_column(Text, default=None)
    next_fetch_at: Mapped[datetime | None] = mapped_column(default=None)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    skipped_irrelevant: Mapped[int] = mapped_column(Integer, default=0)
    # Set by an administrator in the web UI; when not None it wins over
    # ``enabled`` from sources.yaml at every sync (migration 0003).
    enabled_override: Mapped[bool | None] = mapped_column(Boolean, default=None)
    override_by: Mapped[str | None] = mapped_column(String(64), default=None)
    override_at: Mapped[datetime | None] = mapped_column(default=None)


class Article(Base):
    __tablename__ = "articles"
    # The crawler looks links up by URL as well as by canonical URL.
    __table_args__ = (Index("ix_articles_url", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    url: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(8), default="vi")
    published_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    fetched_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    province_relevant: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    places: Mapped[list[Any]] = mapped_column(default=list)
    entities: Mapped[list[Any]] = mapped_column(default=list)
    risk_score: Mapped[float] = mapped_column(Float, default=0.0)
    analysis_version: Mapped[str] = mapped_column(String(64), default="")
    cluster_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    taken_down_at: Mapped[datetime | None] = mapped_column(default=None)
    # Last re-fetch by the revisit job (pipeline.revisit), whatever it found; migration 0004.
    revisited_at: Mapped[datetime | None] = mapped_column(default=None)
    # Stored by the crawl, not analysed yet (pipeline.pending analyses it); migration 0009.
    # A server default only: inserts that do not name it (older code, older schemas) work.
    analysis_pending: Mapped[bool] = mapped_column(Boolean, server_default=false())


    @hybrid_property
    def seen_at(self) -> datetime:
        """When the article appeared: its publication time, else when we fetched it."""
        return self.published_at or self.fetched_at

    @seen_at.inplace.expression
    @classmethod
    def _seen_at_expression(cls) -> ColumnElement[datetime]:
        return func.coalesce(cls.published_at, cls.fetched_at)

    topics: Mapped[list[ArticleTopic]] = relationship(
        back_populates="article", cascade="all, delete-orphan", lazy="selectin"
    )
    source: Mapped[Source] = relationship(lazy="joined")


class ArticleTopic(Base):
    __tablename__ = "article_topics"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[Any]] = mapped_column(default=list)

    article: Mapped[Article] = relationship(back_populates="topics")


class ArticleVersion(Base):
    """An earlier text of an article that was edited after we first stored it."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column()


class Flag(Base):
    """A suggestion to the spokesperson; its status is derived from its events."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), unique=True
    )
    score: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16))
    signals: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column(default=None)

    events: Mapped[list[FlagEvent]] = relationship(
        back_populates="flag", order_by="FlagEvent.id", lazy="selectin"
    )
    article: Mapped[Article] = relationship(lazy="joined")


class FlagEvent(Base):
    """Append-only: who did what to a flag, and when."""

    __tablename__ = "flag_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(32), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    flag: Mapped[Flag] = relationship(back_populates="events")


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    trigger: Mapped[str] = mapped_column(String(32), default="cli")
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FetchError(Base):
    """A failed fetch (dead letter): kept, counted, and retried with back-off."""

    __tablename__ = "fetch_errors"
    __table_args__ = (
        Index("ix_fetch_errors_source_at", "source_id", "at"),
        Index("ix_fetch_errors_url", "url"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), default=None)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    url: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    next_retry_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)


class User(Base):
    """A person who signs in to the web app (or a script with an API token)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    api_token_hash: Mapped[str | None] = mapped_column(String(128), default=None, unique=True)
    created_at: Mapped[datetime] = mapped_column()
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class JobRun(Base):
    """One run of a scheduled job (``haidang jobs`` shows the last of each)."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str] = mapped_column(String(16), default="running")
    message: Mapped[str] = mapped_column(Text, default="")


class AlertSent(Base):
    """An alert that went out; its key makes the same event alert once."""

    __tablename__ = "alerts_sent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SavedSearch(Base):
    """A search an analyst keeps; with ``alert`` on, new matches are reported."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    alert: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column()


class StoryCluster(Base):
    """Articles that tell the same story (copies, syndicated wire, light edits); migration 0004.

    Created when a second article matches a first; ``first_*`` name the outlet that
    published the story earliest (by publication time, else fetch time).
    """

    __tablename__ = "story_clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    first_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), default=None
    )
    first_source_id: Mapped[str | None] = mapped_column(ForeignKey("sources.id"), default=None)
    first_published_at: Mapped[datetime | None] = mapped_column(default=None)
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column()


class ArticleSignature(Base):
    """An article's MinHash fingerprint (nlp.fingerprint), stored so that every
    process (crawler, revisit, web) finds near-duplicates without rebuilding an index."""

    __tablename__ = "article_signatures"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    # Publication time, else fetch time: near-duplicates are only sought among recent ones.
    seen_at: Mapped[datetime] = mapped_column(index=True)


class ArticleLshBucket(Base):
    """One LSH band key of an article's fingerprint; articles sharing a key are candidates."""

    __tablename__ = "article_lsh_buckets"

    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Correction(Base):
    """The spokesperson's correction of an article's topics and province relevance (migration 0007).

    Kept as labelled data for retraining (``haidang corrections export``); the latest
    correction of an article is also applied to the article itself.
    """

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()
    topics: Mapped[list[Any]] = mapped_column(default=list)
    province: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")


# Search facets with a date filter count sources from this index alone (migration 0003).
Index("ix_articles_published_source", Article.published_at, Article.source_id)
# The articles waiting for analysis, whatever the size of the table (migration 0009).
Index(
    "ix_articles_analysis_pending",
    Article.id,
    sqlite_where=sql_text("analysis_pending = 1"),
    postgresql_where=sql_text("analysis_pending"),
)

# The full-text index (storage/fts.py) follows every ORM insert and update of an article.
from storage import fts as _fts  # noqa: E402

_fts.listen(Article)
