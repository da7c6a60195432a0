"""All Streamlit caching in one place.

``cache_resource`` holds the one store (DuckDB connection) per process; every read
takes its own cursor. ``cache_data`` holds aggregates only (small frames and
estimates), keyed by the store's data version so that a load invalidates them.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

import analytics
from analytics import overview, registry
from analytics.queries import Filters, Grain
from analytics.store import Store

TTL = 600


@st.cache_resource(show_spinner=False)
def store() -> Store:
    return analytics.open_store()


def current_version() -> str:
    """Changes whenever data is loaded or undone (part of every cache key)."""
    return store().data_version()


@st.cache_data(ttl=TTL, show_spinner=False)
def data_range(data_version: str) -> tuple[dt.date, dt.date] | None:
    return overview.data_range(store())


@st.cache_data(ttl=TTL, show_spinner=False)
def dimension_values(data_version: str, dimension: str) -> list[str]:
    return overview.dimension_values(store(), dimension)


@st.cache_data(ttl=TTL, show_spinner=False)
def tiles(data_version: str, filters: Filters, keys: tuple[str, ...]) -> list[overview.Tile]:
    return overview.tiles(store(), filters, keys)


@st.cache_data(ttl=TTL, show_spinner=False)
def trend(data_version: str, filters: Filters, keys: tuple[str, ...], grain: Grain) -> pl.DataFrame:
    return overview.trend(store(), filters, keys, grain)


@st.cache_data(ttl=TTL, show_spinner=False)
def breakdown(data_version: str, filters: Filters, key: str, dimension: str) -> pl.DataFrame:
    return overview.breakdown(store(), filters, key, dimension)


@st.cache_data(ttl=TTL, show_spinner=False)
def changes_in(data_version: str, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
    """Registered process changes in a range (cleared by the registry page on save)."""
    return registry.changes_in(store(), start, end)
