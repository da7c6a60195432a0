"""Fair rankings: agents and teams by empirically-Bayes-shrunk CSAT or NPS."""

import dataclasses
import datetime as dt

import polars as pl
import streamlit as st

from analytics import rankings
from analytics.i18n import day, t
from ui import cache, context, url

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
min_n = right.number_input(
    t("rank.min_n", lang),
    min_value=1,
    max_value=1000,
    value=rankings.MIN_N,
    key="rank_min_n",
    bind="query-params",
)
stats = cache.rank_stats(ctx.version, f)
table = rankings.rank(stats, metric, level, int(min_n))
if table.is_empty():
    st.info(t("rank.empty", lang))
    st.stop()

unranked = table.filter(pl.col("rank").is_null()).height
if unranked == table.height:
    st.warning(t("rank.none_ranked", lang, min_n=int(min_n)))
elif unranked:
    st.caption(t("rank.unranked", lang, n=unranked, min_n=int(min_n)))
fmt = "%.1f"
st.dataframe(
    table.with_columns(pl.col("rank").cast(pl.String).fill_null("–")).select(
        "rank", "unit", "team", "n", "value", "low", "high", "raw", "prior"
    ),
    hide_index=True,
    column_config={
        "rank": t("rank.col.rank", lang),
        "unit": t("rank.col.unit", lang),
        "team": t("rank.col.team", lang),
        "n": t("rank.col.n", lang),
        "value": st.column_config.NumberColumn(t("rank.col.value", lang), format=fmt),
        "low": st.column_config.NumberColumn(t("rank.col.low", lang), format=fmt),
        "high": st.column_config.NumberColumn(t("rank.col.high", lang), format=fmt),
        "raw": st.column_config.NumberColumn(t("rank.col.raw", lang), format=fmt),
        "prior": st.column_config.NumberColumn(t("rank.col.prior", lang), format=fmt),
    },
)
st.caption(t(f"rank.method.{metric}", lang))
