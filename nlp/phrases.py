"""Fast multi-phrase matching over one normalised text, shared by the gazetteer and lexicons.

A document is split into words once (``TextView``); each phrase list is a dictionary of
word tuples, looked up only at words that start some phrase. That finds every
(overlapping) phrase in one pass, with or without diacritics, at a cost far below word
segmentation. Words are ``\\w+`` runs, so "36-NQ/TW" is the phrase ("36", "nq", "tw")
and matches "36-NQ/TW" and "36/NQ-TW" alike; between the words of a phrase only spaces
and joiners (- / . ') may stand, never a comma or a line break.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from nlp.normalize import fold, fold_keep_case, lower_same_length, normalize

__all__ = ["TextView", "Hit", "PhraseIndex"]

P = TypeVar("P", bound=Hashable)

_WORD = re.compile(r"\w+")
# Between two words of a phrase: a space, a joiner ("TP.HCM", "36-NQ/TW", "Bà Rịa - Vũng Tàu"),
# or an opening bracket ("Phú Quý (Lâm Đồng)").
_GAP = re.compile(r"(?: ?[-–/&] ?|[.'’]| | ?\()")
# Loose phrases (negative contexts) also span commas and brackets: "phường Bình Thuận, quận 7".
_LOOSE_GAP = re.compile(r"[ ,;:()\-–/.'’&]{1,5}")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


class TextView:
    """One normalised text, seen as words: as written, lower-cased, and folded."""

    __slots__ = ("text", "spans", "lower", "folded", "_upper_start", "_distinct")

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = [m.span() for m in _WORD.finditer(text)]
        lowered = lower_same_length(text)
        folded = fold_keep_case(lowered)
        self.lower = [lowered[s:e] for s, e in self.spans]
        self.folded = [folded[s:e] for s, e in self.spans]
        self._distinct: dict[bool, set[str]] = {}

    def distinct(self, *, folded: bool) -> set[str]:
        """The distinct words (folded, or lower-cased), computed once."""
        words = self._distinct.get(folded)
        if words is None:
            words = self._distinct[folded] = set(self.folded if folded else self.lower)
        return words

    def __len__(self) -> int:
        return len(self.spans)

    def joined(self, i: int, j: int, *, loose: bool = False) -> bool:
        """Words i..j-1 stand next to each other (no comma, full stop + space or newline between).

        ``loose`` also lets commas and brackets stand between them.
        """
        spans = self.spans
        pattern = _LOOSE_GAP if loose else _GAP
        for k in range(i, j - 1):
            gap = self.text[spans[k][1] : spans[k + 1][0]]
            if not pattern.fullmatch(gap):
                return False
        return True

    def capitalised(self, k: int) -> bool:
        return self.text[self.spans[k][0]].isupper()

    def accents_agree(self, i: int, written: tuple[str, ...]) -> bool:
        """Words from i on agree with ``written`` (a phrase's words with diacritics, "" for one
        without) wherever both carry diacritics: "Phan Thiet" agrees with "Phan Thiết",
        "Mường Mán" (a writer) does not with "Mương Mán" (a commune)."""
        lower, folded = self.lower, self.folded
        for k, word in enumerate(written):
            seen = lower[i + k]
            if word and seen != word and seen != folded[i + k]:
                return False
        return True


@dataclass(frozen=True, kw_only=True)
class Hit(Generic[P]):
    payload: P
    term: str
    start: int  # character offsets in TextView.text
    end: int
    first_word: int
    last_word: int  # exclusive

    def matched(self, view: TextView) -> str:
        return view.text[self.start : self.end]


@dataclass
class _Entry(Generic[P]):
    payload: P
    term: str
    # Word positions (in the phrase) that must be capitalised in the text.
    capitals: tuple[int, ...]
    loose: bool = False
    # The phrase's words as written, lower-cased, "" for a word without diacritics: a folded
    # match must not contradict them (``PhraseIndex`` doc); empty for entries matched as written.
    written: tuple[str, ...] = ()


@dataclass
class _Table(Generic[P]):
    entries: dict[tuple[str, ...], list[_Entry[P]]] = field(default_factory=dict)
    # first word -> phrase lengths starting with it (longest first)
    starts: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def add(self, key: tuple[str, ...], entry: _Entry[P]) -> None:
        self.entries.setdefault(key, []).append(entry)
        lengths = set(self.starts.get(key[0], ())) | {len(key)}
        self.starts[key[0]] = tuple(sorted(lengths, reverse=True))

    def scan(self, view: TextView, *, folded: bool) -> Iterator[Hit[P]]:
        starts, entries = self.starts, self.entries
        if starts.keys().isdisjoint(view.distinct(folded=folded)):
            return  # no word of the text starts a phrase: most tables, most texts
        words = view.folded if folded else view.lower
        n = len(words)
        for i, word in enumerate(words):
            lengths = starts.get(word)
            if lengths is None:
                continue
            for length in lengths:
                if i + length > n:
                    continue
                found = entries.get(tuple(words[i : i + length]))
                if found is None:
                    continue
                for entry in found:
                    if length > 1 and not view.joined(i, i + length, loose=entry.loose):
                        continue
                    if folded and entry.written and not view.accents_agree(i, entry.written):
                        continue
                    if all(view.capitalised(i + c) for c in entry.capitals):
                        yield Hit(
                            payload=entry.payload,
                            term=entry.term,
                            start=view.spans[i][0],
                            end=view.spans[i + length - 1][1],
                            first_word=i,
                            last_word=i + length,
                        )


class PhraseIndex(Generic[P]):
    """Phrases with a payload each (e.g. ``(topic, role)``), matched against a ``TextView``.

    By default a phrase matches the text's words as written, case aside: "bão" is never
    "báo", "Nga" never "ngã"; only a text typed entirely without diacritics
    (``accent_free``) is matched on folded words. ``fold_always`` phrases (place names)
    always match folded words, so "Phan Thiet" finds "Phan Thiết" and the reverse, but a word
    written with diacritics must carry the phrase's own: "Mường Mán" is not "Mương Mán".
    ``case_sensitive`` phrases need their capitalised words capitalised in the text
    ("La Gi" the town, not "là gì"; "Phú Quý" the island, not "phú quý" wealth).
    """

    def __init__(self) -> None:
        self._exact: _Table[P] = _Table()
        self._folded: _Table[P] = _Table()
        self._folded_if_accent_free: _Table[P] = _Table()
        self.size = 0

    def add(
        self,
        term: str,
        payload: P,
        *,
        case_sensitive: bool = False,
        fold_always: bool = False,
        loose: bool = False,
    ) -> None:
        words = _words(normalize(term))
        if not words:
            raise ValueError(f"phrase {term!r} has no words")
        capitals = tuple(k for k, w in enumerate(words) if w[0].isupper()) if case_sensitive else ()
        folded = tuple(fold(w) for w in words)
        lowered = tuple(lower_same_length(w) for w in words)
        entry = _Entry(
            payload=payload,
            term=term,
            capitals=capitals,
            loose=loose,
            written=tuple(w if w != f else "" for w, f in zip(lowered, folded, strict=True))
            if fold_always
            else (),
        )
        if fold_always:
            self._folded.add(folded, entry)
        else:
            self._exact.add(lowered, entry)
            self._folded_if_accent_free.add(folded, entry)
        self.size += 1

    def find(self, view: TextView, *, accent_free: bool = False) -> list[Hit[P]]:
        hits = list(self._exact.scan(view, folded=False))
        hits.extend(self._folded.scan(view, folded=True))
        if accent_free:
            hits.extend(self._folded_if_accent_free.scan(view, folded=True))
        return hits
