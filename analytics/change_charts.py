"""Charts of a change analysis: pure builders, frames in, plotly figures out.

- :func:`its_chart`: the treated group's period series with the segmented fit, the
  pre-trend's counterfactual extension (dashed) and the post-change fit.
- :func:`event_chart`: event-study leads and lags with 95% intervals; leads near zero
  support parallel pre-trends.

Tested on the figures' data, not pixels (like :mod:`analytics.charts`).
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from analytics.charts import BLUE, GREY, LAYOUT, date_axis
from analytics.i18n import Lang, t

ORANGE = "#ea580c"
RAMP = "rgba(156, 163, 175, 0.18)"


def its_chart(
    fit: pl.DataFrame,
    series: pl.DataFrame,
    title: str,
    lang: Lang,
    ramp: tuple[dt.date, dt.date] | None = None,
) -> go.Figure:
    """Observed periods (ramp-up hollow), pre fit, counterfactual and post fit.

    ``fit`` is :attr:`ITSResult.fit` (``time, post, fitted, counterfactual``);
    ``series`` the periods with ``period, window, value, low, high, n``.
    """
    fig = go.Figure()
    _observed(fig, series, lang)
    pre, post = fit.filter(~pl.col("post")), fit.filter(pl.col("post"))
    # The counterfactual starts at the last pre-change period so the lines join.
    bridge = pl.concat([pre.tail(1), post])
    lines = (
        (pre, "fitted", t("analysis.chart.pre_fit", lang), BLUE, "solid"),
        (bridge, "counterfactual", t("analysis.chart.counterfactual", lang), GREY, "dash"),
        (post, "fitted", t("analysis.chart.post_fit", lang), ORANGE, "solid"),
    )
    for frame, column, name, color, dash in lines:
        fig.add_trace(
            go.Scatter(
                x=frame["time"].to_list(),
                y=frame[column].to_list(),
                mode="lines",
                name=name,
                line=dict(color=color, width=2, dash=dash),
                hovertemplate="%{y:.2f}",
            )
        )
    if ramp is not None and ramp[1] > ramp[0]:
        fig.add_vrect(x0=ramp[0], x1=ramp[1], fillcolor=RAMP, line_width=0, layer="below")
    fig.update_layout(title=title, **{**LAYOUT, "height": 380})
    return date_axis(fig, lang)


def _observed(fig: go.Figure, series: pl.DataFrame, lang: Lang) -> None:
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
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=[h - v for h, v in zip(rows["high"], values, strict=True)],
                    arrayminus=[v - lo for v, lo in zip(values, rows["low"], strict=True)],
                    color=color,
                    thickness=1,
                    width=0,
                ),
                customdata=rows["n"].to_list(),
                hovertemplate="%{y:.2f} (n=%{customdata})",
            )
        )


def event_chart(table: pl.DataFrame, title: str, lang: Lang) -> go.Figure:
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
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=[(h or e) - e for h, e in zip(frame["high"], est, strict=True)],
                    arrayminus=[e - (lo or e) for lo, e in zip(frame["low"], est, strict=True)],
                    color=color,
                    thickness=1.2,
                    width=3,
                ),
                hovertemplate="%{x}: %{y:.2f}<extra></extra>",
            )
        )
    fig.add_hline(y=0, line=dict(color=GREY, width=1))
    fig.add_vline(x=-0.5, line=dict(color=GREY, dash="dash", width=1))
    fig.add_annotation(
        x=-0.5, y=1, yref="paper", text=t("analysis.chart.change", lang), showarrow=False,
        xanchor="left", font=dict(size=10, color="#4b5563"),
    )  # fmt: skip
    layout = {**LAYOUT, "height": 340, "hovermode": "closest"}
    fig.update_layout(title=title, xaxis_title=t("analysis.chart.relative", lang), **layout)
    return fig
