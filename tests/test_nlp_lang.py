"""nlp.lang: Vietnamese, English or other, from the text alone."""

from __future__ import annotations

import pytest

from nlp.lang import detect, guess


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ngư dân Bình Thuận bám biển, giữ vững chủ quyền", "vi"),
        ("Nguoi dan o tinh nay rat vui khi duoc mua, gia thanh long tang", "vi"),
        ("Fishermen in Binh Thuan province head out to sea despite the storm", "en"),
        ("Der Bundestag hat heute ein neues Gesetz beschlossen", "other"),
        ("", "other"),
        ("12345 !!!", "other"),
    ],
)
def test_detect(text: str, lang: str) -> None:
    assert detect(text) == lang


def test_unaccented_vietnamese_is_flagged() -> None:
    assert guess("Nguoi dan Phan Thiet rat vui khi duoc mua lon").unaccented_vietnamese
    assert not guess("Người dân Phan Thiết rất vui khi được mùa").unaccented_vietnamese
    assert not guess("The people of Phan Thiet are happy with the harvest").unaccented_vietnamese


@pytest.mark.parametrize(
    "text",
    ["Tàu cá tránh bão ở Hoàng Sa.", "Thanh long vào vụ", "Giá cà phê hôm nay"],
)
def test_short_vietnamese_headlines(text: str) -> None:
    assert detect(text) == "vi"


@pytest.mark.parametrize(
    "text",
    [
        "Le gouvernement français a annoncé une réforme des retraites très contestée",
        "O governo português anunciou hoje mais medidas para a habitação",
    ],
)
def test_other_latin_languages_with_accents_are_not_vietnamese(text: str) -> None:
    assert detect(text) == "other"
