"""JSON-lines input of ``haidang analyze`` and ``haidang import``: one item per line, checked.

Each line is an object with ``id`` (string), ``text`` (string), and optional ``title``,
``url``, ``source``, ``date``, ``lang`` (strings or null). A line that is not such an
object is reported with its number and the reason; the others are still read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

__all__ = ["InputRecord", "RecordError", "parse_record", "read_records", "parse_date"]

_OPTIONAL = ("title", "url", "source", "date", "lang")


class RecordError(ValueError):
    """Why one input line cannot be used."""


@dataclass(frozen=True, kw_only=True)
class InputRecord:
    id: str
    title: str
    text: str
    url: str | None = None
    source: str | None = None
    date: str | None = None
    lang: str | None = None


def parse_record(line: str) -> InputRecord:
    """One JSON line to a record, or ``RecordError`` saying what is wrong.

    >>> parse_record('{"id": "a1", "title": "Ngư dân Phan Thiết", "text": "..."}').title
    'Ngư dân Phan Thiết'
    """
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RecordError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise RecordError(f"expected a JSON object, got {type(data).__name__}")
    item_id = data.get("id")
    if not isinstance(item_id, str) or not item_id.strip():
        raise RecordError('"id" is required and must be a non-empty string')
    text = data.get("text")
    if not isinstance(text, str):
        raise RecordError(f'item {item_id!r}: "text" is required and must be a string')
    values: dict[str, str | None] = {}
    for key in _OPTIONAL:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise RecordError(f'item {item_id!r}: "{key}" must be a string or null')
        values[key] = value
    title = values.pop("title") or ""
    if not title.strip() and not text.strip():
        raise RecordError(f"item {item_id!r}: both title and text are empty")
    return InputRecord(id=item_id, title=title, text=text, **values)


def read_records(lines: Iterable[str]) -> Iterator[tuple[int, InputRecord | RecordError]]:
    """``(line number, record or error)`` for each non-blank line, numbered from 1."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, parse_record(line)
        except RecordError as exc:
            yield number, exc


def parse_date(value: str, tz: ZoneInfo) -> datetime:
    """An ISO 8601 date or date-time, made timezone-aware (naive values are in ``tz``).

    >>> parse_date("2025-07-01", ZoneInfo("Asia/Ho_Chi_Minh")).isoformat()
    '2025-07-01T00:00:00+07:00'
    """
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text), time())
        except ValueError:
            raise RecordError(f"date {value!r} is not an ISO 8601 date or date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
