"""Change analysis: did a registered process change move the metrics?

Before/after, interrupted time series and difference-in-differences for one change,
a verdict per metric, and a one-page HTML download. The change is in the URL.
"""

import polars as pl
import streamlit as st

from analytics import charts
from analytics.changes import charts as change_charts
from analytics.changes import methods, registry, report, summary
from analytics.changes.cells import dimensions_only
from analytics.changes.design import (
    DEFAULT_METRICS,
    DEFAULT_WEEKS,
    GRAINS,
    MAX_WEEKS,
    METRICS,
    Settings,
)
from analytics.i18n import day, t
from ui import cache, context, tables, url
from ui.markdown import markdown_escape
from views import change_survey_design

# Material icons, not emoji: a server or headless browser may have no emoji font.
ICONS = {
    "improved": ":material/thumb_up:",
    "worsened": ":material/thumb_down:",
    "not_confirmed": ":material/help:",
    "disagree": ":material/balance:",
    "cannot_tell": ":material/search:",
    "no_clear_change": ":material/remove:",
    "not_enough_data": ":material/hourglass_empty:",
    "not_measured": ":material/block:",
}

ctx = context.current()
lang = ctx.lang
st.title(t("analysis.title", lang))

changes = cache.change_list(ctx.version)
if changes.is_empty():
    st.info(t("analysis.no_changes", lang))
    st.page_link(
        "views/registry.py", label=t("analysis.to_registry", lang), icon=":material/list_alt:"
    )
    st.stop()

labels = {
    str(r["change_id"]): f"{r['name']} · {day(r['started_on'], lang)}"
    for r in changes.iter_rows(named=True)
}
asked = st.query_params.get("change")
if asked and asked not in labels:  # a link to a change that does not exist
    st.warning(
        markdown_escape(t("analysis.no_such_change", lang, id=asked[:40])),
        icon=":material/search_off:",
    )
    st.page_link(
        "views/registry.py", label=t("analysis.to_registry", lang), icon=":material/list_alt:"
    )
    st.stop()
cid = url.choice(st.selectbox, t("analysis.pick", lang), tuple(labels), "change", labels.get)
st.query_params["change"] = cid  # always in the URL: a copied link names its change
change = cache.change_by_id(ctx.version, int(cid))
st.caption(markdown_escape(report.change_summary(change, lang)))
if change.description:
    st.caption(markdown_escape(change.description))


def metric_choice() -> tuple[str, ...]:
    """The metrics to analyse, in the URL by code (``?metrics=nps&metrics=ces``), in
    METRICS's order whatever the order they were picked in."""
    chosen = url.choices(
        t("analysis.metrics", lang),
        METRICS,
        "metrics",
        lambda m: t(f"kpi.{m}", lang),
        t("analysis.metrics_placeholder", lang),
        default=DEFAULT_METRICS,
    )
    return tuple(m for m in METRICS if m in chosen)


with st.container(border=True):
    metrics = metric_choice()
    cols = st.columns([1.4, 1, 1, 1])
    grain = url.choice(
        cols[0].segmented_control,
        t("analysis.grain", lang),
        GRAINS,
        "agrain",
        lambda g: t(f"analysis.grain.{g}", lang),
    )
    weeks = [
        url.number(
            col.number_input, t(f"analysis.{key}", lang), key, low, MAX_WEEKS, default,
            help=t(f"analysis.{key}_help", lang),
        )
        for col, key, low, default in (
            (cols[1], "weeks_before", 1, DEFAULT_WEEKS),
            (cols[2], "weeks_after", 1, DEFAULT_WEEKS),
            (cols[3], "ramp_weeks", 0, 0),
        )
    ]  # fmt: skip
    units = cache.change_units(ctx.version, change, dimensions_only(ctx.filters))
    if "control" in st.session_state:  # a unit of another change's scope is no option
        st.session_state["control"] = [u for u in st.session_state["control"] if u in units]
    control = st.multiselect(
        t("analysis.control", lang),
        units,
        key="control",
        bind="query-params",
        placeholder=t("analysis.control_default", lang),
        disabled=not units,
        help=t("analysis.control_help", lang),
    )

if not metrics:
    st.info(t("analysis.no_metrics", lang))
    st.stop()
settings = Settings(
    metrics,
    int(weeks[0] or DEFAULT_WEEKS),
    int(weeks[1] or DEFAULT_WEEKS),
    int(weeks[2] or 0),
    grain,
    tuple(control),
    dimensions_only(ctx.filters),
    tuple(cache.meaningful().items()),  # a real but small change says so
)
with st.spinner(t("analysis.running", lang)):
    analysis = cache.change_analysis_of(ctx.version, change, settings)
    # The roll-out schedule, for the staggered estimator (registry.rollout where the
    # registry has it; None before): read apart, added to the cached analysis.
    read_rollout = getattr(registry, "rollout", None)
    rollout = read_rollout(cache.store(), int(cid)) if callable(read_rollout) else None
    analysis = methods.with_rollout(analysis, rollout)
if analysis.problem is not None:
    st.warning(
        markdown_escape(report.problem_text(analysis.problem, lang)),
        icon=":material/warning:",
    )
    st.stop()

st.caption(markdown_escape(report.window_text(analysis, lang)))
st.caption(markdown_escape(report.groups_text(analysis, lang)))
if analysis.windows is not None and analysis.windows.shortened(settings):
    st.caption(t("analysis.shortened", lang))
if settings.filters.dimension_values():
    st.caption(t("analysis.filtered", lang))

st.subheader(t("analysis.verdict", lang))
for result in analysis.results:
    code = report.verdict(analysis, result.metric, lang).code
    headline, details = report.verdict_parts(analysis, result.metric, lang)
    st.markdown(f"{ICONS[code]} **{markdown_escape(headline)}**")
    if details:
        st.caption(markdown_escape(details))
if left_out := report.left_out_text(analysis, lang):
    st.caption(f":material/info: {markdown_escape(left_out)}")

if st.session_state.get("focus") not in (None, *metrics):
    del st.session_state["focus"]  # a metric no longer analysed
focus = url.choice(
    st.selectbox, t("analysis.focus", lang), metrics, "focus", lambda m: t(f"kpi.{m}", lang)
)
result = analysis[focus]
with st.container(border=True):  # the summary's opening sentence, as it will read
    st.markdown(f"**{markdown_escape(summary.headline(analysis, focus, lang))}**")
    st.download_button(
        t("analysis.download", lang),
        summary.html(analysis, lang, focus),
        file_name=f"pulso-change-{cid}.html",
        mime="text/html",
        icon=":material/description:",
        on_click="ignore",
    )


def table(frame: pl.DataFrame, columns: tuple[str, ...]) -> None:
    # cells already written in the language (with their units and notes): text
    tables.show(frame, tables.texts(report.labels(analysis, columns, lang)), lang, width="stretch")


def cautions(method: str) -> None:
    for note in report.notes(result, lang, method):
        st.warning(markdown_escape(note), icon=":material/warning:")


st.subheader(t("methods.title", lang))
for method in ("structural", "staggered"):
    cautions(method)
tables.show(
    report.methods_table(analysis, focus, lang),
    tables.texts(report.methods_labels(lang)),
    lang,
    width="stretch",
)
if trusted := report.trust_text(analysis, focus, lang):
    st.markdown(markdown_escape(trusted))
st.caption(t("methods.note", lang))

tab_ba, tab_its, tab_did = st.tabs(
    [t("analysis.before_after", lang), t("analysis.its", lang), t("analysis.did", lang)]
)
with tab_ba:
    if analysis.before_after is None:
        st.info(t("analysis.before_after.none", lang))
    else:
        table(report.before_after_table(analysis, lang), report.BEFORE_AFTER_COLUMNS)
    st.caption(markdown_escape(report.before_after_note(analysis, lang)))

with tab_its:
    cautions("its")
    if result.its is not None:
        w = analysis.windows
        ramp = (w.change_on, w.after[0]) if w is not None else None
        fig = change_charts.its_chart(result.its.fit, result.series, focus, lang, ramp)
        span = w.span if w is not None else (None, None)
        charts.add_changes(fig, cache.changes_in(ctx.version, *span))
        st.plotly_chart(fig, width="stretch")
    table(report.its_table(analysis, lang), report.ITS_COLUMNS)
    st.caption(t("analysis.its.note", lang))

with tab_did:
    cautions("did")
    table(report.did_table(analysis, lang), report.DID_COLUMNS)
    st.caption(t("analysis.did.note", lang))
    cautions("event")
    if result.event is not None:
        fig = change_charts.event_chart(result.event.table, focus, lang)
        st.plotly_chart(fig, width="stretch")
        st.caption(t("analysis.event.note", lang))

change_survey_design.render(change, settings, lang, ctx.version)  # survey design or service?
