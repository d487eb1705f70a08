"""Every fetch ends in an :class:`Outcome` with a reason (after rss-fetcher's
``request_exception_to_status``): Scrapy and Twisted failures and HTTP statuses
are mapped here, and nowhere else."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_error
from twisted.internet.defer import CancelledError
from twisted.internet.defer import TimeoutError as DeferTimeoutError
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawlers.records import Outcome

HTML_TYPES = ("text/html", "application/xhtml+xml")

_TIMEOUTS = (
    DownloadTimeoutError,
    DeferTimeoutError,
    twisted_error.TimeoutError,
    twisted_error.TCPTimedOutError,
)
_DNS = (CannotResolveHostError, twisted_error.DNSLookupError)
_CONNECTION = (
    DownloadConnectionRefusedError,
    DownloadFailedError,
    ResponseDataLossError,
    twisted_error.ConnectError,
    twisted_error.ConnectionLost,
    twisted_error.ConnectionDone,
    ResponseFailed,
    ResponseNeverReceived,
)


def outcome_for_status(status: int) -> tuple[Outcome, str]:
    """The outcome of a response by its HTTP status alone."""
    if status == 304:
        return Outcome.NOT_MODIFIED, "HTTP 304 Not Modified"
    if 200 <= status < 300:
        return Outcome.OK, ""
    return Outcome.HTTP_ERROR, f"HTTP {status}"


def outcome_for_exception(exc: BaseException) -> tuple[Outcome, str, int | None]:
    """Map the exception carried by a Scrapy errback failure to (outcome, reason, HTTP status)."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, HttpError):
        status = exc.response.status
        outcome, reason = outcome_for_status(status)
        return outcome, reason, status
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in message:
            return Outcome.ROBOTS_DENIED, "forbidden by robots.txt", None
        if "max redirections" in message:
            return Outcome.REDIRECT_LOOP, "too many redirects (redirect loop?)", None
        return Outcome.HTTP_ERROR, f"request ignored: {message}", None
    if isinstance(exc, (DownloadCancelledError, CancelledError)):
        # Scrapy cancels a download only when it passes DOWNLOAD_MAXSIZE; a body
        # without Content-Length is cancelled with no message at all.
        return Outcome.TOO_LARGE, f"page larger than the size limit ({message})", None
    if isinstance(exc, _TIMEOUTS):
        return Outcome.TIMEOUT, f"timed out: {message}", None
    if isinstance(exc, _DNS):
        return Outcome.DNS_ERROR, f"host name not found: {message}", None
    if isinstance(exc, _CONNECTION):
        return Outcome.CONNECTION_ERROR, f"{type(exc).__name__}: {message}", None
    return Outcome.CONNECTION_ERROR, f"{type(exc).__name__}: {message}", None


def is_html(content_type: str | None, body_start: bytes = b"") -> bool:
    """True for an HTML page; a missing Content-Type is judged by the first bytes."""
    if content_type:
        return content_type.split(";")[0].strip().lower() in HTML_TYPES
    head = body_start[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head
