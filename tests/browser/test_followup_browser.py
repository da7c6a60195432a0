"""The Follow-up page in a real browser: assign an item, mark it recovered, reload.

The assigning test starts and stops its own servers on the module's store (it reads
the file between them); the tests that only read share one server on a copy.
Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from analytics import i18n
from analytics.demo import followup as followup_demo
from analytics.feedback import fatigue, followup
from analytics.feedback import queue as followup_queue
from analytics.queries import Filters
from analytics.store import connect
from tests.browser.server import ARTIFACTS, DEMO_END, app_server
from tests.conftest import DemoStores, call, insert, survey

LATE_CHANGE = "Callback promise for every billing customer"


@pytest.fixture(scope="module")
def db(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("followup_browser")
    path = demo_stores.copy(folder, calls=5_000, seed=3, end=DEMO_END)
    store = connect(str(path))
    followup.sync_items(store)
    followup_demo.simulate(store, seed=3)  # a history, so that the charts show something
    at = dt.datetime(2026, 6, 26, 10)  # an untouched item to act on, added after that
    insert(store, "calls", [call(900_001, at, team="Team Z", call_id="CZ")])
    comment = '=HYPERLINK("x") **Nobody** called me back <b>twice</b>'

    insert(store, "surveys", [survey(900_001, at, call_id="CZ", nps=2, comment=comment)])
    followup.sync_items(store)
    # A change named at length near the end: it used to stretch the charts into 2027.
    store.cursor().execute(
        "insert into process_changes (name, started_on) values (?, ?)",
        [LATE_CHANGE, DEMO_END - dt.timedelta(days=8)],
    )
    store.close()
    return path


def recovered_now(db: Path) -> int:
    """Recovered items of the responses in the sidebar's default period."""
    store = connect(str(db))
    period = Filters(start=DEMO_END - dt.timedelta(days=27), end=DEMO_END)
    n = followup_queue.status_counts(store, period)["recovered"]
    store.close()
    return n


@pytest.fixture(scope="module")
def read_only_url(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the tests that only read, on a copy of the store as it is when
    the first of them runs (the server holds a lock on its file)."""
    copy = tmp_path_factory.mktemp("followup_read") / "pulso.duckdb"
    shutil.copyfile(db, copy)
    with app_server(copy) as url:
        yield url


@contextmanager
def open_app(chromium: Any, url: str, height: int = 1100) -> Iterator[Any]:
    """A browser page (a fresh context) on the app at ``url``, warmed up; a tall
    ``height`` puts a whole page in a screenshot (the app scrolls inside)."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 1400, "height": height}, locale="en-US")
    try:
        p = context.new_page()
        p.base_url = url
        warm_up(p)
        yield p
    finally:
        context.close()


def warm_up(page) -> None:  # type: ignore[no-untyped-def]
    """Open the root first: warms the server (imports, first query) before timed waits."""
    page.goto(page.base_url)
    page.get_by_test_id("stMetric").nth(10).wait_for(timeout=90_000)


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Both rate charts drawn: the script run is over (no stale elements left)."""
    page.get_by_test_id("stPlotlyChart").nth(1).wait_for(timeout=30_000)
    page.wait_for_timeout(500)


def wait_ready(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stMetric").nth(4).wait_for(timeout=60_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)


def _download(page: Any, button: str, tries: int = 3) -> Path:
    """The file a download button gives; the click is tried again when it lands while
    a loaded machine redraws the page (a lost click: seen once in a fresh-clone run)."""
    for attempt in range(tries):
        try:
            with page.expect_download(timeout=20_000) as download:
                page.get_by_role("button", name=button).click()
            return Path(download.value.path())
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


def test_assign_and_recover_an_item_and_it_stays_after_reload(db: Path, chromium: Any) -> None:
    expected = i18n.number(recovered_now(db) + 1, "en", 0)
    with app_server(db) as url, open_app(chromium, url) as page:
        act_on_the_item(page)
        page.reload()  # a new session: what shows now comes from the database
        page.get_by_test_id("stMetric").nth(4).wait_for(timeout=60_000)
        page.get_by_text("No item matches these filters.").wait_for(timeout=30_000)
        assert recovered_count(page) == expected

    store = connect(str(db))  # the server has stopped: the file is free
    item = store.sql("select status, owner, note from followup_items where response_id = 'R900001'")
    store.close()
    assert item.rows() == [("recovered", "Ana Pérez", "Refund given, customer happy")]

    with app_server(db) as url, open_app(chromium, url) as page:  # a restarted server too
        page.goto(f"{page.base_url}/followup?fu_view=recovered")
        wait_ready(page)
        page.get_by_text("History of item").wait_for(timeout=30_000)
        settle(page)
        assert recovered_count(page) == expected
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=str(ARTIFACTS / "followup_after_restart.png"), full_page=True)


def act_on_the_item(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.base_url}/followup?fu_team=Team+Z")
    wait_ready(page)
    assert page.get_by_role("heading", name="Detractor follow-up").count() == 1
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "followup_queue.png"), full_page=True)

    exported = _download(page, "Download these items (CSV)").read_text(encoding="utf-8-sig")
    assert exported.startswith("Item,Customer,Status,Overdue,Reason")
    assert "'=HYPERLINK" in exported and "Team Z" in exported
    assert (
        ",Open,yes,Detractor," in exported
    )  # due 30 June, not contacted yet and ",2026-06-26 10:00," in exported

    assign = page.get_by_test_id("stForm").filter(has_text="Assign").first
    assign.get_by_test_id("stSelectbox").click()
    assert page.get_by_role("option").first.inner_text() == "Team Z (team)"  # known owners
    page.keyboard.type("Ana Pérez")  # or a name typed in
    page.keyboard.press("Enter")
    assign.get_by_role("button", name="Assign").click()
    page.get_by_test_id("stAlert").filter(has_text="Assigned").wait_for(timeout=30_000)

    close = page.get_by_test_id("stForm").filter(has_text="Mark recovered")
    close.get_by_label("Outcome note").fill("Refund given, customer happy")
    close.get_by_role("button", name="Mark recovered").click()
    page.get_by_test_id("stAlert").filter(has_text="Recovered").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_test_id("stException").count() == 0
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Item")
    expect(picker.locator("input")).to_have_value(re.compile("customer K900001 · Team Z"))
    page.get_by_text("This item is now “Recovered”").wait_for(timeout=30_000)  # no jump
    page.screenshot(path=str(ARTIFACTS / "followup_recovered.png"), full_page=True)


def recovered_count(page) -> str:  # type: ignore[no-untyped-def]
    tile = page.get_by_test_id("stMetric").filter(has_text="Recovered").first
    return str(tile.get_by_test_id("stMetricValue").inner_text())


def test_fatigue_page_opens_in_spanish(db: Path, chromium: Any, read_only_url: str) -> None:
    with open_app(chromium, read_only_url) as page:
        page.goto(f"{page.base_url}/fatigue?lang=es&fat_k=1&fat_n=60")
        page.get_by_test_id("stMetric").nth(2).wait_for(timeout=60_000)
        assert page.get_by_role("heading", name="Fatiga de encuestas").count() == 1
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=str(ARTIFACTS / "fatigue_es.png"), full_page=True)
        button = "Descargar la lista de exclusión (CSV)"
        exported = _download(page, button).read_text(encoding="utf-8-sig").splitlines()
    store = connect(str(db))
    as_of = fatigue.last_day(store)
    assert as_of is not None
    listed = fatigue.suppression_list(store, fatigue.FatiguePolicy(1, 60), as_of)
    store.close()
    assert exported[0] == "Cliente;Respuestas en el periodo;Primera;Última"
    assert len(exported) - 1 == listed.height > 0
    first_at = listed["first_at"][0].strftime("%d/%m/%Y %H:%M")  # no ISO, no microseconds
    assert exported[1].split(";")[2] == first_at


def x_ticks(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(".xtick text").all_text_contents()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_charts_end_with_the_data_and_pages_read_well(
    chromium: Any, read_only_url: str, lang: str
) -> None:
    """The rate and fatigue charts end at the period / the last answer, even with a
    long change name near the end (they used to run to mid-2027). Screenshots of
    Follow-up, Survey fatigue and the overview in both languages, to look at."""
    with open_app(chromium, read_only_url, height=2600) as page:
        page.goto(f"{page.base_url}/followup?lang={lang}&fu_grain=month")
        page.get_by_test_id("stMetric").nth(4).wait_for(timeout=60_000)
        settle(page)
        page.get_by_text(LATE_CHANGE).first.wait_for(timeout=30_000)
        assert x_ticks(page) and not any("2027" in tick for tick in x_ticks(page))
        page.screenshot(path=str(ARTIFACTS / f"followup_{lang}.png"), full_page=True)

        page.goto(f"{page.base_url}/fatigue?lang={lang}")
        page.get_by_test_id("stPlotlyChart").nth(1).wait_for(timeout=60_000)
        page.get_by_text(LATE_CHANGE).first.wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        assert x_ticks(page) and not any("2027" in tick for tick in x_ticks(page))
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=str(ARTIFACTS / f"fatigue_{lang}.png"), full_page=True)

        page.goto(f"{page.base_url}/?lang={lang}")
        page.get_by_test_id("stMetric").nth(10).wait_for(timeout=60_000)
        page.get_by_test_id("stPlotlyChart").nth(1).wait_for(timeout=30_000)
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=str(ARTIFACTS / f"overview_period_{lang}.png"), full_page=True)
