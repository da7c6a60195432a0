"""The drivers page in a real browser: open it from the navigation, change the outcome,
remove a driver, open a copied link in Spanish; no error. Screenshots go to
tests/artifacts/ (git-ignored).

Each test first opens the root, which warms the server (imports, first query).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.server import ARTIFACTS, DEMO_END
from tests.conftest import DemoStores

END = DEMO_END
WHOLE_PERIOD = "period=2024-07-01&period=2026-06-28"  # the default 28 days are few responses


@pytest.fixture(scope="module")
def db(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More calls than the shared demo store: drivers need responses to model."""
    folder = tmp_path_factory.mktemp("drivers_browser")
    return demo_stores.copy(folder, calls=40_000, seed=3, end=END)


@pytest.fixture
def page(context: Any, base_url: str) -> Any:
    p = context.new_page()
    p.goto(base_url)
    p.get_by_test_id("stMetric").nth(10).wait_for(timeout=90_000)
    return p


def wait_for_charts(page, count: int = 5) -> None:  # type: ignore[no-untyped-def]
    page.locator(".js-plotly-plot").nth(count - 1).wait_for(timeout=90_000)


def chart_labels(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The text of the importance chart's driver axis (the second chart)."""
    return page.locator(".js-plotly-plot").nth(1).locator(".ytick").all_text_contents()


def test_drivers_page_loads_and_follows_the_widgets(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Drivers").click()
    page.get_by_role("heading", name="What drives satisfaction").wait_for(timeout=60_000)
    page.goto(f"{base_url}/drivers?{WHOLE_PERIOD}")  # a longer period: more responses
    wait_for_charts(page)
    verdict = page.get_by_test_id("stAlert").filter(has_text="matters about").first
    assert "resolution matters about" in verdict.inner_text()
    assert page.get_by_text("Fix first").count() >= 1
    assert "Channel" in chart_labels(page)
    page.screenshot(path=str(ARTIFACTS / "drivers_en.png"), full_page=True)

    page.get_by_test_id("stSelectbox").filter(has_text="Outcome").click()
    page.get_by_role("option", name="Promoters (NPS 9-10)").click()
    page.get_by_text("higher odds of Promoters").wait_for(timeout=60_000)
    assert "outcome=promoter" in page.url

    chip = page.get_by_test_id("stMultiSelect").get_by_role("button", name="Channel")
    chip.locator("..").get_by_role("button").last.click()  # the chip's delete cross
    page.wait_for_function(
        "() => !document.querySelectorAll('.js-plotly-plot')[1]?.textContent.includes('Channel')",
        timeout=60_000,
    )
    # the address follows the run that redrew the chart, a moment later on a loaded machine
    page.wait_for_function("() => location.search.includes('drivers=')", timeout=30_000)
    assert "channel" not in page.url.split("drivers=", 1)[1]
    assert page.get_by_test_id("stException").count() == 0
    wait_for_charts(page)
    page.screenshot(path=str(ARTIFACTS / "drivers_promoter.png"), full_page=True)


def test_a_copied_link_opens_the_same_view_in_spanish(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    link = "lang=es&outcome=csat&drivers=resolved&drivers=duration&drivers=wait&drivers=transfers"
    page.goto(f"{base_url}/drivers?{WHOLE_PERIOD}&{link}")
    wait_for_charts(page)
    assert page.get_by_role("heading", name="Qué impulsa la satisfacción").count() == 1
    assert page.get_by_text("la resolución pesa unas").count() == 1
    assert sorted(chart_labels(page)) == sorted(
        ["Resuelto", "Duración de la llamada", "Espera", "Transferencias"]
    )
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(ARTIFACTS / "drivers_es.png"), full_page=True)
