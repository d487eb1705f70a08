"""Typed records that flow out of the crawlers (one per stage)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """How a fetch ended. A small fixed set, stored and counted per source."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    DNS_ERROR = "dns_error"
    CONNECTION_ERROR = "connection_error"
    TOO_LARGE = "too_large"
    NOT_HTML = "not_html"
    PARSE_ERROR = "parse_error"
    NO_TEXT = "no_text"
    ROBOTS_DENIED = "robots_denied"
    REDIRECT_LOOP = "redirect_loop"
    GONE = "gone"
    SKIPPED_IRRELEVANT = "skipped_irrelevant"


@dataclass(frozen=True, kw_only=True)
class FeedEntry:
    """One entry of a feed, listing or sitemap, before its page is fetched."""

    source_id: str
    url: str
    title: str = ""
    summary: str = ""
    published: datetime | None = None
    author: str = ""


def _shallow(record: Any) -> dict[str, Any]:
    # Not dataclasses.asdict: it deep-copies every value, a cost paid per page.
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _dates_to_json(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        if data.get(key) is not None:
            data[key] = data[key].isoformat()
    return data


def _dates_from_json(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    values = dict(data)
    for key in keys:
        if values.get(key) is not None:
            values[key] = datetime.fromisoformat(values[key])
    return values


@dataclass(frozen=True, kw_only=True)
class FetchedPage:
    """An HTTP response for an article page, decoded to text."""

    source_id: str
    url: str
    status: int
    html: str
    fetched_at: datetime
    requested_url: str = ""
    entry: FeedEntry | None = None

    def to_json(self) -> dict[str, Any]:
        data = _dates_to_json(_shallow(self), "fetched_at")
        if self.entry is not None:
            data["entry"] = _dates_to_json(_shallow(self.entry), "published")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FetchedPage:
        """The inverse of :meth:`to_json`."""
        values = _dates_from_json(data, "fetched_at")
        if values.get("entry") is not None:
            values["entry"] = FeedEntry(**_dates_from_json(values["entry"], "published"))
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class ArticleDraft:
    """An extracted article, ready for analysis and storage."""

    source_id: str
    url: str
    canonical_url: str
    title: str
    text: str
    fetched_at: datetime
    summary: str = ""
    author: str = ""
    published: datetime | None = None
    lang: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _dates_to_json(_shallow(self), "fetched_at", "published")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArticleDraft:
        """The inverse of :meth:`to_json`."""
        return cls(**_dates_from_json(data, "fetched_at", "published"))


@dataclass(frozen=True, kw_only=True)
class FetchResult:
    """The outcome of one fetch: every fetch ends in exactly one of these."""

    source_id: str
    url: str
    outcome: Outcome
    reason: str = ""
    http_status: int | None = None
    is_feed: bool = False
    etag: str | None = None
    last_modified: str | None = None
    entries: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
