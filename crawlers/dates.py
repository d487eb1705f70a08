"""Publication dates as Vietnamese sites, feeds and metadata write them.

One entry point, :func:`parse_date`. It understands the formats Vietnamese news
sites print ("Thứ hai, 4/4/2024, 07:30 (GMT+7)", "04/04/2024 07:30",
"07:30 04/04/2024", "Thứ Năm, 26/11/2026 - 08:15", "ngày 4 tháng 4 năm 2024"),
ISO 8601 (JSON-LD, ``article:published_time``) and RFC 822 (RSS ``pubDate``).

A time without a zone is Vietnam time. Every result is timezone-aware. A date in
the future (beyond a small tolerance for clock skew) or before 1990 is almost
always a parsing accident or a site bug; it is rejected as a *date* (``None``),
so the article is still kept, just without a publication time.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
EARLIEST = datetime(1990, 1, 1, tzinfo=VIETNAM)
# Servers' clocks drift and some sites stamp an article minutes before it is
# live; more than this ahead of now is a wrong date, not an early one.
FUTURE_TOLERANCE = timedelta(hours=2)

# Day first, as Vietnam writes it: 4/4/2024, 04-04-2024, 04.04.2024.
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
# Year first inside free text: 2024/04/04, 2024-04-04.
_YMD = re.compile(r"(?<!\d)(\d{4})[/\-](\d{1,2})[/\-](\d{1,2})(?!\d)")
# "ngày 4 tháng 4 năm 2024" (also without "ngày").
_WORDS = re.compile(
    r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,)\s*(\d{4})", re.IGNORECASE
)
# 07:30, 07:30:15, 07h30, 7 giờ 30.
_TIME = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?::|h|giờ)\s*(\d{2})(?:\s*:\s*(\d{2}))?(?!\d)", re.IGNORECASE
)
# (GMT+7), GMT+07:00, UTC+7, +07:00 right after the time.
_ZONE = re.compile(r"(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


def parse_date(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """Parse a publication date; ``None`` when absent, unreadable or implausible.

    >>> parse_date("Thứ hai, 4/4/2024, 07:30 (GMT+7)").isoformat()
    '2024-04-04T07:30:00+07:00'
    >>> parse_date("ngày 4 tháng 4 năm 2024").isoformat()
    '2024-04-04T00:00:00+07:00'
    """
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        return None
    parsed = _parse_iso(text) or _parse_rfc822(text) or _parse_vietnamese(text)
    if parsed is None:
        logger.debug("unreadable date %r", value)
        return None
    return _plausible(parsed, value, now or datetime.now(UTC))


def _aware(moment: datetime, zone: tzinfo = VIETNAM) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _parse_iso(text: str) -> datetime | None:
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    if not re.match(r"^\d{4}-\d{2}-\d{2}", candidate):
        return None
    try:
        return _aware(datetime.fromisoformat(candidate))
    except ValueError:
        return None


def _parse_rfc822(text: str) -> datetime | None:
    if not re.search(r"[A-Za-z]{3}", text) or not re.search(
        r"\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}", text
    ):
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    # RFC 822 "-0000" means "zone unknown": read it as local time like any naive date.
    return _aware(moment)


def _parse_vietnamese(text: str) -> datetime | None:
    date_match = _DMY.search(text)
    if date_match:
        day, month, year = (int(g) for g in date_match.groups())
    elif (words := _WORDS.search(text)) is not None:
        date_match = words
        day, month, year = (int(g) for g in words.groups())
    elif (ymd := _YMD.search(text)) is not None:
        date_match = ymd
        year, month, day = (int(g) for g in ymd.groups())
    else:
        return None
    # The time may stand before or after the date; never read it out of the date itself.
    rest = text[: date_match.start()] + " " + text[date_match.end() :]
    zone: tzinfo = VIETNAM
    zone_match = _ZONE.search(rest)
    if zone_match:
        sign = -1 if zone_match.group(1) == "-" else 1
        offset = timedelta(hours=int(zone_match.group(2)), minutes=int(zone_match.group(3) or 0))
        if offset > timedelta(hours=14):
            return None
        zone = timezone(sign * offset)
        # "GMT+07:00" must not be read as the time of day.
        rest = rest[: zone_match.start()] + " " + rest[zone_match.end() :]
    hour = minute = second = 0
    time_match = _TIME.search(rest)
    if time_match:
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
        second = int(time_match.group(3) or 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None


def _plausible(moment: datetime, raw: str, now: datetime) -> datetime | None:
    now = _aware(now, UTC)
    if moment < EARLIEST:
        logger.info("rejected date %r: before 1990", raw)
        return None
    if moment > now + FUTURE_TOLERANCE:
        logger.info("rejected date %r: in the future", raw)
        return None
    return moment
