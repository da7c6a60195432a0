"""Drivers page charts, tested on the figures' data rather than pixels."""

from __future__ import annotations

import polars as pl
import pytest

from analytics.drivers import charts
from analytics.drivers.cells import OTHER

BANDS = pl.DataFrame(
    {
        "resolved": [1, 1, 0, 0],
        "duration": [0, 1, 0, 1],
        "value": [90.0, 85.0, 40.0, 30.0],
        "low": [88.0, 80.0, 30.0, 25.0],
        "high": [92.0, 89.0, 50.0, 36.0],
        "n": [400, 300, 25, 120],
        "low_sample": [False, False, True, False],
    }
)
IMPORTANCE = pl.DataFrame(
    {
        "driver": ["resolved", "wait", "queue"],
        "share": [70.0, 20.0, 10.0],
        "share_low": [65.0, 15.0, 8.0],
        "share_high": [75.0, 26.0, 12.0],
        "direction": ["up", "down", "by_level"],
    }
)
ODDS = pl.DataFrame(
    {
        "driver": ["resolved", "duration", "queue"],
        "level": ["1", "5", "sales"],
        "reference": ["0", "2", "billing"],
        "odds_ratio": [16.0, 0.5, 1.1],
        "low": [14.0, 0.4, 0.9],
        "high": [18.0, 0.62, 1.3],
        "p": [0.0, 0.001, 0.3],
    }
)


def test_duration_bands_one_line_per_resolution_with_errors() -> None:
    fig = charts.duration_bands(BANDS, "CSAT top-2-box", True, "en")
    resolved, unresolved = fig.data
    assert (resolved.name, unresolved.name) == ("Resolved", "Not resolved")
    assert list(resolved.x) == ["< 3 min", "3-5 min"]
    assert list(unresolved.y) == [40.0, 30.0]
    assert list(unresolved.error_y.array) == [10.0, 6.0]
    assert list(unresolved.error_y.arrayminus) == [10.0, 5.0]
    assert list(unresolved.marker.color) == ["white", charts.RED]  # 25 responses: hollow


def test_importance_largest_on_top_coloured_by_satisfaction() -> None:
    bars, labels = charts.importance(IMPORTANCE, True, "en").data
    assert list(bars.y) == ["Queue", "Wait", "Resolved"]  # plotly draws bottom-up
    assert list(bars.marker.color) == [charts.GREY, charts.RED, charts.GREEN]
    assert list(bars.error_x.array) == [2.0, 6.0, 5.0]
    assert list(labels.x) == [12.0, 26.0, 75.0]  # values sit right of the error bars
    assert labels.text[-1].strip() == "70.0%"


def test_importance_colours_flip_when_lower_is_better() -> None:
    """For detractors 'up' (more detractors) is the bad direction."""
    bars = charts.importance(IMPORTANCE, False, "en").data[0]
    assert list(bars.marker.color) == [charts.GREY, charts.GREEN, charts.RED]


def test_odds_ratios_forest_on_a_log_axis() -> None:
    fig = charts.odds_ratios(ODDS, "en")
    (points,) = fig.data
    assert fig.layout.xaxis.type == "log"
    assert list(points.y) == [
        "Queue: sales vs billing",
        "Call duration: 20+ min vs 5-10 min",
        "Resolved: resolved vs not resolved",
    ]
    assert list(points.marker.color) == [charts.GREY, charts.BLUE, charts.BLUE]
    assert fig.layout.shapes[0].x0 == 1  # the no-association line
    assert list(points.error_x.arrayminus) == pytest.approx([0.2, 0.1, 2.0])
    lo, hi = fig.layout.xaxis.range  # log10 units: the intervals shown, 1 included
    assert 10**lo < 0.4 and 18 < 10**hi < 25


def test_odds_ratios_without_a_bounded_interval_are_left_out() -> None:
    separated = pl.DataFrame(
        {
            "driver": ["wait"],
            "level": ["4"],
            "reference": ["0"],
            "odds_ratio": [4e-13],
            "low": [0.0],
            "high": [float("inf")],
            "p": [0.99],
        }
    )
    frame = pl.concat([ODDS, separated]).with_columns(
        estimable=pl.Series([True, True, True, False])
    )
    fig = charts.odds_ratios(frame, "en")
    (points,) = fig.data
    assert len(points.y) == 3 and not any(y.startswith("Wait") for y in points.y)
    lo, hi = fig.layout.xaxis.range
    assert 10**lo >= 0.009 and 10**hi <= 120  # never stretched to 0 or infinity


def test_spanish_labels_and_pooled_levels() -> None:
    assert charts.term_label("duration", "0", "2", "es") == (
        "Duración de la llamada: < 3 min frente a 5-10 min"
    )
    assert charts.level_label("queue", OTHER, "es") == "(otros)"
    assert charts.level_label("queue", "billing", "es") == "billing"  # data values as they are


def test_quadrant_shades_and_labels_fix_first() -> None:
    frame = pl.DataFrame(
        {
            "driver": ["resolved", "wait", "hold"],
            "performance": [55.0, 90.0, 30.0],
            "importance": [70.0, 20.0, 10.0],
            "quadrant": ["fix_first", "overkill", "low_priority"],
            "performance_cut": [58.0] * 3,
            "importance_cut": [33.0] * 3,
        }
    )
    fig = charts.quadrant(frame, "en")
    shaded = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(shaded) == 1 and (shaded[0].x1, shaded[0].y0) == (58.0, 33.0)
    texts = {a.text: a for a in fig.layout.annotations if a.name != "driver"}
    assert set(texts) == {"Fix first", "Keep up", "Low priority", "Possible overkill"}
    assert texts["Fix first"].font.color == charts.RED
    labels = [(a.text, a.x, a.y) for a in fig.layout.annotations if a.name == "driver"]
    assert labels == [("Resolved", 55.0, 70.0), ("Wait", 90.0, 20.0), ("Hold", 30.0, 10.0)]
    (points,) = fig.data
    assert list(points.text) == ["Resolved", "Wait", "Hold"]
    assert list(points.marker.color) == [charts.RED, charts.BLUE, charts.BLUE]


def test_quadrant_labels_of_close_points_are_stacked() -> None:
    """Hold, Transfers and Repeat contact close together near zero importance: their
    labels go up in steps; a point far from them keeps the first step."""
    labels = ["Hold", "Transfers", "Repeat contact", "Resolved", "Wait"]
    x, y = [72.0, 75.0, 78.0, 70.0, 95.0], [0.2, 1.0, 0.1, 78.0, 0.5]
    levels = charts._label_levels(labels, x, y, (100.0, 90.0))
    assert sorted(levels[:3]) == [0, 1, 2] and levels[3] == levels[4] == 0


def test_quadrant_of_nothing_is_an_empty_figure() -> None:
    assert charts.quadrant(pl.DataFrame(), "en").data == ()


def test_segments_heatmap_blank_where_no_share() -> None:
    frame = pl.DataFrame(
        {
            "dim": ["all", "all", "queue", "queue"],
            "group": ["", "", "sales", "sales"],
            "driver": ["resolved", "queue", "resolved", "queue"],
            "share": [80.0, 20.0, 100.0, None],
            "n": [5000, 5000, 700, 700],
            "enough": [True, True, True, True],
        }
    )
    (heat,) = charts.segments(frame, "en").data
    assert list(heat.x) == ["All<br>n=5,000", "sales<br>n=700"]
    assert list(heat.y) == ["Resolved", "Queue"]
    assert [list(r) for r in heat.z] == [[80.0, 100.0], [20.0, None]]
    assert [list(r) for r in heat.text] == [["80%", "100%"], ["20%", "–"]]
