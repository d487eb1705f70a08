"""One extraction path for every article page: :class:`FetchedPage` -> :class:`ArticleDraft`.

trafilatura finds the title, main text, author and date, first in its fast mode
(its own algorithm only); the full mode, which also runs readability and jusText
and keeps whichever did best, runs when the fast result looks weak: short, or
well under the page's paragraph text. The page's own
metadata, when present, wins over trafilatura's guesses: ``og:`` tags,
JSON-LD ``NewsArticle`` and ``<link rel=canonical>`` are what the publisher
says about its article. A page with no extractable text raises
:class:`NoTextError` (outcome ``no_text``) instead of becoming an empty article.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.metadata import extract_metadata

from crawlers.canonical import canonicalize, same_site
from crawlers.dates import parse_date
from crawlers.records import ArticleDraft, FetchedPage

logger = logging.getLogger(__name__)

# Shorter than this is a teaser, a cookie wall or an error page, not an article.
MIN_TEXT_CHARS = 80
# trafilatura's fast result is kept when it has at least this many characters and at
# least this share of the page's <p> text; otherwise the full extraction decides.
FAST_MIN_CHARS = 1500
FAST_MIN_SHARE = 0.5
ARTICLE_TYPES = frozenset(
    {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting"}
)


class NoTextError(Exception):
    """The page has no article text we can extract; the message is the reason."""


@dataclass(frozen=True, kw_only=True)
class PageMetadata:
    """What the page says about itself."""

    canonical: str = ""
    title: str = ""
    description: str = ""
    author: str = ""
    published: str = ""
    lang: str = ""


def _fold(value: object) -> str:
    return " ".join(str(value or "").split())


def _json_ld_objects(tree: Any) -> Iterator[dict[str, Any]]:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                yield node
                if isinstance(node.get("@graph"), list):
                    stack.extend(node["@graph"])


def _is_article(node: dict[str, Any]) -> bool:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds)


def _author_name(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(filter(None, (_author_name(v) for v in value)))
    if isinstance(value, dict):
        return _fold(value.get("name"))
    return _fold(value)


def read_metadata(tree: Any) -> PageMetadata:
    """Canonical link, ``og:``/``article:`` meta tags and JSON-LD NewsArticle, in that order of trust."""

    def meta(*names: str) -> str:
        for name in names:
            for attr in ("property", "name", "itemprop"):
                found = tree.xpath(f'//meta[@{attr}="{name}"]/@content')
                if found and _fold(found[0]):
                    return _fold(found[0])
        return ""

    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    data = PageMetadata(
        canonical=_fold(canonical[0]) if canonical else meta("og:url"),
        title=meta("og:title", "twitter:title"),
        description=meta("og:description", "description"),
        author=meta("article:author", "author", "dc.creator"),
        published=meta("article:published_time", "datePublished", "pubdate", "dc.date")
        or _fold((tree.xpath("//article//time/@datetime") or [""])[0]),
        lang=_fold((tree.xpath("/html/@lang") or [""])[0]).split("-")[0].lower(),
    )
    for node in _json_ld_objects(tree):
        if not _is_article(node):
            continue
        # JSON-LD is written for search engines and is usually the cleanest source.
        entity = node.get("mainEntityOfPage")
        entity_url = entity.get("@id") if isinstance(entity, dict) else entity
        return PageMetadata(
            canonical=data.canonical or _fold(node.get("url") or entity_url),
            title=_fold(node.get("headline")) or data.title,
            description=_fold(node.get("description")) or data.description,
            author=_author_name(node.get("author")) or data.author,
            published=_fold(node.get("datePublished")) or data.published,
            lang=data.lang or _fold(node.get("inLanguage")).split("-")[0].lower(),
        )
    return data


def _parse_tree(html: str) -> Any:
    try:
        return lxml.html.fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise NoTextError(f"page could not be parsed as HTML: {exc}") from exc


def _trafilatura(page: FetchedPage, *, fast: bool) -> str:
    """trafilatura's main text of the page ("" when it finds none)."""
    doc = trafilatura.bare_extraction(
        page.html, url=page.url, fast=fast, include_comments=False, include_tables=True
    )
    found = doc if isinstance(doc, dict) else {} if doc is None else doc.as_dict()
    return str(found.get("text") or "").strip()


def _paragraph_chars(tree: Any) -> int:
    """How much text the page's ``<p>`` elements hold."""
    return sum(len(p.text_content()) for p in tree.iter("p"))


def _guessed_metadata(page: FetchedPage) -> dict[str, Any]:
    """trafilatura's title, date and author for a page whose own metadata lacks some."""
    return extract_metadata(page.html, default_url=page.url).as_dict()


def _drop_leading_title(text: str, title: str) -> str:
    """trafilatura keeps an ``<h1>`` inside the article; the title is stored on its own."""
    first, _, rest = text.partition("\n")
    if title and _fold(first) == _fold(title) and rest.strip():
        return rest.strip()
    return text


def extract(page: FetchedPage) -> ArticleDraft:
    """Turn a fetched article page into a draft, or raise :class:`NoTextError`.

    Title and date fall back on the feed entry that led to the page.
    """
    if not page.html.strip():
        raise NoTextError("empty page")
    tree = _parse_tree(page.html)
    meta = read_metadata(tree)
    text = _trafilatura(page, fast=True)
    if len(text) < FAST_MIN_CHARS or len(text) < FAST_MIN_SHARE * _paragraph_chars(tree):
        text = _trafilatura(page, fast=False)
    if len(text) < MIN_TEXT_CHARS:
        raise NoTextError(
            f"no article text found ({len(text)} characters extracted, {MIN_TEXT_CHARS} needed)"
        )
    entry = page.entry
    # trafilatura's guesses at title, date and author, only when the page does not say.
    found = {} if meta.title and meta.published and meta.author else _guessed_metadata(page)
    title = meta.title or _fold(found.get("title")) or (entry.title if entry else "")
    published = (
        parse_date(meta.published)
        or parse_date(found.get("date"))
        or (entry.published if entry else None)
    )
    text = _drop_leading_title(text, title)
    canonical = canonicalize(page.url)
    if meta.canonical:
        declared = canonicalize(meta.canonical, base=page.url)
        # A canonical link to another site is a syndication note, not our article's address.
        if declared.startswith(("http://", "https://")) and same_site(declared, page.url):
            canonical = declared
    return ArticleDraft(
        source_id=page.source_id,
        url=page.url,
        canonical_url=canonical,
        title=title,
        text=text,
        fetched_at=page.fetched_at,
        summary=meta.description or (entry.summary if entry else ""),
        author=meta.author or _fold(found.get("author")) or (entry.author if entry else ""),
        published=published,
        lang=meta.lang or None,
    )
