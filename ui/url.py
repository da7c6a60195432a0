"""Choice widgets whose URL parameters hold stable codes, not translated labels.

``bind="query-params"`` writes the *formatted* option into the URL, so a link
copied in Spanish (``?kpi=Tasa de resolución``) would not open in English. For
translated choices we keep the code (``?kpi=resolution``) in ``st.query_params``.
Untranslated widgets (dates, data values such as regions) use ``bind`` directly.

Numbers are not bound with ``bind`` either: Streamlit 1.67 seeds a bound integer input
with ``int(float(value))``, and ``?rank_min_n=inf`` raised OverflowError before the page
could do anything. :func:`number` reads the URL itself (:func:`clamp`): a value out of
range becomes the nearest bound, anything else that is not a finite number (``inf``,
``1e999``, ``nan``, ``abc``, empty) the default, and the URL is corrected to match.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T", bound=str)


def _seed(key: str, options: Sequence[T]) -> None:
    """First run of a session: take the value from the URL when it is valid."""
    if key not in st.session_state:
        value = st.query_params.get(key)
        if value in options:
            st.session_state[key] = value


def _store(key: str, default: str) -> None:
    value = st.session_state.get(key)
    if value is None or value == default:
        st.query_params.pop(key, None)  # keep links short: defaults stay implicit
    else:
        st.query_params[key] = value


def choice(
    widget: Callable[..., Any],
    label: str,
    options: Sequence[T],
    key: str,
    format_func: Callable[[T], str],
    default: T | None = None,
    **kw: Any,
) -> T:
    """``st.selectbox`` / ``st.segmented_control`` / ``st.radio`` kept in the URL by code."""
    default = options[0] if default is None else default
    _seed(key, options)
    if key not in st.session_state:
        st.session_state[key] = default
    value = widget(
        label,
        options,
        key=key,
        format_func=format_func,
        on_change=_store,
        args=(key, default),
        **kw,
    )
    return default if value is None else value


def _store_all(key: str, default: list[str]) -> None:
    value = list(st.session_state[key])
    if value == default:
        st.query_params.pop(key, None)  # keep links short: the default stays implicit
    else:
        st.query_params[key] = value


def choices(
    label: str,
    options: Sequence[T],
    key: str,
    format_func: Callable[[T], str],
    placeholder: str,
    default: Sequence[T] | None = None,
    **kw: Any,
) -> list[T]:
    """``st.multiselect`` kept in the URL by codes (``?metrics=nps&metrics=ces``).

    A link's valid codes are the first choice, else ``default`` (every option when not
    given); only a choice other than the default is written to the URL.
    """
    initial = list(options if default is None else default)
    if key not in st.session_state:
        linked = [v for v in st.query_params.get_all(key) if v in options]
        st.session_state[key] = linked or initial
    return st.multiselect(
        label,
        options,
        key=key,
        format_func=format_func,
        placeholder=placeholder,
        on_change=_store_all,
        args=(key, initial),
        **kw,
    )


def clamp(raw: str | None, low: int, high: int, default: int) -> int:
    """A URL's number for an integer input: within ``low..high`` (the nearest bound when
    out of range); ``default`` when it is missing or not a finite number."""
    try:
        value = float(raw.strip()) if raw is not None else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        return default
    return min(max(round(value), low), high)


def number(
    widget: Callable[..., Any], label: str, key: str, low: int, high: int, default: int, **kw: Any
) -> int:
    """``st.number_input`` of a whole number in ``low..high``, kept in the URL (``?key=5``)
    and read from it through :func:`clamp`: a link can never crash the page."""
    if key not in st.session_state:
        st.session_state[key] = clamp(st.query_params.get(key), low, high, default)
        _store_number(key, default)  # a link's bad value leaves the address, corrected
    else:  # a value set by code is held to the same bounds (the widget would reset it)
        st.session_state[key] = clamp(str(st.session_state[key]), low, high, default)
    value = widget(
        label,
        min_value=low,
        max_value=high,
        step=1,
        key=key,
        on_change=_store_number,
        args=(key, default),
        **kw,
    )
    return int(value)


def _store_number(key: str, default: int) -> None:
    value = st.session_state.get(key)
    if value is None or value == default:
        st.query_params.pop(key, None)  # keep links short: the default stays implicit
    else:
        st.query_params[key] = str(int(value))
