"""The app's alert clock: started once per server process (see
:mod:`analytics.alerts.schedule` for why the app, not cron, evaluates the rules while it
runs), with the first page a visitor opens after a start."""

from __future__ import annotations

import streamlit as st

from analytics.alerts import schedule
from ui import cache


@st.cache_resource(show_spinner=False)
def start() -> schedule.Clock | None:
    return schedule.start(cache.base_store())
