"""Survey fatigue: who is asked too often, the frequency trend, a suppression list.

No sidebar filter applies (the sidebar says so): a customer's fatigue counts every
answer they gave, in any region, channel, queue or segment, up to the last response.
"""

import polars as pl
import streamlit as st

from analytics import charts, exports
from analytics.feedback import fatigue
from analytics.i18n import day, number, t
from ui import cache, context, tables, url
from ui.tables import Col, ColumnKind

SUPPRESSION = ("customer_id", "n_surveys", "first_at", "last_at")

ctx = context.current()
lang = ctx.lang
st.title(t("fatigue.title", lang))

as_of = cache.fatigue_last_day(ctx.version)
if as_of is None:
    st.info(t("fatigue.empty", lang))
    st.stop()
if cache.fatigue_attributed(ctx.version) == 0:  # missing is not zero: not "0 customers"
    st.warning(t("fatigue.not_measured", lang), icon=":material/block:")
    st.stop()

left, right = st.columns(2)
defaults = fatigue.FatiguePolicy()
k = url.number(
    left.number_input, t("fatigue.max_surveys", lang), "fat_k", 1, 50, defaults.max_surveys
)
n = url.number(
    right.number_input, t("fatigue.window_days", lang), "fat_n", 1, 730, defaults.window_days
)
policy = fatigue.FatiguePolicy(k, n)
st.caption(t("fatigue.intro", lang, k=policy.max_surveys, n=policy.window_days))

summary = cache.fatigue_summary(ctx.version, policy, as_of)
st.caption(
    t(
        "fatigue.window",
        lang,
        n=policy.window_days,
        start=day(summary.start, lang),
        end=day(summary.end, lang),
    )
)
a, b, c = st.columns(3)
a.metric(t("fatigue.active", lang), number(summary.active_customers, lang, 0))
b.metric(t("fatigue.over_limit", lang), number(summary.over_limit, lang, 0))
c.metric(t("fatigue.share", lang), f"{number(summary.share.value, lang, 1)} %")

spread = cache.fatigue_distribution(ctx.version, policy, as_of)
answers, customers = t("fatigue.col.n_surveys", lang), t("fatigue.customers", lang)
st.bar_chart(
    spread.select(
        pl.col("n_surveys").cast(pl.String).alias(answers), pl.col("customers").alias(customers)
    ),
    x=answers,
    y=customers,
    x_label=answers,
    y_label=customers,
    sort=False,
    height=220,
)
st.caption(t("fatigue.distribution_note", lang, k=policy.max_surveys))

st.subheader(t("fatigue.trend", lang))
trend = cache.fatigue_trend(ctx.version, policy)
per, share = t("fatigue.per_customer", lang), t("fatigue.over_share", lang)
left, right = st.columns(2)
# Before a whole window of history exists, the share over the limit is understated.
figures = (
    (left, charts.line(trend, "period", "per_customer", per, lang)),
    (right, charts.line(trend.filter(pl.col("full_window")), "period", "over_share", share, lang)),
)
for col, fig in figures:
    if trend.height:  # the axis ends at the last response, whatever the change names
        span = (trend["period"].to_list()[0], as_of)  # sorted by period
        charts.add_changes(fig, cache.changes_in(ctx.version, *span), span)
    col.plotly_chart(fig, width="stretch")
st.caption(t("fatigue.trend_note", lang))

st.subheader(t("fatigue.suppression", lang))
listed = cache.suppression_list(ctx.version, policy, as_of)
if listed.is_empty():
    st.info(t("fatigue.none", lang))
else:
    headers = {c: t(f"fatigue.col.{c}", lang) for c in SUPPRESSION}
    kinds: dict[str, ColumnKind] = {"n_surveys": "count", "first_at": "moment", "last_at": "moment"}
    columns = {c: Col(label, kinds.get(c, "text")) for c, label in headers.items()}
    tables.show(listed, columns, lang, width="stretch")
    st.download_button(
        t("fatigue.export", lang),
        lambda: exports.to_csv(listed.select(SUPPRESSION), lang, headers),  # built on click
        file_name="pulso-suppression.csv",
        mime="text/csv",
        key="fat_export",
        icon=":material/download:",
    )
