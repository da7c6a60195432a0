"""The shared state every page reads: language, store and the global filters.

app.py calls :func:`sidebar` once per run with the page about to run; the sidebar
shows only the filters that page applies (:data:`PAGE_FILTERS`): a filter shown where
it changes nothing would mislead. The filters live in the URL, so a copied link
reproduces the view; their values are kept while a page hides them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import streamlit as st

from analytics.i18n import LANGS, Lang, language_from_locale, t
from analytics.queries import Filters
from analytics.store import StoreError
from ui import cache, period, url

LANG_NAMES = {"en": "English", "es": "Español"}
FILTER_DIMS = ("region", "channel", "queue", "segment")
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
}


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
        st.markdown(t(f"error.{exc.reason}", lang, path=exc.path, detail=exc.detail))
        st.stop()
        raise  # unreachable: st.stop() raises; keeps type checkers honest


def sidebar(lang: Lang, version: str, page: str) -> Filters:
    """The filters ``page`` applies: the period (and its comparison) and the four
    call dimensions; a page that applies fewer says which and why."""
    scope = PAGE_FILTERS[page]
    if scope:
        st.sidebar.header(t("filters.header", lang))
    if not _SLICE.issubset(scope):
        st.sidebar.caption(t(f"filters.note.{page}", lang))
    bounds = cache.data_range(version)
    start, end = period.picker(lang, bounds) if "period" in scope and bounds else period.hide()
    compare = period.comparison(lang) if "compare" in scope else period.hide_comparison()
    shown = "dimensions" in scope
    dims = {dim: _dimension(lang, version, dim) if shown else () for dim in FILTER_DIMS}
    return Filters(start, end, compare=compare, **dims)  # by name, never by position


def _dimension(lang: Lang, version: str, dim: str) -> tuple[str, ...]:
    chosen = st.sidebar.multiselect(
        t(f"filters.{dim}", lang),
        cache.dimension_values(version, dim),
        placeholder=t("filters.all", lang),
        key=dim,
        bind="query-params",
        persist_state="session",
    )
    return tuple(chosen)


def current() -> Context:
    """The context app.py stored for this run (pages call this)."""
    return st.session_state["pulso_context"]
