"""Charts of a change analysis: pure builders, frames in, plotly figures out.

- :func:`its_chart`: the treated group's period series with the segmented fit, the
  pre-trend's counterfactual extension (dashed) and the post-change fit.
- :func:`event_chart`: event-study leads and lags with 95% intervals; leads near zero
  support parallel pre-trends.
- :func:`summary_chart`: the one-page summary's chart - the periods before and after
  the change, the two windows' averages and the change date - with explicit ticks, so
  that its static drawing (:mod:`analytics.svg`) reads as the app's charts do.

Values in hover labels and on the value axis are in the metric's unit, formatted as
in the verdict and the tables (:mod:`analytics.changes.formatting`): durations as m:ss,
rates with a %, NPS with one decimal. Tested on the figures' data, not pixels.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

import plotly.graph_objects as go
import polars as pl

from analytics import kpis
from analytics.changes.formatting import change_text, level_text
from analytics.charts import BLUE, GREY, LAYOUT, date_axis
from analytics.i18n import Lang, day, number, t

ORANGE = "#ea580c"
RAMP = "rgba(156, 163, 175, 0.18)"
# Whole-second steps for an m:ss axis: about five ticks over the values shown.
SECOND_STEPS = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600)
# Below the plot, under the axis title (the default legend sits on it).
LEGEND = dict(orientation="h", yanchor="top", y=-0.22, x=0)


def its_chart(
    fit: pl.DataFrame,
    series: pl.DataFrame,
    metric: str,
    lang: Lang,
    ramp: tuple[dt.date, dt.date] | None = None,
) -> go.Figure:
    """Observed periods (ramp-up hollow), pre fit, counterfactual and post fit.

    ``fit`` is :attr:`ITSResult.fit` (``time, post, fitted, counterfactual``);
    ``series`` the periods with ``period, window, value, low, high, n``.
    """
    fig = go.Figure()
    _observed(fig, series, metric, lang)
    pre, post = fit.filter(~pl.col("post")), fit.filter(pl.col("post"))
    # The counterfactual starts at the last pre-change period so the lines join.
    bridge = pl.concat([pre.tail(1), post])
    lines = (
        (pre, "fitted", t("analysis.chart.pre_fit", lang), BLUE, "solid"),
        (bridge, "counterfactual", t("analysis.chart.counterfactual", lang), GREY, "dash"),
        (post, "fitted", t("analysis.chart.post_fit", lang), ORANGE, "solid"),
    )
    for frame, column, name, color, dash in lines:
        values = frame[column].to_list()
        fig.add_trace(
            go.Scatter(
                x=frame["time"].to_list(),
                y=values,
                mode="lines",
                name=name,
                line=dict(color=color, width=2, dash=dash),
                text=[level_text(metric, v, lang) for v in values],
                hovertemplate="%{text}",
            )
        )
    if ramp is not None and ramp[1] > ramp[0]:
        fig.add_vrect(x0=ramp[0], x1=ramp[1], fillcolor=RAMP, line_width=0, layer="below")
    layout = {**LAYOUT, "height": 400, "legend": LEGEND, "margin": dict(l=10, r=10, t=30, b=90)}
    fig.update_layout(title=t(f"kpi.{metric}", lang), separators=_separators(lang), **layout)
    shown = [*series["low"].to_list(), *series["high"].to_list(), *fit["fitted"].to_list()]
    value_axis(fig, metric, lang, [*shown, *fit["counterfactual"].to_list()], level=True)
    return date_axis(fig, lang)


def _observed(fig: go.Figure, series: pl.DataFrame, metric: str, lang: Lang) -> None:
    """One marker trace per window, with the periods' 95% intervals as error bars."""
    styles = {
        "before": (t("analysis.chart.before", lang), BLUE, BLUE),
        "ramp": (t("analysis.chart.ramp", lang), GREY, "white"),
        "after": (t("analysis.chart.after", lang), ORANGE, ORANGE),
    }
    for window, (name, color, fill) in styles.items():
        rows = series.filter((pl.col("window") == window) & (pl.col("n") > 0))
        if rows.is_empty():
            continue
        values = rows["value"].to_list()
        fig.add_trace(
            go.Scatter(
                x=rows["period"].to_list(),
                y=values,
                mode="markers",
                name=name,
                marker=dict(color=fill, size=7, line=dict(color=color, width=1.5)),
                error_y=_error_bars(values, rows["low"].to_list(), rows["high"].to_list(), color),
                text=[level_text(metric, v, lang) for v in values],
                customdata=rows["n"].to_list(),
                hovertemplate="%{text} (n=%{customdata})",
            )
        )


def event_chart(table: pl.DataFrame, metric: str, lang: Lang) -> go.Figure:
    """Leads (before the change) and lags (after) with 95% intervals around zero.

    ``table`` is :attr:`EventStudyResult.table`; the reference period (-1, estimate 0,
    no interval) is drawn hollow.
    """
    ref = pl.col("se").is_null()
    fig = go.Figure()
    for frame, color, fill, name in (
        (table.filter(~ref & (pl.col("relative_period") < 0)), BLUE, BLUE, "analysis.chart.leads"),
        (table.filter(~ref & (pl.col("relative_period") >= 0)), ORANGE, ORANGE, "analysis.chart.lags"),
        (table.filter(ref), GREY, "white", "analysis.chart.reference"),
    ):  # fmt: skip
        est = frame["estimate"].to_list()
        fig.add_trace(
            go.Scatter(
                x=frame["relative_period"].to_list(),
                y=est,
                mode="markers",
                name=t(name, lang),
                marker=dict(color=fill, size=8, line=dict(color=color, width=1.5)),
                error_y=_error_bars(est, frame["low"].to_list(), frame["high"].to_list(), color),
                text=[change_text(metric, e, lang) for e in est],
                hovertemplate="%{x}: %{text}<extra></extra>",
            )
        )
    fig.add_hline(y=0, line=dict(color=GREY, width=1))
    fig.add_vline(x=-0.5, line=dict(color=GREY, dash="dash", width=1))
    fig.add_annotation(
        x=-0.5, y=1, yref="paper", text=t("analysis.chart.change", lang), showarrow=False,
        xanchor="left", font=dict(size=10, color="#4b5563"),
    )  # fmt: skip
    layout = {**LAYOUT, "height": 380, "hovermode": "closest", "legend": LEGEND}
    fig.update_layout(
        title=t(f"kpi.{metric}", lang),
        xaxis_title=t("analysis.chart.relative", lang),
        xaxis=dict(dtick=1),
        separators=_separators(lang),
        **{**layout, "margin": dict(l=10, r=10, t=30, b=100)},
    )
    shown = [v for v in [*table["low"].to_list(), *table["high"].to_list(), 0.0] if v is not None]
    return value_axis(fig, metric, lang, shown, level=False)


def summary_chart(
    series: pl.DataFrame,
    metric: str,
    lang: Lang,
    change_on: dt.date,
    levels: Sequence[tuple[dt.date, dt.date, float]] = (),
    ramp: tuple[dt.date, dt.date] | None = None,
) -> go.Figure:
    """The periods before and after the change with their 95% intervals (ramp-up
    hollow), each window's average as a line over it (``levels``: before, then after:
    start, end, value - the before/after table's values) and the change date marked."""
    fig = go.Figure()
    _observed(fig, series, metric, lang)
    for (start, end, value), (window, color) in zip(
        levels, (("before", BLUE), ("after", ORANGE)), strict=False
    ):
        if not math.isfinite(value):
            continue
        name = t(f"summary.chart.{window}", lang, value=level_text(metric, value, lang))
        fig.add_trace(go.Scatter(x=[start, end], y=[value, value], mode="lines", name=name,
                                 line=dict(color=color, width=2), hoverinfo="skip"))  # fmt: skip
    if ramp is not None and ramp[1] > ramp[0]:
        fig.add_vrect(x0=ramp[0], x1=ramp[1], fillcolor=RAMP, line_width=0, layer="below")
    fig.add_vline(x=change_on, line=dict(color="#374151", dash="dash", width=1.5))
    fig.add_annotation(
        x=change_on, y=1, yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
        text=t("summary.chart.change", lang, date=day(change_on, lang)),
        font=dict(size=11, color="#374151"),
    )  # fmt: skip
    layout = {**LAYOUT, "height": 340, "legend": LEGEND, "margin": dict(l=10, r=10, t=40, b=90)}
    fig.update_layout(title=t(f"kpi.{metric}", lang), separators=_separators(lang), **layout)
    values = [*series["low"].to_list(), *series["high"].to_list(), *(v for *_, v in levels)]
    ys, labels = level_ticks(metric, [v for v in values if v is not None], lang)
    fig.update_yaxes(tickvals=ys, ticktext=labels, range=[ys[0], ys[-1]] if ys else None)
    days = [*series["period"].to_list(), *(d for start, end, _ in levels for d in (start, end))]
    xs, dates = date_ticks(min(days), max(days), lang)
    margin = (max(days) - min(days)) / 40
    return fig.update_xaxes(
        tickvals=xs, ticktext=dates, range=[min(days) - margin, max(days) + margin]
    )


def level_ticks(metric: str, values: Sequence[float], lang: Lang) -> tuple[list[float], list[str]]:
    """Round ticks spanning ``values`` and their labels in the metric's unit: 0:30,
    70%, 7,5 - as many decimals as the step needs."""
    finite = [v for v in values if math.isfinite(v)]
    unit = kpis.get(metric).unit
    if unit == "seconds":
        ticks = duration_ticks(finite)
        return ticks, [level_text(metric, v, lang) for v in ticks]
    ticks = round_ticks(finite)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    places = next((d for d in range(4) if abs(round(step, d) - step) < 1e-9), 4)
    suffix = (" %" if lang == "es" else "%") if unit == "percent" else ""
    return ticks, [number(v, lang, places) + suffix for v in ticks]


def round_ticks(values: Sequence[float], most: int = 6) -> list[float]:
    """Ticks at a round step (1, 2, 2.5 or 5 times a power of ten) enclosing ``values``."""
    if not values:
        return []
    low, high = min(values), max(values)
    raw = (high - low) / most or max(abs(low), 1.0) / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(i * step, 10) for i in range(first, max(last, first + 1) + 1)]


def date_ticks(
    start: dt.date, end: dt.date, lang: Lang, most: int = 8
) -> tuple[list[dt.date], list[str]]:
    """The first days of the months in ``start..end`` ("Oct 2025", "oct 2025"), every
    k-th one when there are more than ``most``; over less than two months, Mondays."""
    months, d = [], dt.date(start.year, start.month, 1)
    while d <= end:
        if d >= start:
            months.append(d)
        d = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
    if len(months) >= 2:
        months = months[:: math.ceil(len(months) / most)]
        return months, [day(m, lang).split(" ", 1)[1] for m in months]  # "1 Oct 2025" -> "Oct 2025"
    first = start + dt.timedelta(days=-start.weekday() % 7)
    weeks = [first + dt.timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]
    weeks = weeks[:: math.ceil(len(weeks) / most)] if weeks else weeks
    return weeks, [day(w, lang) for w in weeks]


def _error_bars(
    values: list[float], low: list[float | None], high: list[float | None], color: str
) -> dict[str, object]:
    """Asymmetric error bars to each point's interval (none where it has none)."""
    return dict(
        type="data",
        symmetric=False,
        array=[(h if h is not None else v) - v for h, v in zip(high, values, strict=True)],
        arrayminus=[v - (lo if lo is not None else v) for lo, v in zip(low, values, strict=True)],
        color=color,
        thickness=1.2,
        width=3,
    )


def value_axis(
    fig: go.Figure, metric: str, lang: Lang, values: Sequence[float | None], *, level: bool
) -> go.Figure:
    """The value axis in the metric's unit: m:ss ticks for a duration, a % suffix for
    a rate level (a change in a rate is in percentage points: its hover says so)."""
    unit = kpis.get(metric).unit
    if unit == "percent" and level:
        fig.update_yaxes(ticksuffix=" %" if lang == "es" else "%")
    if unit == "seconds":
        fmt: Callable[[float], str] = (
            (lambda v: level_text(metric, v, lang)) if level
            else (lambda v: change_text(metric, v, lang))
        )  # fmt: skip
        ticks = duration_ticks([v for v in values if v is not None and math.isfinite(v)])
        fig.update_yaxes(tickvals=ticks, ticktext=[fmt(v) for v in ticks])
    return fig


def duration_ticks(values: Sequence[float], most: int = 6) -> list[float]:
    """Round-second tick values spanning ``values``, at most about ``most`` of them."""
    if not values:
        return []
    low, high = min(values), max(values)
    step = next((s for s in SECOND_STEPS if (high - low) / s <= most), SECOND_STEPS[-1])
    first = math.floor(low / step) * step
    return [float(first + i * step) for i in range(int((high - first) // step) + 2)]


def _separators(lang: Lang) -> str:
    """Plotly's decimal and thousands separators for the reader's language."""
    return ",." if lang == "es" else ".,"
