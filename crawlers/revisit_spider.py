"""Re-fetch stored articles to catch silent edits and take-downs.

The revisit job (``pipeline.revisit``) hands this spider one :class:`RevisitTarget`
per article. Each target ends in exactly one item:

- a :class:`FetchedPage` (HTTP 200, HTML) for the item pipeline to extract and
  compare with the stored text;
- a :class:`FetchResult` with outcome ``gone`` for 404/410, or for a redirect to
  the site's home page (how many Vietnamese sites "remove" an article);
- a :class:`FetchResult` with any other outcome (500, timeout, not HTML, ...):
  the article is neither changed nor gone, it was just not readable this time.

Like the main spider it knows nothing of the database; ``FetchResult.extra``
carries the article id.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.canonical import canonicalize
from crawlers.encoding import charset_of, decode_html, header_text
from crawlers.outcomes import is_html, outcome_for_exception, outcome_for_status
from crawlers.records import FetchedPage, FetchResult, Outcome

logger = logging.getLogger(__name__)

GONE_STATUSES = (404, 410)
ROLE = "revisit"


@dataclass(frozen=True, kw_only=True)
class RevisitTarget:
    """A stored article to fetch again."""

    article_id: int
    source_id: str
    url: str


def redirected_home(requested: str, final: str) -> bool:
    """True when an article URL now lands on a site's front page."""
    if canonicalize(requested) == canonicalize(final):
        return False
    path = urlsplit(final).path.rstrip("/")
    return path in ("", "/index.html", "/index.php", "/trang-chu", "/home")


class RevisitSpider(scrapy.Spider):
    name = "haidang_revisit"

    def __init__(self, *, targets: list[RevisitTarget], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targets = {target.article_id: target for target in targets}

    async def start(self) -> AsyncIterator[Any]:
        for target in self.targets.values():
            yield scrapy.Request(
                target.url,
                callback=self.parse_article,
                errback=self.on_error,
                dont_filter=True,
                meta={
                    "article_id": target.article_id,
                    "source_id": target.source_id,
                    "handle_httpstatus_list": list(GONE_STATUSES),
                },
            )

    def _result(
        self, target: RevisitTarget, outcome: Outcome, reason: str, status: int | None
    ) -> FetchResult:
        return FetchResult(
            source_id=target.source_id,
            url=target.url,
            outcome=outcome,
            reason=reason,
            http_status=status,
            extra={"role": ROLE, "article_id": target.article_id},
        )

    def parse_article(self, response: Response) -> Iterator[Any]:
        target = self.targets[int(response.meta["article_id"])]
        if response.status in GONE_STATUSES:
            yield self._result(target, Outcome.GONE, f"HTTP {response.status}", response.status)
            return
        if redirected_home(target.url, response.url):
            reason = f"redirected to the home page {response.url}"
            yield self._result(target, Outcome.GONE, reason, response.status)
            return
        outcome, reason = outcome_for_status(response.status)
        if outcome is not Outcome.OK:
            yield self._result(target, outcome, reason, response.status)
            return
        content_type = header_text(response.headers, "Content-Type")
        if not is_html(content_type, response.body[:512]):
            reason = f"not an HTML page ({content_type})"
            yield self._result(target, Outcome.NOT_HTML, reason, response.status)
            return
        yield FetchedPage(
            source_id=target.source_id,
            url=response.url,
            status=response.status,
            html=decode_html(response.body, charset_of(content_type)),
            fetched_at=datetime.now(UTC),
            requested_url=target.url,
        )

    def on_error(self, failure: Failure) -> Iterator[FetchResult]:
        request = failure.request  # type: ignore[attr-defined]
        target = self.targets[int(request.meta["article_id"])]
        exc = failure.value if failure.value is not None else Exception(failure.getErrorMessage())
        outcome, reason, status = outcome_for_exception(exc)
        if status in GONE_STATUSES:
            outcome = Outcome.GONE
        logger.info("revisit %s: %s (%s)", target.url, outcome, reason)
        yield self._result(target, outcome, reason, status)
