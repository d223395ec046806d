"""Chart geometry: numbers in, SVG coordinates out.

Pure functions (no Flask, no database), so the templates only draw what these return. Every
chart is laid out left to right and mirrored as a whole for right-to-left readers: the
templates keep their logical text anchors ("start", "end"), which the page's ``dir`` flips.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# The width of every chart's coordinate system. The SVG scales to its container, so this
# only sets how large the 13-unit text is relative to the bars: about 12.5 px on a 360 px phone.
VIEW_WIDTH = 340
ROUND_MULTIPLES = (1, 2, 5, 10)


def nice_step(largest: float, target_steps: int = 5) -> int:
    """The smallest round step (1, 2 or 5 times a power of ten) that reaches ``largest`` in
    at most ``target_steps`` steps; at least 1, since we count whole things."""
    if largest <= 0:
        return 1
    raw = largest / target_steps
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    for multiple in ROUND_MULTIPLES:
        step = multiple * magnitude
        if step >= raw:
            return step
    raise AssertionError("unreachable: 10 x magnitude always covers raw")


def axis_ticks(largest: float, target_steps: int = 5) -> list[int]:
    """Round tick values from 0 to the first multiple of the step at or above ``largest``."""
    step = nice_step(largest, target_steps)
    steps = max(1, math.ceil(largest / step))
    return [step * index for index in range(steps + 1)]


@dataclass(frozen=True)
class Segment:
    """One bar of a row, and where its number is written."""

    series: int
    value: int
    value_text: str
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Row:
    label: str
    label_x: float
    label_y: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, each row's label on its own line above its bars: long labels in any
    script fit a phone without being cut."""

    width: int
    height: int
    rows: tuple[Row, ...]
    top: int
    kind = "bars"

    @property
    def is_empty(self) -> bool:
        return all(segment.value == 0 for row in self.rows for segment in row.segments)


BAR_LABEL_HEIGHT = 18
BAR_HEIGHT = 16
BAR_GAP = 4
ROW_GAP = 10
# Room after the longest bar for its number.
VALUE_ROOM = 64
# What fits on one line of a chart at its text size; the table under it has the whole label.
LONGEST_LABEL = 44


def shorten(label: str, longest: int = LONGEST_LABEL) -> str:
    return label if len(label) <= longest else label[: longest - 1].rstrip() + "…"


def bar_chart(
    rows: Sequence[tuple[str, Sequence[tuple[int, str]]]], *, rtl: bool = False
) -> BarChart:
    """Lay out rows of (label, [(value, formatted value), ...]); each value is one series."""
    largest = max((value for _label, values in rows for value, _text in values), default=0)
    top = axis_ticks(largest)[-1]
    room = VIEW_WIDTH - VALUE_ROOM
    laid_out = []
    y = 0.0
    for label, values in rows:
        label_y = y + BAR_LABEL_HEIGHT - 5
        y += BAR_LABEL_HEIGHT
        segments = []
        for series, (value, text) in enumerate(values):
            width = room * value / top
            segments.append(
                _mirror_segment(
                    Segment(series, value, text, 0, y, width, BAR_HEIGHT, width + 4, y + 12), rtl
                )
            )
            y += BAR_HEIGHT + BAR_GAP
        laid_out.append(Row(shorten(label), VIEW_WIDTH if rtl else 0, label_y, tuple(segments)))
        y += ROW_GAP
    return BarChart(VIEW_WIDTH, max(1, round(y)), tuple(laid_out), top)


def _mirror_segment(segment: Segment, rtl: bool) -> Segment:
    if not rtl:
        return segment
    return Segment(
        segment.series,
        segment.value,
        segment.value_text,
        VIEW_WIDTH - segment.x - segment.width,
        segment.y,
        segment.width,
        segment.height,
        VIEW_WIDTH - segment.text_x,
        segment.text_y,
    )


@dataclass(frozen=True)
class Column:
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    """A line across the plot at ``y`` and its label at (``x``, ``y``)."""

    text: str
    x: float
    y: float


@dataclass(frozen=True)
class DateLabel:
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class ColumnChart:
    """A day-by-day series: one column per day, round ticks up the value axis."""

    width: int
    height: int
    columns: tuple[Column, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[DateLabel, ...]
    plot_start: float
    plot_end: float
    baseline: float
    kind = "columns"


COLUMN_CHART_HEIGHT = 200
AXIS_ROOM = 40  # for the value labels beside the plot
EDGE_ROOM = 8
TOP_ROOM = 10
DATE_ROOM = 28
MOST_DATE_LABELS = 6


def column_chart(
    values: Sequence[int],
    date_texts: Sequence[str],
    tick_text: dict[int, str] | None = None,
    *,
    rtl: bool = False,
) -> ColumnChart:
    """One column per value, in order; every few columns get their date written under them.

    ``tick_text`` gives the formatted text of tick values; any tick not in it is written
    plainly (the caller formats each tick it is given by ``axis_ticks``).
    """
    if len(values) != len(date_texts):
        raise ValueError("one date text per value")
    tick_values = axis_ticks(max(values, default=0))
    top = tick_values[-1]
    plot_start, plot_end = float(AXIS_ROOM), float(VIEW_WIDTH - EDGE_ROOM)
    baseline = float(COLUMN_CHART_HEIGHT - DATE_ROOM)
    plot_height = baseline - TOP_ROOM
    slot = (plot_end - plot_start) / max(1, len(values))
    bar = max(1.0, slot * 0.75)
    columns = []
    for index, value in enumerate(values):
        height = plot_height * value / top
        x = plot_start + index * slot + (slot - bar) / 2
        columns.append(Column(value, _mirror_x(x, bar, rtl), baseline - height, bar, height))
    ticks = tuple(
        Tick(
            (tick_text or {}).get(value, str(value)),
            _mirror_x(plot_start - 4, 0, rtl),
            baseline - plot_height * value / top,
        )
        for value in tick_values
    )
    every = max(1, -(-len(values) // MOST_DATE_LABELS))
    labels = tuple(
        DateLabel(
            date_texts[index],
            _mirror_x(plot_start + index * slot + slot / 2, 0, rtl),
            baseline + 16,
        )
        for index in range(0, len(values), every)
    )
    return ColumnChart(
        VIEW_WIDTH,
        COLUMN_CHART_HEIGHT,
        tuple(columns),
        ticks,
        labels,
        _mirror_x(plot_start, 0, rtl),
        _mirror_x(plot_end, 0, rtl),
        baseline,
    )


def _mirror_x(x: float, width: float, rtl: bool) -> float:
    return VIEW_WIDTH - x - width if rtl else x
