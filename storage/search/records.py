"""Typed records for search requests and answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

# One piece of highlighted text: (text, is_match). The web escapes each piece itself.
Segment = tuple[str, bool]


class Sort(StrEnum):
    RELEVANCE = "relevance"
    DATE = "date"


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True, kw_only=True)
class SearchFilters:
    """Conditions besides the text query. Empty tuples / ``None`` mean "any".

    Dates are calendar days in Vietnam time (UTC+7), both ends inclusive.
    """

    date_from: date | None = None
    date_to: date | None = None
    sources: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tiers: tuple[int, ...] = ()
    topics: tuple[str, ...] = ()
    province: bool | None = None
    flagged: bool | None = None
    status: str | None = None
    lang: str | None = None
    cluster: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the set filters (saved searches store this)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if value is None or value == ():
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SearchFilters:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown search filters: {', '.join(sorted(unknown))}")
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("date_from", "date_to") and value is not None:
                value = date.fromisoformat(value)
            elif isinstance(value, list):
                value = tuple(value)
            kwargs[key] = value
        return cls(**kwargs)


@dataclass(frozen=True, kw_only=True)
class SearchRequest:
    query: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: Sort = Sort.RELEVANCE
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, kw_only=True)
class SearchHit:
    article_id: int
    url: str
    title: str
    source_id: str
    source_name: str
    published_at: datetime | None
    lang: str
    topics: tuple[str, ...]
    province_relevant: bool
    cluster_id: int | None
    score: float | None
    title_segments: tuple[Segment, ...]
    snippet: tuple[Segment, ...]


@dataclass(frozen=True, kw_only=True)
class SearchPage:
    hits: tuple[SearchHit, ...]
    total: int


@dataclass(frozen=True, kw_only=True)
class Facets:
    topics: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, int], ...]
    days: tuple[tuple[date, int], ...]


@dataclass(frozen=True, kw_only=True)
class EntityCount:
    text: str
    label: str
    articles: int
