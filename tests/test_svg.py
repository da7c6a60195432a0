"""A plotly figure drawn as static SVG: what is drawn, where, and nothing unescaped."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re

import plotly.graph_objects as go
import pytest

from analytics import svg

DAYS = [dt.date(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(5)]


def figure(**trace: object) -> go.Figure:
    fig = go.Figure(go.Scatter(**{"x": DAYS, "y": [1.0, 2.0, 3.0, 2.0, 1.0], **trace}))
    return fig.update_layout(title="T").update_yaxes(range=[0, 4])


def numbers(tag: str, attribute: str, drawing: str) -> list[float]:
    return [float(v) for v in re.findall(rf'<{tag} [^>]*?\b{attribute}="([-\d.]+)"', drawing)]


def test_a_missing_value_breaks_the_line() -> None:
    drawing = svg.figure_svg(figure(mode="lines", y=[1.0, 2.0, math.nan, 3.0, None]))
    (first,) = re.findall(r'<polyline points="([^"]*)"', drawing)  # the lone 3.0: no line
    assert len(first.split()) == 2


def test_markers_sit_at_their_dates_and_values() -> None:
    drawing = svg.figure_svg(figure(mode="markers"))
    xs, ys = numbers("circle", "cx", drawing), numbers("circle", "cy", drawing)
    assert xs == sorted(xs) and len({round(b - a, 1) for a, b in itertools.pairwise(xs)}) == 1
    assert ys[0] == ys[4] > ys[1] == ys[3] > ys[2]  # higher values nearer the top
    plot = svg.Plot((0.0, 1.0), (0.0, 4.0), svg.WIDTH, svg.HEIGHT)
    assert ys[2] == pytest.approx(plot.py(3.0), abs=0.1)


def test_error_bars_reach_each_points_interval() -> None:
    bars = dict(type="data", symmetric=False, array=[1, 1, 0, 1, 1], arrayminus=[1] * 5)
    drawing = svg.figure_svg(figure(mode="markers", error_y=bars))
    plot = svg.Plot((0.0, 1.0), (0.0, 4.0), svg.WIDTH, svg.HEIGHT)
    stems = re.findall(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="\1" y2="([\d.]+)"', drawing)
    # A stem from value + up to value - down, and a cap at each end (the third point
    # has a bar down only).
    assert (f"{plot.py(2.0):.1f}", f"{plot.py(0.0):.1f}") in [(a, b) for _, a, b in stems]
    assert drawing.count("<line") >= 5 * 3


def test_ticks_are_the_figures_own_and_only_those_in_range() -> None:
    fig = figure().update_yaxes(
        tickvals=[-1, 0, 2, 4, 5], ticktext=["a", "0:00", "0:02", "0:04", "b"]
    )
    fig.update_xaxes(tickvals=DAYS[1:3], ticktext=["ene 2026", "feb 2026"])
    labels = re.findall(r"<text [^>]*>([^<]*)</text>", svg.figure_svg(fig))
    assert labels == ["T", "0:00", "0:02", "0:04", "ene 2026", "feb 2026"]


def test_a_vertical_line_and_a_band_span_the_plot() -> None:
    fig = figure(mode="markers")
    fig.add_vline(x=DAYS[2], line=dict(dash="dash", color="#374151"))
    fig.add_vrect(x0=DAYS[1], x1=DAYS[2], fillcolor="rgba(0, 0, 0, 0.1)", layer="below")
    drawing = svg.figure_svg(fig)
    circles = numbers("circle", "cx", drawing)
    dashed = re.search(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="\1" y2="([\d.]+)" '
                       r'stroke="#374151" stroke-width="1" stroke-dasharray="6 4"/>', drawing)  # fmt: skip
    assert dashed is not None and float(dashed.group(1)) == circles[2]
    top, bottom = float(dashed.group(3)), float(dashed.group(2))
    assert (top, bottom) == (svg.TOP, svg.HEIGHT - svg.BOTTOM)  # the whole plot's height
    (rect_x,) = numbers("rect", "x", drawing)
    assert rect_x == circles[1] and drawing.index("<rect") < drawing.index("<circle")  # below


def test_every_text_is_escaped() -> None:
    fig = figure(name='<b>x</b> & "y"').update_layout(title="<script>alert(1)</script>")
    fig.add_annotation(x=DAYS[0], y=1, yref="paper", text="<img src=x onerror=alert(1)>")
    drawing = svg.figure_svg(fig)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;" in drawing
    assert "&lt;script&gt;" in drawing and "&lt;img src=x" in drawing
    assert not re.search(r"<(b|script|img)\b", drawing)


def test_the_legend_wraps_and_the_drawing_grows_with_it() -> None:
    short = svg.figure_svg(figure(name="Before"))
    fig = go.Figure([go.Scatter(x=DAYS, y=[1] * 5, name=f"A rather long legend entry {i}")
                     for i in range(8)])  # fmt: skip
    long = svg.figure_svg(fig)

    def height(drawing: str) -> float:
        match = re.search(r'viewBox="0 0 \d+ (\d+)"', drawing)
        assert match is not None
        return float(match.group(1))

    assert height(long) - height(short) == svg.ROW * 2  # 3 rows of legend, not 1
    assert re.search(r"<text [^>]*>Before</text>", short)
