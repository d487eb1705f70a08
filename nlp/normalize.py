"""Text normalisation: Unicode NFC, one Vietnamese tone-mark style, tidy whitespace, folding.

Vietnamese text arrives with two tone-placement styles ("hoà" / "hòa", "thuý" / "thúy",
"uỷ ban" / "ủy ban") and sometimes in decomposed Unicode. Everything downstream
(lexicons, gazetteer, word segmentation, the topic model) sees one form: NFC with the
tone on the first vowel of an open "oa", "oe", "uy" syllable — the style underthesea's
own ``text_normalize`` produces and its models were trained on.

Every function here maps characters one to one after NFC (``fold``, ``lower_same_length``),
so offsets found in a folded string are valid in the normalised one.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize", "fold", "fold_keep_case", "lower_same_length", "VIETNAMESE_LETTERS"]

# Tone marks as combining characters (NFD): grave, acute, hook above, tilde, dot below.
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _build_tone_swaps() -> dict[str, str]:
    """``"oà" -> "òa"`` for every tone and case of the open oa/oe/uy syllables."""
    swaps: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for tone in _TONES:
            for f, s in ((first, second), (first.upper(), second.upper()), (first.upper(), second)):
                new_style = f + _nfc(s + tone)
                old_style = _nfc(f + tone) + s
                swaps[new_style] = old_style
    return swaps


_TONE_SWAPS = _build_tone_swaps()
# Only at the end of a syllable ("hoà" but not "hoàng"), and not after q ("quý" is right).
# Character classes, not an alternation of every pair: this runs on every document.
_TONE_RE = re.compile("(?<![qQ])(?:[oO][àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ]|[uU][ỳýỷỹỵỲÝỶỸỴ])(?!\\w)")


def _swap_tone(match: re.Match[str]) -> str:
    pair = match.group(0)
    return _TONE_SWAPS.get(pair, pair)


_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# A run of spaces becomes one space. A single plain space is left alone rather than
# replaced by itself: most of a text's spaces are single, and this runs on every document.
_SPACES = re.compile(
    r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]{2,}|[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
)
_NEWLINES = re.compile(r"\s*\n\s*")


def normalize(text: str) -> str:
    """NFC, one tone-mark style, no invisible characters, single spaces, single newlines.

    >>> normalize("Hoà  bình\\u00a0cho   uỷ ban  ")
    'Hòa bình cho ủy ban'
    """
    text = _INVISIBLE.sub("", _nfc(text))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TONE_RE.sub(_swap_tone, text)
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for code in range(0x00C0, 0x2000):
        char = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
        )
        if len(base) == 1 and base != char and base.isascii():
            table[code] = base
    # Letters with a stroke/hook that NFD does not decompose, commonly seen in names.
    for char, base in (("ø", "o"), ("Ø", "O"), ("ł", "l"), ("Ł", "L"), ("ı", "i")):
        table[ord(char)] = base
    return table


_FOLD_TABLE = _build_fold_table()


def fold_keep_case(text: str) -> str:
    """Remove diacritics, đ/Đ included, keeping case and length (expects NFC text).

    >>> fold_keep_case("Đảo Hoàng Sa")
    'Dao Hoang Sa'
    """
    return text.translate(_FOLD_TABLE)


def lower_same_length(text: str) -> str:
    """``str.lower`` that never changes the length (so offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower()[0] for c in text)


def fold(text: str) -> str:
    """Lower-case and remove diacritics, including đ/Đ -> d: the key for accent-free matching.

    >>> fold("Đường Trường Sa, PHAN THIẾT")
    'duong truong sa, phan thiet'
    """
    return lower_same_length(_nfc(text).translate(_FOLD_TABLE))


# Letters that only Vietnamese (among the languages we meet) writes; used by nlp.lang.
# "à", "é", "ò"... are left out: French and others write them too.
VIETNAMESE_LETTERS = frozenset("ăâđêôơưĩũ") | frozenset(
    chr(code).lower() for code in range(0x1EA0, 0x1EFA)
)
