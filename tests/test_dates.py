"""Publication dates in the forms Vietnamese sites, feeds and metadata use."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawlers.dates import VIETNAM, parse_date

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 16:00 in Vietnam
ICT = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Thứ hai, 4/4/2024, 07:30 (GMT+7)", datetime(2024, 4, 4, 7, 30, tzinfo=ICT)),
        ("04/04/2024 07:30", datetime(2024, 4, 4, 7, 30, tzinfo=ICT)),
        ("4/4/2024", datetime(2024, 4, 4, tzinfo=ICT)),
        ("07:30 04/04/2024", datetime(2024, 4, 4, 7, 30, tzinfo=ICT)),
        ("Thứ Năm, 26/11/2026 - 08:15", datetime(2026, 11, 26, 8, 15, tzinfo=ICT)),
        ("ngày 4 tháng 4 năm 2024", datetime(2024, 4, 4, tzinfo=ICT)),
        ("Ngày 12 tháng 3, 2025", datetime(2025, 3, 12, tzinfo=ICT)),
        ("07h30 ngày 4/4/2024", datetime(2024, 4, 4, 7, 30, tzinfo=ICT)),
        ("04/04/2024 07:30:15 GMT+07:00", datetime(2024, 4, 4, 7, 30, 15, tzinfo=ICT)),
        ("Cập nhật: 2024/04/04 07:30", datetime(2024, 4, 4, 7, 30, tzinfo=ICT)),
        ("4/4/2024 01:30 (GMT+0)", datetime(2024, 4, 4, 1, 30, tzinfo=UTC)),
        ("2024-04-04T07:30:00+07:00", datetime(2024, 4, 4, 7, 30, tzinfo=ICT)),
        ("2024-04-04T00:30:00Z", datetime(2024, 4, 4, 0, 30, tzinfo=UTC)),
        ("2024-04-04T07:30:00", datetime(2024, 4, 4, 7, 30, tzinfo=ICT)),
        ("2024-04-04", datetime(2024, 4, 4, tzinfo=ICT)),
        ("Thu, 04 Apr 2024 07:30:00 +0700", datetime(2024, 4, 4, 7, 30, tzinfo=ICT)),
        ("Thu, 04 Apr 2024 00:30:00 GMT", datetime(2024, 4, 4, 0, 30, tzinfo=UTC)),
        ("Thu, 04 Apr 2024 07:30:00 -0000", datetime(2024, 4, 4, 7, 30, tzinfo=ICT)),
        # Decomposed input (NFD) reads the same as composed.
        (unicodedata.normalize("NFD", "Ngày 4 tháng 4 năm 2024"), datetime(2024, 4, 4, tzinfo=ICT)),
    ],
)
def test_formats(raw: str, expected: datetime) -> None:
    parsed = parse_date(raw, now=NOW)
    assert parsed is not None
    assert parsed.tzinfo is not None
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


def test_naive_times_are_vietnam_time() -> None:
    parsed = parse_date("04/04/2024 07:30", now=NOW)
    assert parsed is not None
    assert parsed.astimezone(UTC) == datetime(2024, 4, 4, 0, 30, tzinfo=UTC)
    assert parsed.tzinfo == VIETNAM


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "hôm qua",
        "31/2/2024",  # no such day
        "4/13/2024",  # month 13: never read month-first
        "04/04/2024 25:00",
        "Thu, 99 Foo 2024 07:30:00 +0700",
    ],
)
def test_unreadable_is_none(raw: str | None) -> None:
    assert parse_date(raw, now=NOW) is None


@pytest.mark.parametrize(
    "raw",
    ["31/12/1989", "1989-12-31T23:00:00+07:00", "Sun, 31 Dec 1989 10:00:00 +0000"],
)
def test_before_1990_rejected(raw: str) -> None:
    assert parse_date(raw, now=NOW) is None


def test_future_rejected_beyond_tolerance() -> None:
    # 16:00 in Vietnam now: 17:00 is within the clock-skew tolerance, tomorrow is not.
    assert parse_date("26/11/2026 17:00", now=NOW) == datetime(2026, 11, 26, 17, tzinfo=ICT)
    assert parse_date("27/11/2026 08:00", now=NOW) is None
    assert parse_date("2027-01-01T00:00:00Z", now=NOW) is None
    assert parse_date("1/1/1990", now=NOW) == datetime(1990, 1, 1, tzinfo=ICT)


def test_now_defaults_to_the_clock() -> None:
    assert parse_date("1/1/2099") is None
    assert parse_date("1/1/2001") is not None
