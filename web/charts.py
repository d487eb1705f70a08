"""Small bar charts as geometry for an inline SVG template (no script, no external library).

Labels are plain strings; the template escapes them like any other text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    short_label: str
    value: int
    highlight: bool


@dataclass(frozen=True, kw_only=True)
class BarChart:
    title: str
    width: int
    height: int
    baseline: float
    label_y: float
    bars: tuple[Bar, ...]


def bar_chart(
    title: str,
    items: Sequence[tuple[str, str, int]],
    *,
    width: int = 240,
    height: int = 84,
    highlight_last: bool = True,
) -> BarChart:
    """Bars for ``(label, short_label, value)`` items, left to right; the last one highlighted.

    >>> chart = bar_chart("Biển, đảo", [("Thứ Hai 23/11", "23/11", 2), ("Hôm nay", "26/11", 4)])
    >>> [b.height for b in chart.bars]
    [26.0, 52.0]
    """
    top, label_space, value_space = 4.0, 16.0, 12.0
    baseline = height - label_space
    plot_height = baseline - top - value_space
    n = max(len(items), 1)
    slot = width / n
    bar_width = max(slot * 0.6, 2.0)
    peak = max((value for _, _, value in items), default=0) or 1
    bars = []
    for index, (label, short_label, value) in enumerate(items):
        h = round(plot_height * value / peak, 1)
        bars.append(
            Bar(
                x=round(index * slot + (slot - bar_width) / 2, 1),
                y=round(baseline - h, 1),
                width=round(bar_width, 1),
                height=h,
                label=label,
                short_label=short_label,
                value=value,
                highlight=highlight_last and index == len(items) - 1,
            )
        )
    return BarChart(
        title=title,
        width=width,
        height=height,
        baseline=baseline,
        label_y=height - 4.0,
        bars=tuple(bars),
    )
