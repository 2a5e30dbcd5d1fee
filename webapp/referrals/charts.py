"""Geometry of the server-rendered SVG charts (the templates only draw it).

Charts are laid out in a 360-unit-wide viewBox, about the width of a phone
(390 CSS px less the page padding), so that text drawn at 11 units reads at
about 11 px on a phone and scales up on wider screens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

WIDTH = 360
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 26, 32  # margins around the plot area
COLOURS = {
    "received": "#1d4ed8",
    "sent": "#b45309",
    "maintain": "#166534",
    "cultivate": "#1d4ed8",
    "cease": "#6b7280",
    "commission": "#166534",
}


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    value: int | Decimal
    series: str


@dataclass
class Tick:
    y: float
    text: str


@dataclass
class Column:
    x: float  # centre, for the label
    label: str
    year: str = ""  # "’26", under the first column and each January
    bars: list[Bar] = field(default_factory=list)


@dataclass
class ColumnChart:
    width: int
    height: int
    left: int
    plot_right: int
    baseline: float
    columns: list[Column]
    ticks: list[Tick]
    legend: list[tuple[str, str]]  # (series, colour)


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
    *,
    stacked: bool = False,
    height: int = 200,
) -> ColumnChart:
    """Columns per month ('2026-03'): side by side (grouped) or stacked."""
    labels = [month_label(month) for month in months]
    totals = [
        sum(value.values()) if stacked else max(value.values(), default=0) for value in values
    ]
    step = nice_step(max(totals, default=0))
    top = max(step * math.ceil(max(totals, default=0) / step), step)
    plot_height = height - TOP - BOTTOM
    baseline = height - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar_width = slot * 0.7 if stacked else slot * 0.8 / len(series)
    columns = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
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
                Bar(
                    round(x, 1),
                    round(y, 1),
                    round(bar_width, 1),
                    round(bar_height, 1),
                    COLOURS[name],
                    number,
                    name,
                )
            )
            if stacked:
                stack += bar_height
        columns.append(column)
    ticks = [
        Tick(round(baseline - plot_height * number / top, 1), f"{number:g}")
        for number in frange(top, step)
    ]
    legend = [(name, COLOURS[name]) for name in series]
    return ColumnChart(WIDTH, height, LEFT, WIDTH - RIGHT, baseline, columns, ticks, legend)


def frange(top: float, step: float) -> list[float]:
    count = round(top / step)
    return [step * index for index in range(count + 1)]


@dataclass
class Row:
    y: float  # top of the row: the name sits above its bar
    label: str
    width: float
    value: Decimal


@dataclass
class BarChart:
    width: int
    height: int
    rows: list[Row]
    bar_height: int
    colour: str


def bar_chart(items: list[tuple[str, Decimal]]) -> BarChart:
    """Horizontal bars, the name above each one (long names do not squeeze the bars)."""
    row_height, bar_height = 38, 16
    biggest = max((value for _, value in items), default=Decimal(0)) or Decimal(1)
    usable = WIDTH - 90  # room for the amount after the longest bar
    rows = [
        Row(index * row_height, label, round(float(value / biggest) * usable, 1), value)
        for index, (label, value) in enumerate(items)
    ]
    return BarChart(
        WIDTH, max(len(rows) * row_height, row_height), rows, bar_height, COLOURS["commission"]
    )
