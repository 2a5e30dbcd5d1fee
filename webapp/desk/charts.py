"""Small horizontal bar charts, laid out here and drawn as inline SVG by a template macro.

No chart JavaScript: the geometry is computed on the server, the template
writes the shapes, and the same numbers are printed in a table beside it.
"""

from dataclasses import dataclass

# Fills with at least 3:1 contrast against white (WCAG non-text contrast).
TIER_COLOURS = {"maintain": "#166534", "cultivate": "#1d4ed8", "cease": "#6b7280"}
PLAIN_COLOUR = "#1d4ed8"


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    value: int
    name: str
    colour: str


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    total: int
    segments: list[Segment]
    end: float  # where the bar ends: the total is written just after


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    bar_height: int
    label_width: int
    bars: list[Bar]
    legend: list[tuple[str, str]]


def bar_chart(
    chart_id: str,
    title: str,
    rows: list[tuple[str, list[tuple[str, int]]]],
    *,
    colours: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    width: int = 480,
    bar_height: int = 20,
    gap: int = 10,
    label_width: int = 130,
) -> Chart:
    """Lay out one bar per row, stacked by named parts: [(label, [(name, value), ...])]."""
    colours = colours or {}
    labels = labels or {}
    plot_width = width - label_width - 40  # room for the total after the longest bar
    largest = max((sum(v for _, v in parts) for _, parts in rows), default=0)
    scale = plot_width / largest if largest else 0
    bars = []
    for index, (label, parts) in enumerate(rows):
        x = float(label_width)
        segments = []
        for name, value in parts:
            if value:
                segments.append(
                    Segment(
                        x,
                        value * scale,
                        value,
                        labels.get(name, name),
                        colours.get(name, PLAIN_COLOUR),
                    )
                )
                x += value * scale
        bars.append(Bar(label, index * (bar_height + gap), sum(v for _, v in parts), segments, x))
    names = {name for _, parts in rows for name, _ in parts}
    legend = [(labels.get(n, n), colours.get(n, PLAIN_COLOUR)) for n in colours if n in names]
    description = "; ".join(_describe(bar, stacked=len(legend) > 1) for bar in bars)
    height = max(len(rows) * (bar_height + gap) - gap, bar_height)
    return Chart(chart_id, title, description, width, height, bar_height, label_width, bars, legend)


def _describe(bar: Bar, *, stacked: bool) -> str:
    """'Sam Ortiz: 5 (Maintain 2, Cultivate 3)' — the chart's numbers, for screen readers."""
    if not stacked:
        return f"{bar.label}: {bar.total}"
    parts = ", ".join(f"{segment.name} {segment.value}" for segment in bar.segments)
    return f"{bar.label}: {bar.total} ({parts})" if parts else f"{bar.label}: 0"
