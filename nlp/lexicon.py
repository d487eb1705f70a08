"""Topic tagging by lexicon (config/topics.yaml), with the terms that fired as evidence.

Per topic: one ``strong`` term assigns it; otherwise two distinct ``terms`` are needed.
A hard negative (``negatives``, from TOPICS.md: a storm over the East Sea is not
``bien_dao``) vetoes the topic unless a strong term fired. A topic's ``requires`` terms
(``hop_tac_quoc_te``: another country or an international body) are reported in
``LexiconHits.required``; ``nlp.analyze`` enforces the requirement, where a foreign party
also meets it. Vietnamese items are matched against the ``vi`` lists, English ones against
``en``, anything else against both.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from config.schema import Terms, Topic
from nlp.phrases import PhraseIndex, TextView

logger = logging.getLogger(__name__)

__all__ = ["Lexicon", "LexiconHits", "Role"]

STRONG_SCORE = 0.9
WEAK_SCORES = {2: 0.6, 3: 0.7}
WEAK_MAX = 0.8
SINGLE_WEAK_SCORE = 0.3


class Role(StrEnum):
    STRONG = "strong"
    TERM = "term"
    NEGATIVE = "negative"
    REQUIRED = "required"
    SUBTAG = "subtag"


@dataclass(frozen=True, kw_only=True)
class LexiconHits:
    """What fired for one topic, terms as written in topics.yaml, in order of appearance."""

    topic: str
    strong: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()
    # Terms of the topic's ``requires`` list that fired.
    required: tuple[str, ...] = ()
    subtags: tuple[str, ...] = ()
    # The strong and the weak terms that fired in the headline (``Lexicon.tag`` with
    # ``title_end``).
    strong_in_title: tuple[str, ...] = ()
    terms_in_title: tuple[str, ...] = ()

    @property
    def vetoed(self) -> bool:
        return bool(self.negatives) and not self.strong

    @property
    def assigned(self) -> bool:
        return not self.vetoed and (bool(self.strong) or len(self.terms) >= 2)

    @property
    def score(self) -> float:
        """Lexicon confidence in 0..1 (also given for topics not assigned, e.g. one weak term)."""
        if self.strong:
            extra = len(self.strong) - 1 + len(self.terms)
            return min(0.98, STRONG_SCORE + 0.02 * extra)
        if not self.terms:
            return 0.0
        if len(self.terms) == 1:
            return SINGLE_WEAK_SCORE
        return WEAK_SCORES.get(len(self.terms), WEAK_MAX)

    @property
    def evidence(self) -> tuple[str, ...]:
        return (
            *self.strong,
            *self.terms,
            *(f"subtag:{s}" for s in self.subtags),
        )


_Payload = tuple[str, Role, str]  # topic id, role, subtag ("" when none)


class Lexicon:
    """All topics' terms compiled into one phrase index per language."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topic_ids = tuple(t.id for t in topics)
        self._index: dict[str, PhraseIndex[_Payload]] = {"vi": PhraseIndex(), "en": PhraseIndex()}
        for topic in topics:
            self._add(topic.id, Role.STRONG, topic.strong)
            self._add(topic.id, Role.TERM, topic.terms)
            self._add(topic.id, Role.NEGATIVE, topic.negatives)
            if topic.requires is not None:
                self._add(topic.id, Role.REQUIRED, topic.requires)
            for subtag, terms in topic.subtags.items():
                self._add(topic.id, Role.SUBTAG, terms, subtag)

    def _add(self, topic: str, role: Role, terms: Terms, subtag: str = "") -> None:
        for lang, words in (("vi", terms.vi), ("en", terms.en)):
            for term in words:
                # A term written with a comma may span one ("chủ quyền biển, đảo").
                self._index[lang].add(term, (topic, role, subtag), loose="," in term)

    def tag(
        self, view: TextView, *, lang: str, accent_free: bool = False, title_end: int = 0
    ) -> dict[str, LexiconHits]:
        """Hits per topic (only topics where something fired).

        ``title_end``: where the headline ends in ``view.text``; strong and weak terms found
        before it are also listed in ``strong_in_title`` and ``terms_in_title``.

        Example: "Tàu cá của ngư dân bị xua đuổi ở Hoàng Sa" gives ``bien_dao`` with
        strong ``Hoàng Sa`` and term ``ngư dân``.
        """
        langs = ("vi",) if lang == "vi" else ("en",) if lang == "en" else ("vi", "en")
        found: dict[str, dict[Role, dict[str, None]]] = {}
        in_title: dict[tuple[str, Role], dict[str, None]] = {}
        for code in langs:
            hits = self._index[code].find(view, accent_free=accent_free)
            # Longest first at each position, so a term inside a longer one of the same topic
            # is dropped: "Bộ đội Biên phòng" is one term, not also "biên phòng"; a negative
            # "đường Trường Sa" (a street) swallows the strong "Trường Sa".
            hits.sort(key=lambda h: (h.start, -h.end))
            covered: dict[str, int] = {}
            for hit in hits:
                topic, role, subtag = hit.payload
                if role not in (Role.SUBTAG, Role.REQUIRED):
                    if hit.end <= covered.get(topic, -1):
                        continue
                    covered[topic] = hit.end
                roles = found.setdefault(topic, {})
                roles.setdefault(role, {})[subtag if role is Role.SUBTAG else hit.term] = None
                if role in (Role.STRONG, Role.TERM) and hit.start < title_end:
                    in_title.setdefault((topic, role), {})[hit.term] = None
        return {
            topic: LexiconHits(
                topic=topic,
                strong=tuple(roles.get(Role.STRONG, ())),
                terms=tuple(roles.get(Role.TERM, ())),
                negatives=tuple(roles.get(Role.NEGATIVE, ())),
                required=tuple(roles.get(Role.REQUIRED, ())),
                subtags=tuple(roles.get(Role.SUBTAG, ())),
                strong_in_title=tuple(in_title.get((topic, Role.STRONG), ())),
                terms_in_title=tuple(in_title.get((topic, Role.TERM), ())),
            )
            for topic, roles in found.items()
        }
