"""Chart geometry: round ticks, bars in proportion, mirrored for right-to-left readers."""

from __future__ import annotations

from itertools import pairwise

import pytest

from housing.dashboard.charts import VIEW_WIDTH, axis_ticks, bar_chart, column_chart, nice_step


@pytest.mark.parametrize(
    ("largest", "step"),
    [
        (0, 1),
        (1, 1),
        (3, 1),
        (7, 2),
        (10, 2),
        (11, 5),
        (48, 10),
        (230, 50),
        (999, 200),
        (173_400, 50_000),
    ],
)
def test_steps_are_one_two_or_five_times_a_power_of_ten(largest, step):
    assert nice_step(largest) == step


@pytest.mark.parametrize("largest", [0, 1, 2, 9, 10, 37, 100, 101, 4_321, 99_999])
def test_ticks_are_round_and_cover_the_largest_value(largest):
    ticks = axis_ticks(largest)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0
    assert ticks[-1] >= largest
    assert ticks[-2] < largest or largest == 0
    assert all(later - earlier == step for earlier, later in pairwise(ticks))
    assert str(step).rstrip("0") in ("1", "2", "5")
    assert len(ticks) <= 6


def test_bars_are_in_proportion_to_their_values():
    chart = bar_chart([("Online", [(30, "30")]), ("Paper", [(15, "15")]), ("None", [(0, "0")])])
    online, paper, empty = (row.segments[0] for row in chart.rows)
    assert online.width == pytest.approx(2 * paper.width)
    assert empty.width == 0
    assert online.x == paper.x == 0
    assert all(segment.text_x >= segment.x + segment.width for segment in (online, paper))
    assert online.x + online.width < VIEW_WIDTH
    assert not chart.is_empty


def test_right_to_left_bars_grow_from_the_right_edge():
    ltr = bar_chart([("عربي", [(8, "8"), (2, "2")])])
    rtl = bar_chart([("عربي", [(8, "8"), (2, "2")])], rtl=True)
    for left, right in zip(ltr.rows[0].segments, rtl.rows[0].segments, strict=True):
        assert right.x + right.width == pytest.approx(VIEW_WIDTH)
        assert right.width == left.width
        assert right.text_x == pytest.approx(VIEW_WIDTH - left.text_x)
    assert rtl.rows[0].label_x == VIEW_WIDTH
    assert ltr.rows[0].label_x == 0


def test_an_empty_chart_says_so():
    assert bar_chart([("Online", [(0, "0")])]).is_empty
    assert bar_chart([]).is_empty


def test_a_column_per_day_and_a_few_dated_ones():
    values = list(range(30))
    chart = column_chart(values, [f"day {n}" for n in values])
    assert len(chart.columns) == 30
    # Thirty days: every fifth one dated, from the first, left to right.
    assert [label.text for label in chart.labels] == [f"day {n}" for n in range(0, 30, 5)]
    assert [label.x for label in chart.labels] == sorted(label.x for label in chart.labels)
    assert chart.columns[0].height == 0
    tallest = chart.columns[-1]
    assert tallest.y >= 0
    assert tallest.y + tallest.height == pytest.approx(chart.baseline)
    assert [tick.text for tick in chart.ticks] == ["0", "10", "20", "30"]
    xs = [column.x for column in chart.columns]
    assert xs == sorted(xs)


def test_right_to_left_days_run_from_the_right():
    chart = column_chart([1, 2, 3], ["a", "b", "c"], rtl=True)
    xs = [column.x for column in chart.columns]
    assert xs == sorted(xs, reverse=True)
    assert chart.ticks[0].x > chart.columns[0].x


def test_one_date_text_per_value():
    with pytest.raises(ValueError, match="one date text per value"):
        column_chart([1, 2], ["only one"])


def test_long_labels_are_shortened_on_the_chart_only():
    name = "The Residences at One Very Long Street Name Near the Harbor, Phase Two"
    chart = bar_chart([(name, [(1, "1")])])
    assert chart.rows[0].label.endswith("…")
    assert len(chart.rows[0].label) <= 44
    assert name.startswith(chart.rows[0].label[:-1])
