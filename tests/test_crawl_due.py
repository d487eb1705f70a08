"""Which sources are due, and when failed URLs are retried (storage.sources)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from config.loader import load_config
from config.schema import Config, Source
from pipeline.ingest import sync_sources
from storage.models import FetchError
from storage.models import Source as SourceRow
from storage.sources import backoff, due_sources, next_due_at, retry_at, retry_urls
from tests.conftest import Database

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def config_with(*sources: Source) -> Config:
    shipped = load_config()
    return shipped.model_copy(update={"sources": list(sources)})


def src(source_id: str, **extra: object) -> Source:
    fields: dict[str, object] = {
        "id": source_id,
        "name": source_id,
        "type": "rss",
        "url": f"http://127.0.0.1/{source_id}.rss",
        "kind": "blog",
        "tier": 3,
    }
    fields.update(extra)
    return Source.model_validate(fields)


def test_backoff_doubles_and_caps() -> None:
    base = timedelta(minutes=30)
    assert backoff(base, 0, 24) == base
    assert backoff(base, 1, 24) == timedelta(hours=1)
    assert backoff(base, 3, 24) == timedelta(hours=4)
    assert backoff(base, 10, 24) == timedelta(hours=24)
    assert backoff(timedelta(hours=48), 2, 24) == timedelta(hours=48)  # never below the interval
    assert retry_at(1, NOW, 24) == NOW + timedelta(minutes=30)
    assert retry_at(4, NOW, 24) == NOW + timedelta(hours=4)


def test_due_sources(db: Database) -> None:
    config = config_with(
        src("fresh"),
        src("recent", interval_minutes=30),
        src("old", interval_minutes=30),
        src("failing", interval_minutes=30),
        src("off", enabled=False),
    )
    with db.session() as session:
        sync_sources(session, config, NOW)
        rows = {row.id: row for row in session.scalars(select(SourceRow))}
        rows["recent"].last_success_at = NOW - timedelta(minutes=10)
        rows["old"].last_success_at = NOW - timedelta(minutes=45)
        # Three failures in a row: 30 min x 2^3 = 4 h after the last error.
        rows["failing"].last_error_at = NOW - timedelta(hours=3)
        rows["failing"].consecutive_failures = 3
        session.commit()
        assert due_sources(session, config, NOW) == ["fresh", "old"]
        assert next_due_at(rows["failing"], config) == NOW + timedelta(hours=1)
        assert "failing" in due_sources(session, config, NOW + timedelta(hours=1))
        assert next_due_at(rows["fresh"], config) is None


def test_retry_urls_respect_back_off(db: Database) -> None:
    config = config_with(src("a"))
    with db.session() as session:
        sync_sources(session, config, NOW)
        session.add_all(
            [
                FetchError(
                    source_id="a", url="http://x/due", outcome="timeout", at=NOW, next_retry_at=NOW
                ),
                FetchError(
                    source_id="a",
                    url="http://x/later",
                    outcome="timeout",
                    at=NOW,
                    next_retry_at=NOW + timedelta(hours=1),
                ),
                FetchError(
                    source_id="a",
                    url="http://x/fixed",
                    outcome="timeout",
                    at=NOW,
                    next_retry_at=NOW,
                    resolved_at=NOW,
                ),
                # A feed failure is retried by the source's schedule, not URL by URL.
                FetchError(source_id="a", url="http://127.0.0.1/a.rss", outcome="timeout", at=NOW),
            ]
        )
        session.commit()
        assert retry_urls(session, "a", NOW, exclude="http://127.0.0.1/a.rss") == ["http://x/due"]
        assert set(retry_urls(session, "a", None)) == {"http://x/due", "http://x/later"}
