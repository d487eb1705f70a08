"""The one place that says what time it is, so tests and simulations can move it.

``HAIDANG_CLOCK_FILE`` names a file holding an ISO 8601 time; while the file exists,
``now()`` returns that time instead of the real one. The scheduler's jobs and the
crawl runner read time from here, so a test can play several days in minutes.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo


def now() -> datetime:
    path = os.environ.get("HAIDANG_CLOCK_FILE")
    if path:
        clock = Path(path)
        if clock.is_file():
            value = datetime.fromisoformat(clock.read_text(encoding="utf-8").strip())
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def set_clock(path: Path, value: datetime) -> None:
    """Move a simulated clock (tests)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(value.isoformat(), encoding="utf-8")
    tmp.replace(path)


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a calendar day in the office's time zone, as UTC."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0, 0), tzinfo=zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def local_today(tz: str, at: datetime | None = None) -> date:
    return (at or now()).astimezone(ZoneInfo(tz)).date()
