"""The query language: parsing, folding, compiling for FTS5 and PostgreSQL, errors."""

from __future__ import annotations

import pytest

from storage.fold import fold, fold_with_offsets, tokens
from storage.search.query import (
    And,
    Not,
    Or,
    QueryError,
    Term,
    parse,
    positive_terms,
    to_fts5,
    to_tsquery,
)


def test_fold_handles_d_stroke_and_marks() -> None:
    assert fold("Đảo Hoàng Sa") == "dao hoang sa"
    assert fold("ĐỒNG ĐĂNG đường") == "dong dang duong"
    assert tokens("Bình Thuận, Phan-Thiết!") == ["binh", "thuan", "phan", "thiet"]


def test_fold_with_offsets_maps_back_to_decomposed_text() -> None:
    import unicodedata

    text = unicodedata.normalize("NFD", "Đảo Hoàng")
    folded, offsets = fold_with_offsets(text)
    assert folded == "dao hoang"
    assert len(offsets) == len(folded)
    start = folded.index("hoang")
    assert text[offsets[start] :].startswith("Hoa")


def test_words_are_anded_and_folded() -> None:
    node = parse("Đảo  Hoàng Sa")
    assert node == And(
        children=(Term(tokens=("dao",)), Term(tokens=("hoang",)), Term(tokens=("sa",)))
    )


def test_phrase_prefix_or_not() -> None:
    node = parse('"Hoàng Sa" OR trường* -du')
    assert node == Or(
        children=(
            Term(tokens=("hoang", "sa")),
            And(children=(Term(tokens=("truong",), prefix=True), Not(child=Term(tokens=("du",))))),
        )
    )
    assert to_fts5(node) == '("hoang sa" OR (("truong"*) NOT "du"))'
    assert to_tsquery(node) == "(('hoang' <-> 'sa') | (('truong':*) & !('du')))"


def test_explicit_and_not_and_groups() -> None:
    node = parse("a AND (b OR c) NOT d")
    assert node is not None
    assert to_fts5(node) == '(("a" AND ("b" OR "c")) NOT "d")'
    assert positive_terms(node) == [Term(tokens=("a",)), Term(tokens=("b",)), Term(tokens=("c",))]


def test_lowercase_operators_are_words() -> None:
    assert parse("a or b") == And(
        children=(Term(tokens=("a",)), Term(tokens=("or",)), Term(tokens=("b",)))
    )


def test_hyphenated_word_is_a_phrase() -> None:
    assert parse("covid-19") == Term(tokens=("covid", "19"))


def test_empty_and_punctuation_only_mean_no_text_condition() -> None:
    assert parse("") is None
    assert parse("  ! ? ") is None


def test_sql_and_fts_syntax_is_quoted() -> None:
    node = parse("x'; DROP TABLE articles; -- title:abc NEAR(a b)")
    assert node is not None
    fts = to_fts5(node)
    # Every token is inside double quotes; no bare FTS5 operator or column filter survives.
    assert "title:" not in fts and "NEAR(" not in fts and "'" not in fts
    assert ";" not in to_tsquery(node)


@pytest.mark.parametrize(
    "query, message",
    [
        ('"Hoàng Sa', "ngoặc kép"),
        ("(a OR b", "ngoặc đóng"),
        ("a)", "Thừa dấu ngoặc"),
        ("-du", "ít nhất một từ khóa"),
        ("a OR -b", "ít nhất một từ khóa"),
        ("NOT", "Thiếu từ sau NOT"),
        ("a OR", "Thiếu từ sau OR"),
        ("AND a", "Thiếu từ trước AND"),
        ("a AND", "Thiếu từ sau AND"),
        ("x" * 600, "quá dài"),
        (" ".join(f"w{i}" for i in range(50)), "quá dài"),
    ],
)
def test_malformed_queries_raise_clear_errors(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(query)


def test_fold_other_scripts_and_expansions() -> None:
    assert fold("Straße ÐẠI đĐ x\u0483y") == "strasse dai dd xy"
    folded, offsets = fold_with_offsets("Straße Đà")
    assert folded == "strasse da"
    assert offsets[folded.index("da")] == len("Straße ")
