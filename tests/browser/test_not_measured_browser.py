"""The overview in a browser on a call file without abandoned, resolved or transfer
columns: those tiles read "Not measured" with the reason, never 0.0%."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analytics.store import connect
from tests.browser.server import ARTIFACTS
from tests.conftest import insert, linked_surveys, no_flag_calls


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("not_measured") / "pulso.duckdb"
    store = connect(str(path))
    calls = no_flag_calls(600)
    insert(store, "calls", calls)
    insert(store, "surveys", linked_surveys(calls))
    store.close()
    return path


def test_tiles_without_their_input_say_not_measured(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/?kpi=abandonment")
    page.get_by_test_id("stMetric").nth(4).wait_for(timeout=60_000)  # the 5 measured
    # The innermost block with both: the tile (the thresholds editor names KPIs too).
    blocks = page.get_by_test_id("stVerticalBlock").filter(has_text="Abandonment")
    box = blocks.filter(has_text="Not measured").last
    box.get_by_text("Not measured", exact=True).wait_for(timeout=30_000)
    assert box.get_by_test_id("stMetric").count() == 0  # no value, delta or sparkline
    text = page.get_by_test_id("stMain").inner_text()
    assert "No column says whether a call was answered or abandoned." in text
    assert not re.search(r"(?<![\d.,])0\.0%", text)  # no rate of nothing (100.0% is fine)
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(ARTIFACTS / "overview_not_measured.png"), full_page=True)
