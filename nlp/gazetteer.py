"""Province relevance: does an item concern the territory of the former province?

Rules, in order (see ../shared/TOPICS.md, "Province relevance"):

1. Find every gazetteer name (province, districts, towns, 2025 communes and wards,
   landmarks, products) with or without diacritics, in Vietnamese or English; a word
   written with diacritics must carry the name's own ("Mường Mán" is a writer, "Mương
   Mán" the commune). Names are proper nouns: their capitalised words must be
   capitalised in the text, so "La Gi" is the town and "là gì" is not.
2. Drop hits inside a negative context ("xổ số Bình Thuận", "phường Bình Thuận, quận 7").
3. An item marked as a lottery item ("KQXS", "xổ số") that names only the province
   itself is not relevant.
4. An ambiguous name (a ward name that exists in other cities too) counts only with an
   unambiguous place or the current province ("Lâm Đồng") in the same item.
5. A passing mention in a list of many provinces does not count: when the item names at
   least ``list_mention_min`` other provinces, the title names none of our places and
   every hit stands in a list next to another province ("..., Bình Thuận, Khánh Hòa"),
   the item is not relevant.

Lâm Đồng stories about Đà Lạt only never match: "Lâm Đồng" alone is not one of our places.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, TypeVar

from config.schema import Gazetteer as GazetteerConfig
from config.schema import PlaceKind
from nlp.phrases import Hit, PhraseIndex, TextView
from nlp.records import Place, ProvinceMatch

logger = logging.getLogger(__name__)

__all__ = ["Gazetteer"]

P = TypeVar("P")

# What may stand between two names of a list ("Hà Nội, Bình Thuận và Khánh Hòa"), spaces removed.
_LIST_SEPARATORS = frozenset({",", ";", "/", "-", "–", "và", ",và", "hoặc", "and", ",and", "or"})
_LIST_GAP_CHARS = 8
# Common family and middle names: a place name right after one of them is a person.
_NAME_PARTS = frozenset(
    """nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh trương
    đoàn tô lương trịnh cao châu quách văn thị hữu đình công quang xuân ngọc""".split()
)


@dataclass(frozen=True)
class _PlaceRef:
    name: str
    kind: str
    ambiguous: bool


class Gazetteer:
    """Compiled gazetteer; build once per process, call ``match`` per item."""

    def __init__(self, config: GazetteerConfig) -> None:
        self.config = config
        self._places: PhraseIndex[_PlaceRef] = PhraseIndex()
        for place in config.places:
            ref = _PlaceRef(place.name, place.kind.value, place.ambiguous)
            for term in dict.fromkeys([place.name, *place.aliases]):
                self._places.add(
                    term, ref, case_sensitive=True, fold_always=True, loose=_loose(term)
                )
            if place.unambiguous_aliases:
                sure = _PlaceRef(place.name, place.kind.value, False)
                for term in place.unambiguous_aliases:
                    self._places.add(
                        term, sure, case_sensitive=True, fold_always=True, loose=_loose(term)
                    )
        self._negative: PhraseIndex[str] = PhraseIndex()
        for phrase in config.negative_contexts:
            self._negative.add(phrase, phrase, fold_always=True, loose=_loose(phrase))
        self._negative_docs: PhraseIndex[str] = PhraseIndex()
        for phrase in config.negative_documents:
            self._negative_docs.add(phrase, phrase, fold_always=True)
        self._others: PhraseIndex[str] = PhraseIndex()
        for name in config.other_provinces:
            self._others.add(name, name, case_sensitive=True, fold_always=True)
        self._current: PhraseIndex[str] = PhraseIndex()
        self._current.add(
            config.province.current_province, "current", case_sensitive=True, fold_always=True
        )

    def match(self, view: TextView, *, title_end: int = 0) -> ProvinceMatch:
        """Relevance of one item; ``title_end`` is where the title ends in ``view.text``.

        Example: "Ngư dân Phan Thiết bám biển" is relevant (place Phan Thiết); "Kết quả xổ số
        Bình Thuận hôm nay" is not (negative context "xổ số Bình Thuận").
        """
        hits = [h for h in _longest(self._places.find(view)) if not _person_name(view, h)]
        if not hits:
            return ProvinceMatch(relevant=False, reason="no place named")
        negatives = self._negative.find(view)
        if negatives:
            hits = [h for h in hits if not any(_overlap(h, n) for n in negatives)]
            if not hits:
                return ProvinceMatch(
                    relevant=False, reason=f"only in negative context: {negatives[0].term}"
                )
        specific = [h for h in hits if h.payload.kind != PlaceKind.PROVINCE.value]
        if not specific:
            lottery = self._negative_docs.find(view)
            if lottery:
                return ProvinceMatch(relevant=False, reason=f"lottery item: {lottery[0].term}")
        sure = [h for h in hits if not h.payload.ambiguous]
        if not sure:
            if not self._current.find(view):
                return ProvinceMatch(
                    relevant=False, reason=f"ambiguous name only: {hits[0].payload.name}"
                )
        others = [
            o for o in _longest(self._others.find(view)) if not any(_overlap(o, h) for h in hits)
        ]
        distinct_others = {o.payload for o in others}
        if len(distinct_others) >= self.config.list_mention_min and not any(
            h.start < title_end for h in hits
        ):
            if all(_in_list(view, h, others) for h in hits):
                return ProvinceMatch(
                    relevant=False,
                    reason=f"listed among {len(distinct_others)} other provinces",
                )
        places = tuple(
            Place(
                name=h.payload.name,
                matched=h.matched(view),
                kind=h.payload.kind,
                start=h.start,
                end=h.end,
            )
            for h in hits
        )
        return ProvinceMatch(relevant=True, places=places, reason="named")


def _person_name(view: TextView, hit: Hit[Any]) -> bool:
    """The hit continues a person's name ("Nguyễn Đức Linh", "Lê Văn Phú Quý")."""
    k = hit.first_word
    if k == 0:
        return False
    start, end = view.spans[k - 1]
    return (
        view.text[end : hit.start] == " "
        and view.capitalised(k - 1)
        and view.lower[k - 1] in _NAME_PARTS
    )


def _overlap(a: Hit[Any], b: Hit[Any]) -> bool:
    return a.start < b.end and b.start < a.end


def _longest(hits: list[Hit[P]]) -> list[Hit[P]]:
    """Drop hits contained in a longer one ("Bình Thuận" inside "phường Bình Thuận").

    Of two hits on the same span, an unambiguous place wins over an ambiguous one.
    """
    hits.sort(key=lambda h: (h.start, -(h.end - h.start), _ambiguous(h)))
    kept: list[Hit[P]] = []
    for hit in hits:
        if kept and hit.start >= kept[-1].start and hit.end <= kept[-1].end:
            continue
        kept.append(hit)
    return kept


def _ambiguous(hit: Hit[Any]) -> bool:
    return bool(getattr(hit.payload, "ambiguous", False))


def _in_list(view: TextView, hit: Hit[Any], others: list[Hit[str]]) -> bool:
    """The hit stands in a list: another province right before or after it ("A, B và C")."""
    for other in others:
        if other.end <= hit.start:
            gap = view.text[other.end : hit.start]
        elif other.start >= hit.end:
            gap = view.text[hit.end : other.start]
        else:
            continue
        if len(gap) <= _LIST_GAP_CHARS and "".join(gap.split()).lower() in _LIST_SEPARATORS:
            return True
    return False


def _loose(phrase: str) -> bool:
    """A phrase written with a comma or bracket may span them in the text
    ("phường Bình Thuận, quận 7" finds "phường Bình Thuận (Quận 7)"); others may not."""
    return "," in phrase or "(" in phrase
