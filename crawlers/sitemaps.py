"""Sitemaps: indexes and (news) sitemaps -> child sitemaps and :class:`FeedEntry` records.

Newest first, and nothing older than the source's ``max_age_days``: a news
sitemap date (``news:publication_date``) wins over ``lastmod``. An entry with no
date at all is kept (some sites date nothing), after the dated ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from lxml import etree

from crawlers.canonical import canonicalize
from crawlers.dates import parse_date
from crawlers.feeds import FeedParseError
from crawlers.records import FeedEntry

logger = logging.getLogger(__name__)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


@dataclass(frozen=True, kw_only=True)
class SitemapPage:
    children: tuple[str, ...]
    entries: tuple[FeedEntry, ...]


def _child_text(node: etree._Element, name: str) -> str:
    found = node.xpath(f".//*[local-name()='{name}']/text()")
    return " ".join(str(found[0]).split()) if found else ""


def parse_sitemap(
    body: bytes,
    *,
    source_id: str,
    url: str,
    max_age_days: int,
    max_entries: int | None = None,
    now: datetime | None = None,
) -> SitemapPage:
    """Read a sitemap index or urlset; raise :class:`FeedParseError` when it is neither."""
    now = now or datetime.now(UTC)
    oldest = now - timedelta(days=max_age_days)
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FeedParseError(f"sitemap is not XML: {exc}") from exc
    if root is None:
        raise FeedParseError("sitemap is empty or not XML")
    kind = etree.QName(root).localname.lower()
    if kind not in {"sitemapindex", "urlset"}:
        raise FeedParseError(f"not a sitemap (root element <{kind}>)")
    dated: list[tuple[datetime | None, str, etree._Element]] = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        when = parse_date(_child_text(node, "publication_date") or None) or parse_date(
            _child_text(node, "lastmod") or None, now=now
        )
        if when is not None and when < oldest:
            continue
        dated.append((when, urljoin(url, loc), node))
    floor = datetime.min.replace(tzinfo=UTC)
    dated.sort(key=lambda item: item[0] or floor, reverse=True)
    if kind == "sitemapindex":
        return SitemapPage(children=tuple(loc for _, loc, _ in dated), entries=())
    entries = [
        FeedEntry(
            source_id=source_id,
            url=canonicalize(loc),
            title=_child_text(node, "title"),
            published=when,
        )
        for when, loc, node in dated
    ]
    if max_entries is not None:
        entries = entries[:max_entries]
    return SitemapPage(children=(), entries=tuple(entries))
