"""The report's trend charts: a KPI by week with its 95% band, drawn as static SVG.

Built as plotly figures in the subset :mod:`analytics.svg` draws (explicit ticks, a
``toself`` band, lines and markers, shapes and annotations), so that the report's
chart reads as the overview's: the same weekly estimates and intervals
(:func:`analytics.overview.trend`), weeks with fewer than 30 answers or cut by the
span drawn hollow, a gap where the KPI is not measured, the registered process
changes as dashed lines with their names, and the target as a dashed green line.
"""

from __future__ import annotations

import datetime as dt
import math

import plotly.graph_objects as go
import polars as pl

from analytics import kpis, svg
from analytics.charts import BAND, BLUE, GREY
from analytics.i18n import Lang, day, kpi_value, t
from analytics.weekly.build import Steps

GREEN = "#15803d"
LEGEND_BAND = "rgba(37, 99, 235, 0.35)"  # the band's legend swatch, a thick line
HEIGHT = 250
TICKS = 5  # about this many value ticks
STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


def trend_svg(
    series: pl.DataFrame,
    key: str,
    lang: Lang,
    changes: pl.DataFrame,
    target: Steps | None = None,
) -> str:
    """One KPI's weekly series (rows of :func:`analytics.overview.trend`) as ``<svg>``."""
    return svg.figure_svg(trend_figure(series, key, lang, changes, target), height=HEIGHT)


def trend_figure(
    series: pl.DataFrame,
    key: str,
    lang: Lang,
    changes: pl.DataFrame,
    target: Steps | None = None,
) -> go.Figure:
    unit = kpis.get(key).unit
    rows = series.sort("period")
    measured = [_finite(v) for v in rows["value"]]
    xs = rows["period"].to_list()
    values = [v if ok else None for v, ok in zip(rows["value"], measured, strict=True)]
    hollow = [bool(a or b) for a, b in zip(rows["low_sample"], rows["partial"], strict=True)]
    fig = go.Figure()
    band_x, band_y = _band(xs, rows["low"].to_list(), rows["high"].to_list(), measured)
    fig.add_trace(go.Scatter(x=band_x, y=band_y, mode="lines", fill="toself", fillcolor=BAND,
                             line=dict(width=0, color=LEGEND_BAND), name=t("chart.ci95", lang)))  # fmt: skip
    fig.add_trace(go.Scatter(x=xs, y=values, mode="lines", line=dict(color=BLUE, width=2),
                             name=t(f"kpi.{key}", lang)))  # fmt: skip
    for empty, name in ((False, None), (True, t("weekly.chart.hollow", lang))):
        points = [(x, v) for x, v, h in zip(xs, values, hollow, strict=True) if h == empty]
        if empty and not any(v is not None for _, v in points):
            continue
        fig.add_trace(
            go.Scatter(
                x=[x for x, _ in points],
                y=[v for _, v in points],
                mode="markers",
                marker=dict(color="white" if empty else BLUE, size=6,
                            line=dict(color=BLUE, width=1.5)),
                name=name,
                showlegend=name is not None,
            )
        )  # fmt: skip
    if target and any(v is not None for _, v in target):
        step_x, step_y = _steps(target)
        last = next(v for _, v in reversed(target) if v is not None)
        name = t("weekly.chart.target", lang, value=kpi_value(unit, last, lang))
        fig.add_trace(go.Scatter(x=step_x, y=step_y, mode="lines", name=name,
                                 line=dict(color=GREEN, dash="dash", width=1.5)))  # fmt: skip
    _changes(fig, changes, xs)
    low, high = _value_range(rows, target)
    ticks = nice_ticks(low, high)
    fig.update_yaxes(range=[ticks[0], ticks[-1]], tickvals=ticks,
                     ticktext=[kpi_value(unit, v, lang) for v in ticks])  # fmt: skip
    if xs:
        every = max(1, math.ceil(len(xs) / 7))
        shown = xs[::-1][::every][::-1]
        fig.update_xaxes(range=[xs[0] - dt.timedelta(days=3), xs[-1] + dt.timedelta(days=3)],
                         tickvals=shown, ticktext=[_short(d, lang) for d in shown])  # fmt: skip
    fig.update_layout(title=t(f"kpi.{key}", lang))
    return fig


def _changes(fig: go.Figure, changes: pl.DataFrame, xs: list[dt.date]) -> None:
    """The process changes as dashed lines, named (svg.py escapes the names); names
    step down three rows so that changes close in time stay legible."""
    if not xs or changes.is_empty():
        return
    middle = xs[0] + (xs[-1] - xs[0]) / 2
    for i, row in enumerate(changes.sort("started_on").iter_rows(named=True)):
        on = row["started_on"]
        fig.add_shape(type="line", x0=on, x1=on, y0=0, y1=1, yref="paper",
                      line=dict(color=GREY, dash="dash", width=1))  # fmt: skip
        fig.add_annotation(x=on, y=1 - 0.08 * (i % 3), yref="paper", text=row["name"],
                           showarrow=False, xanchor="right" if on > middle else "left",
                           font=dict(size=10, color="#4b5563"))  # fmt: skip


def _steps(target: Steps) -> tuple[list[object], list[object]]:
    """The target as steps: flat over each week it holds in, a gap where none does."""
    out_x: list[object] = []
    out_y: list[object] = []
    for week, v in target:
        out_x += [week, week + dt.timedelta(days=7)]
        out_y += [v, v]
    return out_x, out_y


def _band(
    xs: list[dt.date], lows: list[float], highs: list[float], measured: list[bool]
) -> tuple[list[object], list[object]]:
    """The band as closed shapes, one per run of measured weeks, separated by None."""
    out_x: list[object] = []
    out_y: list[object] = []
    run: list[tuple[dt.date, float, float]] = []
    rows = zip(xs, lows, highs, measured, strict=True)
    for x, low, high, ok in [*rows, (None, math.nan, math.nan, False)]:
        if ok and _finite(low) and _finite(high) and x is not None:
            run.append((x, low, high))
            continue
        if run:
            out_x += [r[0] for r in run] + [r[0] for r in run[::-1]] + [None]
            out_y += [r[2] for r in run] + [r[1] for r in run[::-1]] + [None]
        run = []
    return out_x[:-1], out_y[:-1]


def _value_range(rows: pl.DataFrame, target: Steps | None) -> tuple[float, float]:
    values = [v for c in ("low", "high", "value") for v in rows[c].to_list() if _finite(v)]
    values += [v for _, v in target or [] if v is not None]
    return (min(values), max(values)) if values else (0.0, 1.0)


def nice_ticks(low: float, high: float, count: int = TICKS) -> list[float]:
    """Round tick values that cover ``low..high`` in about ``count`` steps."""
    if high <= low:
        low, high = low - 1, high + 1
    raw = (high - low) / count
    scale = 10 ** math.floor(math.log10(raw))
    step = next(s * scale for s in STEPS if s * scale >= raw)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    n = round((last - first) / step)
    return [round(first + i * step, 10) for i in range(n + 1)]


def _short(d: dt.date, lang: Lang) -> str:
    """ "16 Nov" / "16 nov": the year is in the report's title."""
    return " ".join(day(d, lang).split(" ")[:2])


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)
