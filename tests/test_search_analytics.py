"""Facets, time series and co-occurring entities over whole result sets."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storage.models import Article
from storage.search import Bucket, QueryError, SearchFilters, facets, time_series, top_entities
from tests.conftest import Database
from tests.search_corpus import seed


@pytest.fixture
def corpus(db: Database) -> dict[str, int]:
    with db.session() as session:
        ids = seed(session)
        session.commit()
    return ids


def test_facets_count_all_matches(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        f = facets(session, "binh thuan OR phan thiet", SearchFilters())
    assert dict(f.topics) == {
        "bien_dao": 1,
        "san_pham": 1,
        "van_hoa_du_lich": 1,
        "chuyen_doi_so": 1,
    }
    assert f.sources == (("fb", 2), ("vne", 2), ("tt", 1))  # largest first, then by id
    assert dict(f.days) == {
        date(2026, 3, 2): 1,
        date(2026, 3, 5): 1,
        date(2026, 3, 10): 1,
        date(2026, 3, 11): 1,
        date(2026, 3, 12): 1,  # 16:59 UTC is 23:59 in Vietnam: still the 12th
    }


def test_day_buckets_use_vietnam_time(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        f = facets(session, '"truong sa"', SearchFilters())
    # Published 3 March 23:30 UTC = 4 March 06:30 in Vietnam.
    assert f.days == ((date(2026, 3, 4), 1),)


def test_facets_respect_filters(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        f = facets(session, "", SearchFilters(topics=("bien_dao",)))
    assert dict(f.sources) == {"vne": 1, "tt": 2}
    assert dict(f.topics) == {"bien_dao": 3, "hop_tac_quoc_te": 1}


def test_time_series_by_day_fills_gaps(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        series = time_series(
            session, "", SearchFilters(date_from=date(2026, 3, 9), date_to=date(2026, 3, 13))
        )
    assert series == [
        (date(2026, 3, 9), 0),
        (date(2026, 3, 10), 1),
        (date(2026, 3, 11), 1),
        (date(2026, 3, 12), 2),
        (date(2026, 3, 13), 0),
    ]


def test_time_series_by_week_starts_monday(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        series = time_series(session, "", SearchFilters(), Bucket.WEEK)
    # 2 March 2026 is a Monday; undated articles are not counted.
    assert series == [(date(2026, 3, 2), 3), (date(2026, 3, 9), 4)]


def test_time_series_of_nothing_is_empty(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        assert time_series(session, "khong co gi", SearchFilters()) == []


def test_top_entities_leave_out_the_query_itself(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        ents = top_entities(session, "hoang sa", SearchFilters())
    got = [(e.text, e.label, e.articles) for e in ents]
    assert ("Hoàng Sa", "LOC", 2) not in got
    assert got[0][2] == 1 and {("Bình Thuận", "LOC", 1), ("Trường Sa", "LOC", 1)} <= set(got)
    with db.session() as session:
        ents = top_entities(session, "", SearchFilters(province=True), limit=2)
    assert [(e.text, e.articles) for e in ents] == [("Bình Thuận", 3), ("Phan Thiết", 2)]


def test_analytics_reject_malformed_queries(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session, pytest.raises(QueryError):
        facets(session, "(a", SearchFilters())


@pytest.mark.parametrize("bucket", [Bucket.DAY, Bucket.WEEK])
def test_day_rollup_agrees_with_grouping(db: Database, corpus: dict[str, int], bucket: Bucket) -> None:
    """The trigger-kept per-day counts follow inserts, date changes and deletes."""
    from storage.search.analytics import _from_rollup, _grouped

    def both(filters: SearchFilters) -> tuple[list[tuple[date, int]], list[tuple[date, int]]]:
        with db.session() as session:
            return _from_rollup(session, filters, bucket), _grouped(session, "", filters, bucket)

    rolled, grouped = both(SearchFilters())
    assert rolled == grouped and sum(n for _, n in rolled) == len(corpus) - 1  # one undated
    with db.session() as session:
        moved = session.get(Article, corpus["du_lich"])
        undated = session.get(Article, corpus["duong_day"])
        assert moved is not None and undated is not None
        moved.published_at = datetime(2026, 4, 1, 20, 0, tzinfo=UTC)  # 2 April in Vietnam
        undated.published_at = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
        session.delete(session.get(Article, corpus["bao"]))
        session.commit()
    rolled, grouped = both(SearchFilters())
    assert rolled == grouped
    assert both(SearchFilters(date_from=date(2026, 3, 3), date_to=date(2026, 4, 2)))[0] == both(
        SearchFilters(date_from=date(2026, 3, 3), date_to=date(2026, 4, 2))
    )[1]
    if bucket is Bucket.DAY:
        assert (date(2026, 4, 2), 1) in rolled and (date(2026, 3, 5), 1) not in rolled
