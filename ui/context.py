"""The shared state every page reads: language, store and the global filters.

app.py calls :func:`sidebar` once per run; widgets are bound to the URL
(``bind="query-params"``), so a copied link reproduces the view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from analytics.i18n import LANGS, Lang, language_from_locale, t
from analytics.queries import Filters
from analytics.store import StoreError
from ui import cache, url

LANG_NAMES = {"en": "English", "es": "Español"}
FILTER_DIMS = ("region", "channel", "queue", "segment")
DEFAULT_DAYS = 28


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


def sidebar(lang: Lang, version: str) -> Filters:
    """The global filters: a date range and the four call dimensions."""
    st.sidebar.header(t("filters.header", lang))
    period = _period(lang, version)
    chosen = {
        dim: tuple(
            st.sidebar.multiselect(
                t(f"filters.{dim}", lang),
                cache.dimension_values(version, dim),
                placeholder=t("filters.all", lang),
                key=dim,
                bind="query-params",
            )
        )
        for dim in FILTER_DIMS
    }
    return Filters(start=period[0], end=period[1], **chosen)


def _period(lang: Lang, version: str) -> tuple[dt.date | None, dt.date | None]:
    bounds = cache.data_range(version)
    if bounds is None:
        return None, None
    first, last = bounds
    default = (max(first, last - dt.timedelta(days=DEFAULT_DAYS - 1)), last)
    value = st.sidebar.date_input(
        t("filters.dates", lang),
        value=default,
        min_value=first,
        max_value=last,
        format="DD/MM/YYYY" if lang == "es" else "YYYY-MM-DD",
        key="period",
        bind="query-params",
    )
    if isinstance(value, tuple) and len(value) == 2:
        return value[0], value[1]
    st.sidebar.warning(t("filters.bad_range", lang))
    return default


def current() -> Context:
    """The context app.py stored for this run (pages call this)."""
    return st.session_state["pulso_context"]
