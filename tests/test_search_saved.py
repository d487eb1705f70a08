"""Saved searches and their alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from storage.models import Article
from storage.search import (
    QueryError,
    SavedSearchError,
    SearchFilters,
    add_saved,
    check_alerts,
    delete_saved,
    get_saved,
    list_saved,
    new_matches,
)
from tests.conftest import Database
from tests.search_corpus import FETCHED, seed

LATER = FETCHED + timedelta(days=1)


@pytest.fixture
def corpus(db: Database) -> dict[str, int]:
    with db.session() as session:
        ids = seed(session)
        session.commit()
    return ids


def _add_article(db: Database, key: str, title: str, fetched: datetime, source: str = "vne") -> int:
    with db.session() as session:
        article = Article(
            canonical_url=f"http://127.0.0.1/{key}",
            url=f"http://127.0.0.1/{key}",
            source_id=source,
            title=title,
            fetched_at=fetched,
            updated_at=fetched,
            published_at=fetched,
            content_hash=key,
            places=[],
            entities=[],
        )
        session.add(article)
        session.commit()
        return article.id


def test_saved_search_round_trip(db: Database, corpus: dict[str, int]) -> None:
    filters = SearchFilters(date_from=date(2026, 3, 1), sources=("vne", "tt"), province=True)
    with db.session() as session:
        add_saved(
            session,
            owner="an",
            name="Hoàng Sa",
            query='"hoang sa"',
            filters=filters,
            alert=True,
            now=FETCHED,
        )
        session.commit()
    with db.session() as session:
        saved = get_saved(session, "an", "Hoàng Sa")
        assert saved is not None and saved.alert and saved.query == '"hoang sa"'
        assert SearchFilters.from_json(saved.filters) == filters
        assert [s.name for s in list_saved(session, "an")] == ["Hoàng Sa"]
        assert list_saved(session, "binh") == []


def test_bad_saved_searches_are_refused(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        add_saved(session, owner="an", name="x", query="a", filters=SearchFilters())
        with pytest.raises(SavedSearchError):
            add_saved(session, owner="an", name="x", query="b", filters=SearchFilters())
        with pytest.raises(QueryError):
            add_saved(session, owner="an", name="y", query='"a', filters=SearchFilters())
        add_saved(
            session, owner="binh", name="x", query="a", filters=SearchFilters()
        )  # other owner
        assert delete_saved(session, "an", "x") and not delete_saved(session, "an", "x")


def test_alert_reports_only_new_matches_once(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        add_saved(
            session,
            owner="an",
            name="bt",
            query="binh thuan",
            filters=SearchFilters(),
            alert=True,
            now=FETCHED,
        )
        add_saved(
            session,
            owner="an",
            name="quiet",
            query="binh thuan",
            filters=SearchFilters(),
            alert=False,
            now=FETCHED,
        )
        session.commit()
    new_id = _add_article(db, "moi", "Bình Thuận đón mưa vàng", LATER)
    _add_article(db, "khac", "Tin Hà Nội", LATER)
    with db.session() as session:
        saved = get_saved(session, "an", "bt")
        assert saved is not None
        assert [h.article_id for h in new_matches(session, saved)] == [new_id]
        alerts = check_alerts(session, now=LATER + timedelta(minutes=1))
        session.commit()
    assert [(s.name, [h.article_id for h in hits]) for s, hits in alerts] == [("bt", [new_id])]
    assert [t for t, m in alerts[0][1][0].title_segments if m] == ["Bình", "Thuận"]
    with db.session() as session:
        assert check_alerts(session, now=LATER + timedelta(minutes=2)) == []


def test_alert_applies_filters(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        add_saved(
            session,
            owner="an",
            name="fb",
            query="binh thuan",
            filters=SearchFilters(sources=("fb",)),
            alert=True,
            now=FETCHED,
        )
        session.commit()
    _add_article(db, "vne_new", "Bình Thuận trên báo", LATER, source="vne")
    fb_id = _add_article(db, "fb_new", "Bình Thuận trên mạng", LATER, source="fb")
    with db.session() as session:
        alerts = check_alerts(session, now=datetime.now(UTC))
    assert [[h.article_id for h in hits] for _, hits in alerts] == [[fb_id]]
