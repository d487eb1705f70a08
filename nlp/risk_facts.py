"""Claim matching against the office's official facts (``config/facts.yaml``).

A sentence is *about* a fact when it contains one of the fact's keywords (and, when
the fact has a context list, one of those terms is in the sentence or the title).
It *contradicts* the fact when it gives another number in the fact's unit, negates
one of the fact's ``affirm`` phrases, or states one of its ``reverse`` phrases
without negating it. A sentence that reports a claim in order to reject it
("phản đối cái gọi là ...", see ``risk.yaml`` ``rebuttal_context``) contradicts nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from config.schema import Fact
from nlp.risk_text import Sentence, TermMatcher, nearest, preceded_by, quantities

__all__ = ["Contradiction", "FactMatcher"]


@dataclass(frozen=True, kw_only=True)
class Contradiction:
    fact: Fact
    sentence: Sentence
    kind: str  # "number" | "negation" | "reversal"
    matched: str
    start: int  # offsets of the matched part, in the field's text
    end: int
    claimed: str = ""
    official: str = ""

    def evidence(self) -> dict[str, Any]:
        """What the spokesperson sees: the sentence beside the official statement."""
        return {
            "fact_id": self.fact.id,
            "subject": self.fact.subject,
            "statement": self.fact.statement,
            "source": self.fact.source,
            "date": self.fact.date.isoformat(),
            "kind": self.kind,
            "sentence": self.sentence.text,
            "field": self.sentence.field,
            "span": [self.sentence.start, self.sentence.end],
            "matched": self.matched,
            "matched_span": [self.start, self.end],
            "claimed": self.claimed,
            "official": self.official,
        }


@dataclass(frozen=True)
class _CompiledFact:
    fact: Fact
    keywords: TermMatcher
    context: TermMatcher
    affirm: TermMatcher
    reverse: TermMatcher
    near: tuple[TermMatcher, ...]  # one per fact number


NEAR_CHARS = 60


class FactMatcher:
    """Compiled once per configuration; ``contradictions`` is a pure function of text."""

    def __init__(
        self,
        facts: Sequence[Fact],
        *,
        negations: TermMatcher,
        rebuttal: TermMatcher,
        negation_window: int = 6,
    ):
        self.negations = negations
        self.rebuttal = rebuttal
        self.negation_window = negation_window
        self._facts = [
            _CompiledFact(
                fact,
                TermMatcher(fact.keywords, folded=True),
                TermMatcher(fact.context, folded=True),
                TermMatcher(fact.affirm, folded=True),
                TermMatcher(fact.reverse, folded=True),
                tuple(TermMatcher(n.near, folded=True) for n in fact.numbers),
            )
            for fact in facts
        ]

    def contradictions(self, title: str, sents: Sequence[Sentence]) -> list[Contradiction]:
        """At most one contradiction per fact (the first sentence that shows it).

        >>> # "Quần đảo Hoàng Sa thuộc Trung Quốc." contradicts chu_quyen_hoang_sa (reversal)
        """
        found: list[Contradiction] = []
        for compiled in self._facts:
            for sentence in sents:
                hit = self._check(compiled, title, sentence)
                if hit is not None:
                    found.append(hit)
                    break
        return found

    def _check(self, c: _CompiledFact, title: str, sentence: Sentence) -> Contradiction | None:
        keyword_hits = c.keywords.find(sentence.text)
        if not keyword_hits:
            return None
        if c.context and not (c.context.search(sentence.text) or c.context.search(title)):
            return None
        if self.rebuttal.search(sentence.text):
            return None
        return (
            self._number(c, sentence, keyword_hits[0][0])
            or self._reversal(c, sentence)
            or self._negation(c, sentence)
        )

    def _number(self, c: _CompiledFact, sentence: Sentence, keyword_at: int) -> Contradiction | None:
        if not c.fact.numbers:
            return None
        stated = quantities(sentence.text)
        for number, near in zip(c.fact.numbers, c.near, strict=True):
            same_unit = [q for q in stated if q.unit == number.unit]
            if near:
                anchors = near.find(sentence.text)
                same_unit = [q for q in same_unit if _within(q.start, q.end, anchors)]
            if not same_unit:
                continue
            if any(q.agrees(number.value, number.tolerance) for q in same_unit):
                continue  # the sentence agrees with the official figure
            claim = nearest(same_unit, keyword_at)
            return Contradiction(
                fact=c.fact,
                sentence=sentence,
                kind="number",
                matched=claim.text,
                start=sentence.start + claim.start,
                end=sentence.start + claim.end,
                claimed=claim.text,
                official=f"{number.value:g} {number.unit}",
            )
        return None

    def _reversal(self, c: _CompiledFact, sentence: Sentence) -> Contradiction | None:
        for start, end, term in c.reverse.find(sentence.text):
            if preceded_by(sentence.text, start, self.negations, self.negation_window):
                continue  # "không thuộc Trung Quốc" agrees with the official position
            return self._hit(c, sentence, "reversal", term, start, end)
        return None

    def _negation(self, c: _CompiledFact, sentence: Sentence) -> Contradiction | None:
        for start, end, term in c.affirm.find(sentence.text):
            if preceded_by(sentence.text, start, self.negations, self.negation_window):
                return self._hit(c, sentence, "negation", term, start, end)
        return None

    @staticmethod
    def _hit(
        c: _CompiledFact, sentence: Sentence, kind: str, term: str, start: int, end: int
    ) -> Contradiction:
        return Contradiction(
            fact=c.fact,
            sentence=sentence,
            kind=kind,
            matched=sentence.text[start:end],
            start=sentence.start + start,
            end=sentence.start + end,
            claimed=term,
            official=c.fact.statement,
        )


def _within(start: int, end: int, anchors: Sequence[tuple[int, int, str]]) -> bool:
    return any(a_start - end <= NEAR_CHARS and start - a_end <= NEAR_CHARS for a_start, a_end, _ in anchors)
