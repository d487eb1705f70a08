"""Word segmentation, wrapped behind our own functions (underthesea loads lazily, once).

``segment_for_model`` is the exact input the topic model is trained on and predicts
from; ``nlp.analyze`` computes it once per document and shares it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from nlp.normalize import normalize

logger = logging.getLogger(__name__)

__all__ = ["word_tokenize", "segment_for_model", "segment_normalized", "model_input"]


@cache
def _tokenizer() -> Callable[..., Any]:
    # Importing underthesea takes about a second; only pay it when text is segmented.
    from underthesea import word_tokenize as underthesea_word_tokenize

    logger.debug("underthesea word_tokenize loaded")
    return underthesea_word_tokenize


def word_tokenize(text: str) -> list[str]:
    """Vietnamese words (syllables of one word joined by a space).

    >>> word_tokenize("Ngư dân Phan Thiết ra khơi")
    ['Ngư dân', 'Phan Thiết', 'ra', 'khơi']
    """
    if not text.strip():
        return []
    result: list[str] = _tokenizer()(text)
    return result


def model_input(title: str, text: str) -> str:
    """The normalised text the model segments: title and text joined by ". ".

    An empty title is left out rather than leaving a stray full stop.
    """
    parts = [p for p in (normalize(title), normalize(text)) if p]
    return ". ".join(parts)


def segment_for_model(title: str, text: str) -> str:
    """Segmented text, words joined with "_" and separated by spaces (underthesea ``format="text"``).

    >>> segment_for_model("Ngư dân Phan Thiết", "Tàu cá ra khơi")
    'Ngư_dân Phan_Thiết . Tàu cá ra khơi'
    """
    return segment_normalized(model_input(title, text))


def segment_normalized(text: str) -> str:
    """``segment_for_model`` for text already through ``model_input`` (no second normalisation)."""
    if not text:
        return ""
    segmented: str = _tokenizer()(text, format="text")
    return segmented
