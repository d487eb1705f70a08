"""The statistical half of the topic tagger: TF-IDF features + one-vs-rest logistic regression.

Features are TF-IDF over underthesea word segments (unigrams and bigrams) plus TF-IDF over
character n-grams (which copes with unsegmented text, missing diacritics and English).
One logistic regression per topic (``class_weight="balanced"``), whose decision values are
calibrated with Platt scaling fitted on out-of-fold scores, so ``predict`` returns
probabilities that mean something across topics.

The model is stored without pickle — users pass ``--models DIR``, and unpickling a file
from a directory is running code from it. ``topics.json`` holds the vocabularies, idf
weights, Platt parameters and training settings; ``topics.npz`` holds the coefficient
matrices (loaded with ``allow_pickle=False``). Loading rebuilds the n-gram counters
(``nlp.features``) from the vocabularies and takes well under a second; it happens once per
directory per process. ``score`` keeps a text's features so ``explain_row`` reuses them.

Example::

    >>> model = load_topic_model(None)
    >>> model.predict(["Tàu cá ngư_dân Phú_Quý bị xua_đuổi ở Hoàng_Sa"])[0]["bien_dao"] > 0.5
    True
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from nlp.features import NgramCounter, Row, rows_to_csr, tfidf_row

logger = logging.getLogger(__name__)

TOPIC_IDS: tuple[str, ...] = (
    "bien_dao",
    "bien_gioi",
    "nhan_quyen",
    "dau_tu",
    "chuyen_doi_so",
    "van_hoa_du_lich",
    "san_pham",
    "hop_tac_quoc_te",
    "khcn",
)

DEFAULT_DIR = Path(__file__).resolve().parent / "models" / "topics"
MODEL_SUBDIR = "topics"
META_FILE = "topics.json"
WEIGHTS_FILE = "topics.npz"
FORMAT = 1
DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = tuple(round(0.3 + 0.05 * i, 2) for i in range(9))  # 0.30 .. 0.70


@dataclass(frozen=True, kw_only=True)
class TrainSettings:
    """Training knobs; the defaults are those of the shipped model."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    word_min_df: int = 2
    char_min_df: int = 2
    max_word_features: int = 30000
    max_char_features: int = 40000
    # Character n-grams see only the opening of the (segmented) text: the training items
    # are headlines and short paragraphs, and on a long article n-grams of the whole text
    # cost more than the segmentation while the word features already see all of it.
    char_max_chars: int = 1500  # 0: no cap
    c: float = 4.0
    folds: int = 5
    seed: int = 0
    # Per-topic cut-offs tuned on out-of-fold training predictions. Off by default: on the
    # development set, cut-offs tuned on the small hand-written training set did worse than 0.5.
    tune_thresholds: bool = False


def segment_for_model(title: str, text: str) -> str:
    """The model's input: NFC title + ". " + text, word-segmented by underthesea.

    Uses ``nlp.segment.segment_for_model`` when the NLP core provides it, so training and
    tagging cannot drift apart.

    >>> segment_for_model("Ngư dân Phú Quý", "bám biển")
    'Ngư_dân Phú_Quý . bám biển'
    """
    try:
        from nlp.segment import segment_for_model as core
    except ImportError:  # the NLP core predates this module in some checkouts
        pass
    else:
        return str(core(title, text))
    from underthesea import word_tokenize

    joined = unicodedata.normalize("NFC", f"{title}. {text}" if text else title)
    return str(word_tokenize(joined, format="text"))


def _prepare(segmented: str) -> str:
    return unicodedata.normalize("NFC", segmented).lower()


def _char_text(segmented: str, max_chars: int | None = None) -> str:
    # Char n-grams see words as the reader does: underscores of the segmenter become spaces.
    head = segmented[:max_chars] if max_chars else segmented
    return _prepare(head).replace("_", " ")


# A letter or digit: what ``str.isalnum`` accepts (``\w`` is exactly that plus "_").
_ALNUM = re.compile(r"[^\W_]")


def _word_tokens(text: str) -> list[str]:
    """Tokens with at least one letter or digit ("Ngư_dân", "2025", not "," or "...")."""
    search = _ALNUM.search
    return [t for t in text.split() if t.isalnum() or search(t)]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0))))


@dataclass(frozen=True, kw_only=True)
class TopicPrediction:
    """One text's calibrated probability per topic, and the features they came from."""

    probabilities: dict[str, float]
    row: Row


class TopicModel:
    """A trained multi-label topic model. Build with ``train_topic_model`` or ``load_topic_model``."""

    def __init__(
        self,
        *,
        topics: Sequence[str],
        word_vocab: dict[str, int],
        word_idf: np.ndarray,
        char_vocab: dict[str, int],
        char_idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        platt: np.ndarray,
        settings: TrainSettings,
        thresholds: Mapping[str, float] | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        self.topics = tuple(topics)
        # Per-topic probability cut-offs (0.5 unless trained with ``tune_thresholds``);
        # nlp.analyze reads them.
        self.thresholds: dict[str, float] = {t: DEFAULT_THRESHOLD for t in self.topics}
        self.thresholds.update(thresholds or {})
        self._word_vocab = word_vocab
        self._word_idf = word_idf
        self._char_vocab = char_vocab
        self._char_idf = char_idf
        self._coef = coef  # (topics, word features + char features)
        self._intercept = intercept  # (topics,)
        self._platt = platt  # (topics, 2): p = sigmoid(a * decision + b)
        self.settings = settings
        self.info: dict[str, Any] = dict(info or {})
        self._coef_t = np.ascontiguousarray(coef.T)  # rows by feature: one gather per text
        self._topic_index = {t: j for j, t in enumerate(self.topics)}
        self._word_counter = NgramCounter(
            word_vocab, analyzer="word", ngram_range=settings.word_ngrams, tokenize=_word_tokens
        )
        self._char_counter = NgramCounter(
            char_vocab, analyzer="char_wb", ngram_range=settings.char_ngrams
        )
        names = [""] * (len(word_vocab) + len(char_vocab))
        for term, i in word_vocab.items():
            names[i] = term.replace("_", " ")
        self._n_word = len(word_vocab)
        for term, i in char_vocab.items():
            names[self._n_word + i] = term
        self._names = names
        self.version = self._fingerprint()

    def _fingerprint(self) -> str:
        digest = hashlib.sha256(self._coef.astype(np.float32).tobytes())
        digest.update(json.dumps(sorted(self._word_vocab)[:2000], ensure_ascii=False).encode())
        # The analyser prefixes "topics-", giving e.g. "topics-lr-3f2a9c0b1d".
        return f"lr-{digest.hexdigest()[:10]}"

    def row(self, segmented: str) -> Row:
        """One text's TF-IDF features (word block, then char block) as ``(indices, values)``."""
        words = tfidf_row(self._word_counter.counts(_prepare(segmented)), self._word_idf)
        char_text = _char_text(segmented, self.settings.char_max_chars)
        chars = tfidf_row(self._char_counter.counts(char_text), self._char_idf)
        return np.concatenate([words[0], chars[0] + self._n_word]), np.concatenate(
            [words[1], chars[1]]
        )

    def features(self, segmented: Sequence[str]) -> sparse.csr_matrix:
        """The TF-IDF feature matrix (word block, then char block) for segmented texts."""
        return rows_to_csr([[self.row(s)] for s in segmented], [len(self._names)])

    def decision(self, segmented: Sequence[str]) -> np.ndarray:
        x = self.features(segmented)
        return np.asarray(x @ self._coef.T) + self._intercept

    def _probabilities(self, z: np.ndarray) -> np.ndarray:
        return _sigmoid(z * self._platt[:, 0] + self._platt[:, 1])

    def predict(self, segmented: Sequence[str]) -> list[dict[str, float]]:
        """Calibrated probability per topic id, one dict per segmented text.

        >>> model.predict(["Bộ_đội biên_phòng bắt vụ buôn_lậu qua đường_mòn biên_giới"])[0]["bien_gioi"] > 0.5
        True
        """
        if not segmented:
            return []
        probs = self._probabilities(self.decision(segmented))
        return [{t: float(row[j]) for j, t in enumerate(self.topics)} for row in probs]

    def score(self, segmented: str) -> TopicPrediction:
        """``predict`` for one text, keeping its features so ``explain_row`` need not recompute them.

        >>> p = model.score("Tàu cá ngư_dân Phú_Quý bị xua_đuổi ở Hoàng_Sa")
        >>> p.probabilities["bien_dao"] > 0.5, model.explain_row(p.row, "bien_dao", k=2)
        (True, ['hoàng sa', 'ngư dân'])
        """
        indices, values = row = self.row(segmented)
        z = values @ self._coef_t[indices] + self._intercept
        probs = self._probabilities(z)
        return TopicPrediction(
            probabilities={t: float(probs[j]) for j, t in enumerate(self.topics)}, row=row
        )

    def explain(self, segmented: str, topic: str, k: int = 5) -> list[str]:
        """The ``k`` features present in the text that push hardest towards ``topic``.

        Word features come first (readable: "ngư dân", "hoàng sa"); character n-grams only
        fill in when the text has fewer than ``k`` positive word features.
        """
        return self.explain_row(self.row(segmented), topic, k)

    def explain_row(self, row: Row, topic: str, k: int = 5) -> list[str]:
        """``explain`` from features already computed (``score(...).row``)."""
        if topic not in self._topic_index:
            raise KeyError(f"unknown topic {topic!r}")
        indices, values = row
        contrib = values * self._coef_t[indices, self._topic_index[topic]]
        keep = contrib > 0
        indices, contrib = indices[keep], contrib[keep]
        # Strongest first; a few spare candidates per block for names the loop below drops.
        order = np.argsort(-contrib, kind="stable")
        ranked = indices[order]
        is_word = ranked < self._n_word
        out: list[str] = []
        for block in (ranked[is_word], ranked[~is_word]):
            for i in block.tolist():
                name = self._names[i].strip()
                if name and name not in out and not any(name in w for w in out):
                    out.append(name)
                    if len(out) >= k:
                        return out
        return out

    def save(self, directory: Path) -> Path:
        """Write ``topics.json`` + ``topics.npz`` into ``directory`` (created); returns it."""
        directory.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT,
            "version": self.version,
            "topics": list(self.topics),
            "settings": {
                "word_ngrams": list(self.settings.word_ngrams),
                "char_ngrams": list(self.settings.char_ngrams),
                "word_min_df": self.settings.word_min_df,
                "char_min_df": self.settings.char_min_df,
                "max_word_features": self.settings.max_word_features,
                "max_char_features": self.settings.max_char_features,
                "char_max_chars": self.settings.char_max_chars,
                "c": self.settings.c,
                "folds": self.settings.folds,
                "seed": self.settings.seed,
                "tune_thresholds": self.settings.tune_thresholds,
            },
            "thresholds": self.thresholds,
            "info": self.info,
            "word_vocab": sorted(self._word_vocab, key=self._word_vocab.__getitem__),
            "char_vocab": sorted(self._char_vocab, key=self._char_vocab.__getitem__),
        }
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        np.savez_compressed(
            directory / WEIGHTS_FILE,
            coef=self._coef.astype(np.float32),
            intercept=self._intercept.astype(np.float64),
            platt=self._platt.astype(np.float64),
            word_idf=self._word_idf.astype(np.float32),
            char_idf=self._char_idf.astype(np.float32),
        )
        logger.info("saved topic model %s to %s", self.version, directory)
        return directory


class ModelFormatError(ValueError):
    """The model files exist but cannot be read as a topic model."""


def _read(directory: Path) -> TopicModel:
    try:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as arrays:
            weights = {name: np.asarray(arrays[name]) for name in arrays.files}
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"cannot read topic model in {directory}: {exc}") from exc
    if meta.get("format") != FORMAT:
        raise ModelFormatError(
            f"{directory / META_FILE}: unsupported format {meta.get('format')!r}"
        )
    s = meta["settings"]
    settings = TrainSettings(
        word_ngrams=(int(s["word_ngrams"][0]), int(s["word_ngrams"][1])),
        char_ngrams=(int(s["char_ngrams"][0]), int(s["char_ngrams"][1])),
        word_min_df=int(s["word_min_df"]),
        char_min_df=int(s["char_min_df"]),
        max_word_features=int(s["max_word_features"]),
        max_char_features=int(s["max_char_features"]),
        # Models saved before the cap existed saw the whole text.
        char_max_chars=int(s.get("char_max_chars") or 0),
        c=float(s["c"]),
        folds=int(s["folds"]),
        seed=int(s["seed"]),
        tune_thresholds=bool(s.get("tune_thresholds", False)),
    )
    model = TopicModel(
        topics=meta["topics"],
        word_vocab={t: i for i, t in enumerate(meta["word_vocab"])},
        word_idf=weights["word_idf"].astype(np.float64),
        char_vocab={t: i for i, t in enumerate(meta["char_vocab"])},
        char_idf=weights["char_idf"].astype(np.float64),
        coef=weights["coef"].astype(np.float64),
        intercept=weights["intercept"],
        platt=weights["platt"],
        settings=settings,
        thresholds={str(k): float(v) for k, v in meta.get("thresholds", {}).items()},
        info=meta.get("info", {}),
    )
    if model._coef.shape != (len(model.topics), len(meta["word_vocab"]) + len(meta["char_vocab"])):
        raise ModelFormatError(f"{directory}: coefficient shape does not match the vocabularies")
    return model


def model_directory(models_dir: Path | None) -> Path | None:
    """Where the topic model for ``--models DIR`` lives: DIR/topics, DIR itself, or the shipped one."""
    candidates = [] if models_dir is None else [models_dir / MODEL_SUBDIR, models_dir]
    candidates.append(DEFAULT_DIR)
    for candidate in candidates:
        if (candidate / META_FILE).is_file() and (candidate / WEIGHTS_FILE).is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=8)
def _load_cached(directory: Path) -> TopicModel:
    model = _read(directory)
    logger.info("loaded topic model %s from %s", model.version, directory)
    return model


def load_topic_model(models_dir: Path | None = None) -> TopicModel | None:
    """The topic model for ``--models DIR`` (``None``: the shipped default), loaded once per process.

    A directory without a topic model falls back to the shipped one; ``None`` is returned
    only when not even the shipped model is present.
    """
    directory = model_directory(models_dir)
    if directory is None:
        logger.warning("no topic model found (looked in %s and %s)", models_dir, DEFAULT_DIR)
        return None
    return _load_cached(directory.resolve())


def _labels(records: Sequence[Mapping[str, Any]], topics: Sequence[str]) -> np.ndarray:
    y = np.zeros((len(records), len(topics)), dtype=np.int64)
    for i, record in enumerate(records):
        for topic in record.get("topics", []):
            if topic in topics:
                y[i, topics.index(topic)] = 1
    return y


def _fit_one(x: sparse.csr_matrix, y: np.ndarray, settings: TrainSettings) -> LogisticRegression:
    clf = LogisticRegression(
        C=settings.c,
        class_weight="balanced",
        max_iter=2000,
        solver="liblinear",
        random_state=settings.seed,
    )
    clf.fit(x, y)
    return clf


def _best_threshold(probs: np.ndarray, y: np.ndarray) -> float:
    """The probability cut-off with the best out-of-fold F1, kept within a sane band."""
    best, best_f1 = DEFAULT_THRESHOLD, -1.0
    for cut in THRESHOLD_GRID:
        predicted = probs >= cut
        tp = float(np.sum(predicted & (y == 1)))
        fp = float(np.sum(predicted & (y == 0)))
        fn = float(np.sum(~predicted & (y == 1)))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        # Ties go to the cut-off nearest 0.5: calibrated probabilities mean what they say.
        if f1 > best_f1 + 1e-9 or (abs(f1 - best_f1) <= 1e-9 and abs(cut - 0.5) < abs(best - 0.5)):
            best, best_f1 = float(cut), f1
    return best


def _platt(
    x: sparse.csr_matrix, y: np.ndarray, settings: TrainSettings
) -> tuple[float, float, float]:
    """Platt scaling and a decision threshold, fitted on out-of-fold decision values.

    Falls back to the identity and the default threshold when there are too few positives.
    """
    folds = min(settings.folds, int(y.sum()), int(len(y) - y.sum()))
    if folds < 2:
        return 1.0, 0.0, DEFAULT_THRESHOLD
    scores = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=settings.seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        scores[test] = _fit_one(x[train], y[train], settings).decision_function(x[test])
    calibrator = LogisticRegression(C=1e4, solver="lbfgs")
    calibrator.fit(scores.reshape(-1, 1), y)
    a, b = float(calibrator.coef_[0, 0]), float(calibrator.intercept_[0])
    if not settings.tune_thresholds:
        return a, b, DEFAULT_THRESHOLD
    return a, b, _best_threshold(_sigmoid(a * scores + b), y)


def _fit_vocab(vec: TfidfVectorizer, texts: list[str]) -> tuple[dict[str, int], np.ndarray]:
    try:
        vec.fit(texts)
    except ValueError:
        # Tiny training sets: min_df pruned everything; keep every term instead.
        vec.set_params(min_df=1)
        vec.fit(texts)
    vocab = {str(t): int(i) for t, i in vec.vocabulary_.items()}
    return vocab, np.asarray(vec.idf_, dtype=np.float64)


def train_topic_model(
    records: Iterable[Mapping[str, Any]],
    *,
    settings: TrainSettings | None = None,
    topics: Sequence[str] = TOPIC_IDS,
) -> TopicModel:
    """Train on records with ``title``, ``text``, ``topics`` (and optionally a precomputed ``segmented``).

    >>> records = [{"title": "Ngư dân bám biển Hoàng Sa", "text": "", "topics": ["bien_dao"]}, ...]
    >>> model = train_topic_model(records)
    """
    settings = settings or TrainSettings()
    rows = list(records)
    if not rows:
        raise ValueError("no training records")
    segmented = [
        str(r["segmented"])
        if r.get("segmented")
        else segment_for_model(str(r.get("title", "")), str(r.get("text", "")))
        for r in rows
    ]
    y = _labels(rows, topics)
    word_tf = TfidfVectorizer(
        tokenizer=_word_tokens,
        token_pattern=None,
        lowercase=False,
        ngram_range=settings.word_ngrams,
        min_df=settings.word_min_df,
        max_features=settings.max_word_features,
        sublinear_tf=True,
    )
    char_tf = TfidfVectorizer(
        analyzer="char_wb",
        lowercase=False,
        ngram_range=settings.char_ngrams,
        min_df=settings.char_min_df,
        max_features=settings.max_char_features,
        sublinear_tf=True,
    )
    word_vocab, word_idf = _fit_vocab(word_tf, [_prepare(s) for s in segmented])
    char_vocab, char_idf = _fit_vocab(
        char_tf, [_char_text(s, settings.char_max_chars) for s in segmented]
    )
    empty = np.zeros((len(topics), len(word_vocab) + len(char_vocab)))
    shell = TopicModel(
        topics=topics,
        word_vocab=word_vocab,
        word_idf=word_idf,
        char_vocab=char_vocab,
        char_idf=char_idf,
        coef=empty,
        intercept=np.zeros(len(topics)),
        platt=np.tile([1.0, 0.0], (len(topics), 1)),
        settings=settings,
    )
    x = shell.features(segmented)
    coef = np.zeros_like(empty)
    intercept = np.zeros(len(topics))
    platt = np.tile([1.0, 0.0], (len(topics), 1))
    thresholds: dict[str, float] = {}
    for j, topic in enumerate(topics):
        positives = int(y[:, j].sum())
        if positives == 0 or positives == len(rows):
            logger.warning(
                "topic %s has %d positives of %d records; it will never fire",
                topic,
                positives,
                len(rows),
            )
            intercept[j] = -10.0 if positives == 0 else 10.0
            continue
        clf = _fit_one(x, y[:, j], settings)
        coef[j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
        a, b, thresholds[topic] = _platt(x, y[:, j], settings)
        platt[j] = (a, b)
        logger.info("trained %s: %d positives, threshold %.2f", topic, positives, thresholds[topic])
    info = {
        "records": len(rows),
        "positives": {t: int(y[:, j].sum()) for j, t in enumerate(topics)},
    }
    return TopicModel(
        topics=topics,
        word_vocab=word_vocab,
        word_idf=word_idf,
        char_vocab=char_vocab,
        char_idf=char_idf,
        coef=coef,
        intercept=intercept,
        platt=platt,
        settings=settings,
        thresholds=thresholds,
        info=info,
    )
