"""Fair rankings: agents and teams by empirically-Bayes-shrunk CSAT or NPS, with the
range of ranks and the tier the data supports instead of a strict order."""

import dataclasses
import datetime as dt

import polars as pl
import streamlit as st

from analytics.i18n import day, number, t
from analytics.review import rank_ranges, rankings
from ui import cache, context, tables, url
from ui.tables import Col

# A ranking needs months of answers per agent, more than the sidebar's default weeks:
# by default the period is the 12 months up to the sidebar's end date.
PERIODS = ("365", "180", "90", "filter")

ctx = context.current()
lang, f = ctx.lang, ctx.filters
st.title(t("rank.title", lang))
st.caption(t("rank.intro", lang))

period = url.choice(
    st.segmented_control,
    t("rank.period", lang),
    PERIODS,
    "rank_period",
    lambda p: t(f"rank.period.{p}", lang),
)
if period != "filter" and f.end is not None:
    f = dataclasses.replace(f, start=f.end - dt.timedelta(days=int(period) - 1))
if f.start is not None and f.end is not None:
    st.caption(t("rank.period_used", lang, start=day(f.start, lang), end=day(f.end, lang)))
context.survey_notes(lang, ctx.version, f, linked=True)
context.elsewhere(lang, ctx.version, f, ("surveys",))

left, mid, right = st.columns(3)
metric = url.choice(
    left.segmented_control,
    t("rank.metric", lang),
    rankings.METRICS,
    "rank_metric",
    lambda m: t(f"rank.metric.{m}", lang),
)
level = url.choice(
    mid.segmented_control,
    t("rank.level", lang),
    rankings.LEVELS,
    "rank_level",
    lambda v: t(f"rank.level.{v}", lang),
)
min_n = url.number(right.number_input, t("rank.min_n", lang), "rank_min_n", 1, 1000, rankings.MIN_N)
stats = cache.rank_stats(ctx.version, f)
table = rankings.rank(stats, metric, level, int(min_n))
if table.is_empty():
    st.info(t("rank.empty", lang))
    st.stop()

unranked = table.filter(pl.col("rank").is_null()).height
if unranked == table.height:
    st.warning(t("rank.none_ranked", lang, min_n=int(min_n)))
else:
    tiers = rankings.tier_counts(table)
    if tiers["top"] + tiers["bottom"] == 0:
        st.info(t("rank.tiers_none", lang), icon=":material/info:")
    else:
        st.markdown(t("rank.tiers", lang, **{k: number(v, lang, 0) for k, v in tiers.items()}))
    if unranked:
        st.caption(t("rank.unranked", lang, n=unranked, min_n=int(min_n)))
if level == "agent":
    st.caption(t("rank.agent_ids", lang))

unit = "percent" if metric == "csat" else "points"  # CSAT in percent, NPS in points
columns = {
    "tier": Col(t("rank.col.tier", lang)),
    "range": Col(t("rank.col.range", lang)),
    "unit": Col(t("rank.col.unit", lang)),
    "team": Col(t("rank.col.team", lang)),
    "n": Col(t("rank.col.n", lang), "count"),
    **{
        c: tables.for_unit(t(f"rank.col.{c}", lang), unit)
        for c in ("value", "low", "high", "raw", "prior")
    },
}
if level == "team":
    del columns["team"]  # a team's team is itself
tables.show(rankings.shown(table, lang), columns, lang)
st.caption(t(f"rank.method.{metric}", lang))
st.caption(t("rank.method.ranges", lang, draws=number(rank_ranges.DRAWS, lang, 0)))
