"""Highlighted snippets as segments, computed from the stored (unfolded) text.

Matching runs on folded text (one regular expression for all terms, at token
boundaries, as the index tokenises) and is mapped back to the original
characters, so "dao hoang sa" highlights "Đảo Hoàng Sa". The result is plain
text pieces; the caller escapes them, so crawled text never becomes markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from storage.fold import fold_with_offsets
from storage.search.query import Term
from storage.search.records import Segment

ELLIPSIS = "…"
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=256)
def _pattern(terms: tuple[Term, ...]) -> re.Pattern[str] | None:
    alternatives = []
    for term in terms:
        body = r"[\W_]+".join(re.escape(tok) for tok in term.tokens)
        alternatives.append(body + (r"[^\W_]*" if term.prefix else ""))
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)  # a phrase wins over its own first word
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def _spans(folded: str, offsets: Sequence[int], terms: Sequence[Term], lo: int, hi: int) -> list[tuple[int, int]]:
    """Matches in folded[lo:hi], as [start, end) in the original text."""
    pattern = _pattern(tuple(terms))
    if pattern is None:
        return []
    return [(offsets[m.start()], offsets[m.end() - 1] + 1) for m in pattern.finditer(folded, lo, hi)]


def _segments(text: str, spans: list[tuple[int, int]], start: int, end: int) -> list[Segment]:
    out: list[Segment] = []
    pos = start
    for a, b in spans:
        a, b = max(a, pos), min(b, end)
        if b <= a:
            continue
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    if pos < end:
        out.append((text[pos:end], False))
    return out


def highlight(text: str, terms: Sequence[Term]) -> tuple[Segment, ...]:
    """The whole text, split into matching and non-matching pieces.

    >>> highlight("Đảo Hoàng Sa", [Term(tokens=("hoang", "sa"))])
    (('Đảo ', False), ('Hoàng Sa', True))
    """
    folded, offsets = fold_with_offsets(text)
    return tuple(_segments(text, _spans(folded, offsets, terms, 0, len(folded)), 0, len(text)))


def snippet(text: str, terms: Sequence[Term], width: int = 240) -> tuple[Segment, ...]:
    """About ``width`` characters around the first match (or from the start), cut at spaces."""
    if not text.strip():
        return ()
    folded, offsets = fold_with_offsets(text)
    pattern = _pattern(tuple(terms))
    first = pattern.search(folded) if pattern is not None else None
    lo = max(0, first.start() - width // 3) if first else 0
    hi = min(len(folded), lo + width)
    # Cut at whitespace so no word is split (when there is a space to cut at).
    if lo > 0:
        space = folded.find(" ", lo, first.start() if first else hi)
        lo = space + 1 if space >= 0 else lo
    if hi < len(folded):
        space = folded.rfind(" ", lo, hi)
        hi = space if space > (first.end() if first else lo) else hi
    start = offsets[lo] if lo < len(folded) else len(text)
    end = offsets[hi - 1] + 1 if hi < len(folded) else len(text)
    out = _segments(text, _spans(folded, offsets, terms, lo, hi), start, end)
    if lo > 0:
        out.insert(0, (ELLIPSIS, False))
    if hi < len(folded):
        out.append((ELLIPSIS, False))
    # Crawled text keeps its line breaks; a snippet reads as one line.
    return tuple((_SPACES.sub(" ", s), m) for s, m in out if s)
