"""Opening the app under Streamlit's AppTest: one way for every test.

``open_app(page, **params)`` is a link: the URL parameters are set and session state
seeded before the first run, which runs app.py (router, shared context, sidebar) with
``page`` (``views/NAME.py``; None: the default page, Overview) selected. AppTest
(1.67) reruns only the page script after a widget interaction, so a test that needs
another state opens another link. The ``app_db`` fixture (tests/conftest.py) points the
app at a store and empties Streamlit's caches around the test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
# Generous: a first run imports the engine and fills the caches, and under pytest-xdist
# two runs share two cores. A timeout only ends a test that failed anyway.
TIMEOUT = 120.0

AppDb = Callable[[Path], Path]  # the app_db fixture: point the app at a store


def clear_caches() -> None:
    """Drop the cached store and aggregates, as a restarted server would."""
    st.cache_resource.clear()
    st.cache_data.clear()


def new_app(timeout: float = TIMEOUT) -> AppTest:
    """A session on app.py, not yet run (for the few tests that drive it step by step)."""
    return AppTest.from_file(str(APP), default_timeout=timeout)


def open_app(
    page: str | None = None,
    *,
    state: Mapping[str, Any] | None = None,
    timeout: float = TIMEOUT,
    **params: str | list[str],
) -> AppTest:
    """A fresh session on ``page`` opened as a link with the URL parameters ``params``
    and the session state ``state``, on the store named by ``PULSO_DB``; run once."""
    at = new_app(timeout)
    at.query_params.update(params)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if page is not None:
        at.switch_page(page)
    return at.run()


def page_warnings(at: AppTest) -> list[Any]:
    """The page's own warnings: without the banner that every page shows while sign-in
    is not configured (everyone is an admin), which these tests' app has on purpose."""
    from analytics.i18n import LANGS, t

    banner = {t("access.banner", lang) for lang in LANGS}
    return [w for w in at.warning if w.value not in banner]
