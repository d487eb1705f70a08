"""The analyser: one document's text in, an ``Analysis`` out. Pure: no I/O per document.

Per document: normalise, detect the language, segment once (Vietnamese), match the
gazetteer and the topic lexicons over the same words, combine the lexicon with the
topic model when one is installed, then assess risk. Configuration, lexicons and models
are compiled once, when the ``Analyzer`` is built.
"""

from __future__ import annotations

import hashlib
import json
import logging
from bisect import bisect_left
from collections.abc import Callable, Mapping
from operator import itemgetter
from pathlib import Path

from config.schema import Config
from nlp import risk as risk_module
from nlp import topic_model as topic_model_module
from nlp.entities import extract_entities
from nlp.fingerprint import MIN_SHINGLES, fingerprint_words
from nlp.gazetteer import Gazetteer
from nlp.lang import guess
from nlp.lexicon import Lexicon, LexiconHits
from nlp.normalize import normalize
from nlp.parties import Parties
from nlp.phrases import TextView
from nlp.records import Analysis, Document, TopicScore
from nlp.segment import segment_normalized
from nlp.topic_model import TopicModel, TopicPrediction

logger = logging.getLogger(__name__)

__all__ = ["Analyzer", "ANALYZER_VERSION"]

# Bump when the analysis of the same text and configuration changes.
ANALYZER_VERSION = "7"

# Combining lexicon and model (when a model is installed):
# - a strong lexicon term in the headline assigns the topic whatever the model says;
# - a strong term only in the body assigns it when the model gives at least STRONG_SUPPORT:
#   bodies name places and bodies in passing (a storm bulletin locates the storm "near
#   Hoàng Sa", a building has a "Trường Sa sovereignty marker", an item mentions ASEAN);
# - the model alone assigns at MODEL_THRESHOLD (or its own per-topic threshold);
# - a weak term in the headline assigns the topic when the model gives at least
#   TITLE_TERM_SUPPORT: a real headline that names "khu di tích" or "Bộ Ngoại giao" is
#   usually about it even when the summary pulls the model below the threshold;
# - a hard negative (TOPICS.md) vetoes the topic unless a strong term fired, whatever the
#   model says: the negatives are curated for exactly the items a model gets confidently
#   wrong (a Thai-Cambodian border clash is not Vietnam's border, a storm is not bien_dao);
# - weak terms elsewhere never assign on their own (they are evidence); without a model at
#   all, two do;
# - a topic with ``requires`` (topics.yaml; ``hop_tac_quoc_te``) is assigned only when one of
#   its required terms, a strong term or, with ``foreign_party``, a foreign party appears:
#   Vietnam's external relations always have another country or an international body in
#   them, and without one "hợp tác", "đoàn", "hội nghị" are domestic news (a province signing
#   with its newspapers, a party congress delegation, a bank's deal);
# - an item that names only foreign parties (nlp/parties.py, topics.yaml ``parties``) carries no
#   topic at all, strong terms included: every topic is Vietnam's (a digest headline,
#   "Điểm tin 18h: A; B", is several stories and never foreign-only).
# What each rule did to the labelled sets when it came in: docs/tagger-history.md.
MODEL_THRESHOLD = 0.5
STRONG_SUPPORT = 0.2
TITLE_TERM_SUPPORT = 0.25
MODEL_EVIDENCE = 5
# Stored with each article (articles.analysis_version is 64 characters long).
VERSION_MAX_CHARS = 64
# Fewer words than this and the detected language is a guess: trust the item's own.
_MIN_WORDS_FOR_LANG = 5


class Analyzer:
    """Compiled configuration and models; ``analyze`` is called once per document.

    >>> from config import load_config
    >>> from nlp.records import TextItem
    >>> a = Analyzer(load_config())
    >>> a.analyze(TextItem(title="Ngư dân Phan Thiết bám biển Hoàng Sa", text="")).province.relevant
    True
    """

    def __init__(
        self,
        config: Config,
        models_dir: Path | None = None,
        entities: bool = False,
        fingerprints: bool = True,
    ) -> None:
        """``fingerprints=False``: leave ``Analysis.fingerprint`` out (``None``), for callers
        that never store the item (``haidang analyze``, evaluation)."""
        self.config = config
        self.entities = entities
        self.fingerprints = fingerprints
        self.gazetteer = Gazetteer(config.province)
        self.lexicon = Lexicon(config.topics)
        self.parties = Parties(config.parties, config.province)
        self.topic_ids = tuple(t.id for t in config.topics)
        self._requires = {t.id: t.requires for t in config.topics if t.requires is not None}
        self.topic_model = topic_model_module.load_topic_model(models_dir)
        self.risk = risk_module.RiskAssessor(config, models_dir)
        self._tiers = {s.id: s.tier for s in config.sources}
        self.model_version = self._version()
        logger.info("analyzer ready: %s", self.model_version)

    def _version(self) -> str:
        """Analyzer, lexicon, topic-model and risk versions, e.g. ``analyzer-1+lexicon-3f2a...``."""
        lexicons = json.dumps(
            [
                self.config.province.model_dump(mode="json"),
                [t.model_dump(mode="json") for t in self.config.topics],
                self.config.parties.model_dump(mode="json"),
            ],
            sort_keys=True,
            ensure_ascii=False,
        )
        parts = [
            f"analyzer-{ANALYZER_VERSION}",
            "lexicon-" + hashlib.sha256(lexicons.encode()).hexdigest()[:10],
        ]
        if self.topic_model is not None:
            parts.append(f"topics-{self.topic_model.version}")
        risk_version = getattr(self.risk, "version", None)
        if risk_version:
            parts.append(f"risk-{risk_version}")
        return _fit("+".join(parts), VERSION_MAX_CHARS)

    def analyze(self, doc: Document) -> Analysis:
        """Analyse one item (anything with ``title``, ``text`` and ``lang``)."""
        title = normalize(doc.title or "")
        text = normalize(doc.text or "")
        joined = ". ".join(p for p in (title, text) if p)
        guessed = guess(joined)
        lang = guessed.lang
        if doc.lang and (lang == "other" or guessed.words < _MIN_WORDS_FOR_LANG):
            # Too short to judge, or mixed: the item's own language is the better guess.
            lang = doc.lang
        view = TextView(joined)
        province = self.gazetteer.match(view, title_end=len(title))
        hits = self.lexicon.tag(
            view, lang=lang, accent_free=guessed.unaccented_vietnamese, title_end=len(title)
        )
        segmented = ""
        tokens = len(view)
        if lang == "vi" and joined:
            segmented = segment_normalized(joined)
            tokens = segmented.count(" ") + 1
        # Every topic is Vietnam's: an item about foreign parties only carries none.
        foreign = self.parties.foreign_only(view, title_end=len(title), lang=lang)
        topics = () if foreign else self._topics(hits, segmented, self._requirements(hits, view))
        risk = self.risk.assess(
            title, text, topics, source_tier=self._source_tier(doc), normalized=True
        )
        entities = extract_entities(joined) if self.entities and lang == "vi" else ()
        return Analysis(
            lang=lang,
            province=province,
            topics=topics,
            risk=risk,
            tokens=tokens,
            fingerprint=self._fingerprint(view, len(joined) - len(text)),
            entities=entities,
            model_version=self.model_version,
            foreign_parties=foreign,
        )

    def _fingerprint(self, view: TextView, text_start: int) -> tuple[int, ...] | None:
        """MinHash of the text (not the title): the view's words from ``text_start`` on."""
        if not self.fingerprints:
            return None
        first = bisect_left(view.spans, text_start, key=itemgetter(0))
        return fingerprint_words(view.lower[first:], min_shingles=MIN_SHINGLES)

    def _source_tier(self, doc: Document) -> int | None:
        source = getattr(doc, "source_id", None) or getattr(doc, "source", None)
        return self._tiers.get(source) if isinstance(source, str) else None

    def _requirements(
        self, hits: Mapping[str, LexiconHits], view: TextView
    ) -> Callable[[str], bool]:
        """``met(topic)``: the topic's ``requires`` holds (a required or strong term, or a foreign
        party); always true without one. The foreign-party look-up runs only when asked, once."""
        foreign: list[bool] = []

        def met(topic: str) -> bool:
            requires = self._requires.get(topic)
            if requires is None:
                return True
            lex = hits.get(topic)
            if lex is not None and (lex.required or lex.strong):
                return True
            if not requires.foreign_party:
                return False
            if not foreign:
                foreign.append(self.parties.names_foreign(view))
            return foreign[0]

        return met

    def _topics(
        self, hits: Mapping[str, LexiconHits], segmented: str, met: Callable[[str], bool]
    ) -> tuple[TopicScore, ...]:
        model = self.topic_model
        if model is None or not segmented:
            return self._lexicon_topics(hits, met)
        prediction = model.score(segmented)
        scores: list[TopicScore] = []
        for topic in self.topic_ids:
            lex = hits.get(topic, LexiconHits(topic=topic))
            prob = prediction.probabilities.get(topic, 0.0)
            score = _combine(lex, prob, model.thresholds.get(topic, MODEL_THRESHOLD))
            if score is None or not met(topic):
                continue
            evidence = lex.evidence + tuple(
                f"model:{feature}" for feature in _explain(model, prediction, topic)
            )
            scores.append(TopicScore(id=topic, score=score, evidence=evidence))
        scores.sort(key=lambda t: -t.score)
        return tuple(scores)

    def _lexicon_topics(
        self, hits: Mapping[str, LexiconHits], met: Callable[[str], bool]
    ) -> tuple[TopicScore, ...]:
        """Without a model (none installed, or text too short to segment): the lexicon alone."""
        scores = [
            TopicScore(id=topic, score=lex.score, evidence=lex.evidence)
            for topic in self.topic_ids
            if (lex := hits.get(topic)) is not None and lex.assigned and met(topic)
        ]
        scores.sort(key=lambda t: -t.score)
        return tuple(scores)


def _fit(version: str, limit: int) -> str:
    """Keep a version string within ``limit`` characters; a hash of the whole keeps it unique."""
    if len(version) <= limit:
        return version
    digest = hashlib.sha256(version.encode()).hexdigest()[:16]
    return f"{version[: limit - len(digest) - 1]}~{digest}"


def _combine(lex: LexiconHits, prob: float, threshold: float) -> float | None:
    """The topic's score when assigned, ``None`` when not (rules above)."""
    if lex.strong and (lex.strong_in_title or prob >= STRONG_SUPPORT):
        return max(prob, lex.score)
    if lex.vetoed:
        return None
    if prob >= threshold:
        return max(prob, lex.score) if lex.assigned else prob
    if lex.terms_in_title and prob >= TITLE_TERM_SUPPORT:
        return max(prob, lex.score)
    return None


def _explain(model: TopicModel, prediction: TopicPrediction, topic: str) -> list[str]:
    # From the features ``score`` already computed: no second pass over the text.
    try:
        return model.explain_row(prediction.row, topic, k=MODEL_EVIDENCE)
    except (KeyError, ValueError) as exc:
        logger.warning("topic model could not explain %s: %s", topic, exc)
        return []
