"""Every page ends up as NFC Vietnamese text, whatever its bytes and headers claim."""

from __future__ import annotations

import codecs
import json
import unicodedata
from pathlib import Path

import pytest

from crawlers.encoding import decode_html, vietnamese_score

TEXT = (
    "Thứ trưởng Bộ Khoa học và Công nghệ làm việc với tỉnh Bình Thuận về chuyển đổi số; "
    "ngư dân Phan Thiết, Mũi Né, đảo Phú Quý đón tin vui. Giá thanh long tăng 5.000₫."
)


def _page(charset_meta: str | None, body_text: str = TEXT) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>Tin</title></head><body><p>{body_text}</p></body></html>"


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(text: str) -> bytes:
    """Windows-1258 as legacy Vietnamese editors write it: letters with their vowel
    shape precomposed (â, ơ, ư, đ) and the tone as a separate combining mark."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def _body_text(html: str) -> str:
    return html.split("<p>", 1)[1].split("</p>", 1)[0]


def test_cp1258_fixture_really_uses_combining_marks() -> None:
    raw = _cp1258(TEXT)
    naive = raw.decode("cp1258")
    assert naive != TEXT  # plain decoding leaves combining marks...
    assert unicodedata.normalize("NFC", naive) == TEXT  # ...that NFC composes


@pytest.mark.parametrize("header", ["utf-8", "UTF8", None, "iso-8859-1", "windows-1258"])
def test_utf8(header: str | None) -> None:
    html = decode_html(_page("utf-8").encode("utf-8"), header)
    assert _body_text(html) == TEXT


@pytest.mark.parametrize("header", ["windows-1258", "cp1258", None, "iso-8859-1", "utf-8"])
def test_windows_1258_declared_in_meta(header: str | None) -> None:
    html = decode_html(_cp1258(_page("windows-1258")), header)
    assert _body_text(html) == TEXT
    assert unicodedata.is_normalized("NFC", html)


@pytest.mark.parametrize("header", ["windows-1258", None, "utf-8", "iso-8859-1"])
def test_windows_1258_without_meta(header: str | None) -> None:
    html = decode_html(_cp1258(_page(None)), header)
    assert _body_text(html) == TEXT


def test_header_lies_meta_tells_truth_utf8() -> None:
    html = decode_html(_page("utf-8").encode("utf-8"), "windows-1258")
    assert _body_text(html) == TEXT


def test_http_equiv_meta() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
        f"</head><body><p>{TEXT}</p></body></html>"
    )
    assert _body_text(decode_html(_cp1258(page), "utf-8")) == TEXT


def test_other_legacy_encoding_declared() -> None:
    # A Portuguese page in Latin-1: read as Windows-1258 it would say "Săo Paulo" and
    # "cooperaçăo", equally plausible letters, so the declaration decides.
    words = "São Paulo e Brasília: cooperação com o Vietnã"
    html = decode_html(_page("iso-8859-1", words).encode("latin-1"), None)
    assert _body_text(html) == words
    html = decode_html(_page(None, words).encode("latin-1"), "ISO-8859-1")
    assert _body_text(html) == words


def test_feed_declared_in_xml_declaration() -> None:
    feed = (
        '<?xml version="1.0" encoding="windows-1258"?><rss version="2.0"><channel>'
        f"<item><title>{TEXT}</title></item></channel></rss>"
    )
    decoded = decode_html(_cp1258(feed), None)
    assert TEXT in decoded
    # A Latin-1 feed that says so keeps its own reading.
    words = "São Paulo e Brasília: cooperação"
    latin = f'<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>{words}</title></rss>'
    assert words in decode_html(latin.encode("latin-1"), "utf-8")


def test_nfd_utf8_becomes_nfc() -> None:
    nfd = unicodedata.normalize("NFD", _page("utf-8"))
    assert nfd != _page("utf-8")
    html = decode_html(nfd.encode("utf-8"), "utf-8")
    assert _body_text(html) == TEXT


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_bom_wins_over_declarations(bom: bytes, codec: str) -> None:
    raw = bom + _page("windows-1258").encode(codec)
    html = decode_html(raw, "iso-8859-1")
    assert not html.startswith("\ufeff")
    assert _body_text(html) == TEXT


def test_invalid_utf8_body_declared_utf8_is_not_utf8() -> None:
    raw = _cp1258(_page("utf-8"))
    html = decode_html(raw, "utf-8")
    assert _body_text(html) == TEXT
    assert "\ufffd" not in html


def test_mostly_utf8_with_a_stray_byte_stays_utf8() -> None:
    raw = _page("utf-8").encode("utf-8").replace(b"</p>", b"\xff</p>")
    html = decode_html(raw, None)
    assert TEXT in html


def test_ascii_and_unknown_charset() -> None:
    assert decode_html(b"<p>Binh Thuan</p>", "x-no-such-charset") == "<p>Binh Thuan</p>"
    assert decode_html(b"", None) == ""


def test_score_prefers_vietnamese() -> None:
    raw = _cp1258(TEXT)
    assert vietnamese_score(unicodedata.normalize("NFC", raw.decode("cp1258"))) > 0
    assert vietnamese_score(raw.decode("cp1252", errors="replace")) < 0


def test_real_vietnamese_texts_survive_every_wrong_declaration(shared_data: Path) -> None:
    """Texts from the team's shared data (not copied into the repo), written as legacy
    Windows-1258 pages with a missing, right or wrong charset, and as NFD UTF-8."""
    texts = []
    with (shared_data / "vnnews_v2_train.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            text = unicodedata.normalize("NFC", json.loads(line)["text"])
            try:
                _cp1258(text)
            except UnicodeEncodeError:
                continue  # emoji and the like: Windows-1258 cannot hold them at all
            if len(text.split()) >= 5:
                texts.append(text)
            if len(texts) == 400:
                break
    misread_under_latin1_header = 0
    for text in texts:
        raw = b"<p>" + _cp1258(text) + b"</p>"
        for header in (None, "utf-8", "windows-1258"):
            assert decode_html(raw, header)[3:-4] == text, (header, text)
        meta = b'<meta charset="windows-1258">'
        assert decode_html(meta + raw, "iso-8859-1")[len(meta) + 3 : -4] == text
        misread_under_latin1_header += decode_html(raw, "iso-8859-1")[3:-4] != text
        assert decode_html(unicodedata.normalize("NFD", text).encode(), "iso-8859-1") == text
    # A header-only ISO-8859-1 (a server default) on a page with no <meta> is the one
    # case left to judgement: both readings may look like letters.
    assert misread_under_latin1_header <= len(texts) // 100
