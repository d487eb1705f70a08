"""nlp.normalize and nlp.segment: one form of Vietnamese text for everything downstream."""

from __future__ import annotations

import unicodedata

import pytest

from nlp.normalize import fold, fold_keep_case, lower_same_length, normalize
from nlp.segment import model_input, segment_for_model, word_tokenize


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("hoà bình", "hòa bình"),
        ("Thuý Kiều", "Thúy Kiều"),
        ("uỷ ban", "ủy ban"),
        ("khoẻ mạnh", "khỏe mạnh"),
        ("HOÀ", "HÒA"),
        ("Thuỵ Điển", "Thụy Điển"),
        ("Khánh Hoà", "Khánh Hòa"),
    ],
)
def test_tone_marks_move_to_one_style(new_style: str, old_style: str) -> None:
    assert normalize(new_style) == old_style
    assert normalize(old_style) == old_style


@pytest.mark.parametrize("word", ["hoàng", "quý", "quỳnh", "toán", "thuyết", "xoáy", "hoài"])
def test_syllables_with_one_right_place_are_untouched(word: str) -> None:
    assert normalize(word) == word


def test_decomposed_input_becomes_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Phan Thiết, Bình Thuận")
    assert decomposed != "Phan Thiết, Bình Thuận"
    assert normalize(decomposed) == "Phan Thiết, Bình Thuận"


def test_whitespace_and_invisible_characters() -> None:
    assert normalize("  Mũi\u00a0 Né\u200b \t đẹp \r\n\r\n  quá  ") == "Mũi Né đẹp\nquá"


def test_fold_removes_all_diacritics_including_d() -> None:
    assert fold("Đảo Hoàng Sa, ĐÀ NẴNG") == "dao hoang sa, da nang"
    assert fold_keep_case("Đức Linh") == "Duc Linh"


def test_fold_and_lower_keep_offsets() -> None:
    text = normalize("Ngư dân ĐẢO Phú Quý İstanbul")
    assert len(fold(text)) == len(text)
    assert len(lower_same_length(text)) == len(text)


def test_model_input_joins_title_and_text_and_skips_an_empty_title() -> None:
    assert model_input("Tiêu đề", "Nội dung") == "Tiêu đề. Nội dung"
    assert model_input("", "  Nội   dung ") == "Nội dung"
    assert model_input("", "") == ""


def test_segmentation_joins_words() -> None:
    assert "Phan Thiết" in word_tokenize("Ngư dân Phan Thiết ra khơi")
    segmented = segment_for_model("Ngư dân Phan Thiết", "ra khơi")
    assert "Ngư_dân" in segmented.split()
    assert "Phan_Thiết" in segmented.split()
    assert segment_for_model("", "") == ""
    assert word_tokenize("   ") == []
