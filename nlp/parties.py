"""Who an item is about: Vietnamese parties, foreign ones, or neither.

Every topic is Vietnam's (TOPICS.md: a US election or a war abroad is not
``hop_tac_quoc_te``, foreign science with no Vietnamese actor is not ``khcn``, borders
between other countries are not ``bien_gioi``). An item that names a foreign party
("Nga", "Nhà Trắng", "Google") and no Vietnamese one ("Việt Nam", "VN", a ministry, a
province or any place of province.yaml) is ``foreign_only`` and carries no topic.

Names are proper nouns, matched as written (capitals included). A one-word name that runs
into another capitalised word is part of a longer name, not the country: "Phú Mỹ",
"Mỹ Tho", "Chủ Nhật", "Minh Đức"; after a form of address it is a person ("chị Nga");
inside one of the ``compounds`` it is a common word ("Mỹ phẩm" at the start of a sentence).
A relation right before a foreign name makes Vietnam the other party ("xuất khẩu sang Mỹ",
"nhà đầu tư Nhật Bản", "Thủ tướng điện đàm với Thủ tướng Singapore").
A Vietnamese-looking name right before a foreign one is the foreign body ("Quốc hội Mỹ",
"Cảnh sát biển Trung Quốc"): bare, Vietnamese news means its own.
"""

from __future__ import annotations

import re

from config.schema import Gazetteer as GazetteerConfig
from config.schema import Parties as PartiesConfig
from nlp.normalize import normalize
from nlp.phrases import Hit, PhraseIndex, TextView

__all__ = ["Parties"]

# What separates the stories of a digest's headline.
_DIGEST = re.compile(r"[;|]")
# Forms of address: a capitalised name right after one is a person ("bà Nga", "anh Đức").
_ADDRESS = frozenset("anh chị bà ông cô em bé cháu chú bác cụ thầy".split())


class Parties:
    """Compiled party names; ``foreign_only`` is called once per item."""

    def __init__(self, config: PartiesConfig, places: GazetteerConfig) -> None:
        self._foreign: PhraseIndex[str] = PhraseIndex()
        for term in (*config.foreign.vi, *config.foreign.en):
            self._foreign.add(term, term, case_sensitive=True)
        self._vietnamese: PhraseIndex[str] = PhraseIndex()
        for term in (*config.vietnamese.vi, *config.vietnamese.en):
            self._vietnamese.add(term, term, case_sensitive=True)
        for place in places.places:
            for name in (place.name, *place.aliases, *place.unambiguous_aliases):
                self._vietnamese.add(name, name, case_sensitive=True, fold_always=True)
        for name in places.other_provinces:
            self._vietnamese.add(name, name, case_sensitive=True, fold_always=True)
        self._relations: PhraseIndex[str] = PhraseIndex()
        for term in (*config.relations.vi, *config.relations.en):
            self._relations.add(term, term, case_sensitive=True)
        self._compounds: PhraseIndex[str] = PhraseIndex()
        for term in (*config.compounds.vi, *config.compounds.en):
            self._compounds.add(term, term)
        self.enabled = bool(config.foreign.vi or config.foreign.en)

    def foreign_only(
        self, view: TextView, *, title_end: int = 0, lang: str = "vi"
    ) -> tuple[str, ...]:
        """The foreign names an item gives when it gives no Vietnamese one; ``()`` otherwise.

        ``title_end``: where the headline ends in ``view.text``. A digest's headline ("Điểm
        tin 18h: A; B | C") lists several stories: one foreign story does not make it foreign.
        ``lang``: in English, Title Case puts capitals everywhere, so a name next to another
        capitalised word still counts ("US And China Agree To Pause Tariffs").

        >>> from config import load_config
        >>> config = load_config()
        >>> parties = Parties(config.parties, config.province)
        >>> parties.foreign_only(TextView("Nga tố Mỹ vi phạm công ước UNCLOS khi bắt tàu dầu"))
        ('Nga', 'Mỹ')
        >>> parties.foreign_only(TextView("Tàu Trung Quốc hoạt động trái phép ở Hoàng Sa"))
        ()
        >>> parties.foreign_only(TextView("Quốc hội Mỹ thông qua dự luật"))
        ('Mỹ',)
        >>> parties.foreign_only(TextView("Nhiệt điện Phú Mỹ đổi mới sáng tạo"))
        ()
        """
        if not self.enabled or _DIGEST.search(view.text, 0, title_end):
            return ()
        names = self._foreign_names(view, inside_names=lang == "en")
        if not names:
            return ()
        starts = {h.first_word for h in names}
        if any(h.last_word in starts and _next_to(view, h) for h in self._relations.find(view)):
            return ()  # "xuất khẩu sang Mỹ": Vietnam is the other party
        if any(not _qualified(view, h, starts) for h in self._vietnamese.find(view)):
            return ()
        return tuple(dict.fromkeys(h.term for h in names))

    def _foreign_names(self, view: TextView, *, inside_names: bool) -> list[Hit[str]]:
        """Foreign names in the item, not inside ``compounds``; with ``inside_names=False``,
        not part of a longer proper name either ("Phú Mỹ", "chị Nga")."""
        names = self._foreign.find(view)
        if not inside_names:
            names = [h for h in names if not _inside_name(view, h)]
        if names:
            compounds = self._compounds.find(view)
            names = [h for h in names if not any(_covers(c, h) for c in compounds)]
        return names

    def names_foreign(self, view: TextView) -> bool:
        """Whether the item names any foreign party at all, Vietnamese ones or not.

        For topics that need another country in them (``requires.foreign_party``). Looser
        than ``foreign_only``: a name next to another capitalised word counts ("Việt Nam -
        Campuchia"); only ``compounds`` ("Mỹ phẩm") do not.

        >>> from config import load_config
        >>> config = load_config()
        >>> parties = Parties(config.parties, config.province)
        >>> parties.names_foreign(TextView("Hợp tác quốc phòng Việt Nam - Ấn Độ"))
        True
        >>> parties.names_foreign(TextView("Mỹ phẩm Hà Nội ký hợp tác với ngân hàng"))
        False
        """
        return bool(self._foreign_names(view, inside_names=True))

    def in_item(self, title: str, text: str, lang: str = "vi") -> tuple[str, ...]:
        """``foreign_only`` for an item's raw title and text, joined as ``nlp.analyze`` does."""
        title = normalize(title or "")
        joined = ". ".join(p for p in (title, normalize(text or "")) if p)
        return self.foreign_only(TextView(joined), title_end=len(title), lang=lang)


def _qualified(view: TextView, hit: Hit[str], foreign_starts: set[int]) -> bool:
    """A Vietnamese-looking name qualified by a foreign one: "Quốc hội Mỹ", "Chính phủ Nga"."""
    return hit.last_word in foreign_starts and _next_to(view, hit)


def _next_to(view: TextView, hit: Hit[str]) -> bool:
    """The word after the hit follows it directly (no comma or full stop between)."""
    after = hit.last_word
    return after < len(view) and view.joined(after - 1, after + 1)


def _covers(outer: Hit[str], inner: Hit[str]) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _inside_name(view: TextView, hit: Hit[str]) -> bool:
    """The hit is part of a longer proper name, or a person's name after a form of address."""
    before, after = hit.first_word - 1, hit.last_word
    if before >= 0 and view.joined(before, before + 2):
        if view.capitalised(before) or view.lower[before] in _ADDRESS:
            return True
    return after < len(view) and view.joined(after - 1, after + 1) and view.capitalised(after)
