"""nlp.features: one document's n-gram counts and TF-IDF, equal to scikit-learn's vectorizers."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from nlp.features import NgramCounter, rows_to_csr, tfidf_row

CORPUS = [
    "Ngư dân Phú Quý bám biển Hoàng Sa, tàu cá vươn khơi dài ngày.",
    "Bộ đội Biên phòng   bắt vụ buôn lậu qua đường mòn biên giới!!",
    "Thanh long Bình Thuận được cấp chỉ dẫn địa lý; giá thanh long tăng 15% so với 2024.",
    "Vietnam protests Chinese survey ship near the Spratly Islands",
    "a b c",
    "Ngư_dân Phú_Quý . bám biển Hoàng_Sa",
]
UNSEEN = [
    "Du khách đến Mũi Né tăng mạnh, biển Mũi Né đẹp như tranh.",
    "Khởi nghiệp đổi mới sáng tạo: 36-NQ/TW và nghị quyết 57 về khoa học công nghệ",
    "",
    "!!! ...",
    "hoà hoà hoà",
]


def _pair(
    analyzer: Literal["word", "char_wb"], ngram_range: tuple[int, int]
) -> tuple[CountVectorizer, NgramCounter]:
    fitted = CountVectorizer(analyzer=analyzer, ngram_range=ngram_range, lowercase=False)
    fitted.fit(CORPUS)
    vocabulary = {str(k): int(v) for k, v in fitted.vocabulary_.items()}
    return fitted, NgramCounter(vocabulary, analyzer=analyzer, ngram_range=ngram_range)


@pytest.mark.parametrize(
    ("analyzer", "ngram_range"),
    [
        ("word", (1, 2)),
        ("word", (1, 1)),
        ("word", (2, 3)),
        ("char_wb", (2, 5)),
        ("char_wb", (1, 3)),
    ],
)
def test_counts_equal_scikit_learn(
    analyzer: Literal["word", "char_wb"], ngram_range: tuple[int, int]
) -> None:
    fitted, counter = _pair(analyzer, ngram_range)
    docs = CORPUS + UNSEEN
    expected = fitted.transform(docs).toarray()
    # Twice: the second pass answers char n-grams from the per-word cache.
    for _ in range(2):
        got = np.zeros_like(expected, dtype=np.float64)
        for i, doc in enumerate(docs):
            indices, values = counter.counts(doc)
            assert list(indices) == sorted(indices)
            got[i, indices] = values
        np.testing.assert_array_equal(got, expected)


def test_tfidf_rows_equal_tfidf_vectorizer() -> None:
    tfidf = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), lowercase=False, sublinear_tf=True
    )
    tfidf.fit(CORPUS)
    counter = NgramCounter(
        {str(k): int(v) for k, v in tfidf.vocabulary_.items()},
        analyzer="char_wb",
        ngram_range=(2, 4),
    )
    docs = CORPUS + UNSEEN
    rows = [[tfidf_row(counter.counts(doc), tfidf.idf_)] for doc in docs]
    got = rows_to_csr(rows, [len(tfidf.idf_)]).toarray()
    np.testing.assert_allclose(got, tfidf.transform(docs).toarray(), atol=1e-12)


def test_blocks_are_offset_side_by_side() -> None:
    first = (np.array([0, 2]), np.array([1.0, 2.0]))
    second = (np.array([1]), np.array([3.0]))
    matrix = rows_to_csr([[first, second], [second, first]], [3, 2]).toarray()
    assert matrix.tolist() == [[1.0, 0.0, 2.0, 0.0, 3.0], [0.0, 3.0, 0.0, 1.0, 0.0]]


def test_the_word_cache_stays_bounded() -> None:
    counter = NgramCounter({" a": 0}, analyzer="char_wb", ngram_range=(2, 3), cache_words=10)
    for i in range(100):
        counter.counts(f"a{i} b{i} a")
        assert len(counter._word_grams) <= 10
    assert counter.counts("a a a")[1].tolist() == [3.0]


def test_unknown_analyzer_is_refused() -> None:
    with pytest.raises(ValueError, match="analyzer"):
        NgramCounter({}, analyzer="char", ngram_range=(1, 2))  # type: ignore[arg-type]
