"""Charts of the drivers page: polars frame in, plotly Figure out (tested on figure data).

Also the names of drivers and their levels in the user's language, which the charts
and the page's tables share.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from analytics.charts import BLUE, GREY, LAYOUT, plot_text
from analytics.drivers.cells import OTHER, SPECS
from analytics.i18n import Lang, number, t

GREEN = "#16a34a"
RED = "#dc2626"
ORANGE = "#ea580c"
LOG_TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]
FIX_FIRST_FILL = "rgba(220, 38, 38, 0.08)"
LABEL_STEP_PX = 15  # vertical step between stacked point labels in the quadrant
QUADRANT_CORNERS = {  # where each label sits: (x: 0 = left, 1 = right, y: 0 = bottom, 1 = top)
    "fix_first": (0, 1),
    "keep_up": (1, 1),
    "low_priority": (0, 0),
    "overkill": (1, 0),
}


def driver_label(driver: str, lang: Lang) -> str:
    return t(f"drivers.driver.{driver}", lang)


def level_label(driver: str, level: str, lang: Lang) -> str:
    """'3' of duration -> '10–15 min'; data values (queues, channels) as they are."""
    if level == OTHER:
        return t("drivers.other", lang)
    if SPECS[driver].kind == "category":
        return level
    return t(f"drivers.level.{driver}.{level}", lang)


def term_label(driver: str, level: str, reference: str, lang: Lang) -> str:
    """An odds-ratio row: 'Duration: 10–15 min vs 5–10 min'."""
    return t(
        "drivers.term",
        lang,
        driver=driver_label(driver, lang),
        level=level_label(driver, level, lang),
        reference=level_label(driver, reference, lang),
    )


def duration_bands(frame: pl.DataFrame, outcome: str, percent: bool, lang: Lang) -> go.Figure:
    """The outcome by call-duration band, one line for resolved and one for unresolved
    calls, with 95% error bars; bands under 30 responses drawn hollow."""
    fig = go.Figure()
    for resolved, color in ((1, GREEN), (0, RED)):
        rows = frame.filter(pl.col("resolved") == resolved).sort("duration")
        values = rows["value"].to_list()
        fig.add_trace(
            go.Scatter(
                x=[level_label("duration", str(c), lang) for c in rows["duration"]],
                y=values,
                mode="lines+markers",
                name=level_label("resolved", str(resolved), lang).capitalize(),
                line=dict(color=color, width=2),
                marker=dict(
                    size=9,
                    color=["white" if s else color for s in rows["low_sample"]],
                    line=dict(color=color, width=1.5),
                ),
                error_y=_errors(rows, color),
                customdata=rows["n"].to_list(),
                hovertemplate=("%{y:.1f}" if percent else "%{y:.2f}") + " (n=%{customdata})",
            )
        )
    fig.update_layout(
        title=outcome,
        xaxis_title=t("drivers.chart.duration_band", lang),
        yaxis_title=outcome + (" (%)" if percent else ""),
        **LAYOUT,
    )
    return fig


def _errors(rows: pl.DataFrame, color: str) -> dict[str, object]:
    values = rows["value"].to_list()
    return dict(
        type="data",
        symmetric=False,
        array=[h - v for h, v in zip(rows["high"], values, strict=True)],
        arrayminus=[v - lo for v, lo in zip(values, rows["low"], strict=True)],
        color=color,
        thickness=1.2,
    )


def _tone(direction: str, higher_is_better: bool) -> str:
    """Green when the driver's higher level / 'yes' goes with more satisfaction."""
    if direction not in ("up", "down"):
        return GREY
    return GREEN if (direction == "up") == higher_is_better else RED


def importance(frame: pl.DataFrame, higher_is_better: bool, lang: Lang) -> go.Figure:
    """Shares of explained variance, largest on top, with 95% bootstrap error bars;
    green / red: the driver goes with more / less satisfaction, grey: no one direction."""
    rows = frame.sort("share")  # plotly draws the first bar at the bottom
    shares, labels = rows["share"].to_list(), [driver_label(d, lang) for d in rows["driver"]]
    fig = go.Figure(
        go.Bar(
            x=shares,
            y=labels,
            orientation="h",
            marker_color=[_tone(d, higher_is_better) for d in rows["direction"]],
            error_x=dict(
                type="data",
                symmetric=False,
                array=[h - s for h, s in zip(rows["share_high"], shares, strict=True)],
                arrayminus=[s - lo for s, lo in zip(shares, rows["share_low"], strict=True)],
                color="#374151",
            ),
            customdata=list(zip(rows["share_low"], rows["share_high"], strict=True)),
            hovertemplate="%{x:.1f}% (%{customdata[0]:.1f}-%{customdata[1]:.1f})<extra></extra>",
        )
    )
    # the value right of the error bar, where it cannot collide with it
    fig.add_trace(
        go.Scatter(
            x=rows["share_high"].to_list(),
            y=labels,
            mode="text",
            text=[f"  {number(s, lang, 1)}%" for s in shares],
            textposition="middle right",
            hoverinfo="skip",
            cliponaxis=False,
        )
    )
    layout = {**LAYOUT, "height": max(260, 34 * rows.height + 90)}
    fig.update_layout(xaxis_title=t("drivers.chart.share", lang), showlegend=False, **layout)
    fig.update_xaxes(range=[0, max([*rows["share_high"].fill_null(0).to_list(), 1]) * 1.18])
    return fig


def odds_ratios(frame: pl.DataFrame, lang: Lang) -> go.Figure:
    """Forest plot: odds ratio per model column with its 95% interval, log scale, a
    line at 1 (no association); the largest effects at the top.

    Terms without a bounded interval (``estimable`` false: separation) are left out, as
    the page says; the axis spans the intervals shown, within 0.01-100 (longer
    whiskers run off the edge)."""
    if "estimable" in frame.columns:
        frame = frame.filter(pl.col("estimable"))
    rows = frame.with_columns(size=pl.col("odds_ratio").log().abs()).sort("size")
    ratios = rows["odds_ratio"].to_list()
    labels = [  # a level of a category driver is data (a queue, a channel)
        plot_text(term_label(d, lv, r, lang))
        for d, lv, r in zip(rows["driver"], rows["level"], rows["reference"], strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=ratios,
            y=labels,
            mode="markers",
            marker=dict(color=[GREY if p >= 0.05 else BLUE for p in rows["p"]], size=8),
            error_x=dict(
                type="data",
                symmetric=False,
                array=[h - r for h, r in zip(rows["high"], ratios, strict=True)],
                arrayminus=[r - lo for r, lo in zip(ratios, rows["low"], strict=True)],
                color="#6b7280",
            ),
            hovertemplate="%{x:.2f}<extra>%{y}</extra>",
        )
    )
    fig.add_vline(x=1, line=dict(color=GREY, dash="dash", width=1))
    layout = {**LAYOUT, "height": max(280, 22 * rows.height + 90), "hovermode": "closest"}
    fig.update_layout(xaxis_title=t("drivers.chart.odds_ratio", lang), showlegend=False, **layout)
    lo = max(LOG_TICKS[0], min([*rows["low"].to_list(), 0.5]))
    hi = min(LOG_TICKS[-1], max([*rows["high"].to_list(), 2.0]))
    fig.update_xaxes(
        type="log",
        range=[math.log10(lo) - 0.05, math.log10(hi) + 0.05],
        tickvals=LOG_TICKS,
        ticktext=[number(v, lang, 2).rstrip("0").rstrip(".,") for v in LOG_TICKS],
    )
    return fig


def quadrant(frame: pl.DataFrame, lang: Lang) -> go.Figure:
    """Importance (y) against performance (x) with the quadrant lines at the means; the
    'fix first' corner (important, below-average performance) shaded and labelled."""
    fig = go.Figure()
    if frame.height == 0:
        return fig
    x_cut, y_cut = frame["performance_cut"][0], frame["importance_cut"][0]
    x_max = max(100.0, *frame["performance"].to_list())
    y_max = max(frame["importance"].max() * 1.15, y_cut * 2)  # type: ignore[operator]
    x_min = min(0.0, *frame["performance"].to_list())
    y_floor = -0.1 * y_max  # a strip under zero for the two lower corner labels
    fig.add_shape(
        type="rect", x0=x_min, x1=x_cut, y0=y_cut, y1=y_max, fillcolor=FIX_FIRST_FILL, line_width=0
    )  # the 'fix first' corner
    fig.add_vline(x=x_cut, line=dict(color=GREY, dash="dot", width=1))
    fig.add_hline(y=y_cut, line=dict(color=GREY, dash="dot", width=1))
    for code, (right, top) in QUADRANT_CORNERS.items():
        first = code == "fix_first"
        fig.add_annotation(  # the lower two in a strip under zero, clear of points and labels
            x=x_max if right else x_min,
            y=y_max if top else y_floor,
            text=t(f"drivers.quadrant.{code}", lang),
            showarrow=False,
            xanchor="right" if right else "left",
            yanchor="top" if top else "bottom",
            font=dict(size=15 if first else 11, color=RED if first else GREY),
        )
    labels = [driver_label(d, lang) for d in frame["driver"]]
    x, y = frame["performance"].to_list(), frame["importance"].to_list()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers",
            text=labels,
            marker=dict(
                size=12, color=[RED if q == "fix_first" else BLUE for q in frame["quadrant"]]
            ),
            hovertemplate="%{text}: %{x:.0f}% / %{y:.1f}%<extra></extra>",
        )
    )
    span = (x_max - x_min, y_max)
    for label, xi, yi, level in zip(labels, x, y, _label_levels(labels, x, y, span), strict=True):
        fig.add_annotation(  # stacked above the point, a thin line down to it
            x=xi,
            y=yi,
            text=label,
            showarrow=True,
            arrowhead=0,
            arrowwidth=1,
            arrowcolor="#9ca3af",
            ax=0,
            ay=-(16 + LABEL_STEP_PX * level),
            font=dict(size=11, color="#374151"),
            name="driver",
        )
    fig.update_layout(
        xaxis_title=t("drivers.chart.performance", lang),
        yaxis_title=t("drivers.chart.share", lang),
        showlegend=False,
        **{**LAYOUT, "height": 460, "hovermode": "closest"},
    )
    fig.update_xaxes(range=[x_min, x_max + 2])
    fig.update_yaxes(range=[y_floor, y_max])
    return fig


def _label_levels(
    labels: list[str], x: list[float], y: list[float], span: tuple[float, float]
) -> list[int]:
    """How many steps above its point each label sits, so that labels of neighbouring
    points (drivers of similar performance, often all near zero importance) do not
    overlap: greedily, in order of x, the lowest step no overlapping neighbour holds.

    Two labels overlap when their points are closer in x than half their widths
    (about 0.75% of the x span per character) and closer in y than 8% of the y span.
    """
    order = sorted(range(len(x)), key=x.__getitem__)
    level = [0] * len(x)
    for n, i in enumerate(order):
        taken = {
            level[j]
            for j in order[:n]
            if abs(x[i] - x[j]) < 0.0075 * span[0] * (len(labels[i]) + len(labels[j])) / 2
            and abs(y[i] - y[j]) < 0.08 * span[1] + 0.02 * span[1] * abs(level[j])
        }
        level[i] = min(k for k in range(len(x) + 1) if k not in taken)
    return level


def segments(frame: pl.DataFrame, lang: Lang) -> go.Figure:
    """Heatmap of importance shares: drivers (rows) by group (all, segments, queues);
    blank where a driver is constant in the group or the group is too small."""
    groups = frame.select("dim", "group", "n", "enough").unique(maintain_order=True)
    columns = [
        t("drivers.segments.all", lang) if dim == "all" else plot_text(group)
        for dim, group in zip(groups["dim"], groups["group"], strict=True)
    ]
    drivers = list(dict.fromkeys(frame["driver"]))
    z = [
        [_share_at(frame, d, dim, g) for dim, g in zip(groups["dim"], groups["group"], strict=True)]
        for d in drivers
    ]
    text = [["–" if math.isnan(v) else f"{number(v, lang, 0)}%" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=[[None if math.isnan(v) else v for v in row] for row in z],
            x=[f"{c}<br>n={number(n, lang, 0)}" for c, n in zip(columns, groups["n"], strict=True)],
            y=[driver_label(d, lang) for d in drivers],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            colorbar=dict(title="%"),
            hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(**{**LAYOUT, "height": max(300, 34 * len(drivers) + 110)})
    return fig


def _share_at(frame: pl.DataFrame, driver: str, dim: str, group: str) -> float:
    row = frame.filter(
        (pl.col("driver") == driver) & (pl.col("dim") == dim) & (pl.col("group") == group)
    )
    value = row["share"][0] if row.height else None
    return float("nan") if value is None else float(value)
