"""The sidebar's period: a preset, the dates it resolves to, and the comparison.

The resolved dates are always in the URL (``?period=2026-06-01&period=2026-06-28``),
so that a link opened next week shows the same days. The preset is not: it is
recognised from the dates, so a link to "last month" opened a month later reads
"custom" with the dates it was shared with. The widgets keep their state for the
whole session (``persist_state``), also while a page that does not use them hides them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from analytics import periods
from analytics.i18n import Lang, day, t
from ui import url

DATES, PRESET, COMPARE = "period", "preset", "compare"
KEEP: dict[str, Any] = {"persist_state": "session"}


def picker(lang: Lang, bounds: periods.Range) -> periods.Range:
    """The preset and date widgets; returns the chosen dates and puts them in the URL."""
    if PRESET not in st.session_state or DATES not in st.session_state:
        _seed(bounds)
    preset, dates = st.session_state[PRESET], _complete(st.session_state[DATES])
    if preset != "custom":  # new data moves "this week": follow it
        st.session_state[DATES] = periods.clamp(periods.resolve(preset, bounds[1]), bounds)
    elif dates is not None:  # an undone load may have moved the first or last day
        st.session_state[DATES] = periods.clamp(dates, bounds)
    st.sidebar.selectbox(
        t("filters.preset", lang),
        periods.PRESETS,
        format_func=lambda p: t(f"filters.preset.{p}", lang),
        key=PRESET,
        help=t("filters.preset_help", lang, day=day(bounds[1], lang)),
        on_change=_preset_changed,
        args=(bounds,),
        **KEEP,
    )
    value = st.sidebar.date_input(
        t("filters.dates", lang),
        min_value=bounds[0],
        max_value=bounds[1],
        format="DD/MM/YYYY" if lang == "es" else "YYYY-MM-DD",
        key=DATES,
        on_change=_dates_changed,
        args=(bounds,),
        **KEEP,
    )
    chosen = _complete(value)
    if chosen is None:  # only a start picked so far
        st.sidebar.warning(t("filters.bad_range", lang))
        chosen = periods.clamp(periods.resolve(periods.DEFAULT_PRESET, bounds[1]), bounds)
    st.query_params[DATES] = [chosen[0].isoformat(), chosen[1].isoformat()]
    return chosen


def comparison(lang: Lang) -> periods.Comparison:
    """Previous period or the same period last year (in the URL when not the default,
    written on every run: a page without it has taken it out of the URL)."""
    chosen = url.choice(
        st.sidebar.radio,
        t("filters.compare", lang),
        periods.COMPARISONS,
        COMPARE,
        lambda c: t(f"filters.compare.{c}", lang),
        help=t("filters.compare_help", lang),
        **KEEP,
    )
    if chosen == periods.COMPARISONS[0]:
        st.query_params.pop(COMPARE, None)
    else:
        st.query_params[COMPARE] = chosen
    return chosen


def hide() -> tuple[None, None]:
    """A page that uses no period: its links carry none (the choice is kept)."""
    st.query_params.pop(DATES, None)
    return None, None


def hide_comparison() -> periods.Comparison:
    st.query_params.pop(COMPARE, None)
    return "previous"


def _seed(bounds: periods.Range) -> None:
    """First run: the dates of the link, else the default preset."""
    linked = _from_url(st.query_params.get_all(DATES))
    if linked is None:
        preset: periods.Preset = periods.DEFAULT_PRESET
        dates = periods.clamp(periods.resolve(preset, bounds[1]), bounds)
    else:
        dates = periods.clamp(linked, bounds)
        preset = periods.preset_of(dates, bounds)
    st.session_state[PRESET] = preset
    st.session_state[DATES] = dates


def _from_url(values: list[str]) -> periods.Range | None:
    try:
        start, end = (dt.date.fromisoformat(v) for v in values)
    except ValueError:
        return None
    return (start, end) if start <= end else None


def _complete(value: object) -> periods.Range | None:
    if isinstance(value, tuple | list) and len(value) == 2 and all(value):
        return value[0], value[1]
    return None


def _preset_changed(bounds: periods.Range) -> None:
    preset = st.session_state[PRESET]
    if preset != "custom":
        st.session_state[DATES] = periods.clamp(periods.resolve(preset, bounds[1]), bounds)


def _dates_changed(bounds: periods.Range) -> None:
    dates = _complete(st.session_state[DATES])
    if dates is not None:  # dates typed by hand: name them if a preset gives them
        st.session_state[PRESET] = periods.preset_of(dates, bounds)
