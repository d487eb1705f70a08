"""What the "Tra cứu" page shows besides the hits: filter choices and the time-series chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Article, Source
from storage.search import Bucket, SearchFilters
from web.charts import BarChart, bar_chart

CHART_WIDTH = 860
CHART_HEIGHT = 140
MAX_LABELS = 16
MAX_DAY_BUCKETS = 120


@dataclass(frozen=True, kw_only=True)
class Choices:
    sources: list[tuple[str, str]]  # (id, name)
    kinds: list[str]
    tiers: list[int]
    langs: list[str]


def choices(session: Session) -> Choices:
    sources = [
        (r[0], r[1]) for r in session.execute(select(Source.id, Source.name).order_by(Source.name))
    ]
    kinds = sorted(set(session.scalars(select(Source.kind).distinct())))
    tiers = sorted(set(session.scalars(select(Source.tier).distinct())))
    langs = sorted(set(session.scalars(select(Article.lang).distinct())) | {"vi", "en"})
    return Choices(sources=sources, kinds=kinds, tiers=tiers, langs=langs)


def series_chart(query: str, series: list[tuple[date, int]], bucket: Bucket) -> BarChart | None:
    """Bars per day or week; a label under about every sixteenth bar so they never overlap.

    The title quotes the user's query: the template escapes it like any other text.
    """
    if not series:
        return None
    every = max(1, -(-len(series) // MAX_LABELS))
    prefix = "Tuần từ " if bucket is Bucket.WEEK else "Ngày "
    unit = "tuần" if bucket is Bucket.WEEK else "ngày"
    return bar_chart(
        f"Số bài khớp «{query}» theo {unit}" if query else f"Số bài khớp bộ lọc theo {unit}",
        [
            (f"{prefix}{day:%d/%m/%Y}", f"{day:%d/%m}" if i % every == 0 else "", count)
            for i, (day, count) in enumerate(series)
        ],
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        highlight_last=False,
    )


def series_bucket(filters: SearchFilters, days: Sequence[tuple[date, int]], bucket: Bucket) -> Bucket:
    """The bucket asked for, or weeks when a daily series would be too long to read.

    The series runs from ``filters.date_from`` (else the first match) to ``date_to``
    (else the last match), as ``storage.search.time_series`` draws it.
    """
    first = filters.date_from or (days[0][0] if days else None)
    last = filters.date_to or (days[-1][0] if days else None)
    if bucket is Bucket.DAY and first and last and (last - first).days > MAX_DAY_BUCKETS:
        return Bucket.WEEK
    return bucket
