"""Named entities (people, organisations, places) with underthesea NER, run per sentence.

NER over a whole article is about 7x slower than word segmentation, so ``nlp.analyze``
only runs it when asked (``Analyzer(..., entities=True)``). Running it per sentence keeps
each CRF input short, which is what makes it usable at all on long articles.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["extract_entities", "ENTITY_TYPES"]

ENTITY_TYPES = ("PER", "ORG", "LOC")
# Sentences longer than this are cut: the CRF's cost grows with length and news
# sentences this long are tables or lists.
_MAX_SENTENCE_CHARS = 1000


@cache
def _models() -> tuple[Callable[[str], list[str]], Callable[[str], list[tuple[str, ...]]]]:
    from underthesea import ner, sent_tokenize

    return sent_tokenize, ner


def _spans(tagged: list[tuple[Any, ...]]) -> list[tuple[str, str]]:
    """Join B-/I- tagged words into (text, type) spans."""
    spans: list[tuple[str, str]] = []
    words: list[str] = []
    current = ""
    for row in tagged:
        word, tag = str(row[0]), str(row[-1])
        prefix, _, kind = tag.partition("-")
        if prefix == "I" and kind == current and words:
            words.append(word)
            continue
        if words:
            spans.append((" ".join(words), current))
        words, current = (
            ([word], kind) if prefix in ("B", "I") and kind in ENTITY_TYPES else ([], "")
        )
    if words:
        spans.append((" ".join(words), current))
    return spans


def extract_entities(text: str) -> tuple[tuple[str, str], ...]:
    """Distinct (text, type) entities in order of first mention; type is PER, ORG or LOC.

    Example: "Ông Nguyễn Văn A nói." gives ``(("Nguyễn Văn A", "PER"),)``.
    """
    if not text.strip():
        return ()
    sent_tokenize, ner = _models()
    seen: dict[tuple[str, str], None] = {}
    for sentence in sent_tokenize(text):
        sentence = sentence[:_MAX_SENTENCE_CHARS]
        if not sentence.strip():
            continue
        for span in _spans(ner(sentence)):
            seen.setdefault(span, None)
    return tuple(seen)
