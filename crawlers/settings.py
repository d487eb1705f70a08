"""Scrapy settings from ``schedule.yaml`` (``crawl:``): polite by default.

robots.txt obeyed, one request at a time per site with a delay, AutoThrottle,
a User-Agent that names the office, a size limit and a timeout, no telnet.
"""

from __future__ import annotations

import json
from typing import Any

from config.schema import CrawlSettings

# Transient failures worth one more try inside the same run; anything still
# failing is stored as a fetch error and retried on a later run with back-off.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]


def scrapy_settings(
    crawl: CrawlSettings, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Settings for a ``CrawlerProcess``; ``overrides`` (tests, benchmarks) win."""
    settings: dict[str, Any] = {
        "BOT_NAME": "haidang",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "DOWNLOAD_DELAY": crawl.download_delay_seconds,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        "CONCURRENT_REQUESTS": 16,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(crawl.download_delay_seconds, 1.0),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrent_per_domain),
        "DOWNLOAD_TIMEOUT": crawl.timeout_seconds,
        "DNS_TIMEOUT": crawl.timeout_seconds,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": crawl.max_page_bytes // 2,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 1,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "REDIRECT_MAX_TIMES": 10,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "LOG_ENABLED": True,
        # Our own state (ETag, known URLs) decides what to fetch; Scrapy's
        # duplicate filter would silently drop requests without an outcome.
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        "HTTPCACHE_ENABLED": False,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/rss+xml,"
            "application/atom+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "vi,en;q=0.7",
        },
    }
    settings.update(overrides or {})
    return settings


def parse_setting(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` from ``--set``: the value as JSON when it parses (numbers, booleans,
    lists), else the text. Raises ``ValueError`` naming what was expected.

    >>> parse_setting("DOWNLOAD_DELAY=0")
    ('DOWNLOAD_DELAY', 0)
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set expects KEY=VALUE (a Scrapy setting), got {text!r}")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return key.strip(), value


def parse_settings(values: list[str]) -> dict[str, Any]:
    """Every ``--set KEY=VALUE`` given, as overrides for :func:`scrapy_settings`."""
    return dict(parse_setting(text) for text in values)
