"""Turn a page's bytes into correct NFC Vietnamese text, whatever it claims to be.

Vietnamese sites still serve Windows-1258 (whose tone marks are separate
combining characters), lie in their ``Content-Type`` header (a server default of
ISO-8859-1 over a UTF-8 or Windows-1258 page), or store decomposed Unicode (NFD)
that looks right but does not match in search. :func:`decode_html` settles the
encoding and always returns NFC text.

Order of evidence: a byte-order mark wins outright; a body that is valid UTF-8
and not plain ASCII is UTF-8 (legacy Vietnamese text is practically never valid
UTF-8 by accident); otherwise each declared encoding (``<meta>`` first, then the
header) and the usual Vietnamese legacy encoding are tried, and the decoding that
reads most like Vietnamese wins, the declarations breaking ties.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from typing import Any

logger = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Fallbacks for undeclared or wrongly declared legacy pages, most likely first.
_LEGACY_FALLBACKS = ("cp1258", "cp1252")
_META_SNIFF_BYTES = 4096
# Feeds and sitemaps declare themselves in the XML declaration instead.
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:\-]+)""")
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)


_TONE_MARKS = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")


def _with_tones(bases: str) -> frozenset[str]:
    """Every toned and untoned form of the given vowels, both cases."""
    forms: set[str] = set()
    for base in bases:
        for mark in ("", *_TONE_MARKS):
            composed = unicodedata.normalize("NFC", base + mark)
            forms.update((composed, composed.upper()))
    return frozenset(forms)


VIETNAMESE_LETTERS = _with_tones("aăâeêioôơuưy") | frozenset("đĐ")
_TONED_LETTERS = frozenset(
    c for c in VIETNAMESE_LETTERS if set(unicodedata.normalize("NFD", c)) & set(_TONE_MARKS)
)
# Letters only Vietnamese writes, and writes often: a reading rich in them wins a
# near tie against one that turns them into õ, ý, ã ("lõn" for "lơn").
_ONLY_VIETNAMESE = _with_tones("ăơư") | frozenset("đĐ")
# ă is always followed by a final consonant (ăn, mặt, bắc): "Săo", "Vietnă" are
# Latin-1 ã read as Windows-1258.
_BREVE_A = _with_tones("ă")
# Non-ASCII symbols that are ordinary in Vietnamese pages and say nothing either way.
_NEUTRAL = frozenset(
    "\u00a0\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u00ab\u00bb\u00b7\u2022\u20ab\u00a9\u00b0\u00ae\u2122"
)
_WORD = re.compile(r"[^\W\d_]+")
_CONSONANTS = frozenset("bcdđghklmnpqrstvx")


def decode_html(body: bytes, header_charset: str | None) -> str:
    """Decode an HTML body to NFC text.

    >>> decode_html("Bình Thuận".encode("cp1258"), "iso-8859-1")
    'Bình Thuận'
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _finish(body[len(bom) :].decode(name, errors="replace"))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not text.isascii():
            return _finish(text)
    declared = _declared(body, header_charset)
    if body.isascii():
        return _finish(body.decode("ascii"))
    candidates = list(dict.fromkeys([*declared, "utf-8", *_LEGACY_FALLBACKS]))
    best_name, best_text, best_score = "", "", float("-inf")
    for name in candidates:
        decoded = _finish(body.decode(name, errors="replace"))
        score = vietnamese_score(decoded)
        if score > best_score:
            best_name, best_text, best_score = name, decoded, score
    if declared and best_name != declared[0]:
        logger.info("page declared %s but reads as %s", declared[0], best_name)
    return best_text


def vietnamese_score(text: str) -> float:
    """How much a decoded text reads like Vietnamese.

    A non-ASCII word scores for when it could be a Vietnamese syllable (only
    Vietnamese letters, at most one tone, no capital after a small letter) and
    against otherwise; stray symbols, leftover combining marks and replacement
    characters count against. Mojibake ("Thýì trýõÒng" for "Thứ trưởng") is made
    of Vietnamese-looking letters too, so single letters are not enough.
    """
    score = 0.0
    for word in _WORD.findall(text):
        if not word.isascii():
            if not _syllable_like(word):
                score -= 2
            else:
                score += 1.5 if any(c in _ONLY_VIETNAMESE for c in word) else 1
    for char in text:
        if char.isascii() or char.isalpha() or char in _NEUTRAL:
            continue
        score -= 3 if char == "\ufffd" else 1
    return score


def _syllable_like(word: str) -> bool:
    tones = 0
    for index, char in enumerate(word):
        if char.isascii():
            continue
        if char not in VIETNAMESE_LETTERS:
            return False
        tones += char in _TONED_LETTERS
        if char in _BREVE_A:
            following = word[index + 1 : index + 2].lower()
            if not following or following not in _CONSONANTS:
                return False
    if tones > 1:
        return False
    return not any(a.islower() and b.isupper() for a, b in zip(word, word[1:], strict=False))


def _declared(body: bytes, header_charset: str | None) -> list[str]:
    """Known codec names the page declares, its XML declaration or ``<meta>`` first
    (the page knows itself better than a server default does)."""
    names: list[str] = []
    head = body[:_META_SNIFF_BYTES]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        match = pattern.search(head)
        if match:
            names.append(match.group(1).decode("ascii", errors="ignore"))
    if header_charset:
        names.append(header_charset)
    known: list[str] = []
    for raw in names:
        try:
            name = codecs.lookup(raw.strip().strip("\"'")).name
        except LookupError:
            logger.debug("unknown charset %r", raw)
            continue
        # Browsers read "iso-8859-1" as windows-1252, which is a superset.
        known.append("cp1252" if name == "latin-1" else name)
    return known


def _finish(text: str) -> str:
    return unicodedata.normalize("NFC", text.lstrip("\ufeff"))


def header_text(headers: Any, name: str) -> str | None:
    """A response header as text (Scrapy keeps them as bytes), or None."""
    value = headers.get(name)
    return value.decode("latin-1") if value else None


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header.

    >>> charset_of('text/html; charset="windows-1258"')
    'windows-1258'
    """
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None
