"""Response bias: response rate by call outcome, polarisation, raw vs reweighted KPIs."""

import streamlit as st

from analytics import kpis
from analytics.i18n import kpi_value, number, t
from analytics.review import bias
from ui import cache, context, tables, url
from ui.tables import Col

ctx = context.current()
lang, f = ctx.lang, ctx.filters
st.title(t("bias.title", lang))
st.caption(t("bias.intro", lang))
context.elsewhere(lang, ctx.version, f, ("surveys",))


def label(outcome: str, group: str) -> str:
    """Outcome codes in words; data values (channels, queues) as they are."""
    if outcome == "resolved":
        return t(f"bias.resolved.{group}", lang)
    if outcome == "wait_band":
        return t(f"bias.wait.{group}", lang)
    return group


st.subheader(t("bias.reweighted", lang))
results = cache.bias_reweighted(ctx.version, f, lang)
if all(r.raw.empty for r, _ in results):
    answered = int(cache.bias_rates(ctx.version, f, bias.OUTCOMES[0])["calls"].sum())
    if answered:  # calls, but no answer names one of them: not "no calls"
        st.warning(t("bias.not_linked", lang), icon=":material/block:")
    else:
        st.info(t("bias.empty", lang))
    st.stop()
cols = st.columns(len(results))
shown = cache.bias_overview(ctx.version, f)  # the overview's figures, to reconcile with
for col, (r, sentence) in zip(cols, results, strict=True):
    unit = "points" if r.metric == "nps" else "percent"
    name = t(f"kpi.{r.metric}", lang)
    col.markdown(f"**{name}**")  # a catalog name, not user content
    if r.raw.empty:  # other metrics have answers here, this one none: not a "–" pair
        col.caption(kpis.not_measured_text(r.metric, "not_captured", lang))
        continue
    a, b = col.columns(2)
    for box, key, est in ((a, "bias.raw", r.raw), (b, "bias.weighted", r.weighted)):
        ci = t(
            "bias.ci",
            lang,
            low=kpi_value(unit, est.low, lang),
            high=kpi_value(unit, est.high, lang),
            n=number(est.n, lang, 0),
        )
        box.metric(t(key, lang), kpi_value(unit, est.value, lang), help=ci, border=True)
    col.text(sentence)  # may quote data values (queue, channel): plain text, no markdown
    same = bias.Reconciled(r.metric, shown[r.metric], r.raw)
    col.caption(bias.reconcile_text(same, lang))  # catalog words and numbers only
first = results[0][0]
st.caption(
    t(
        "bias.method",
        lang,
        cells=first.cells,
        collapsed=first.collapsed,
        strata=first.strata,
        uncovered=kpi_value("percent", 100 * first.uncovered, lang),
    )
)

st.subheader(t("bias.rates", lang))
outcome = url.choice(
    st.segmented_control,
    t("bias.outcome", lang),
    bias.OUTCOMES,
    "outcome",
    lambda o: t(f"bias.outcome.{o}", lang),
)
rates = cache.bias_rates(ctx.version, f, outcome)
rates = rates.with_columns(tables.labels(rates, "group", lambda g: label(outcome, g)))
st.bar_chart(
    rates,
    x="group",
    y="rate",
    x_label="",
    y_label=t("bias.col.rate", lang),
    horizontal=True,
    sort=False,
    height=60 + 40 * rates.height,
)
tables.show(
    rates,
    {
        "group": Col(t("bias.col.group", lang)),
        "calls": Col(t("bias.col.calls", lang), "count"),
        "responses": Col(t("bias.col.responses", lang), "count"),
        "rate": Col(t("bias.col.rate", lang), "percent"),
        "low": Col(t("col.low", lang), "percent"),
        "high": Col(t("col.high", lang), "percent"),
    },
    lang,
)
st.caption(t("bias.rates_note", lang))

st.subheader(t("bias.polar", lang))
polar = cache.bias_polarisation(ctx.version, f)
polar = polar.with_columns(tables.labels(polar, "band", lambda b: t(f"bias.band.{b}", lang)))
tables.show(
    polar,
    {
        "band": Col(t("bias.col.band", lang)),
        "share": Col(t("bias.col.share", lang), "percent"),
        "low": Col(t("col.low", lang), "percent"),
        "high": Col(t("col.high", lang), "percent"),
        "n": Col(t("bias.col.n", lang), "count"),
    },
    lang,
)
st.caption(t("bias.polar_note", lang))
