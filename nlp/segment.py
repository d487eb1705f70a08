"""Word segmentation, wrapped behind our own functions (underthesea loads lazily, once).

``segment_for_model`` is the exact input the topic model is trained on and predicts
from; ``nlp.analyze`` computes it once per document and shares it.

Segmentation is underthesea's: its regular-expression tokenizer, its token map and its
CRF model (``ws_crf_vlsp2013``), called directly. ``underthesea.word_tokenize`` spends a
fifth of its time in Python per token: it normalises every token's characters again
after normalising the whole text, and finds each match's text by walking a dict of 30
named groups. Here the text is normalised once and a match's text is its ``group(0)``.
Its tokenizer tries a 14-way alternation at every token; here a whitespace-separated
chunk made only of letters is one token without asking it (see ``_tokens``). The CRF
sees the same tokens, so the words are the same (tests/test_nlp_segment.py compares
both on the training data, tricky strings and random ones). When a later underthesea
moves those internals, ``underthesea.word_tokenize`` itself is used.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from re import Pattern
from typing import Any

from nlp.normalize import normalize

logger = logging.getLogger(__name__)

__all__ = ["word_tokenize", "segment_for_model", "segment_normalized", "model_input"]

# underthesea's token_normalize leaves longer tokens alone.
_TOKEN_MAP_MAX_LEN = 6
_CRF_MODEL = "ws_crf_vlsp2013_20230727"
_CHUNK = re.compile(r"\S+")
# underthesea's abbreviation pattern "Th.S" has an unescaped dot: it splits "Thesis"
# into "Thes" + "is". Letter-only chunks starting so go through its pattern.
_ODD_PREFIX = "Th"


@dataclass(frozen=True, kw_only=True)
class _Segmenter:
    """underthesea's tokenizer pieces and loaded CRF, as its ``word_tokenize`` uses them."""

    pattern: Pattern[str]
    normalize_characters: Callable[[str], str]
    token_map: Mapping[str, str]
    featurize: Callable[[list[list[tuple[str]]]], list[Any]]
    tag: Callable[[Any], list[str]]

    def words(self, text: str) -> list[str]:
        text = self.normalize_characters(text)
        get = self.token_map.get
        # Every key of the token map is short: a longer token simply misses it.
        tokens = [get(t, t) for t in _tokens(self.pattern, text)]
        if not tokens:
            return []
        # One-tuples are the featurizer's one-column rows, as ``[token]`` lists are.
        tags = self.tag(self.featurize([list(zip(tokens))])[0])
        words: list[str] = []
        for tag, token in zip(tags, tokens, strict=True):
            if tag == "I-W" and words:
                words[-1] = f"{words[-1]} {token}"
            else:
                words.append(token)
        return words


def _tokens(pattern: Pattern[str], text: str) -> list[str]:
    """``[m.group() for m in pattern.finditer(text)]`` for underthesea's tokenizer pattern.

    Every non-space character starts a match of that pattern (its last alternatives are
    ``\\w+`` and ``[^\\w\\s]``) and no match starts at a space, so each
    whitespace-separated chunk starts a token. A chunk of letters only is one ``\\w+``
    token: every earlier alternative needs a digit, a dot, a hyphen or another
    non-letter, except "Th.S" and "Th.s" (their dot is unescaped: "Thesis" gives "Thes"
    + "is", and "Th s" is one token across the space), hence ``_ODD_PREFIX``. Other
    chunks are matched token by token in place, so look-arounds see the whole text and
    a token may run on into the next chunk.

    >>> _tokens(_segmenter().pattern, "Tp. Phan Thiết, 2024")
    ['Tp.', 'Phan', 'Thiết', ',', '2024']
    """
    tokens: list[str] = []
    append = tokens.append
    match = pattern.match
    done = 0  # where the last token ended
    for chunk in _CHUNK.finditer(text):
        pos, end = chunk.span()
        if pos >= done:
            word = chunk.group()
            if word.isalpha() and not word.startswith(_ODD_PREFIX):
                append(word)
                continue
        pos = max(pos, done)
        while pos < end:
            found = match(text, pos)
            if found is None or found.end() == pos:
                # Not underthesea's pattern as we know it: ask it for every token.
                return [m.group() for m in pattern.finditer(text)]
            append(found.group())
            pos = found.end()
        done = pos
    return tokens


@cache
def _segmenter() -> _Segmenter | None:
    """underthesea's pieces, or ``None`` when this underthesea does not have them."""
    # Importing underthesea takes about a second; only pay it when text is segmented.
    try:
        import underthesea.pipeline.word_tokenize as package
        from underthesea.models.fast_crf_sequence_tagger import FastCRFSequenceTagger
        from underthesea.pipeline.text_normalize.character_normalize import (
            normalize_characters_in_text,
        )
        from underthesea.pipeline.text_normalize.text_normalizer import token_map
        from underthesea.pipeline.word_tokenize.regex_tokenize import patterns

        # underthesea's own instance when it has loaded one, and ours becomes its: one
        # copy of the CRF per process, whichever of the two segments first.
        model = package.word_tokenize_model
        if not isinstance(model, FastCRFSequenceTagger):
            model = FastCRFSequenceTagger()
            model.load(str(Path(package.__file__).parent / "models" / _CRF_MODEL))
            package.word_tokenize_model = model
        segmenter = _Segmenter(
            pattern=patterns,
            normalize_characters=normalize_characters_in_text,
            token_map={k: v for k, v in token_map.items() if len(k) <= _TOKEN_MAP_MAX_LEN},
            featurize=model.featurizer.process,
            tag=model.estimator.tag,
        )
    except (ImportError, AttributeError, OSError) as exc:
        logger.warning("underthesea internals not found (%s): using its word_tokenize", exc)
        return None
    logger.debug("underthesea segmenter loaded")
    return segmenter


@cache
def _underthesea_word_tokenize() -> Callable[..., Any]:
    from underthesea import word_tokenize as underthesea_word_tokenize

    return underthesea_word_tokenize


def word_tokenize(text: str) -> list[str]:
    """Vietnamese words (syllables of one word joined by a space).

    >>> word_tokenize("Ngư dân Phan Thiết ra khơi")
    ['Ngư dân', 'Phan Thiết', 'ra', 'khơi']
    """
    if not text.strip():
        return []
    segmenter = _segmenter()
    if segmenter is None:
        result: list[str] = _underthesea_word_tokenize()(text)
        return result
    return segmenter.words(text)


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
    return " ".join(word.replace(" ", "_") for word in word_tokenize(text))
