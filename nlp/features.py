"""Fast TF-IDF rows for one document at a time, identical to scikit-learn's vectorizers.

The topic model and the risk model were trained with scikit-learn's ``CountVectorizer``
(word n-grams and ``char_wb`` character n-grams) and sublinear TF-IDF. Calling those
vectorizers once per document is what made analysis cost twice the word segmentation:
``char_wb`` builds every n-gram of every word as a new string, document after document.

Here the same counts are computed without that waste:

- ``char_wb`` n-grams never cross a word, so a word's n-grams (and their vocabulary
  indices) depend on the word alone. They are computed once per distinct word and kept
  in a bounded cache; a document is then a ``Counter`` of its words. Vietnamese has a
  few thousand syllables, so after a few documents nearly every word is a cache hit.
- word n-grams are counted with ``Counter`` and looked up once per distinct n-gram.

The counts equal scikit-learn's exactly (tests/test_nlp_features.py checks it), so the
shipped models keep their weights. Rows are ``(indices, values)`` numpy pairs; the models
multiply them with their coefficients directly instead of building sparse matrices.

>>> counter = NgramCounter({" h": 0, "ho": 1, "hoà": 2}, analyzer="char_wb", ngram_range=(2, 3))
>>> counter.counts("hoà hoà")
(array([0, 1, 2]), array([2., 2., 2.]))
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
from scipy import sparse

logger = logging.getLogger(__name__)

__all__ = ["NgramCounter", "Row", "rows_to_csr", "tfidf_row", "word_pattern_tokens"]

# (indices, values) of one document's non-zero features, indices ascending.
Row = tuple[np.ndarray, np.ndarray]

# scikit-learn's default ``token_pattern`` for the "word" analyzer.
_TOKEN_PATTERN = re.compile(r"(?u)\b\w\w+\b")
# Distinct words whose n-grams are kept; beyond this the cache starts again (memory stays flat).
CACHE_WORDS = 50_000
_EMPTY_INT = np.zeros(0, dtype=np.int64)
_EMPTY_FLOAT = np.zeros(0, dtype=np.float64)


def word_pattern_tokens(text: str) -> list[str]:
    """Tokens as scikit-learn's default word analyzer finds them (two or more word characters)."""
    return _TOKEN_PATTERN.findall(text)


def _char_wb_grams(word: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's ``_char_wb_ngrams`` for a single word (padded with one space each side)."""
    w = f" {word} "
    w_len = len(w)
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        offset = 0
        grams.append(w[offset : offset + n])
        while offset + n < w_len:
            offset += 1
            grams.append(w[offset : offset + n])
        if offset == 0:  # a short word is counted once, as scikit-learn does
            break
    return grams


class NgramCounter:
    """Counts of the vocabulary's n-grams in one text, as ``CountVectorizer.transform`` gives.

    ``analyzer="word"``: ``tokenize`` splits the text (default: scikit-learn's token
    pattern), n-grams are tokens joined by a space. ``analyzer="char_wb"``: character
    n-grams inside whitespace-separated words, padded with a space.
    """

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        *,
        analyzer: Literal["word", "char_wb"],
        ngram_range: tuple[int, int],
        tokenize: Callable[[str], list[str]] | None = None,
        cache_words: int = CACHE_WORDS,
    ) -> None:
        if analyzer not in ("word", "char_wb"):
            raise ValueError(f"unsupported analyzer {analyzer!r}")
        self.vocabulary = vocabulary
        self.analyzer = analyzer
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.tokenize = tokenize or word_pattern_tokens
        self.n_features = max(vocabulary.values(), default=-1) + 1
        self._cache_words = cache_words
        self._word_grams: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def counts(self, text: str) -> Row:
        """Ascending vocabulary indices present in ``text`` and their counts."""
        if self.analyzer == "char_wb":
            return self._char_counts(text)
        return self._word_counts(text)

    def _word_counts(self, text: str) -> Row:
        tokens = self.tokenize(text)
        min_n, max_n = self.ngram_range
        grams: Counter[str] = Counter()
        for n in range(min_n, min(max_n, len(tokens)) + 1):
            if n == 1:
                grams.update(tokens)
            else:
                grams.update(map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False)))
        get = self.vocabulary.get
        found = [(i, c) for g, c in grams.items() if (i := get(g)) is not None]
        if not found:
            return _EMPTY_INT, _EMPTY_FLOAT
        pairs = np.array(found, dtype=np.int64)
        order = np.argsort(pairs[:, 0])
        return pairs[order, 0], pairs[order, 1].astype(np.float64)

    def _grams_of(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        cached = self._word_grams.get(word)
        if cached is not None:
            return cached
        vocab = self.vocabulary
        grams = Counter(_char_wb_grams(word, *self.ngram_range))
        found = sorted((vocab[g], c) for g, c in grams.items() if g in vocab)
        entry = (
            np.array([i for i, _ in found], dtype=np.int64),
            np.array([c for _, c in found], dtype=np.float64),
        )
        if len(self._word_grams) >= self._cache_words:
            # Rare (numbers, names, foreign words pile up): start again rather than grow.
            self._word_grams.clear()
        self._word_grams[word] = entry
        return entry

    def _char_counts(self, text: str) -> Row:
        words = Counter(text.split())
        if not words:
            return _EMPTY_INT, _EMPTY_FLOAT
        index_parts: list[np.ndarray] = []
        value_parts: list[np.ndarray] = []
        for word, times in words.items():
            indices, values = self._grams_of(word)
            if len(indices):
                index_parts.append(indices)
                value_parts.append(values * times if times != 1 else values)
        if not index_parts:
            return _EMPTY_INT, _EMPTY_FLOAT
        all_indices = np.concatenate(index_parts)
        all_values = np.concatenate(value_parts)
        unique, inverse = np.unique(all_indices, return_inverse=True)
        return unique, np.bincount(inverse, weights=all_values, minlength=len(unique))


def tfidf_row(row: Row, idf: np.ndarray, *, sublinear: bool = True) -> Row:
    """``TfidfVectorizer``'s weighting of one row of counts: (1 + log tf) * idf, l2-normalised."""
    indices, counts = row
    if not len(indices):
        return indices, counts
    values = (np.log(counts) + 1.0) if sublinear else counts.astype(np.float64)
    values = values * idf[indices]
    norm = float(np.sqrt(np.dot(values, values)))
    if norm > 0:
        values = values / norm
    return indices, values


def rows_to_csr(rows: Sequence[Sequence[Row]], widths: Sequence[int]) -> sparse.csr_matrix:
    """Stack documents' rows into one CSR matrix; each document has one row per block.

    Block ``b`` of every document is offset by the widths of the blocks before it.
    """
    offsets = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int64)
    indptr = [0]
    index_parts: list[np.ndarray] = []
    value_parts: list[np.ndarray] = []
    for blocks in rows:
        size = 0
        for (indices, values), offset in zip(blocks, offsets, strict=True):
            index_parts.append(indices + offset)
            value_parts.append(values)
            size += len(indices)
        indptr.append(indptr[-1] + size)
    data: Any = np.concatenate(value_parts) if value_parts else _EMPTY_FLOAT
    cols: Any = np.concatenate(index_parts) if index_parts else _EMPTY_INT
    return sparse.csr_matrix(
        (data, cols, np.asarray(indptr, dtype=np.int64)), shape=(len(rows), int(sum(widths)))
    )
