"""Diacritic folding for search: lower-case, strip marks, and fold đ/Đ to d.

Storage keeps its own copy (it must not import ``nlp``). Both search engines
index text folded here, and queries are folded the same way, so "dao hoang sa"
finds "Đảo Hoàng Sa" on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Letters with no Unicode decomposition that readers fold anyway (after casefold).
_EXTRA = {"đ": "d", "ð": "d"}
# Vietnamese marks after NFD; other combining marks are handled one by one below.
_COMMON_MARKS = re.compile("[\u0300-\u036f]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")

# A token is a run of letters or digits (the same rule as FTS5's unicode61 "L* N*").
TOKEN_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Fold case and diacritics.

    >>> fold("Đảo Hoàng Sa, BÌNH THUẬN")
    'dao hoang sa, binh thuan'
    """
    out = _COMMON_MARKS.sub("", unicodedata.normalize("NFD", text.casefold()))
    if not out.isascii():
        # Rare leftovers (other scripts' marks, đ, typographic quotes): fix each distinct one.
        for ch in set(_NON_ASCII.findall(out)):
            if unicodedata.combining(ch):
                out = out.replace(ch, "")
            elif ch in _EXTRA:
                out = out.replace(ch, _EXTRA[ch])
    return out


def tokens(text: str) -> list[str]:
    """Folded search tokens: ``tokens("Phan Thiết (Bình Thuận)") == ['phan', 'thiet', 'binh', 'thuan']``."""
    return TOKEN_RE.findall(fold(text))


def fold_with_offsets(text: str) -> tuple[str, Sequence[int]]:
    """``fold(text)`` plus, for each folded character, the index of its source character.

    Used to map matches found in folded text back onto the original for snippets;
    works for text in NFC or NFD (decomposed marks simply vanish).
    """
    folded = fold(text)
    if len(folded) == len(text) and not any(unicodedata.combining(c) for c in set(text)):
        # Common case (NFC text): no mark stood alone and nothing expanded, so
        # character i of the folded text comes from character i of the original.
        return folded, range(len(text))
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        piece = _fold_char(ch)
        out.append(piece)
        offsets.extend([i] * len(piece))
    return "".join(out), offsets


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    return fold(ch)
