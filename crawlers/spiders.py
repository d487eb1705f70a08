"""The spider: every configured source type, one article path, an outcome for every fetch.

The runner (``pipeline.crawl``) hands the spider one :class:`SourceJob` per
source, carrying the crawl state it keeps in the database (ETag,
Last-Modified, article URLs whose earlier fetch failed), and a function that
says whether an article URL is already stored. The spider knows nothing of the
database: it yields records, and the item pipeline stores them.

- ``rss``: a conditional request (304 -> ``not_modified``, nothing further);
  feedparser reads the body; each entry not yet stored is followed.
- ``sitemap``: indexes are followed, (news) sitemaps give entries newest first,
  no older than ``max_age_days``.
- ``listing``: article links by CSS or XPath, pagination up to ``max_pages``.
- ``page``: one watched page, fetched conditionally and extracted as an article.

Every response and every failure yields exactly one :class:`FetchResult`;
article pages also yield an :class:`ArticleDraft`. Their text is extracted in
worker processes (:mod:`crawlers.extract_pool`, Scrapy setting
``EXTRACTION_WORKERS``; 0 extracts on the reactor thread), so the reactor
keeps downloading meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.python.failure import Failure

from crawlers.canonical import canonicalize, is_web_url
from crawlers.encoding import charset_of, decode_html, header_text
from crawlers.extract import NoTextError, extract
from crawlers.extract_pool import ExtractionPool, default_workers
from crawlers.feeds import FeedParseError, parse_feed
from crawlers.outcomes import is_html, outcome_for_exception, outcome_for_status
from crawlers.records import ArticleDraft, FeedEntry, FetchedPage, FetchResult, Outcome
from crawlers.sitemaps import parse_sitemap

logger = logging.getLogger(__name__)

# What a request fetches; stored in FetchResult.extra["role"].
FEED, ARTICLE, SITEMAP_CHILD, LISTING_PAGE = "feed", "article", "sitemap_child", "listing_page"
# Scrapy setting: extraction worker processes (0: extract on the reactor thread).
WORKERS_SETTING = "EXTRACTION_WORKERS"


@dataclass(frozen=True, kw_only=True)
class SourceJob:
    """One source to crawl in this run, with the state the database keeps for it."""

    source_id: str
    type: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    max_entries: int = 100
    link_selector: str | None = None
    next_selector: str | None = None
    max_pages: int = 1
    max_age_days: int = 3
    retry_urls: tuple[str, ...] = ()


def _first_url(meta: dict[str, Any], url: str) -> str:
    """The URL first asked for, before any redirect: the key fetch errors are kept under."""
    redirects = meta.get("redirect_urls") or []
    return str(redirects[0]) if redirects else url


def _select(response: TextResponse, selector: str) -> list[str]:
    """Values picked by a CSS or XPath selector: an element's ``href``, or the text of an attribute."""
    is_xpath = selector.lstrip().startswith(("/", "(", "./"))
    nodes = response.xpath(selector) if is_xpath else response.css(selector)
    values: list[str] = []
    for node in nodes:
        href = node.attrib.get("href") if hasattr(node, "attrib") else None
        value = href if href is not None else node.get()
        if value and "<" not in value:
            values.append(value.strip())
    return values


class SourcesSpider(scrapy.Spider):
    name = "haidang"

    def __init__(
        self,
        *,
        jobs: list[SourceJob],
        known_urls: Callable[[Sequence[str]], set[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        """``known_urls(urls)`` says which of ``urls`` need not be fetched (already stored...)."""
        super().__init__(**kwargs)
        self.jobs = {job.source_id: job for job in jobs}
        self.known_urls = known_urls or (lambda _urls: set())
        self._requested: set[str] = set()
        self._extraction: ExtractionPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourcesSpider:
        spider: SourcesSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._open_extraction, signal=signals.spider_opened)
        return spider

    def _open_extraction(self) -> None:
        workers = self.crawler.settings.getint(WORKERS_SETTING, default_workers())
        if workers > 0:
            self._extraction = ExtractionPool(workers)

    def closed(self, reason: str) -> None:
        del reason
        if self._extraction is not None:
            self._extraction.shutdown()
            self._extraction = None

    async def _extract(self, page: FetchedPage) -> ArticleDraft:
        if self._extraction is None:
            return extract(page)
        draft: ArticleDraft = await maybe_deferred_to_future(self._extraction.extract(page))
        return draft

    async def start(self) -> AsyncIterator[Any]:
        for request in self._start_requests():
            yield request

    def _start_requests(self) -> Iterator[scrapy.Request]:
        for job in self.jobs.values():
            yield self._source_request(job)
            for url in job.retry_urls:
                request = self._article_request(job, FeedEntry(source_id=job.source_id, url=url))
                if request is not None:
                    yield request

    # -- requests ---------------------------------------------------------

    def _source_request(self, job: SourceJob) -> scrapy.Request:
        headers = {}
        if job.etag:
            headers["If-None-Match"] = job.etag
        if job.last_modified:
            headers["If-Modified-Since"] = job.last_modified
        callback = {
            "rss": self.parse_feed,
            "sitemap": self.parse_sitemap,
            "listing": self.parse_listing,
            "page": self.parse_watched_page,
        }[job.type]
        return scrapy.Request(
            job.url,
            headers=headers,
            callback=callback,
            errback=self.on_error,
            dont_filter=True,
            meta={
                "source_id": job.source_id,
                "role": FEED,
                "handle_httpstatus_list": [304],
                "page_number": 1,
            },
        )

    def _article_request(self, job: SourceJob, entry: FeedEntry) -> scrapy.Request | None:
        url = canonicalize(entry.url)
        if url in self._requested:
            return None
        self._requested.add(url)
        return scrapy.Request(
            entry.url,
            callback=self.parse_article,
            errback=self.on_error,
            dont_filter=True,
            meta={"source_id": job.source_id, "role": ARTICLE, "entry": entry},
        )

    def _follow_entries(
        self, job: SourceJob, entries: Sequence[FeedEntry]
    ) -> Iterator[scrapy.Request]:
        web = [entry for entry in entries if is_web_url(entry.url)]
        # One question for the whole feed, not one per entry.
        known = self.known_urls([entry.url for entry in web]) if web else set()
        for entry in web:
            if entry.url in known:
                continue
            request = self._article_request(job, entry)
            if request is not None:
                yield request

    def _result(
        self, response: Response, outcome: Outcome, reason: str = "", **extra: Any
    ) -> FetchResult:
        meta = response.meta
        role = meta.get("role", ARTICLE)
        return FetchResult(
            source_id=meta["source_id"],
            url=_first_url(meta, response.url),
            outcome=outcome,
            reason=reason,
            http_status=response.status,
            is_feed=role == FEED,
            etag=header_text(response.headers, "ETag") if role == FEED else None,
            last_modified=header_text(response.headers, "Last-Modified") if role == FEED else None,
            entries=extra.pop("entries", 0),
            extra={"role": role, **extra},
        )

    # -- callbacks ----------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Any]:
        job = self.jobs[response.meta["source_id"]]
        if response.status == 304:
            yield self._result(response, *outcome_for_status(304))
            return
        try:
            feed = parse_feed(
                response.body,
                source_id=job.source_id,
                url=response.url,
                max_entries=job.max_entries,
            )
        except FeedParseError as exc:
            yield self._result(response, Outcome.PARSE_ERROR, str(exc))
            return
        yield self._result(response, Outcome.OK, entries=len(feed.entries))
        yield from self._follow_entries(job, feed.entries)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        job = self.jobs[response.meta["source_id"]]
        if response.status == 304:
            yield self._result(response, *outcome_for_status(304))
            return
        try:
            page = parse_sitemap(
                response.body,
                source_id=job.source_id,
                url=response.url,
                max_age_days=job.max_age_days,
                max_entries=job.max_entries,
            )
        except FeedParseError as exc:
            yield self._result(response, Outcome.PARSE_ERROR, str(exc))
            return
        yield self._result(response, Outcome.OK, entries=len(page.entries) + len(page.children))
        for child in page.children:
            yield scrapy.Request(
                child,
                callback=self.parse_sitemap,
                errback=self.on_error,
                dont_filter=True,
                meta={"source_id": job.source_id, "role": SITEMAP_CHILD},
            )
        yield from self._follow_entries(job, page.entries)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        job = self.jobs[response.meta["source_id"]]
        if response.status == 304:
            yield self._result(response, *outcome_for_status(304))
            return
        if not isinstance(response, TextResponse):
            yield self._result(response, Outcome.NOT_HTML, "listing page is not HTML")
            return
        links = [response.urljoin(href) for href in _select(response, job.link_selector or "a")]
        entries = tuple(
            FeedEntry(source_id=job.source_id, url=canonicalize(link))
            for link in dict.fromkeys(links)
        )[: job.max_entries]
        yield self._result(response, Outcome.OK, entries=len(entries))
        yield from self._follow_entries(job, entries)
        page_number = int(response.meta.get("page_number", 1))
        if job.next_selector and page_number < job.max_pages:
            following = _select(response, job.next_selector)
            if following:
                yield scrapy.Request(
                    response.urljoin(following[0]),
                    callback=self.parse_listing,
                    errback=self.on_error,
                    dont_filter=True,
                    meta={
                        "source_id": job.source_id,
                        "role": LISTING_PAGE,
                        "page_number": page_number + 1,
                    },
                )

    async def parse_watched_page(self, response: Response) -> AsyncIterator[Any]:
        if response.status == 304:
            yield self._result(response, *outcome_for_status(304))
            return
        async for item in self.parse_article(response):
            yield item

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        content_type = header_text(response.headers, "Content-Type")
        if not is_html(content_type, response.body[:512]):
            yield self._result(response, Outcome.NOT_HTML, f"not an HTML page ({content_type})")
            return
        entry = response.meta.get("entry")
        page = FetchedPage(
            source_id=response.meta["source_id"],
            url=response.url,
            status=response.status,
            html=decode_html(response.body, charset_of(content_type)),
            fetched_at=datetime.now(UTC),
            requested_url=_first_url(response.meta, response.url),
            entry=entry if isinstance(entry, FeedEntry) else None,
        )
        try:
            draft = await self._extract(page)
        except NoTextError as exc:
            yield self._result(response, Outcome.NO_TEXT, str(exc))
            return
        yield draft
        yield self._result(response, Outcome.OK, canonical_url=draft.canonical_url)

    def on_error(self, failure: Failure) -> Iterator[FetchResult]:
        request = failure.request  # type: ignore[attr-defined]
        exc = failure.value if failure.value is not None else Exception(failure.getErrorMessage())
        outcome, reason, status = outcome_for_exception(exc)
        role = request.meta.get("role", ARTICLE)
        logger.info("%s %s: %s (%s)", role, request.url, outcome, reason)
        yield FetchResult(
            source_id=request.meta["source_id"],
            url=_first_url(request.meta, request.url),
            outcome=outcome,
            reason=reason,
            http_status=status,
            is_feed=role == FEED,
            extra={"role": role},
        )
