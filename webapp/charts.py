"""The SVG charts: laid out here, drawn by the macros of templates/_charts.html.

No chart JavaScript: the geometry is computed on the server, the template
writes the shapes, colours are presentation attributes (the Content Security
Policy allows no inline style or script), and the same numbers are printed in
a table beside each chart. A chart library such as pygal was weighed and left
out: its SVG carries a <style> element and, unless turned off, a script, both
of which the policy refuses, and restyling it through attributes would cost
more than these few rectangles do.

The referral charts are laid out in a 360-unit-wide viewBox, about the width
of a phone (390 CSS px less the page padding), so that text drawn at 11 units
reads at about 11 px on a phone and scales up on wider screens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# Fills with at least 3:1 contrast against white (WCAG non-text contrast), in
# the order legends list them.
COLOURS = {
    "maintain": "#166534",
    "cultivate": "#1d4ed8",
    "cease": "#6b7280",
    "received": "#1d4ed8",
    "sent": "#b45309",
    "commission": "#166534",
}
PLAIN_COLOUR = "#1d4ed8"  # a series with no colour of its own
WIDTH = 360
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 26, 32  # margins around a column chart's plot area


@dataclass(frozen=True)
class Rect:
    """One drawn bar, or one part of a stacked bar."""

    x: float
    y: float
    width: float
    height: float
    colour: str
    value: int | Decimal
    name: str  # the series, as the page names it ("Maintain", "Received")


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart: its label, its parts, and where it ends."""

    label: str
    y: float
    total: int | Decimal
    segments: list[Rect]
    end: float  # where the bar ends: the total is written just after


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bar_height: int
    bars: list[Bar]
    label_width: int = 0
    legend: list[tuple[str, str]] = field(default_factory=list)  # (name, colour)
    id: str = ""
    title: str = ""
    description: str = ""


def colour(series: str) -> str:
    return COLOURS.get(series, PLAIN_COLOUR)


def bar_chart(
    chart_id: str,
    title: str,
    rows: list[tuple[str, list[tuple[str, int]]]],
    *,
    labels: dict[str, str] | None = None,
    width: int = 480,
    bar_height: int = 20,
    gap: int = 10,
    label_width: int = 130,
) -> BarChart:
    """One bar per row, its label at the left, stacked by series: [(label, [(series, value)])]."""
    labels = labels or {}
    plot_width = width - label_width - 40  # room for the total after the longest bar
    largest = max((sum(v for _, v in parts) for _, parts in rows), default=0)
    scale = plot_width / largest if largest else 0
    bars = []
    for index, (label, parts) in enumerate(rows):
        y = index * (bar_height + gap)
        x = float(label_width)
        segments = []
        for series, value in parts:
            if value:
                name = labels.get(series, series)
                segments.append(Rect(x, y, value * scale, bar_height, colour(series), value, name))
                x += value * scale
        bars.append(Bar(label, y, sum(v for _, v in parts), segments, x))
    names = {series for _, parts in rows for series, _ in parts}
    legend = [(labels.get(n, n), fill) for n, fill in COLOURS.items() if n in names]
    description = "; ".join(_describe(bar, stacked=len(legend) > 1) for bar in bars)
    height = max(len(rows) * (bar_height + gap) - gap, bar_height)
    return BarChart(
        width, height, bar_height, bars, label_width, legend, chart_id, title, description
    )


def _describe(bar: Bar, *, stacked: bool) -> str:
    """'Sam Ortiz: 5 (Maintain 2, Cultivate 3)' — the chart's numbers, for screen readers."""
    if not stacked:
        return f"{bar.label}: {bar.total}"
    parts = ", ".join(f"{segment.name} {segment.value}" for segment in bar.segments)
    return f"{bar.label}: {bar.total} ({parts})" if parts else f"{bar.label}: 0"


def ranking_chart(items: list[tuple[str, Decimal]], series: str = "commission") -> BarChart:
    """Horizontal bars in the order given, the name above each one (long names do
    not squeeze the bars)."""
    row_height, bar_height = 38, 16
    biggest = max((value for _, value in items), default=Decimal(0)) or Decimal(1)
    usable = WIDTH - 90  # room for the amount after the longest bar
    bars = []
    for index, (label, value) in enumerate(items):
        y = index * row_height
        length = round(float(value / biggest) * usable, 1)
        segment = Rect(0, y + 16, length, bar_height, colour(series), value, label)
        bars.append(Bar(label, y, value, [segment], length))
    return BarChart(WIDTH, max(len(bars) * row_height, row_height), bar_height, bars)


@dataclass
class Tick:
    y: float
    text: str


@dataclass
class Column:
    x: float  # centre, for the label
    label: str
    year: str = ""  # "’26", under the first column and each January
    bars: list[Rect] = field(default_factory=list)


@dataclass
class ColumnChart:
    width: int
    height: int
    left: int
    plot_right: int
    baseline: float
    columns: list[Column]
    ticks: list[Tick]
    legend: list[tuple[str, str]]  # (name, colour)


def nice_step(top: float, count: int = 4) -> float:
    """A round step (1, 2, 5 × 10ⁿ) that splits 0..top into about `count` parts."""
    if top <= 0:
        return 1
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * magnitude >= raw:
            return max(multiple * magnitude, 1)
    return 10 * magnitude


def month_label(month: str) -> str:
    """'2026-03' -> 'Mar'."""
    return f"{date.fromisoformat(month + '-01'):%b}"


def column_chart(
    months: list[str],
    values: list[dict[str, int]],
    series: list[str],
    labels: dict[str, str],
    *,
    stacked: bool = False,
    height: int = 200,
) -> ColumnChart:
    """Columns per month ('2026-03'): side by side (grouped) or stacked."""
    month_labels = [month_label(month) for month in months]
    totals = [
        sum(value.values()) if stacked else max(value.values(), default=0) for value in values
    ]
    step = nice_step(max(totals, default=0))
    top = max(step * math.ceil(max(totals, default=0) / step), step)
    plot_height = height - TOP - BOTTOM
    baseline = height - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(month_labels), 1)
    bar_width = slot * 0.7 if stacked else slot * 0.8 / len(series)
    columns = []
    for index, (label, value) in enumerate(zip(month_labels, values, strict=True)):
        start = LEFT + index * slot + slot * (0.15 if stacked else 0.1)
        column = Column(x=LEFT + (index + 0.5) * slot, label=label)
        if index == 0 or label == "Jan":
            column.year = "’" + months[index][2:4]
        stack = 0.0
        for position, name in enumerate(series):
            number = value.get(name, 0)
            bar_height = plot_height * number / top
            x = start if stacked else start + position * bar_width
            y = baseline - stack - bar_height
            column.bars.append(
                Rect(
                    round(x, 1),
                    round(y, 1),
                    round(bar_width, 1),
                    round(bar_height, 1),
                    colour(name),
                    number,
                    labels[name],
                )
            )
            if stacked:
                stack += bar_height
        columns.append(column)
    ticks = [
        Tick(round(baseline - plot_height * number / top, 1), f"{number:g}")
        for number in frange(top, step)
    ]
    legend = [(labels[name], colour(name)) for name in series]
    return ColumnChart(WIDTH, height, LEFT, WIDTH - RIGHT, baseline, columns, ticks, legend)


def frange(top: float, step: float) -> list[float]:
    count = round(top / step)
    return [step * index for index in range(count + 1)]


@dataclass(frozen=True)
class Sparkline:
    """A small line of scores (0–100) over time, with its words for a screen reader."""

    width: int
    height: int
    points: str  # the polyline's "x,y x,y ..."
    last: tuple[float, float] | None  # where the latest value's dot sits
    description: str


def sparkline(values: list[tuple[date, int]], width: int = 120, height: int = 28) -> Sparkline:
    """Scores from 0 to 100 drawn left (oldest) to right, 0 at the bottom."""
    step = width / (len(values) - 1) if len(values) > 1 else 0

    def at(index: int, value: int) -> tuple[float, float]:
        return round(index * step, 1), round(height - 2 - value / 100 * (height - 4), 1)

    coordinates = [at(index, value) for index, (_, value) in enumerate(values)]
    if values:
        first, latest = values[0], values[-1]
        low, high = min(v for _, v in values), max(v for _, v in values)
        description = (
            f"Health over {len(values)} weeks: {first[1]} on {first[0].day} {first[0]:%b}, "
            f"{latest[1]} on {latest[0].day} {latest[0]:%b}; lowest {low}, highest {high}."
        )
    else:
        description = "No health score yet."
    return Sparkline(
        width,
        height,
        " ".join(f"{x},{y}" for x, y in coordinates),
        coordinates[-1] if coordinates else None,
        description,
    )
