"""The learned part of the risk score: fabricated/misleading vs reliable news.

TF-IDF over word 1-2-grams and character 2-5-grams (inside word boundaries, which
copes with missing diacritics and odd spellings) of the opening of the item (``FEATURES``
``max_chars``), then logistic regression. Counting is ``nlp.features``' (scikit-learn's
counts, one document at a time, without its per-call cost).

Stored without pickle, because users pass ``--models DIR`` and a pickle from an
untrusted folder runs code: ``DIR/risk/model.json`` holds the settings, labels and
vocabularies, ``DIR/risk/weights.npz`` the IDF vectors and coefficients (loaded with
``allow_pickle=False``). The model is rebuilt from those at load, once per process.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlp.features import NgramCounter, Row, rows_to_csr, tfidf_row
from nlp.normalize import lower_same_length, normalize

logger = logging.getLogger(__name__)

__all__ = [
    "LABELS",
    "POSITIVE_LABELS",
    "DataError",
    "LabelledItem",
    "RiskModel",
    "SHIPPED_MODELS_DIR",
    "load_risk_model",
    "read_labelled",
    "train_risk_model",
]

SHIPPED_MODELS_DIR = Path(__file__).resolve().parent / "models"
SUBDIR = "risk"
FORMAT_VERSION = 1
LABELS = ("fake", "misleading", "real")
POSITIVE_LABELS = frozenset({"fake", "misleading"})
MAX_CHARS = 4000  # long articles: the opening carries the claim; keeps training fast

# The two feature blocks. Changing these changes the model version.
# Each block sees only the first ``max_chars`` characters of the prepared text: the opening
# carries the claim, and on the held-out split a 1,500-character cap scored as the whole
# 4,000 did (ROC AUC 0.980 either way) at a third of the cost per long article.
FEATURES: dict[str, dict[str, Any]] = {
    "word": {
        "analyzer": "word",
        "ngram_range": [1, 2],
        "min_df": 1,
        "max_features": 60000,
        "max_chars": 1500,
    },
    "char": {
        "analyzer": "char_wb",
        "ngram_range": [2, 5],
        "min_df": 2,
        "max_features": 120000,
        "max_chars": 1500,
    },
}
C = 8.0


class DataError(ValueError):
    """A training or evaluation file the user can fix (the message names file and line)."""


@dataclass(frozen=True, kw_only=True)
class LabelledItem:
    title: str
    text: str
    label: str
    id: str = ""

    @property
    def positive(self) -> bool:
        return self.label in POSITIVE_LABELS


_PUNCT = re.compile(r"[^\w\s]+")


def prepare(title: str, text: str) -> str:
    """The model's view of an item: normalised, lower-case, punctuation removed.

    Some training data comes without punctuation and case, so the model never sees them
    (sensational punctuation is a rule signal of its own).

    >>> prepare("SỐC: Hoàng Sa!", "Tin   nóng.")
    'sốc hoàng sa tin nóng'
    """
    return _tidy(normalize(f"{title}\n{text}"))


def prepare_normalized(title: str, text: str, needed: int | None = None) -> str:
    """``prepare`` for a title and text that are already ``normalize`` output (no second pass).

    ``needed``: only the first ``needed`` characters of the result will be read, so a long
    text is prepared only as far as that takes (the result is then a prefix of ``prepare``'s,
    at least ``needed`` characters long).

    >>> prepare_normalized("SỐC: Hoàng Sa!", "Tin nóng.") == prepare("SỐC: Hoàng Sa!", "Tin nóng.")
    True
    """
    joined = "\n".join(p for p in (title, text) if p)
    if needed is not None and len(joined) > 2 * needed:
        # Preparing never lengthens text, and preparing a prefix gives a prefix of the
        # whole's result (the last word may be cut, which ``needed`` characters never reach
        # when the result is longer than that).
        head = _tidy(joined[: 2 * needed])
        if len(head) > needed:
            return head
    return _tidy(joined)


def _tidy(joined: str) -> str:
    return " ".join(_PUNCT.sub(" ", lower_same_length(joined[:MAX_CHARS])).split())


def read_labelled(path: Path) -> list[LabelledItem]:
    """Read JSON lines with ``label`` in fake / misleading / real and ``title`` and/or ``text``."""
    items: list[LabelledItem] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise DataError(f"{path}: file not found") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise DataError(f"{path}:{number}: expected a JSON object")
        label = str(record.get("label", "")).strip().lower()
        if label not in LABELS:
            raise DataError(
                f"{path}:{number}: label {record.get('label')!r}: expected one of {', '.join(LABELS)}"
            )
        title, text = str(record.get("title") or ""), str(record.get("text") or "")
        if not (title.strip() or text.strip()):
            raise DataError(f"{path}:{number}: the record has neither title nor text")
        items.append(LabelledItem(title=title, text=text, label=label, id=str(record.get("id", ""))))
    if not items:
        raise DataError(f"{path}: no labelled records")
    return items


@dataclass(frozen=True, kw_only=True)
class _Block:
    name: str
    vectorizer: CountVectorizer  # the settings and vocabulary; counting is ``counter``'s
    idf: np.ndarray[Any, Any]
    sublinear: bool = True
    max_chars: int | None = None  # the block sees only the first characters of a document
    counter: NgramCounter = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        vocabulary = self.vectorizer.vocabulary
        if vocabulary is None:
            vocabulary = self.vectorizer.vocabulary_
        counter = NgramCounter(
            vocabulary,
            analyzer=self.vectorizer.analyzer,
            ngram_range=tuple(self.vectorizer.ngram_range),
        )
        object.__setattr__(self, "counter", counter)

    @property
    def vocabulary(self) -> Mapping[str, int]:
        return self.counter.vocabulary

    @property
    def width(self) -> int:
        return len(self.idf)

    def row(self, doc: str) -> Row:
        if self.max_chars is not None:
            doc = doc[: self.max_chars]
        return tfidf_row(self.counter.counts(doc), self.idf, sublinear=self.sublinear)

    def transform(self, docs: Sequence[str]) -> sparse.csr_matrix:
        return rows_to_csr([[self.row(doc)] for doc in docs], [self.width])


@dataclass(frozen=True, kw_only=True)
class RiskModel:
    """A trained model. ``score`` is the probability of fabricated/misleading."""

    blocks: tuple[_Block, ...]
    coef: np.ndarray[Any, Any]
    intercept: float
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"risk-tfidf-lr/{self.meta.get('trained_at', 'unknown')}"

    def features(self, docs: Sequence[str]) -> sparse.csr_matrix:
        return rows_to_csr([[b.row(doc) for b in self.blocks] for doc in docs], self._widths)

    @property
    def _widths(self) -> list[int]:
        return [b.width for b in self.blocks]

    def scores(self, items: Iterable[tuple[str, str]]) -> list[float]:
        return [self.score_prepared(prepare(title, text)) for title, text in items]

    def score(self, title: str, text: str, *, normalized: bool = False) -> float:
        """Probability that the item is fabricated or misleading.

        ``normalized=True``: title and text are already ``nlp.normalize.normalize`` output
        (as ``nlp.analyze`` passes them), so they are not normalised again.

        >>> # load_risk_model().score("Sự thật bị che giấu về thanh long Bình Thuận", "...")
        """
        if not normalized:
            return self.score_prepared(prepare(title, text))
        return self.score_prepared(prepare_normalized(title, text, self._chars_seen))

    @property
    def _chars_seen(self) -> int | None:
        """The most characters of a prepared text any block looks at (``None``: all of them)."""
        caps = [b.max_chars for b in self.blocks]
        return None if any(c is None for c in caps) else max(c for c in caps if c is not None)

    def score_prepared(self, doc: str) -> float:
        """``score`` for a text already through ``prepare``."""
        margin = self.intercept
        offset = 0
        for block in self.blocks:
            indices, values = block.row(doc)
            margin += float(values @ self.coef[indices + offset])
            offset += block.width
        return 1.0 / (1.0 + math.exp(-margin))

    # --- storage ---------------------------------------------------------

    def save(self, out_dir: Path) -> Path:
        """Write ``out_dir/risk/model.json`` and ``weights.npz``; return that folder."""
        folder = out_dir / SUBDIR
        folder.mkdir(parents=True, exist_ok=True)
        description = {
            "format": FORMAT_VERSION,
            "kind": "tfidf-logreg",
            "threshold": self.threshold,
            "meta": self.meta,
            "blocks": [
                {
                    "name": b.name,
                    "analyzer": b.vectorizer.analyzer,
                    "ngram_range": list(b.vectorizer.ngram_range),
                    "sublinear_tf": b.sublinear,
                    "max_chars": b.max_chars,
                    # index i of this list is feature i of the block
                    "vocabulary": sorted(b.vocabulary, key=b.vocabulary.__getitem__),
                }
                for b in self.blocks
            ],
        }
        (folder / "model.json").write_text(
            json.dumps(description, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
        arrays: dict[str, Any] = {f"idf_{b.name}": b.idf for b in self.blocks}
        arrays["coef"] = self.coef
        arrays["intercept"] = np.array([self.intercept])
        np.savez_compressed(folder / "weights.npz", **arrays)
        return folder

    @classmethod
    def load(cls, folder: Path) -> RiskModel:
        description = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        if description.get("format") != FORMAT_VERSION:
            raise DataError(f"{folder}/model.json: unsupported model format {description.get('format')!r}")
        with np.load(folder / "weights.npz", allow_pickle=False) as weights:
            blocks = []
            for spec in description["blocks"]:
                vocabulary = {term: i for i, term in enumerate(spec["vocabulary"])}
                vectorizer = CountVectorizer(
                    analyzer=spec["analyzer"],
                    ngram_range=tuple(spec["ngram_range"]),
                    lowercase=False,
                    vocabulary=vocabulary,
                )
                blocks.append(
                    _Block(
                        name=spec["name"],
                        vectorizer=vectorizer,
                        idf=np.asarray(weights[f"idf_{spec['name']}"]),
                        sublinear=bool(spec["sublinear_tf"]),
                        max_chars=spec.get("max_chars"),
                    )
                )
            coef = np.asarray(weights["coef"])
            intercept = float(weights["intercept"][0])
        return cls(
            blocks=tuple(blocks),
            coef=coef,
            intercept=intercept,
            threshold=float(description.get("threshold", 0.5)),
            meta=dict(description.get("meta", {})),
        )


def train_risk_model(
    items: Sequence[LabelledItem], *, sources: Sequence[str] = (), threshold: float = 0.5
) -> RiskModel:
    """Fit on labelled items (fake + misleading = positive). Needs both classes."""
    y = np.array([1 if item.positive else 0 for item in items])
    if len(set(y.tolist())) < 2:
        raise DataError("training needs both real and fake/misleading items")
    docs = [prepare(item.title, item.text) for item in items]
    blocks: list[_Block] = []
    for name, spec in FEATURES.items():
        max_chars = spec.get("max_chars")
        block_docs = [doc[:max_chars] for doc in docs] if max_chars else docs
        tfidf = TfidfVectorizer(
            analyzer=spec["analyzer"],
            ngram_range=tuple(spec["ngram_range"]),
            min_df=spec["min_df"] if len(docs) >= 50 else 1,
            max_features=spec["max_features"],
            lowercase=False,
            sublinear_tf=True,
            dtype=np.float64,
        )
        tfidf.fit(block_docs)
        fixed = CountVectorizer(
            analyzer=spec["analyzer"],
            ngram_range=tuple(spec["ngram_range"]),
            lowercase=False,
            vocabulary=tfidf.vocabulary_,
        )
        blocks.append(
            _Block(name=name, vectorizer=fixed, idf=np.asarray(tfidf.idf_), max_chars=max_chars)
        )
    x = sparse.hstack([b.transform(docs) for b in blocks]).tocsr()
    classifier = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, solver="liblinear")
    classifier.fit(x, y)
    counts = {label: sum(1 for i in items if i.label == label) for label in LABELS}
    meta = {
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "items": len(items),
        "labels": counts,
        "data": list(sources),
        "features": FEATURES,
        "C": C,
    }
    logger.info("trained risk model on %d items %s", len(items), counts)
    return RiskModel(
        blocks=tuple(blocks),
        coef=classifier.coef_.ravel().astype(np.float64),
        intercept=float(classifier.intercept_[0]),
        threshold=threshold,
        meta=meta,
    )


def model_folder(models_dir: Path | None) -> Path:
    """Where the risk model lives: ``DIR/risk`` (or ``DIR`` itself if it holds model.json)."""
    base = models_dir if models_dir is not None else SHIPPED_MODELS_DIR
    if (base / "model.json").is_file():
        return base
    return base / SUBDIR


@lru_cache(maxsize=4)
def _load_cached(folder: Path) -> RiskModel | None:
    if not (folder / "model.json").is_file():
        logger.warning("no risk model in %s; risk.model_score stays empty", folder)
        return None
    model = RiskModel.load(folder)
    logger.info("loaded risk model %s from %s", model.name, folder)
    return model


def load_risk_model(models_dir: Path | None = None) -> RiskModel | None:
    """The model in ``models_dir`` (default: the shipped one), loaded once per process."""
    return _load_cached(model_folder(models_dir).resolve())
