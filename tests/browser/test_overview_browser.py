"""The overview in a real browser: load, change a filter, see a KPI change, no error.

Screenshots go to tests/artifacts/ (kept by CI as artifacts, git-ignored).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.browser.server import ARTIFACTS, app_server


def metric_value(page, label: str) -> str:  # type: ignore[no-untyped-def]
    tile = page.get_by_test_id("stMetric").filter(has_text=label).first
    return tile.get_by_test_id("stMetricValue").inner_text()


def test_overview_loads_and_a_filter_changes_the_kpis(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url)
    page.get_by_test_id("stMetric").nth(10).wait_for(timeout=60_000)
    assert page.get_by_test_id("stMetric").count() == 11
    before = metric_value(page, "Resolution rate")
    page.screenshot(path=str(ARTIFACTS / "overview_en.png"), full_page=True)

    region = (
        page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Region")
    )
    region.scroll_into_view_if_needed()  # below the period: a click mid-scroll opens nothing
    region.click()
    page.get_by_role("option", name="South").click()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "([v]) => [...document.querySelectorAll('[data-testid=stMetric]')].some("
        "m => m.innerText.includes('Resolution rate') && !m.innerText.includes(v))",
        arg=[before],
        timeout=30_000,
    )
    assert "region=South" in page.url
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(ARTIFACTS / "overview_filtered.png"), full_page=True)


def test_a_copied_link_opens_the_same_view_in_spanish(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/?lang=es&region=North&kpi=fcr&by=queue")
    page.get_by_test_id("stMetric").nth(10).wait_for(timeout=60_000)
    assert page.get_by_role("heading", name="Resumen").count() == 1
    page.locator(".gtitle").first.wait_for(timeout=30_000)
    titles = page.locator(".gtitle").evaluate_all("els => els.map(e => e.textContent)")
    assert titles.count("Resolución al primer contacto") == 2  # trend and breakdown
    table = page.get_by_test_id("stDataFrame")
    assert table.count() == 1
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(ARTIFACTS / "overview_es.png"), full_page=True)


def test_a_deep_link_is_the_first_request_after_a_server_start(  # type: ignore[no-untyped-def]
    page, db: Path, tmp_path: Path
) -> None:
    """A link to a page, opened before anyone has opened the root, runs through app.py:
    the page under its own title with the shared sidebar filters it applies (not a
    bare script).
    (Page scripts live in views/, not pages/: Streamlit would run a pages/ file opened
    this way as a legacy multipage app, without the router.)"""
    copy = tmp_path / "pulso.duckdb"  # the module's server holds a lock on the original
    shutil.copy(db, copy)
    with app_server(copy) as url:
        page.goto(f"{url}/followup?lang=es")
        page.locator("h1", has_text="Seguimiento de detractores").wait_for(timeout=60_000)
        sidebar = page.get_by_test_id("stSidebar")
        # The shared filters (count() does not wait: the sidebar may draw after the title).
        sidebar.get_by_test_id("stMultiSelect").nth(3).wait_for(timeout=60_000)
        assert sidebar.get_by_test_id("stMultiSelect").count() >= 4
        assert page.get_by_test_id("stSidebarNav").count() == 1
        assert "/followup" in page.url
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=str(ARTIFACTS / "deep_link_first.png"), full_page=True)
