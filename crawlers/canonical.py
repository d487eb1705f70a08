"""Canonical URLs: one article, one URL, whichever link led us to it.

Lower-cased scheme and host, default port dropped, tracking parameters removed
(``utm_*``, ``fbclid``, ``gclid``, ...), remaining parameters sorted, fragment
dropped, and AMP variants (``/amp`` suffix, ``?amp=1``, ``.amp`` pages) resolved
to the regular page. When the page names its own ``<link rel=canonical>``, that
wins (see :func:`crawlers.extract.extract`); this module only normalises.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Parameters that identify a campaign or a click, never the article.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "cmpid",
        "zarsrc",
        "gidzl",
        "vn_source",
        "vn_medium",
        "vn_campaign",
        "vn_term",
        "vn_content",
        "vn_thumb",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "itm_")
DEFAULT_PORTS = {"http": 80, "https": 443}
_AMP_PATH = re.compile(r"(?:/amp/?|\.amp)$", re.IGNORECASE)
_SITE_PREFIXES = ("www.", "amp.", "m.")
_AMP_PREFIX = re.compile(r"^/amp/", re.IGNORECASE)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _is_amp_param(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered == "amp":
        return True
    return lowered == "outputtype" and value.lower() == "amp"


def canonicalize(url: str, base: str | None = None) -> str:
    """Normalise ``url`` (resolved against ``base`` when relative).

    >>> canonicalize("HTTPS://VnExpress.net:443/bien-dong-123.html?utm_source=fb#top")
    'https://vnexpress.net/bien-dong-123.html'
    """
    url = url.strip()
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = parts.path or "/"
    path = _AMP_PREFIX.sub("/", path)
    if path != "/":
        path = _AMP_PATH.sub("", path) or "/"
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name) and not _is_amp_param(name, value)
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def same_site(url: str, other: str) -> bool:
    """True when both URLs are on the same site: ``www.``, ``m.`` and ``amp.`` hosts count as one."""

    def host(value: str) -> str:
        name = (urlsplit(value).hostname or "").lower()
        for prefix in _SITE_PREFIXES:
            name = name.removeprefix(prefix)
        return name

    return host(url) == host(other)


def is_web_url(url: str) -> bool:
    """An http(s) URL with a host: the only links worth following (not ``mailto:``, ``javascript:``)."""
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)
