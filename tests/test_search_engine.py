"""Search on the ``db`` fixture (SQLite, and PostgreSQL when configured): folding, filters, sort, snippets."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select

from storage.fts import reindex_all
from storage.models import Article
from storage.search import QueryError, SearchFilters, SearchRequest, Sort, count, search
from tests.conftest import Database
from tests.search_corpus import seed


@pytest.fixture
def corpus(db: Database) -> dict[str, int]:
    with db.session() as session:
        ids = seed(session)
        session.commit()
    return ids


def keys(db: Database, ids: dict[str, int], query: str, **filters: object) -> set[str]:
    by_id = {v: k for k, v in ids.items()}
    with db.session() as session:
        page = search(
            session,
            SearchRequest(query=query, filters=SearchFilters(**filters), limit=100),  # type: ignore[arg-type]
        )
    assert page.total == len(page.hits)
    return {by_id[h.article_id] for h in page.hits}


def test_diacritic_insensitive_including_d_stroke(db: Database, corpus: dict[str, int]) -> None:
    assert keys(db, corpus, "dao hoang sa") == {"chu_quyen", "ngu_dan"}
    assert keys(db, corpus, '"dao hoang sa la"') == {"chu_quyen"}
    assert keys(db, corpus, "Binh Thuan") == {"ngu_dan", "thanh_long", "bao"}
    assert keys(db, corpus, "ĐẢO") == {"chu_quyen", "ngu_dan", "lua_dao"}  # "lừa đảo" too
    assert keys(db, corpus, "duong day nong") == {"duong_day"}


def test_decomposed_text_is_found(db: Database, corpus: dict[str, int]) -> None:
    assert keys(db, corpus, "bão tuy phong") == {"bao"}


def test_phrase_or_not_prefix(db: Database, corpus: dict[str, int]) -> None:
    assert keys(db, corpus, '"hoang sa"') == {"ngu_dan", "chu_quyen"}
    assert keys(db, corpus, '"sa hoang"') == set()
    assert keys(db, corpus, '"hoang sa" -"truong sa"') == {"ngu_dan"}
    assert keys(db, corpus, '"hoang sa" NOT ngu') == {"chu_quyen"}
    assert keys(db, corpus, "thanh OR mui") == {"thanh_long", "du_lich"}
    assert keys(db, corpus, "thanh long OR mui ne") == {"thanh_long", "du_lich"}
    assert keys(db, corpus, "(thanh OR mui OR khach) -long") == {"du_lich"}
    assert keys(db, corpus, "phan thi*") == {"ngu_dan", "du_lich", "lua_dao"}
    assert keys(db, corpus, "patrol*") == {"coast_guard"}


def test_phrase_does_not_span_title_and_body(db: Database, corpus: dict[str, int]) -> None:
    # Title ends "… Việt Nam", body starts "Bộ Ngoại giao": no such phrase exists.
    assert keys(db, corpus, '"viet nam bo ngoai"') == set()


def test_malformed_query_is_a_query_error_not_sql(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session, pytest.raises(QueryError):
        search(session, SearchRequest(query='"hoang sa'))
    # Hostile input is data: it finds nothing and breaks nothing.
    assert keys(db, corpus, "'; DROP TABLE articles; --") == set()
    assert keys(db, corpus, 'title:hoang NEAR("a" b) ^x') == set()
    with db.session() as session:
        assert session.scalar(select(Article.id).limit(1)) is not None


def test_empty_query_lists_everything_by_date(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        page = search(session, SearchRequest(query="", limit=100))
    order = [h.article_id for h in page.hits]
    assert order[0] == corpus["lua_dao"] and order[-1] == corpus["duong_day"]  # undated last
    assert page.total == len(corpus)


@pytest.mark.parametrize(
    "filters, expected",
    [
        (
            {"date_from": date(2026, 3, 4), "date_to": date(2026, 3, 11)},
            {"chu_quyen", "bao", "du_lich", "thanh_long"},
        ),
        ({"date_to": date(2026, 3, 3)}, {"ngu_dan"}),  # chu_quyen is 4 March in Vietnam
        ({"date_from": date(2026, 3, 12)}, {"coast_guard", "lua_dao"}),
        ({"sources": ("vne",)}, {"ngu_dan", "thanh_long", "duong_day"}),
        ({"kinds": ("social",)}, {"du_lich", "lua_dao"}),
        ({"tiers": (2,)}, {"chu_quyen", "coast_guard", "bao"}),
        ({"kinds": ("press",), "tiers": (1,)}, {"ngu_dan", "thanh_long", "duong_day"}),
        ({"topics": ("bien_dao",)}, {"ngu_dan", "chu_quyen", "coast_guard"}),
        ({"topics": ("san_pham", "van_hoa_du_lich")}, {"thanh_long", "du_lich"}),
        ({"province": True}, {"ngu_dan", "du_lich", "thanh_long", "lua_dao", "bao"}),
        ({"province": False}, {"chu_quyen", "coast_guard", "duong_day"}),
        ({"flagged": True}, {"ngu_dan", "thanh_long"}),
        ({"status": "reviewing"}, {"ngu_dan"}),
        ({"status": "new"}, {"thanh_long"}),
        ({"lang": "en"}, {"coast_guard"}),
        ({"cluster": 1}, {"ngu_dan", "chu_quyen"}),
    ],
)
def test_each_filter(
    db: Database, corpus: dict[str, int], filters: dict[str, object], expected: set[str]
) -> None:
    assert keys(db, corpus, "", **filters) == expected


def test_filters_combine_with_text(db: Database, corpus: dict[str, int]) -> None:
    assert keys(db, corpus, "phan thiet", province=True, kinds=("social",)) == {
        "du_lich",
        "lua_dao",
    }
    assert keys(db, corpus, "hoang sa", flagged=False) == {"chu_quyen"}
    assert len(keys(db, corpus, "hoang sa", flagged=None)) == 2


def test_sort_by_relevance_and_by_date(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        by_rel = search(session, SearchRequest(query="hoang sa", sort=Sort.RELEVANCE)).hits
        by_date = search(session, SearchRequest(query="hoang sa", sort=Sort.DATE)).hits
    # "Hoàng Sa" twice (title and body) beats once in the title with a longer body.
    assert [h.article_id for h in by_rel][0] == corpus["chu_quyen"]
    assert all(h.score is not None for h in by_rel)
    assert [h.article_id for h in by_date] == [corpus["chu_quyen"], corpus["ngu_dan"]]


def test_paging(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        first = search(session, SearchRequest(query="", limit=3, offset=0))
        second = search(session, SearchRequest(query="", limit=3, offset=3))
    assert first.total == second.total == len(corpus)
    assert not {h.article_id for h in first.hits} & {h.article_id for h in second.hits}


def test_snippets_are_segments_and_hostile_text_stays_text(
    db: Database, corpus: dict[str, int]
) -> None:
    with db.session() as session:
        (hit,) = search(session, SearchRequest(query="phan thiet lua dao")).hits
    assert hit.title_segments[0] == ("<script>alert('x')</script> Cảnh báo ", False)
    assert ("lừa", True) in hit.title_segments and ("đảo", True) in hit.title_segments
    assert "".join(text for text, _ in hit.title_segments) == hit.title
    joined = "".join(text for text, _ in hit.snippet)
    assert "<img src=x onerror=alert(1)>" in joined  # kept verbatim for the web to escape
    assert [t for t, m in hit.snippet if m] == ["Phan", "Thiết"]


def test_snippet_of_decomposed_text_highlights_original_characters(
    db: Database, corpus: dict[str, int]
) -> None:
    import unicodedata

    with db.session() as session:
        (hit,) = search(session, SearchRequest(query="tuy phong")).hits
    matched = [t for t, m in hit.snippet if m]
    assert [unicodedata.normalize("NFC", t) for t in matched] == ["Tuy", "Phong"]


def test_index_follows_updates_and_deletes(db: Database, corpus: dict[str, int]) -> None:
    with db.session() as session:
        article = session.get(Article, corpus["duong_day"])
        assert article is not None
        article.title = "Trạm kiểm soát biên phòng Phú Quý"
        session.commit()
    assert keys(db, corpus, "phu quy") == {"duong_day"}
    assert keys(db, corpus, "duong day nong") == {"duong_day"}  # still in the body
    with db.session() as session:
        session.execute(delete(Article).where(Article.id == corpus["duong_day"]))
        session.commit()
    with db.session() as session:
        assert count(session, "phu quy", SearchFilters()) == 0


def test_reindex_all_rebuilds_the_index(db: Database, corpus: dict[str, int]) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "DELETE FROM article_search" if db.name == "postgres" else "DELETE FROM article_fts"
        )
    assert keys(db, corpus, "dao hoang sa") == set()
    with db.engine.begin() as conn:
        assert reindex_all(conn) == len(corpus)
    assert keys(db, corpus, '"dao hoang sa la"') == {"chu_quyen"}
