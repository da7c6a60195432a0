"""The shared state every page reads: language, store and the global filters.

app.py calls :func:`sidebar` once per run with the page about to run; the sidebar
shows only the filters that page applies (:data:`PAGE_FILTERS`, :func:`page_dimensions`):
a filter shown where it changes nothing would mislead. The filters live in the URL, so a
copied link reproduces the view; their values are kept while a page hides them. The
dimension filters follow the catalog (:mod:`analytics.dimensions`); one the data holds
no value of (an uploaded call log without products) shows no filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import streamlit as st

from analytics import dimensions, overview
from analytics.dimensions import Dimension, Source
from analytics.i18n import LANGS, Lang, catalog, day, language_from_locale, number, t
from analytics.queries import Filters
from analytics.store import StoreError
from ui import cache, period, url
from ui.markdown import markdown_escape

LANG_NAMES = {"en": "English", "es": "Español"}
FILTER_DIMS = tuple(d.name for d in dimensions.CATALOG)
Scope = Literal["period", "compare", "dimensions"]
_SLICE: frozenset[Scope] = frozenset({"period", "dimensions"})
# Which sidebar filters each page (views/NAME.py) applies. Pages that compare the
# period with another one (the overview's tiles) also get the comparison choice.
PAGE_FILTERS: dict[str, frozenset[Scope]] = {
    "overview": _SLICE | {"compare"},
    "drivers": _SLICE,
    "voice": _SLICE,
    "bias": _SLICE,
    "rankings": _SLICE,
    "followup": _SLICE,
    "fatigue": frozenset(),  # per customer, over all their answers (see the page)
    "registry": frozenset(),
    "change_analysis": frozenset({"dimensions"}),  # the change sets the windows
    "upload": frozenset(),
    "weekly": frozenset({"dimensions"}),  # the report picks its week, month or dates
    "settings": frozenset(),
}
# Survey attributes (survey type) filter survey answers, not calls: offered where every
# number comes from answers, or where the page says which do not (the overview's call
# KPIs). Response bias and change analysis also weigh calls: call attributes only.
SURVEY_ATTRIBUTE_PAGES = frozenset(
    {"overview", "drivers", "voice", "rankings", "followup", "weekly"}
)


@dataclass(frozen=True)
class Context:
    lang: Lang
    filters: Filters
    version: str


def language() -> Lang:
    """Language picker; its default comes from the browser's locale."""
    default = language_from_locale(st.context.locale)
    return url.choice(
        st.sidebar.selectbox,
        t("lang.label", default),
        LANGS,
        "lang",
        LANG_NAMES.__getitem__,
        default,
    )


def open_store_or_stop(lang: Lang) -> str:
    """Open the store; on failure show what is wrong and how to fix it, then stop."""
    try:
        return cache.current_version()
    except StoreError as exc:
        st.error(t("error.title", lang), icon=":material/error:")
        where = {"path": markdown_escape(str(exc.path)), "detail": markdown_escape(exc.detail)}
        st.markdown(t(f"error.{exc.reason}", lang, **where))
        st.stop()
        raise  # unreachable: st.stop() raises; keeps type checkers honest


def page_dimensions(page: str) -> tuple[Dimension, ...]:
    """The dimension filters ``page`` applies, in catalog order."""
    if "dimensions" not in PAGE_FILTERS[page]:
        return ()
    tables = {"calls", "surveys"} if page in SURVEY_ATTRIBUTE_PAGES else {"calls"}
    return tuple(d for d in dimensions.CATALOG if d.table in tables)


def sidebar(lang: Lang, version: str, page: str) -> Filters:
    """The filters ``page`` applies: the period (and its comparison) and the dimensions
    of :func:`page_dimensions`; a page that applies fewer says which and why."""
    scope = PAGE_FILTERS[page]
    if scope:
        st.sidebar.header(t("filters.header", lang))
    if not _SLICE.issubset(scope):
        st.sidebar.caption(t(f"filters.note.{page}", lang))
    bounds = cache.data_range(version)
    start, end = period.picker(lang, bounds) if "period" in scope and bounds else period.hide()
    compare = period.comparison(lang) if "compare" in scope else period.hide_comparison()
    shown = page_dimensions(page)
    chosen: dict[str, tuple[str, ...]] = {}
    for dim in dimensions.CATALOG:  # in order: a team is chosen before its agents listed
        chosen[dim.name] = _dimension(lang, version, dim, chosen) if dim in shown else _hide(dim)
    return Filters(start=start, end=end, compare=compare, **chosen)


def _dimension(
    lang: Lang, version: str, dim: Dimension, chosen: dict[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """The dimension's multiselect (none when the data holds no value of it)."""
    parent = dim.narrowed_by
    within = ((parent, chosen[parent]),) if parent and chosen.get(parent) else ()
    options = cache.dimension_values(version, dim.name, within)
    _unknown_in_link(lang, dim, options, parent if within else None)
    if not options:  # none in the data: no filter (a link's values are named above)
        return _hide(dim)
    help_key = f"{dim.label}_help"
    everything = t("filters.all", lang)
    help_text = t(help_key, lang) if help_key in catalog(lang) else None
    if not dim.coded:  # data values: the URL holds them as they are
        values = st.sidebar.multiselect(
            t(dim.label, lang),
            options,
            key=dim.name,
            bind="query-params",
            placeholder=everything,
            help=help_text,
            persist_state="session",
        )
        return tuple(values)
    with st.sidebar:  # codes with translated names: the URL keeps the codes
        values = url.choices(
            t(dim.label, lang),
            options,
            dim.name,
            lambda v: t(f"{dim.label}.{v}", lang),
            default=(),
            placeholder=everything,
            help=help_text,
            persist_state="session",
        )
    _link(dim.name, values)
    return tuple(values)


def _unknown_in_link(lang: Lang, dim: Dimension, options: list[str], parent: str | None) -> None:
    """A link's values of ``dim`` that the data does not hold (a typo, a renamed
    queue, another store's link) are left out of the filter: say so, on the run that
    opens the link, instead of showing the rest as if they were the whole link."""
    if dim.name in st.session_state:
        return  # the session chose already: the link was read on its first run
    unknown = [v for v in st.query_params.get_all(dim.name) if v not in options]
    if unknown:
        picked = list(dict.fromkeys(unknown))
        shown = ", ".join(f"“{markdown_escape(v[:60])}”" for v in picked[:5])
        shown += ", …" if len(picked) > 5 else ""
        names = {"filter": t(dim.label, lang), "values": shown}
        if parent is None:
            text = t("filters.unknown_values", lang, **names)
        else:
            parent_label = t(dimensions.get(parent).label, lang)
            text = t("filters.unknown_values_within", lang, parent=parent_label, **names)
        st.sidebar.warning(text, icon=":material/link_off:")


def _link(key: str, values: list[str]) -> None:
    """A coded filter's choice in the URL on every run (a page that hides it took it out)."""
    if values:
        st.query_params[key] = values
    else:
        st.query_params.pop(key, None)


def _hide(dim: Dimension) -> tuple[str, ...]:
    """A dimension the page does not apply: none chosen; the session keeps the choice,
    and a coded one leaves the URL (a bound one is Streamlit's to keep)."""
    if dim.coded:
        st.query_params.pop(dim.name, None)
    return ()


def survey_notes(
    lang: Lang, version: str, filters: Filters, *, linked: bool = False, calls: bool = False
) -> None:
    """What the page's survey answers are, where it matters: NPS after a call
    (transactional) and NPS of the brand (relational) are different measures.

    ``linked``: the page reads answers with their call (drivers, rankings); ``calls``:
    it also shows call KPIs, which a survey attribute does not filter.
    """
    own = [
        d for d in filters.dimension_values("surveys") if not dimensions.get(d).applies_to("calls")
    ]
    if calls and own:
        names = ", ".join(t(dimensions.get(d).label, lang) for d in own)
        st.caption(t("dimensions.calls_unfiltered", lang, filters=names))
    types = filters.survey_type
    if not types:
        counts = cache.survey_types(version, filters, linked)
        tx, rel = counts.get("transactional", 0), counts.get("relational", 0)
        if tx and rel:
            n = {"transactional": number(tx, lang, 0), "relational": number(rel, lang, 0)}
            st.caption(t("dimensions.mixed_types", lang, **n))
    elif "relational" in types and filters.dimension_values("calls"):
        st.caption(t("dimensions.relational_no_call", lang))


def elsewhere(lang: Lang, version: str, filters: Filters, sources: tuple[Source, ...]) -> None:
    """Say where the rows are when the store holds some of ``sources`` but all of them
    fall outside the period (a survey export from another year than the calls): the
    page's "no data in this period" is then true, and this says which dates to pick."""
    if filters.start is None or filters.end is None:
        return
    found = overview.outside(cache.source_ranges(version), filters.start, filters.end)
    for source in sources:
        if source in found:
            lo, hi = found[source]
            st.info(
                t(f"period.elsewhere.{source}", lang, start=day(lo, lang), end=day(hi, lang)),
                icon=":material/date_range:",
            )


def current() -> Context:
    """The context app.py stored for this run (pages call this)."""
    return st.session_state["pulso_context"]
