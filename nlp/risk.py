"""Explainable risk assessment for triage (plan §II.6).

Each signal has a *strength* in [0, 1] and a configured *weight* (``risk.yaml``
``weights``); ``Signal.weight`` is their product, the most the signal adds. The
score is a noisy-OR of the signal weights, ``1 - prod(1 - weight)``: it stays in
[0, 1], one strong signal alone reaches its weight, several weak ones add up.
``flagged`` is ``score >= threshold``.

Signals (names are stable; the web UI and the exports use them):

- ``contradicts_fact``: a sentence contradicts an official fact (one signal per fact).
- ``terminology``: foreign names for Vietnamese islands, or the "nine-dash line" used approvingly.
- ``sensational``: clickbait phrases, "!!" runs, ALL-CAPS runs, unsourced absolute claims.
- ``source_credibility``: the tier the office gives the source (``sources.yaml``).
- ``uncorroborated``: no top-tier source carries the story (looked up by the pipeline).
- ``model``: the learned classifier (``risk.model_score``).

Sensitive topics never change the score; they raise the *severity* (``severity_for``).
Everything here is a pure function of text + configuration.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from config.schema import Config, Fact, RiskSettings, Severity
from nlp.normalize import normalize
from nlp.records import Risk, Signal, TopicScore
from nlp.risk_facts import FactMatcher
from nlp.risk_text import Sentence, TermMatcher, preceded_by, sentences

if TYPE_CHECKING:
    from nlp.risk_model import RiskModel

logger = logging.getLogger(__name__)

__all__ = [
    "RiskAssessor",
    "RiskRules",
    "combine",
    "severity_for",
    "with_corroboration",
]

_SEVERITY_ORDER = [Severity.LOW, Severity.MEDIUM, Severity.HIGH]


def combine(signals: Iterable[Signal]) -> float:
    """Noisy-OR of the signals' weights, in [0, 1].

    >>> round(combine([Signal(name="a", weight=0.6, evidence=None), Signal(name="b", weight=0.5, evidence=None)]), 2)
    0.8
    """
    keep = 1.0
    for signal in signals:
        keep *= 1.0 - min(max(signal.weight, 0.0), 1.0)
    return round(1.0 - keep, 6)


class RiskRules:
    """``risk.yaml`` + ``facts.yaml`` compiled into matchers (once per configuration)."""

    def __init__(self, settings: RiskSettings, facts: Sequence[Fact] = ()) -> None:
        self.settings = settings
        self.negations = TermMatcher(settings.negations.all(), folded=False)
        self.rebuttal = TermMatcher(settings.rebuttal_context.all(), folded=False)
        term = settings.terminology
        self.foreign_names = TermMatcher(term.foreign_names.all(), folded=True)
        self.approval_required = TermMatcher(term.approval_required.all(), folded=True)
        self.approving = TermMatcher(term.approving_context.all(), folded=False)
        sens = settings.sensational
        self.phrases = TermMatcher(sens.phrases.all(), folded=False)
        self.absolute = TermMatcher(sens.absolute_claims.all(), folded=False)
        self.attribution = TermMatcher(sens.attribution.all(), folded=False)
        self.caps_ignore = {w.upper() for w in sens.caps_ignore}
        self.exclamations = re.compile(f"!{{{sens.exclamation_run},}}")
        # Any fact's keyword: a sentence without one cannot contradict a fact, and most
        # documents have none at all (one search instead of one per fact and sentence).
        self.fact_keywords = TermMatcher([k for f in facts for k in f.keywords], folded=True)
        self._word_re = re.compile(r"[^\W\d_]+")
        self._caps_run = _caps_run_pattern(sens.caps_min_words)
        self.facts = FactMatcher(
            facts,
            negations=self.negations,
            rebuttal=self.rebuttal,
            negation_window=settings.negation_window,
        )

    # --- signals -----------------------------------------------------------

    def contradicts_fact(
        self, title: str, sents: Sequence[Sentence], fields: Sequence[str] | None = None
    ) -> list[Signal]:
        """``fields``: the texts the sentences come from, when known (a quick first look)."""
        if fields is not None and not any(self.fact_keywords.search(f) for f in fields):
            return []
        relevant = [s for s in sents if self.fact_keywords.search(s.text)]
        if not relevant:
            return []
        weight = self.settings.weights.contradicts_fact
        return [
            Signal(name="contradicts_fact", weight=weight, evidence=c.evidence())
            for c in self.facts.contradictions(title, relevant)
        ]

    def terminology(
        self, sents: Sequence[Sentence], fields: Sequence[str] | None = None
    ) -> list[Signal]:
        """``fields`` as for ``contradicts_fact``."""
        if fields is not None and not any(
            self.foreign_names.search(f)
            or (self.approval_required.search(f) and self.approving.search(f))
            for f in fields
        ):
            # Sentences are parts of the fields split at whitespace: nothing to find in them.
            return []
        hits: list[dict[str, Any]] = []
        for sentence in sents:
            rebutted = self.rebuttal.search(sentence.text)
            if not rebutted:
                for start, end, term in self.foreign_names.find(sentence.text):
                    hits.append(_span(sentence, start, end, term, kind="foreign_name"))
                if self.approving.search(sentence.text):
                    for start, end, term in self.approval_required.find(sentence.text):
                        if not preceded_by(
                            sentence.text, start, self.negations, self.settings.negation_window
                        ):
                            hits.append(_span(sentence, start, end, term, kind="approving_use"))
        if not hits:
            return []
        return [
            Signal(
                name="terminology",
                weight=self.settings.weights.terminology,  # one unrebutted use is enough
                evidence={"matches": hits},
            )
        ]

    def sensational(
        self, sents: Sequence[Sentence], fields: Sequence[str] | None = None
    ) -> list[Signal]:
        """``fields`` as for ``contradicts_fact``."""
        # Which kinds of hit are possible at all (sentences split the fields at whitespace,
        # so what no field has, no sentence has): most documents need no per-sentence look.
        phrases = absolute = exclaim = caps = True
        if fields is not None:
            phrases = any(self.phrases.search(f) for f in fields)
            absolute = any(self.absolute.search(f) for f in fields)
            exclaim = any(self.exclamations.search(f) for f in fields)
            caps = any(self._enough_caps(f) for f in fields)
            if not (phrases or absolute or exclaim or caps):
                return []
        hits: list[dict[str, Any]] = []
        for sentence in sents:
            if phrases:
                for start, end, term in self.phrases.find(sentence.text):
                    hits.append(_span(sentence, start, end, term, kind="phrase"))
            if exclaim:
                for match in self.exclamations.finditer(sentence.text):
                    hits.append(
                        _span(
                            sentence,
                            match.start(),
                            match.end(),
                            match.group(0),
                            kind="exclamations",
                        )
                    )
            if caps:
                for start, end in self._caps_runs(sentence.text):
                    hits.append(
                        _span(sentence, start, end, sentence.text[start:end], kind="all_caps")
                    )
            if absolute and not self.attribution.search(sentence.text):
                for start, end, term in self.absolute.find(sentence.text):
                    hits.append(_span(sentence, start, end, term, kind="unsourced_absolute"))
        if not hits:
            return []
        strength = min(1.0, len(hits) / self.settings.sensational.hits_for_full_strength)
        return [
            Signal(
                name="sensational",
                weight=round(self.settings.weights.sensational * strength, 4),
                evidence={"matches": hits, "strength": round(strength, 4)},
            )
        ]

    def _enough_caps(self, text: str) -> bool:
        """Whether ``text`` has a run of all-caps words long enough to count.

        A sentence's words are a stretch of its field's words, so a field without such a
        run has no sentence with one; the spans are found per sentence only when it has.
        """
        if not self._caps_run.search(text):
            return False  # no run of capitalised words at all, ignored or not
        need = self.settings.sensational.caps_min_words
        ignore = self.caps_ignore
        run = 0
        for word in self._word_re.findall(text):
            if len(word) >= 2 and word.isupper() and word not in ignore:
                run += 1
                if run >= need:
                    return True
            else:
                run = 0
        return False

    def _caps_runs(self, text: str) -> list[tuple[int, int]]:
        runs: list[tuple[int, int]] = []
        current: list[tuple[int, int]] = []
        for match in self._word_re.finditer(text):
            word = match.group(0)
            if len(word) >= 2 and word.isupper() and word not in self.caps_ignore:
                current.append((match.start(), match.end()))
                continue
            if len(current) >= self.settings.sensational.caps_min_words:
                runs.append((current[0][0], current[-1][1]))
            current = []
        if len(current) >= self.settings.sensational.caps_min_words:
            runs.append((current[0][0], current[-1][1]))
        return runs

    def source_credibility(self, tier: int | None) -> list[Signal]:
        if tier is None:
            return []
        strength = self.settings.tier_strength.get(tier, 0.0)
        if strength <= 0:
            return []
        return [
            Signal(
                name="source_credibility",
                weight=round(self.settings.weights.source_credibility * strength, 4),
                evidence={"tier": tier, "strength": strength},
            )
        ]

    def uncorroborated(self, corroborated: bool | None) -> list[Signal]:
        return _uncorroborated(corroborated, self.settings)

    def model(self, model_score: float | None, model_name: str = "") -> list[Signal]:
        if model_score is None or model_score <= 0.5:
            return []
        strength = (model_score - 0.5) / 0.5
        return [
            Signal(
                name="model",
                weight=round(self.settings.weights.model * strength, 4),
                evidence={"model_score": round(model_score, 4), "model": model_name},
            )
        ]

    # --- all together ----------------------------------------------------

    def assess(
        self,
        title: str,
        text: str,
        *,
        source_tier: int | None = None,
        corroborated: bool | None = None,
        model_score: float | None = None,
        model_name: str = "",
        normalized: bool = False,
    ) -> Risk:
        """All signals for one item, combined.

        ``normalized=True``: title and text are already ``normalize`` output (``nlp.analyze``
        passes them so), so they are not normalised a second time.

        >>> rules = RiskRules(RiskSettings(terminology={"foreign_names": {"vi": ["Tam Sa"]}}))
        >>> rules.assess("Thành phố Tam Sa mở tuyến du lịch", "").signals[0].name
        'terminology'
        """
        if not normalized:
            title, text = normalize(title), normalize(text)
        sents = _Sentences(title, text)
        fields = (title, text)
        signals = [
            *self.contradicts_fact(title, sents, fields),
            *self.terminology(sents, fields),
            *self.sensational(sents, fields),
            *self.source_credibility(source_tier),
            *self.uncorroborated(corroborated),
            *self.model(model_score, model_name),
        ]
        return self.risk(signals, model_score)

    def risk(self, signals: Sequence[Signal], model_score: float | None) -> Risk:
        return _risk(signals, model_score, self.settings)


@lru_cache(maxsize=4)
def _caps_run_pattern(words: int) -> re.Pattern[str]:
    """``words`` letter-only words in a row that could each be ALL-CAPS (two letters or more,
    none lower- or title-case): a cheap test before the exact word-by-word look."""
    word = rf"(?<![^\W\d_])[{_not_lower_letters()}]{{2,}}(?![^\W\d_])"
    return re.compile(rf"{word}(?:[\W\d_]+{word}){{{words - 1}}}")


def _not_lower_letters() -> str:
    """A character-class body of the letters ``str.isupper`` does not reject (ranges)."""
    ranges: list[list[int]] = []
    for code in range(0x10000):
        c = chr(code)
        if c.isalpha() and not c.islower() and unicodedata.category(c) != "Lt":
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


class _Sentences(Sequence[Sentence]):
    """The sentences of a title and text, split on first use: most items never need them."""

    def __init__(self, title: str, text: str) -> None:
        self._fields = (title, text)
        self._items: list[Sentence] | None = None

    def _all(self) -> list[Sentence]:
        if self._items is None:
            title, text = self._fields
            self._items = sentences(title, "title") + sentences(text, "text")
        return self._items

    @overload
    def __getitem__(self, index: int) -> Sentence: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Sentence]: ...

    def __getitem__(self, index: int | slice) -> Sentence | Sequence[Sentence]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[Sentence]:
        return iter(self._all())


def _risk(signals: Sequence[Signal], model_score: float | None, settings: RiskSettings) -> Risk:
    score = combine(signals)
    return Risk(
        score=score,
        model_score=model_score,
        flagged=score >= settings.threshold,
        signals=tuple(signals),
    )


def _uncorroborated(corroborated: bool | None, settings: RiskSettings) -> list[Signal]:
    if corroborated is not False:
        return []  # None: not looked up (no cluster yet); True: corroborated
    corr = settings.corroboration
    return [
        Signal(
            name="uncorroborated",
            weight=settings.weights.uncorroborated,
            evidence={"top_tiers": list(corr.top_tiers), "window_hours": corr.window_hours},
        )
    ]


def _span(sentence: Sentence, start: int, end: int, term: str, *, kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "term": term,
        "text": sentence.text[start:end],
        "field": sentence.field,
        "span": [sentence.start + start, sentence.start + end],
        "sentence": sentence.text,
    }


def with_corroboration(risk: Risk, corroborated: bool | None, settings: RiskSettings) -> Risk:
    """The same risk with the ``uncorroborated`` signal set from a cluster lookup.

    The pipeline calls this after storing, when the story cluster is known.
    """
    kept = [s for s in risk.signals if s.name != "uncorroborated"]
    return _risk([*kept, *_uncorroborated(corroborated, settings)], risk.model_score, settings)


def severity_for(score: float, topic_ids: Iterable[str], settings: RiskSettings) -> Severity:
    """Severity from the score, raised for sensitive topics (priority, not truth).

    >>> severity_for(0.55, ["bien_dao"], RiskSettings())
    <Severity.MEDIUM: 'medium'>
    """
    rules = settings.severity
    level = 2 if score >= rules.high else 1 if score >= rules.medium else 0
    if set(topic_ids) & set(rules.sensitive_topics):
        level = min(2, level + rules.sensitive_raise)
    return _SEVERITY_ORDER[level]


class RiskAssessor:
    """What ``nlp.analyze`` calls: the rules of one configuration plus the learned model."""

    def __init__(self, config: Config | Any, models_dir: Path | None = None) -> None:
        self.config = config
        self.models_dir = models_dir
        self.rules = RiskRules(config.risk, config.facts)
        rules_json = json.dumps(
            [
                config.risk.model_dump(mode="json"),
                [f.model_dump(mode="json") for f in config.facts],
            ],
            sort_keys=True,
            ensure_ascii=False,
        )
        self._rules_version = hashlib.sha256(rules_json.encode()).hexdigest()[:10]
        self._loaded: tuple[RiskModel | None] | None = None

    def _model(self) -> RiskModel | None:
        # Looked up once per assessor, not per item (finding the folder touches the disk).
        if self._loaded is None:
            from nlp.risk_model import load_risk_model

            self._loaded = (load_risk_model(self.models_dir),)
        return self._loaded[0]

    @property
    def version(self) -> str:
        """Changes when risk.yaml, facts.yaml or the model change (so re-analysis is due)."""
        model = self._model()
        trained = model.meta.get("trained_at", "unknown") if model is not None else "none"
        return f"rules-{self._rules_version}.model-{trained}"

    def assess(
        self,
        title: str,
        text: str,
        topics: Sequence[TopicScore],
        *,
        source_tier: int | None = None,
        corroborated: bool | None = None,
        use_model: bool = True,
        normalized: bool = False,
    ) -> Risk:
        """Score one item. ``topics`` do not change the score (see ``severity_for``).

        ``normalized=True``: title and text are already ``nlp.normalize.normalize`` output.

        >>> # RiskAssessor(load_config()).assess("SỐC: Hoàng Sa thuộc Trung Quốc!!", "", [])
        >>> # -> flagged, signals contradicts_fact + sensational
        """
        del topics  # priority, not truth: used by severity_for, never by the score
        model_score: float | None = None
        model_name = ""
        if use_model:
            model = self._model()
            if model is not None:
                model_score = model.score(title, text, normalized=normalized)
                model_name = model.name
        return self.rules.assess(
            title,
            text,
            source_tier=source_tier,
            corroborated=corroborated,
            model_score=model_score,
            model_name=model_name,
            normalized=normalized,
        )
