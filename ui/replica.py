"""A read-only replica in the app (:mod:`analytics.replica`): reopen a newer snapshot,
and say on every page what this server is."""

from __future__ import annotations

import streamlit as st

from analytics import replica
from analytics.i18n import Lang, moment, t


def follow() -> None:
    """Before the store opens: when a newer snapshot was published, drop the open one
    and every cached result, so this run and the next ones read the new copy (runs
    already under way finish on the file they opened)."""
    path = replica.replica_path()
    if path is not None and replica.stale(path):
        st.cache_resource.clear()
        st.cache_data.clear()


def banner(lang: Lang) -> None:
    path = replica.replica_path()
    if path is None:
        return
    when = moment(replica.published_at(path), lang)
    st.info(t("replica.banner", lang, when=when), icon=":material/cloud_sync:")
