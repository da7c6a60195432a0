"""Overview: KPI tiles with real-change marks, trend with CI band, breakdown."""

from functools import partial

import polars as pl
import streamlit as st

from analytics import charts, dimensions, kpis, overview, survey_channels, targets
from analytics.i18n import day, number, t
from analytics.metrics import LOW_SAMPLE
from analytics.queries import DIMENSIONS
from ui import cache, context, tables, thresholds, tiles, url
from ui.markdown import markdown_escape
from ui.tables import Col

SURVEY_KEYS = ("nps", "csat", "ces", "response_rate")
CALL_KEYS = ("resolution", "fcr", "aht", "asa", "abandonment", "service_level", "transfer_rate")
ALL_KEYS = SURVEY_KEYS + CALL_KEYS
GRAINS = ("week", "month", "day")
# After a click on a segment's bar, the breakdown goes one level finer.
DRILL_NEXT = {"region": "queue", "channel": "queue", "product": "queue", "segment": "queue",
              "queue": "team", "team": "agent_id"}  # fmt: skip

ctx = context.current()
lang, f = ctx.lang, ctx.filters
st.title(t("overview.title", lang))

if f.start is None or f.end is None:
    st.info(t("overview.empty_store", lang))
    st.stop()

prev = f.previous()
st.caption(
    t(
        "overview.period",
        lang,
        start=day(f.start, lang),
        end=day(f.end, lang),
        pstart=day(prev.start, lang),
        pend=day(prev.end, lang),
    )
)
context.survey_notes(lang, ctx.version, f, calls=True)
context.elsewhere(lang, ctx.version, f, ("calls", "surveys"))

weekly = cache.trend(ctx.version, overview.trend_window(f, "week"), ALL_KEYS, "week")
meaningful = cache.meaningful()  # the minimum meaningful change per KPI
goals = cache.targets()  # targets per KPI (Settings), each holding from a date
kpi_tiles = cache.tiles(ctx.version, f, ALL_KEYS, tuple(meaningful.items()), goals)
results = {tile.kpi: tile for tile in kpi_tiles}
if all(tile.reason == "no_data" for tile in results.values()):
    st.info(t("overview.empty", lang))
    st.stop()


def drill_down(dim: str, values: list[str]) -> None:
    """A click on a segment's bar narrows the sidebar's filter to that segment: the
    whole page follows (tiles, trend, breakdown), and the pages opened next. (The
    browser's address does not show it: Streamlit 1.67 does not write a URL-bound
    widget's value set by code; choosing in the sidebar does.)"""
    points = st.session_state["breakdown_pick"].selection.points
    by_label = {charts.plot_text(v): v for v in values}  # the bars' labels are escaped
    picked = [by_label[p["y"]] for p in points if p.get("y") in by_label]
    if picked:
        st.session_state[dim] = picked[:1]
        # one bar of the same dimension says nothing: break down one level finer
        finer = DRILL_NEXT.get(dim)
        if finer is not None:
            st.session_state["by"] = finer
            st.query_params["by"] = finer
    del st.session_state["breakdown_pick"]  # no selection left on the narrowed chart


def tile_row(title: str, keys: tuple[str, ...]) -> None:
    st.subheader(title)
    for row_start in range(0, len(keys), 4):
        cols = st.columns(4)
        for col, key in zip(cols, keys[row_start : row_start + 4], strict=False):
            with col:
                spark = (
                    weekly.filter((pl.col("kpi") == key) & ~pl.col("partial"))["value"]
                    .drop_nans()
                    .drop_nulls()
                    .to_list()
                )
                tiles.render(results[key], lang, spark)


def survey_design_warnings() -> None:
    """A real change of a survey KPI between the compared periods, while a survey-design
    change started: the survey may have moved the score, not the service."""
    moved = tuple(k for k, tile in results.items() if tile.measured and tile.better is not None)
    found = survey_channels.coinciding(cache.change_list(ctx.version), prev.start, f.end, moved)
    for c in found:
        channels = ", ".join(t(f"survey_channel.{i}", lang) for i in c.instruments)
        names = ", ".join(t(f"kpi.{k}", lang) for k in c.kpis)
        text = t("overview.survey_design_warning", lang, name=markdown_escape(c.name),
                 channels=channels, date=day(c.started_on, lang), kpis=names)  # fmt: skip
        st.warning(text, icon=":material/warning:")
        st.page_link(
            "views/change_analysis.py",
            label=t("overview.to_analysis", lang, name=c.name),
            icon=":material/science:",
            query_params={"change": str(c.change_id)},
        )


def scores_by_channel(key: str) -> None:
    """The survey KPI per survey channel, with 95% intervals (shown when asked for: it
    reads the answers themselves, which the day rollups do not split by channel)."""
    table = cache.scores_by_channel(ctx.version, f, key)
    table = table.with_columns(
        tables.labels(table, "survey_channel", lambda c: t(f"survey_channel.{c}", lang))
    )
    unit = kpis.get(key).unit
    shown = overview.for_display(table, lang, "survey_channel").with_columns(
        pl.col("survey_channel").fill_null(t("survey_channel.none", lang))
    )
    label = t("upload.field.survey_channel", lang)
    st.plotly_chart(
        charts.breakdown(shown, "survey_channel", t(f"kpi.{key}", lang), lang, unit),
        width="stretch",
    )
    columns = {
        "survey_channel": Col(label),
        **{c: tables.for_unit(t(f"col.{c}", lang), unit) for c in ("value", "low", "high")},
        "n": Col(t("col.n", lang), "count"),
        "low_sample": Col(t("col.low_sample", lang), "check"),
    }
    if table["reason"].null_count() < table.height:
        columns["note"] = Col(t("col.note", lang), width="large")
    tables.show(shown, columns, lang, width="stretch")
    st.caption(t("overview.by_channel_note", lang))


tile_row(t("overview.surveys", lang), SURVEY_KEYS)
tile_row(t("overview.calls", lang), CALL_KEYS)
survey_design_warnings()
thresholds.editor(lang, meaningful)

st.divider()
st.subheader(t("overview.trend", lang))
left, right = st.columns([3, 2])
key = url.choice(
    left.selectbox, t("overview.kpi_pick", lang), ALL_KEYS, "kpi", lambda k: t(f"kpi.{k}", lang)
)
grain = url.choice(
    right.segmented_control,
    t("overview.grain", lang),
    GRAINS,
    "grain",
    lambda g: t(f"grain.{g}", lang),
)
history = overview.trend_window(f, grain)
trend = weekly if grain == "week" else cache.trend(ctx.version, history, ALL_KEYS, grain)
series = trend.filter(pl.col("kpi") == key)
unit = kpis.get(key).unit
unmeasured = overview.not_measured(series)
if unmeasured is not None:  # no chart of nothing: say why instead
    st.info(kpis.not_measured_text(key, unmeasured, lang), icon=":material/block:")
else:
    # Per period, the target holding at its start for this scope (a step line).
    steps = targets.steps(goals, key, f, series["period"].to_list())
    trend_chart = charts.trend(series, t(f"kpi.{key}", lang), lang, grain, unit, steps)
    charts.add_changes(trend_chart, cache.changes_in(ctx.version, history.start, history.end))
    st.plotly_chart(trend_chart, width="stretch")
    st.caption(t("overview.trend_note", lang))
    if series["reason"].null_count() < series.height:
        st.caption(t("overview.trend_gaps", lang))

if key in survey_channels.SURVEY_KPIS and st.toggle(
    t("overview.by_channel", lang), key="by_channel"
):
    scores_by_channel(key)

st.subheader(t("overview.breakdown", lang))
dim = url.choice(
    st.selectbox, t("overview.dimension", lang), DIMENSIONS, "by", lambda d: t(f"dim.{d}", lang)
)
table = cache.breakdown(ctx.version, f, key, dim)
if dim == "agent_id":  # dozens of bars at 0 or 100 %: never rank agents on a handful
    few = table.filter(pl.col("n") < LOW_SAMPLE).height
    table = table.filter(pl.col("n") >= LOW_SAMPLE)
    st.caption(t("overview.agents_left_out", lang, count=number(few, lang, 0), n=LOW_SAMPLE))
    st.page_link(
        "views/rankings.py", label=t("overview.to_rankings", lang), icon=":material/leaderboard:"
    )
    if table.is_empty():  # every agent has too few answers: nothing to compare
        st.stop()
unmeasured = overview.not_measured(table)
if unmeasured is not None:
    st.info(kpis.not_measured_text(key, unmeasured, lang), icon=":material/block:")
    st.stop()
# Each bar against its segment's target (else the whole center's) on the period's end.
has_target = any(g.kpi == key for g in goals)
if has_target:
    table = targets.against(table, key, dim, goals, f.end)
breakdown_chart = charts.breakdown(table, dim, t(f"kpi.{key}", lang), lang, unit, has_target)
drillable = dim in context.FILTER_DIMS and not dimensions.get(dim).coded
st.plotly_chart(
    breakdown_chart,
    width="stretch",
    key="breakdown_pick",
    on_select=partial(drill_down, dim, table[dim].drop_nulls().to_list())
    if drillable
    else "ignore",
    selection_mode="points",
)
if drillable:
    st.caption(t("overview.drill_hint", lang, dimension=t(f"dim.{dim}", lang).lower()))
st.caption(t("targets.breakdown_note" if has_target else "overview.breakdown_note", lang))
shown = overview.for_display(table, lang, dim)
columns = {
    dim: Col(t(f"dim.{dim}", lang)),
    # in the KPI's unit, as on the tiles: "12,3 %", m:ss, 1-7 scores with 2 decimals
    **{c: tables.for_unit(t(f"col.{c}", lang), unit) for c in ("value", "low", "high")},
    **({"target": tables.for_unit(t("targets.col.target", lang), unit)} if has_target else {}),
    "n": Col(t("col.n", lang), "count"),
    "low_sample": Col(t("col.low_sample", lang), "check"),
}
if table["reason"].null_count() < table.height:
    columns["note"] = Col(t("col.note", lang), width="large")
tables.show(shown, columns, lang, width="stretch")
