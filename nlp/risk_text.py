"""Text helpers for risk signals: sentences with offsets, term matching, numbers with units.

All offsets are into the text as given (callers pass ``nlp.normalize.normalize`` output),
so evidence spans can be highlighted in the stored article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nlp.normalize import fold, lower_same_length

__all__ = [
    "Sentence",
    "TermMatcher",
    "Quantity",
    "sentences",
    "quantities",
    "parse_number",
    "preceded_by",
]


@dataclass(frozen=True, kw_only=True)
class Sentence:
    field: str  # "title" or "text"
    start: int
    end: int
    text: str


# A sentence ends at . ! ? … or a newline; "7.812,8" and "TP.HCM" do not end one
# because the split needs whitespace after the mark.
_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+|\n+")


def sentences(text: str, field: str = "text") -> list[Sentence]:
    """Split into sentences, keeping offsets.

    >>> [s.text for s in sentences("Bờ biển dài 192 km. Phú Quý cách 120 km!")]
    ['Bờ biển dài 192 km.', 'Phú Quý cách 120 km!']
    """
    result: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        _add_sentence(result, text, start, match.start(), field)
        start = match.end()
    _add_sentence(result, text, start, len(text), field)
    return result


def _add_sentence(out: list[Sentence], text: str, start: int, end: int, field: str) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    begin = start + lead
    out.append(Sentence(field=field, start=begin, end=begin + len(stripped), text=stripped))


class TermMatcher:
    """Find whole-word occurrences of configured terms.

    ``folded=True`` ignores diacritics (for names: "Hoang Sa" finds "Hoàng Sa");
    ``folded=False`` only ignores case (for short common words, where folding would
    confuse "bờ" with "Bộ").

    >>> TermMatcher(["Tây Sa"], folded=True).find("quần đảo Tay Sa")
    [(9, 15, 'Tây Sa')]
    """

    def __init__(self, terms: Iterable[str], *, folded: bool) -> None:
        self.folded = folded
        keyed: dict[str, str] = {}
        for term in terms:
            term = " ".join(term.split())
            if term:
                keyed.setdefault(self._key(term), term)
        self._terms = keyed
        if keyed:
            alternatives = sorted(keyed, key=len, reverse=True)
            pattern = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in alternatives)
            # No leading ``(?<!\w)``: a pattern that starts with the alternation lets the
            # regex engine skip to the terms' first letters, twice as fast on long texts.
            # ``_matches`` checks the word boundary before a match instead.
            self._regex: re.Pattern[str] | None = re.compile(rf"(?:{pattern})(?!\w)")
        else:
            self._regex = None

    def _key(self, text: str) -> str:
        return _folded(text) if self.folded else _lowered(text)

    def __bool__(self) -> bool:
        return self._regex is not None

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, configured term)`` for each occurrence, left to right."""
        if self._regex is None:
            return []
        found = []
        for match in self._matches(self._key(text)):
            term = self._terms.get(" ".join(match.group(0).split()), match.group(0))
            found.append((match.start(), match.end(), term))
        return found

    def search(self, text: str) -> bool:
        return self._regex is not None and next(self._matches(self._key(text)), None) is not None

    def _matches(self, key: str) -> Iterator[re.Match[str]]:
        r"""``finditer`` of the pattern with ``(?<!\w)`` in front: a match right after a
        word character is dropped and the search goes on from the next character."""
        regex = self._regex
        if regex is None:
            return
        pos = 0
        while (match := regex.search(key, pos)) is not None:
            start = match.start()
            if start and _is_word_char(key[start - 1]):
                pos = start + 1
                continue
            yield match
            pos = match.end()


def _is_word_char(char: str) -> bool:
    r"""What ``\w`` matches in a ``str`` pattern."""
    return char.isalnum() or char == "_"


# Every matcher (dozens per configuration: each fact has several) looks at the same
# sentences; folding a sentence once instead of once per matcher halves the rules' cost.
@lru_cache(maxsize=256)
def _folded(text: str) -> str:
    return fold(text)


@lru_cache(maxsize=256)
def _lowered(text: str) -> str:
    return lower_same_length(text)


_CLAUSE_BREAK = re.compile(r"[,;:()\"“”]|\s(?:mà|nhưng|song|còn|but|whereas|while)\s", re.IGNORECASE)


def preceded_by(text: str, start: int, matcher: TermMatcher, words: int = 3) -> bool:
    """Whether one of ``matcher``'s terms ends within ``words`` words before ``start``.

    >>> preceded_by("Hoàng Sa không thuộc Trung Quốc", 15, TermMatcher(["không"], folded=False))
    True
    """
    before = text[:start]
    # A negation does not reach across a clause break or a contrast
    # ("không thuộc Trung Quốc mà là của Việt Nam").
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    tokens = before.split()
    window = " ".join(tokens[-words:]) if tokens else ""
    return matcher.search(window)


# --- numbers with units ----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Quantity:
    value: float
    unit: str
    start: int
    end: int
    text: str
    # "min" after "hơn"/"trên"/"more than", "max" after "dưới"/"less than", else "".
    bound: str = ""

    def agrees(self, official: float, tolerance: float) -> bool:
        """Whether this stated figure is consistent with the official one.

        >>> Quantity(value=100, unit="km", start=0, end=6, text="100 km", bound="min").agrees(120, 0.1)
        True
        """
        low, high = official * (1 - tolerance), official * (1 + tolerance)
        if official < 0:
            low, high = high, low
        if self.bound == "min":
            return high >= self.value
        if self.bound == "max":
            return low <= self.value
        return low <= self.value <= high


# Folded unit spellings -> canonical unit (the values of facts.yaml ``unit``).
UNIT_ALIASES: dict[str, str] = {
    "km2": "km2",
    "km²": "km2",
    "ki-lo-met vuong": "km2",
    "kilomet vuong": "km2",
    "square kilometres": "km2",
    "square kilometers": "km2",
    "sq km": "km2",
    "km": "km",
    "ki-lo-met": "km",
    "kilomet": "km",
    "kilometres": "km",
    "kilometers": "km",
    "ha": "ha",
    "hecta": "ha",
    "hec-ta": "ha",
    "hectares": "ha",
    "tan": "tan",
    "tonnes": "tan",
    "tons": "tan",
    "nguoi": "nguoi",
    "nhan khau": "nguoi",
    "people": "nguoi",
    "residents": "nguoi",
    "%": "%",
    "phan tram": "%",
    "percent": "%",
    "hai ly": "hai_ly",
    "nautical miles": "hai_ly",
    "mw": "mw",
    "dong": "dong",
    "vnd": "dong",
    "nam": "nam",
    "years": "nam",
    "usd": "usd",
    "do la my": "usd",
    "dollars": "usd",
    "us dollars": "usd",
    "tau ca": "tau",
    "tau": "tau",
    "fishing boats": "tau",
    "fishing vessels": "tau",
    "vessels": "tau",
    "boats": "tau",
}

MULTIPLIERS: dict[str, float] = {
    "nghin": 1e3,
    "ngan": 1e3,
    "thousand": 1e3,
    "trieu": 1e6,
    "million": 1e6,
    "ty": 1e9,
    "billion": 1e9,
}

_NUMBER = r"\d+(?:[.,]\d+)*"
_MULT = "|".join(sorted(map(re.escape, MULTIPLIERS), key=len, reverse=True))
_UNIT = "|".join(sorted(map(re.escape, UNIT_ALIASES), key=len, reverse=True))
# Matched on folded text. "km/h" is a speed, not a distance: the unit may not be followed by "/".
_QUANTITY = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUMBER})\s*(?:(?P<mult>{_MULT})\s+)?(?P<unit>{_UNIT})(?![\w/²])"
)


# Folded words right before a figure that make it a bound rather than a value.
_BOUND_MIN = re.compile(r"(?:hon|tren|it nhat|toi thieu|more than|over|at least)\s*$")
_BOUND_MAX = re.compile(r"(?:duoi|chua den|chua toi|toi da|less than|under|up to|at most)\s*$")


def parse_number(token: str) -> float | None:
    """Read a number written the Vietnamese way ("7.812,8") or the English way ("7,812.8").

    >>> parse_number("33.000"), parse_number("1,25"), parse_number("7,812.8")
    (33000.0, 1.25, 7812.8)
    """
    if "." in token and "," in token:
        decimal = "." if token.rfind(".") > token.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        cleaned = token.replace(thousands, "").replace(decimal, ".")
    elif "." in token or "," in token:
        sep = "." if "." in token else ","
        parts = token.split(sep)
        if len(parts) > 2 or len(parts[-1]) == 3:
            cleaned = "".join(parts)  # thousands separators: 33.000, 1,250,000
        else:
            cleaned = ".".join(parts)
    else:
        cleaned = token
    try:
        return float(cleaned)
    except ValueError:
        return None


def quantities(text: str) -> list[Quantity]:
    """Numbers followed by a unit we know, with multipliers applied.

    >>> [(q.value, q.unit) for q in quantities("dân số 1,25 triệu người, bờ biển 192 km")]
    [(1250000.0, 'nguoi'), (192.0, 'km')]
    """
    found = []
    folded = fold(text)
    for match in _QUANTITY.finditer(folded):
        value = parse_number(match.group("num"))
        if value is None:
            continue
        mult = match.group("mult")
        if mult:
            value *= MULTIPLIERS[mult]
        unit = UNIT_ALIASES[" ".join(match.group("unit").split())]
        before = folded[max(0, match.start() - 16) : match.start()]
        bound = "min" if _BOUND_MIN.search(before) else "max" if _BOUND_MAX.search(before) else ""
        found.append(
            Quantity(
                value=value,
                unit=unit,
                start=match.start(),
                end=match.end(),
                text=text[match.start() : match.end()],
                bound=bound,
            )
        )
    return found


def nearest(items: Sequence[Quantity], position: int) -> Quantity:
    return min(items, key=lambda q: min(abs(q.start - position), abs(q.end - position)))
