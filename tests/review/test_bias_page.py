"""The Response-bias page when the answers cannot be matched to their calls."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics import i18n
from analytics.store import connect
from tests.apptest import AppDb, open_app
from tests.conftest import call, insert, survey


@pytest.mark.parametrize("lang", ["en", "es"])
def test_answers_that_name_no_call_are_not_measured_not_no_calls(
    tmp_path: Path, app_db: AppDb, lang: str
) -> None:
    """A PBX log and a survey export with no call column (the real corpus's pair): there
    are answered calls, so "no answered calls" would be false; the page says the
    comparison is not measured, and why. Without any call it still says there is none."""
    db = tmp_path / "unlinked.duckdb"
    store = connect(str(db))
    at = dt.datetime(2026, 6, 22, 10)
    insert(store, "calls", [call(i, at, abandoned=False) for i in range(20)])
    insert(store, "surveys", [survey(i, at, nps=i % 11) for i in range(8)])  # no call_id
    store.close()
    app_db(db)
    page = open_app("views/bias.py", lang=lang)
    assert not page.exception
    assert i18n.t("bias.not_linked", lang) in [w.value for w in page.warning]
    assert i18n.t("bias.empty", lang) not in [i.value for i in page.info]
    assert not page.metric

    empty = tmp_path / "surveys_only.duckdb"
    store = connect(str(empty))
    insert(store, "surveys", [survey(i, at, nps=i % 11) for i in range(8)])
    store.close()
    app_db(empty)
    page = open_app("views/bias.py", lang=lang)
    assert i18n.t("bias.empty", lang) in [i.value for i in page.info]
