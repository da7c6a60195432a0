"""Pure chart builders: polars frame in, plotly Figure out (tested on figure data).

``go.Figure`` rather than ``plotly.express`` keeps each build to a few ms.

Plotly draws a subset of HTML in every text (axis labels, legends, hover labels, titles,
annotations: ``<a href>``, ``<b>``, ``<i>``, ``<br>``, ``<span style>``...) and decodes
``&lt;`` ``&gt;`` ``&amp;``. Every string a builder puts in a figure from the data (a
team, a queue, a change's name) goes through :func:`plot_text`, so it shows as typed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape

import plotly.graph_objects as go
import polars as pl

from analytics.i18n import Lang, t

BLUE = "#2563eb"
TARGET = "#374151"  # the target line and marks: dark grey, apart from the data's blue
MEETS, MISSES = "#16a34a", "#dc2626"  # a bar against its target: green, red
BAND = "rgba(37, 99, 235, 0.15)"
GREY = "#9ca3af"
LAYOUT = dict(
    margin=dict(l=10, r=10, t=30, b=10),
    height=340,
    hovermode="x unified",
    plot_bgcolor="white",
    legend=dict(orientation="h", y=-0.15),
)


def plot_text(value: object) -> str:
    """``value`` as plotly text that reads as written: ``&``, ``<`` and ``>`` escaped
    (no tag can open). Quotes stay: plotly knows no ``&quot;``, and would show it."""
    return escape(str(value), quote=False)


def trend(
    frame: pl.DataFrame,
    title: str,
    lang: Lang,
    grain: str | None = None,
    unit: str = "",
    target: Sequence[float | None] | None = None,
) -> go.Figure:
    """A KPI's period series with its 95% band; low-sample periods drawn hollow.

    A period in which the KPI is not measured (NaN value, a ``reason``) is a gap: the
    line stops there and the band is drawn as one shape per measured run, so no line
    or band is interpolated across it. ``grain``: ticks fall on the periods (weeks
    start on Monday, as the points do; plotly's default ticks fell on Sundays);
    ``unit`` "percent" puts a % on the value axis. ``target``: per period (the
    frame's rows), the target holding at its start (None: none), drawn as a dashed
    step line (:func:`target_steps`).
    """
    measured = frame["value"].is_not_nan() & frame["value"].is_not_null()
    frame = frame.with_columns(value=pl.when(measured).then(pl.col("value")))
    x = frame["period"].to_list()
    band_x, band_y = _band(frame, measured.to_list())
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=band_x,
            y=band_y,
            mode="lines",
            fill="toself",
            fillcolor=BAND,
            line=dict(width=0),
            hoverinfo="skip",
            name=t("chart.ci95", lang),
        )
    )
    hollow = (frame["low_sample"] | frame["partial"]).to_list()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=frame["value"].to_list(),
            mode="lines+markers",
            name=title,
            line=dict(color=BLUE, width=2),
            marker=dict(
                color=["white" if h else BLUE for h in hollow], line=dict(color=BLUE, width=1.5)
            ),
            customdata=frame["n"].to_list(),
            hovertemplate="%{y:.1f} (n=%{customdata})",
        )
    )
    if target is not None and any(v is not None for v in target):
        step_x, step_y = target_steps(x, list(target))
        fig.add_trace(
            go.Scatter(
                x=step_x,
                y=step_y,
                mode="lines",
                name=t("targets.chart.line", lang),
                line=dict(color=TARGET, width=1.5, dash="dash"),
                hovertemplate="%{y:.1f}",
            )
        )
    # Room under the axis for the year, which plotly writes on a second line.
    fig.update_layout(title=title, **{**LAYOUT, "margin": dict(l=10, r=10, t=30, b=40)})
    if unit == "percent":
        fig.update_yaxes(ticksuffix="%" if lang == "en" else " %")
    return period_ticks(date_axis(fig, lang), grain, len(x))


def target_steps(
    periods: Sequence[object], values: Sequence[float | None]
) -> tuple[list[object], list[float | None]]:
    """A step line as plain points: each period's target runs flat to the next
    period's start, where it steps to the next one; None (no target) is a gap. Explicit
    points rather than plotly's ``line_shape="hv"``, so that a static SVG of the figure
    (:mod:`analytics.svg`) draws the same steps."""
    xs: list[object] = []
    ys: list[float | None] = []
    for i, (period, value) in enumerate(zip(periods, values, strict=True)):
        if value is None:
            if ys and ys[-1] is not None:
                xs.append(period)
                ys.append(None)
            continue
        xs.append(period)
        ys.append(value)
        if i + 1 < len(periods):
            xs.append(periods[i + 1])
            ys.append(value)
    return xs, ys


#: A Monday: weekly ticks start from it, so they fall on the weeks' first days.
_MONDAY = "2024-01-01"


def period_ticks(fig: go.Figure, grain: str | None, periods: int) -> go.Figure:
    """Ticks on whole periods, about eight of them: every k-th Monday for weeks, every
    k-th first of the month for months."""
    if grain not in ("week", "month") or periods == 0:
        return fig
    every = max(1, math.ceil(periods / 8))
    if grain == "week":
        return fig.update_xaxes(tick0=_MONDAY, dtick=7 * every * DAY_MS)
    return fig.update_xaxes(tick0=_MONDAY, dtick=f"M{every}")


def _band(frame: pl.DataFrame, measured: list[bool]) -> tuple[list[object], list[object]]:
    """The 95% band as closed shapes, one per run of measured periods, separated by
    None (plotly's "toself" fill closes each segment of a trace with gaps on its own)."""
    xs: list[object] = []
    ys: list[object] = []
    rows = list(zip(frame["period"], frame["low"], frame["high"], measured, strict=True))
    run: list[tuple[object, float, float]] = []
    for period, low, high, ok in [*rows, (None, math.nan, math.nan, False)]:
        if ok and not (_missing(low) or _missing(high)):
            run.append((period, low, high))
            continue
        if run:
            xs += [r[0] for r in run] + [r[0] for r in run[::-1]] + [None]
            ys += [r[2] for r in run] + [r[1] for r in run[::-1]] + [None]
        run = []
    return xs[:-1], ys[:-1]


def _missing(v: float | None) -> bool:
    return v is None or math.isnan(v)


DAY_MS = 86_400_000


def date_axis(fig: go.Figure, lang: Lang) -> go.Figure:
    """Dates on the x axis in the reader's language.

    Plotly's browser bundle knows only English month names, so Spanish charts use
    numeric dates, day first: 05/01/26 when zoomed in, 01/2026 over months and years.
    """
    if lang == "es":
        fig.update_xaxes(
            tickformatstops=[
                dict(dtickrange=[None, 28 * DAY_MS], value="%d/%m/%y"),
                dict(dtickrange=[28 * DAY_MS, None], value="%m/%Y"),
            ],
            hoverformat="%d/%m/%Y",
        )
    return fig


def line(frame: pl.DataFrame, x: str, y: str, title: str, lang: Lang) -> go.Figure:
    """A plain period series (no interval): ``frame[x]`` dates, ``frame[y]`` values."""
    fig = go.Figure(
        go.Scatter(
            x=frame[x].to_list(),
            y=frame[y].to_list(),
            mode="lines",
            name=title,
            line=dict(color=BLUE, width=2),
            hovertemplate="%{y:.2f}",
        )
    )
    fig.update_layout(title=title, **{**LAYOUT, "height": 300, "showlegend": False})
    return date_axis(fig, lang)


def add_changes(
    fig: go.Figure, changes: pl.DataFrame, span: tuple[dt.date, dt.date] | None = None
) -> go.Figure:
    """Mark registered process changes (``started_on``, ``name``) as dashed lines.

    Plotly renders a subset of HTML in annotations, so the names (user text) are
    escaped: "<b>x</b>" shows as typed, not bold, and no tag reaches the page. Quotes
    stay as they are (plotly knows no "&quot;", and they cannot open a tag).

    With ``span`` the x axis is fixed to those dates (:func:`fit_x`), and a name in
    the span's right half is written to the left of its line, so that it stays inside.
    Successive names step down three rows, so that changes close in time stay legible.
    """
    middle = None if span is None else span[0] + (span[1] - span[0]) / 2
    for i, row in enumerate(changes.sort("started_on").iter_rows(named=True)):
        left = middle is not None and row["started_on"] > middle
        fig.add_vline(x=row["started_on"], line=dict(color=GREY, dash="dash", width=1))
        fig.add_annotation(
            x=row["started_on"],
            y=1 - 0.07 * (i % 3),
            yref="paper",
            text=plot_text(row["name"]),
            showarrow=False,
            xanchor="right" if left else "left",
            font=dict(size=10, color="#4b5563"),
        )
    return fig if span is None else fit_x(fig, *span)


def fit_x(fig: go.Figure, start: dt.date, end: dt.date) -> go.Figure:
    """Fix the x axis to ``start..end`` (plus a margin for the end markers).

    Plotly's automatic range grows to fit annotation text: a change named near the
    end of the data would stretch the axis months past the last point.
    """
    margin = max(dt.timedelta(days=1), (end - start) / 50)
    return fig.update_xaxes(range=[start - margin, end + margin])


def breakdown(
    frame: pl.DataFrame,
    dimension: str,
    title: str,
    lang: Lang,
    unit: str = "",
    against_target: bool = False,
) -> go.Figure:
    """Horizontal bars with 95% error bars, best at the top; low-sample bars in grey;
    ``unit`` "percent" puts a % on the value axis.

    Groups in which the KPI is not measured (NaN) get no bar: a bar of nothing would
    read as 0 (the table beside the chart lists them with the reason).

    ``against_target`` (the frame from :func:`analytics.targets.against`): each bar
    coloured as a tile's gap is, by where its 95% interval lies: wholly on the good side
    of its segment's target (green), wholly on the wrong side (red), across the target
    (grey: the data cannot tell), or no target (blue); one legend entry each, and each
    target marked on its bar. Low-sample bars are then pale rather than grey.
    """
    measured = frame.filter(pl.col("value").is_not_nan() & pl.col("value").is_not_null())
    rows = measured.reverse()  # plotly draws the first bar at the bottom
    # Data values as text: plotly renders <b>, <a href> and the like in axis labels.
    labels = [plot_text(v) if v is not None else t("chart.no_call", lang) for v in rows[dimension]]
    if against_target and "meets" in rows.columns:
        fig = _bars_against_target(rows, labels, lang)
    else:
        fig = go.Figure(_bars(rows, labels, [GREY if s else BLUE for s in rows["low_sample"]]))
    # "closest": hovering (and clicking, to drill down) picks the bar under the pointer;
    # the shared "x unified" would pick every bar of the same value axis position.
    height = max(240, 28 * len(labels) + 80)
    fig.update_layout(title=title, **{**LAYOUT, "height": height, "hovermode": "closest"})
    fig.update_yaxes(categoryorder="array", categoryarray=labels)
    if unit == "percent":
        fig.update_xaxes(ticksuffix="%" if lang == "en" else " %")
    return fig


def _bars(rows: pl.DataFrame, labels: list[str], colours: list[str], **kw: object) -> go.Bar:
    values = rows["value"].to_list()
    return go.Bar(
        x=values,
        y=labels,
        orientation="h",
        marker_color=colours,
        error_x=dict(
            type="data",
            symmetric=False,
            array=[h - v for h, v in zip(rows["high"], values, strict=True)],
            arrayminus=[v - lo for v, lo in zip(values, rows["low"], strict=True)],
        ),
        customdata=rows["n"].to_list(),
        hovertemplate="%{x:.1f} (n=%{customdata})<extra></extra>",
        **kw,
    )


def _bars_against_target(rows: pl.DataFrame, labels: list[str], lang: Lang) -> go.Figure:
    """One bar trace per verdict (so the legend names each colour), and the targets."""
    fig = go.Figure()
    verdict = [
        "none" if m is None else "unsure" if not sure else "meets" if m else "misses"
        for m, sure in zip(rows["meets"].to_list(), rows["sure"].to_list(), strict=True)
    ]
    colours = {"meets": MEETS, "misses": MISSES, "unsure": GREY, "none": BLUE}
    for kind in ("meets", "misses", "unsure", "none"):
        keep = [v == kind for v in verdict]
        if not any(keep):
            continue
        part = rows.filter(pl.Series(keep))
        names = [label for label, k in zip(labels, keep, strict=True) if k]
        fig.add_trace(
            _bars(
                part,
                names,
                [colours[kind]] * part.height,
                name=t(f"targets.chart.{kind}", lang),
                marker_opacity=[0.45 if s else 1.0 for s in part["low_sample"]],
            )
        )
    marked = rows.filter(pl.col("target").is_not_null())
    if marked.height:
        fig.add_trace(
            go.Scatter(
                x=marked["target"].to_list(),
                y=[label for label, v in zip(labels, rows["target"], strict=True) if v is not None],
                mode="markers",
                name=t("targets.chart.line", lang),
                marker=dict(symbol="line-ns", size=18, line=dict(color=TARGET, width=3)),
                hovertemplate="%{x:.1f}<extra></extra>",
            )
        )
    return fig.update_layout(barmode="overlay")
