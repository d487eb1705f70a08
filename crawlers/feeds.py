"""Feeds: feedparser reads the body Scrapy fetched and returns :class:`FeedEntry` records.

RSS 0.9x, 1.0 (RDF), 2.0 and Atom are all feedparser's business. A body that is
not a feed at all, or is too broken to yield a single entry, is a
:class:`FeedParseError` with the reason, which the spider turns into a
``parse_error`` outcome. Real feeds wrap titles and links in stray newlines
(VnExpress did for years); they are folded away here.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

import feedparser

from crawlers.canonical import canonicalize, is_web_url
from crawlers.dates import parse_date
from crawlers.encoding import decode_html
from crawlers.records import FeedEntry

logger = logging.getLogger(__name__)


class FeedParseError(Exception):
    """The body is not a feed we can read; the message is the reason."""


@dataclass(frozen=True, kw_only=True)
class ParsedFeed:
    title: str
    version: str
    entries: tuple[FeedEntry, ...]


def _fold(value: object) -> str:
    # NFC: a Windows-1258 feed decodes to separate combining tone marks.
    return unicodedata.normalize("NFC", " ".join(str(value or "").split()))


def _summary_text(html: str) -> str:
    """The summary without its markup (feeds put a thumbnail link in it)."""
    if "<" not in html:
        return _fold(html)
    import lxml.html

    try:
        return _fold(lxml.html.fromstring(html).text_content())
    except (ValueError, lxml.etree.ParserError):
        return _fold(html)


_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


def _utf8_body(body: bytes, header_charset: str | None) -> bytes:
    """The feed re-encoded as UTF-8 NFC, whatever it was sent in.

    feedparser's own decoding drops Windows-1258's combining tone marks, so the
    bytes go through the same decoder as HTML pages, the XML declaration's
    encoding counting as declared when the header names none.
    """
    declared = _XML_DECL.match(body[:200])
    charset = header_charset or (declared.group(1).decode("ascii") if declared else None)
    text = decode_html(body, charset)
    text = re.sub(
        r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])[A-Za-z0-9._-]+", r"\g<1>utf-8", text, count=1
    )
    return text.encode("utf-8")


def parse_feed(
    body: bytes,
    *,
    source_id: str,
    url: str,
    max_entries: int | None = None,
    header_charset: str | None = None,
) -> ParsedFeed:
    """Parse a fetched feed body. Entries without a usable link are skipped.

    >>> feed = parse_feed(b'<rss version="2.0"><channel><item><title>\\nBiển Đông\\n</title>'
    ...     b'<link>\\nhttps://vnexpress.net/a-1.html\\n</link></item></channel></rss>',
    ...     source_id="vnexpress", url="https://vnexpress.net/rss/thoi-su.rss")
    >>> feed.entries[0].title, feed.entries[0].url
    ('Biển Đông', 'https://vnexpress.net/a-1.html')
    """
    parsed = feedparser.parse(
        _utf8_body(body, header_charset),
        response_headers={
            "content-location": url,
            "content-type": "application/xml; charset=utf-8",
        },
    )
    version = parsed.get("version") or ""
    raw_entries = parsed.get("entries") or []
    if not version and not raw_entries:
        problem = parsed.get("bozo_exception")
        raise FeedParseError(f"not an RSS or Atom feed ({problem or 'no feed elements found'})")
    if parsed.get("bozo") and not raw_entries:
        raise FeedParseError(f"malformed feed: {parsed.get('bozo_exception')}")
    if parsed.get("bozo"):
        logger.info(
            "feed %s is not well-formed, read anyway: %s", url, parsed.get("bozo_exception")
        )
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in raw_entries:
        link = _fold(raw.get("link") or "").replace(" ", "")
        if not link:
            guid = _fold(raw.get("id") or "")
            link = guid if guid.startswith(("http://", "https://")) else ""
        if not link:
            continue
        link = canonicalize(link, base=url)
        if link in seen or not is_web_url(link):
            continue
        seen.add(link)
        published = parse_date(raw.get("published") or raw.get("updated"))
        entries.append(
            FeedEntry(
                source_id=source_id,
                url=link,
                title=_fold(raw.get("title")),
                summary=_summary_text(str(raw.get("summary") or "")),
                published=published,
                author=_fold(raw.get("author")),
            )
        )
    # Newest first, so a limit keeps the latest news; undated entries keep feed order, last.
    floor = datetime.min.replace(tzinfo=UTC)
    entries.sort(key=lambda e: e.published or floor, reverse=True)
    if max_entries is not None:
        entries = entries[:max_entries]
    if parsed.get("bozo"):
        if not entries:
            raise FeedParseError(f"malformed feed: {parsed.get('bozo_exception')}")
        logger.info(
            "feed %s is not well-formed, read anyway: %s", url, parsed.get("bozo_exception")
        )
    return ParsedFeed(
        title=_fold(parsed.get("feed", {}).get("title")), version=version, entries=tuple(entries)
    )
