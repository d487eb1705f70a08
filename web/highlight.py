"""Evidence highlighting: an article's text cut into (text, is_match) segments, server-side.

Signal evidence (``flags.signals``) carries spans into the *normalized* title or text
(``nlp.normalize.normalize``), as the risk rules saw them. The segments are plain
strings; the template escapes every one, so crawled text never becomes markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from nlp.normalize import normalize

Segment = tuple[str, bool]
Span = tuple[int, int]


@dataclass(frozen=True, kw_only=True)
class HighlightedText:
    title: tuple[Segment, ...]
    paragraphs: tuple[tuple[Segment, ...], ...]
    matched: int  # how many evidence spans were found in the text


def _evidence_items(signals: Iterable[Any]) -> Iterable[dict[str, Any]]:
    """Every evidence entry that points into the text: sentence matches and contradictions."""
    for signal in signals:
        if not isinstance(signal, dict):
            continue
        evidence = signal.get("evidence")
        if not isinstance(evidence, dict):
            continue
        matches = evidence.get("matches")
        if isinstance(matches, list):
            yield from (m for m in matches if isinstance(m, dict))
        elif "sentence" in evidence:
            yield evidence


def _as_span(value: Any) -> Span | None:
    if (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, int) for v in value)
    ):
        return int(value[0]), int(value[1])
    return None


def _locate(text: str, item: dict[str, Any]) -> Span | None:
    """The item's span in ``text``, checked against the quoted words; else the words searched for."""
    wanted = str(item.get("matched") or item.get("text") or "")
    span = _as_span(item.get("matched_span")) or _as_span(item.get("span"))
    if span is not None:
        start, end = span
        if 0 <= start < end <= len(text) and (not wanted or text[start:end] == wanted):
            return span
    for needle in (wanted, str(item.get("sentence") or "")):
        if needle:
            found = text.find(needle)
            if found >= 0:
                return found, found + len(needle)
    return None


def merge(spans: Iterable[Span]) -> list[Span]:
    """Overlapping or touching spans joined, in order.

    >>> merge([(5, 8), (0, 2), (1, 3), (8, 9)])
    [(0, 3), (5, 9)]
    """
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def segments(
    text: str, spans: Sequence[Span], start: int = 0, end: int | None = None
) -> tuple[Segment, ...]:
    """``text[start:end]`` as segments, the parts inside ``spans`` (merged) marked.

    >>> segments("Đảo Hoàng Sa của Việt Nam", [(4, 12)])
    (('Đảo ', False), ('Hoàng Sa', True), (' của Việt Nam', False))
    """
    end = len(text) if end is None else end
    out: list[Segment] = []
    pos = start
    for a, b in merge(spans):
        a, b = max(a, pos), min(b, end)
        if b <= a:
            continue
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    if pos < end:
        out.append((text[pos:end], False))
    return tuple(out)


def highlight_article(title: str, text: str, signals: Iterable[Any]) -> HighlightedText:
    """The article's title and paragraphs with every signal's evidence marked.

    >>> signals = [{"name": "terminology", "evidence": {"matches": [
    ...     {"field": "text", "span": [10, 16], "text": "Tây Sa"}]}}]
    >>> highlight_article("Tin", "Quần đảo  Tây Sa", signals).paragraphs
    ((('Quần đảo ', False), ('Tây Sa', True)),)
    """
    fields = {"title": normalize(title), "text": normalize(text)}
    spans: dict[str, list[Span]] = {"title": [], "text": []}
    for item in _evidence_items(signals):
        field = "title" if item.get("field") == "title" else "text"
        span = _locate(fields[field], item)
        if span is None and field == "text":
            # Evidence may come from the title although the field says otherwise (older analyses).
            field, span = "title", _locate(fields["title"], item)
        if span is not None:
            spans[field].append(span)
    body = fields["text"]
    paragraphs = []
    pos = 0
    for line in body.split("\n"):
        end = pos + len(line)
        if line.strip():
            paragraphs.append(segments(body, spans["text"], pos, end))
        pos = end + 1
    return HighlightedText(
        title=segments(fields["title"], spans["title"]),
        paragraphs=tuple(paragraphs),
        matched=len(spans["title"]) + len(spans["text"]),
    )


def sentence_segments(item: dict[str, Any]) -> tuple[Segment, ...]:
    """A contradiction's sentence with the contradicting words marked (for the side-by-side view)."""
    sentence = str(item.get("sentence") or "")
    matched = str(item.get("matched") or "")
    found = sentence.find(matched) if matched else -1
    if found < 0:
        return ((sentence, False),) if sentence else ()
    return segments(sentence, [(found, found + len(matched))])
