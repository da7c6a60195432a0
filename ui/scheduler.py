"""The app's clocks, started once per server process with the first page a visitor
opens after a start: the alert rules (see :mod:`analytics.alerts.schedule` for why the
app, not cron, evaluates them while it runs) and, with ``PULSO_SNAPSHOT``, the
snapshot for read-only replicas (:mod:`analytics.replica`). A replica runs neither:
the main instance does."""

from __future__ import annotations

import streamlit as st

from analytics import replica
from analytics.alerts import schedule
from ui import cache


def start() -> None:
    """Both clocks (each started once per process)."""
    alerts()
    publisher()


@st.cache_resource(show_spinner=False)
def alerts() -> schedule.Clock | None:
    if replica.is_replica():
        return None
    return schedule.start(cache.base_store())


@st.cache_resource(show_spinner=False)
def publisher() -> schedule.Clock | None:
    every = None if replica.is_replica() else replica.snapshot_every()
    if every is None:
        return None
    dest, interval = every
    return schedule.Clock(cache.base_store(), interval, run=replica.Publisher(dest)).start()
