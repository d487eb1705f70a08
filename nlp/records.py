"""Records produced by ``nlp.analyze``: pure data, JSON-serialisable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class Document(Protocol):
    """What ``nlp.analyze`` reads: anything with a title and a text.

    ``crawlers.records.ArticleDraft`` satisfies it, and so does ``nlp.TextItem``.
    """

    @property
    def title(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def lang(self) -> str | None: ...


@dataclass(frozen=True, kw_only=True)
class TextItem:
    """A plain document for analysis (CLI input, tests, evaluation)."""

    title: str
    text: str
    lang: str | None = None
    id: str = ""
    source: str | None = None
    url: str | None = None


@dataclass(frozen=True, kw_only=True)
class Place:
    """A gazetteer hit: the canonical place name and the text that matched."""

    name: str
    matched: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True, kw_only=True)
class ProvinceMatch:
    relevant: bool
    places: tuple[Place, ...] = ()
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class TopicScore:
    id: str
    score: float
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Signal:
    name: str
    weight: float
    evidence: Any


@dataclass(frozen=True, kw_only=True)
class Risk:
    score: float = 0.0
    model_score: float | None = None
    flagged: bool = False
    signals: tuple[Signal, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Analysis:
    """Everything the system knows about one document's text."""

    lang: str
    province: ProvinceMatch
    topics: tuple[TopicScore, ...]
    risk: Risk = field(default_factory=Risk)
    tokens: int = 0
    # MinHash of the text (``nlp.fingerprint``): ``()`` when too short to compare,
    # ``None`` when not computed.
    fingerprint: tuple[int, ...] | None = None
    entities: tuple[tuple[str, str], ...] = ()
    model_version: str = ""
    # The foreign parties an item names when it names no Vietnamese one (``nlp.parties``):
    # why such an item carries no topic.
    foreign_parties: tuple[str, ...] = ()

    def to_contract(self, item_id: str) -> dict[str, Any]:
        """The stable batch-analysis JSON shape (``haidang analyze``)."""
        return {
            "id": item_id,
            "lang": self.lang,
            "province": {
                "relevant": self.province.relevant,
                "places": sorted({p.name for p in self.province.places}),
            },
            "topics": [
                {"id": t.id, "score": round(t.score, 4), "evidence": list(t.evidence)}
                for t in self.topics
            ],
            "foreign_parties": list(self.foreign_parties),
            "risk": {
                "score": round(self.risk.score, 4),
                "model_score": None
                if self.risk.model_score is None
                else round(self.risk.model_score, 4),
                "flagged": self.risk.flagged,
                "signals": [
                    {"name": s.name, "weight": s.weight, "evidence": s.evidence}
                    for s in self.risk.signals
                ],
            },
        }
