"""A trend drawn as an SVG line chart on the server: no JavaScript, readable without colour.

Each series differs by colour, by dash pattern and by marker shape (circle, square, triangle,
diamond), and the legend repeats them; the chart carries a title and a description, and the
page gives the same figures as a table. Coordinates are computed here; the template writes
the elements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..search.stats import Trend

WIDTH, HEIGHT = 480, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 12, 36
# (colour, dash pattern, marker) per series: distinguishable without colour
STYLES = (("#0b4f8a", "", "circle"), ("#c2410c", "6 4", "square"),
          ("#15803d", "2 3", "triangle"), ("#6d28d9", "10 3 2 3", "diamond"))


@dataclass
class Line:
    """One series as drawn: its label, style and points."""

    label: str
    colour: str
    dash: str
    marker: str
    points: list[tuple[float, float, int, float]]  # x, y, year, value

    @property
    def path(self) -> str:
        """The polyline's points attribute."""
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _year, _value in self.points)


@dataclass
class Chart:
    """Everything the template draws: size, lines, axis ticks."""

    width: int
    height: int
    lines: list[Line]
    x_ticks: list[tuple[float, int]]  # x, year
    y_ticks: list[tuple[float, float]]  # y, value
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: float = WIDTH - RIGHT


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) dividing 0..top into about `ticks`."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def year_step(count: int) -> int:
    """Label every year of a short span, every 2, 5 or 10 of a long one (no overlap)."""
    return next(step for step in (1, 2, 5, 10, 20, 50) if count / step <= 12)


def chart(trend: Trend, measure: str) -> Chart:
    """The chart of a trend: `measure` is "share" (per 1,000 of each year's articles) or
    "count" (articles)."""
    years = trend.years
    values = [s.per_mille if measure == "share" else s.counts for s in trend.series]
    top = max((v for row in values for v in row), default=0)
    step = nice_step(top)
    ceiling = step * max(1, math.ceil(top / step)) if top else step * 4
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(years) - 1) if len(years) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / ceiling)

    lines = []
    for series, row, (colour, dash, marker) in zip(trend.series, values, STYLES, strict=False):
        points = [(x(i), y(v), year, v) for i, (year, v) in enumerate(zip(years, row,
                                                                          strict=True))]
        lines.append(Line(series.label, colour, dash, marker, points))
    every = year_step(len(years))
    x_ticks = [(x(i), year) for i, year in enumerate(years)
               if year % every == 0 or i in (0, len(years) - 1) and len(years) <= 12]
    y_ticks = [(y(v), v) for v in _steps(ceiling, step)]
    return Chart(WIDTH, HEIGHT, lines, x_ticks, y_ticks)


def _steps(ceiling: float, step: float) -> list[float]:
    count = round(ceiling / step)
    return [round(step * i, 6) for i in range(count + 1)]
