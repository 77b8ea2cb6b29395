"""Server-side SVG chart geometry (pure): the templates only draw the rectangles computed here.

Charts are bar charts on purpose: alerts are discrete events, and a bar per bucket shows gaps
(the source went quiet) that a smoothed line would hide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from awooop.console.views.common import as_datetime


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # hover text: bucket start and count


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    bars: list[Bar]
    ticks: list[Tick] = field(default_factory=list)
    max_count: int = 0
    total: int = 0

    @property
    def empty(self) -> bool:
        return self.total == 0


def nice_ceiling(value: int) -> int:
    """A round axis maximum (1, 2, 5 × 10^n) at or above ``value``, so bars compare by eye."""
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    counts: Sequence[int],
    starts: Sequence[datetime],
    *,
    width: int = 320,
    height: int = 72,
    axis_height: int = 14,
    tick_every: int = 6,
    tick_format: str = "%H:%M",
    scale_max: int | None = None,
) -> BarChart:
    """Bars for ``counts`` (one per bucket starting at ``starts[i]``), ticks every ``tick_every`` buckets."""
    n = len(counts)
    plot_bottom = float(height - axis_height)
    plot_top = 2.0
    top = nice_ceiling(scale_max if scale_max is not None else max(counts, default=0))
    slot = width / n if n else float(width)
    gap = 1.0 if slot >= 4 else 0.0
    bars: list[Bar] = []
    for i, count in enumerate(counts):
        h = 0.0 if count <= 0 else max(1.5, (plot_bottom - plot_top) * count / top)
        start = starts[i].astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if i < len(starts) else ""
        bars.append(
            Bar(
                x=round(i * slot + gap / 2, 2),
                y=round(plot_bottom - h, 2),
                width=round(max(slot - gap, 0.5), 2),
                height=round(h, 2),
                count=count,
                label=f"{start}: {count}",
            )
        )
    ticks = (
        [
            Tick(x=round(i * slot, 2), label=starts[i].astimezone(UTC).strftime(tick_format))
            for i in range(0, min(n, len(starts)), tick_every)
        ]
        if tick_every > 0
        else []
    )
    return BarChart(width, height, plot_top, plot_bottom, bars, ticks, max_count=top, total=sum(counts))


def bucket_times(
    moments: Sequence[object], *, end: datetime, buckets: int, bucket: timedelta
) -> tuple[list[int], list[datetime]]:
    """Counts of ``moments`` in ``buckets`` equal buckets ending at ``end`` (older ones are dropped)."""
    start = end - bucket * buckets
    counts = [0] * buckets
    for value in moments:
        moment = as_datetime(value)
        if moment is None or moment < start or moment > end:
            continue
        index = min(buckets - 1, int((moment - start) / bucket))
        counts[index] += 1
    return counts, [start + bucket * i for i in range(buckets)]


def sparkline(
    moments: Sequence[object], *, end: datetime, days: int = 7, per_day: int = 4, width: int = 140, height: int = 26
) -> BarChart:
    """A small occurrence timeline: ``days`` days in ``per_day`` buckets a day, no axis."""
    counts, starts = bucket_times(moments, end=end, buckets=days * per_day, bucket=timedelta(hours=24 / per_day))
    return bar_chart(counts, starts, width=width, height=height, axis_height=0, tick_every=0)
