"""Language of an item: ``vi``, ``en`` or ``other``, from the text alone (no model, no download).

Vietnamese is recognised by its letters (ă, ơ, ư, ạ, ế, ...) or, when typed without
diacritics, by its function words; English by its function words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.normalize import VIETNAMESE_LETTERS, fold_keep_case, lower_same_length

__all__ = ["LangGuess", "detect", "guess"]

_WORD = re.compile(r"[^\W\d_]+")

# Frequent Vietnamese syllables, folded (so they also catch text typed without accents).
# Kept to ones that are not English words.
_VI_WORDS = frozenset(
    """cua va la cac nhung duoc trong cho voi nguoi nay khong mot da co nam tai theo den
    tu khi ve sau dang se cung nhu tren thi vao ra con lai nhieu nhat dong viec ngay thang
    tinh huyen xa phuong thanh pho viet nuoc chinh phu cong ty""".split()
)
_EN_WORDS = frozenset(
    """the of and to in is was for on that with as by at from are be this which have has
    it an its were their been will not but or after said more who would about than also
    they into over can new government province""".split()
)


@dataclass(frozen=True, kw_only=True)
class LangGuess:
    lang: str
    # Share of letters with a diacritic; near 0 for Vietnamese typed without accents.
    diacritic_share: float
    words: int

    @property
    def unaccented_vietnamese(self) -> bool:
        """Vietnamese written without diacritics ("Phan Thiet mua lon")."""
        return self.lang == "vi" and self.diacritic_share < 0.02


def guess(text: str, *, sample_chars: int = 2000) -> LangGuess:
    """Guess the language from the first ``sample_chars`` characters.

    >>> guess("Ngư dân Bình Thuận bám biển").lang
    'vi'
    >>> guess("Fishermen in Binh Thuan province head out to sea").lang
    'en'
    """
    sample = text[:sample_chars]
    words = _WORD.findall(sample)
    if not words:
        return LangGuess(lang="other", diacritic_share=0.0, words=0)
    letters = sum(len(w) for w in words)
    lowered = lower_same_length(sample)
    folded_text = fold_keep_case(lowered)  # same length as ``lowered``
    # Letters carrying any diacritic ("á", "ã", "ở"), and those only Vietnamese writes ("ở", "ư").
    marked = sum(1 for a, b in zip(lowered, folded_text, strict=False) if a != b) / letters
    vi_specific = sum(lowered.count(c) for c in VIETNAMESE_LETTERS if c in lowered)
    share = min(marked, 1.0)
    folded = _WORD.findall(folded_text)
    vi_hits = sum(1 for w in folded if w in _VI_WORDS) / len(words)
    en_hits = sum(1 for w in folded if w in _EN_WORDS) / len(words)
    if (
        (vi_specific and share >= 0.08)
        or vi_specific / letters >= 0.04
        or (vi_hits >= 0.12 and vi_hits > en_hits)
    ):
        lang = "vi"
    elif en_hits >= 0.08 and share < 0.03:
        lang = "en"
    elif len(words) <= 4 and vi_specific:
        lang = "vi"
    else:
        lang = "other"
    return LangGuess(lang=lang, diacritic_share=share, words=len(words))


def detect(text: str) -> str:
    """``"vi"``, ``"en"`` or ``"other"``."""
    return guess(text).lang
