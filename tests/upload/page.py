"""The Upload page's AppTest helpers, shared by its test modules (the fixtures are in
this folder's conftest.py).

AppTest (1.67) uploads through ``file_uploader(...).set_value((name, bytes, mime))``
and reruns only the page script after an interaction, so the page is opened as a
link (tests/apptest.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.store import connect

END = dt.date(2026, 6, 28)
CSV = "text/csv"


Open = Callable[..., AppTest]


def upload(at: AppTest, name: str, data: bytes, mime: str = CSV) -> AppTest:
    at.file_uploader[0].set_value((name, data, mime)).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def picked(at: AppTest) -> dict[str, str | None]:
    """Mapping pickers by label (the sidebar's language picker left out)."""
    return {s.label: s.value for s in at.selectbox if s.key and s.key.startswith("upload_map_")}


def picker(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(s for s in at.selectbox if s.label == label and (s.key or "").startswith("upload_"))


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success]
    return "\n".join(p.value for p in parts).replace("\\", "")


def rejects_shown(at: AppTest):  # type: ignore[no-untyped-def]
    return next(
        d.value
        for d in at.dataframe
        if d.value.columns.tolist() == ["row", "column", "reason", "values"]
    )


def confirm(at: AppTest) -> AppTest:
    at.button(key="upload_confirm").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def stored(db: Path, sql: str) -> list[tuple[object, ...]]:
    store = connect(str(db))
    try:
        return store.cursor().execute(sql).fetchall()
    finally:
        store.close()
