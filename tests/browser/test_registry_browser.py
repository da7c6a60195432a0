"""The registry form in a real browser (issue 12): a new change proposes a start date
with weeks of data after it and says why; its scope takes products and segments, and
the analysis reads them. English and Spanish.

Screenshots go to tests/artifacts/ (kept by CI as artifacts, git-ignored).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.server import ARTIFACTS, no_exception


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1400, "height": 1600}


def widget(page: Any, test_id: str, label: str) -> Any:
    return page.get_by_test_id(test_id).filter(has_text=label).first


@pytest.mark.parametrize(
    ("lang", "date", "said", "labels"),
    [
        ("en", "2026-04-06", "Proposed start: 6 Apr 2026", ("Products", "Segments")),
        # The input holds the ISO date whatever the display (06/04/2026 in Spanish).
        ("es", "2026-04-06", "Fecha propuesta: 6 abr 2026", ("Productos", "Segmentos")),
    ],
)
def test_a_new_change_proposes_an_analysable_start_and_scopes_products(
    page: Any, base_url: str, lang: str, date: str, said: str, labels: tuple[str, str]
) -> None:
    page.goto(f"{base_url}/registry?lang={lang}")
    page.get_by_text(said).wait_for(timeout=90_000)
    start = page.get_by_test_id("stDateInput").first.locator("input")
    expect(start).to_have_value(date, timeout=30_000)  # drawn a moment after the caption
    for label in labels:  # the form is tall: its last boxes are drawn a moment later
        expect(widget(page, "stMultiSelect", label)).to_be_visible(timeout=30_000)
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / f"registry_new_{lang}.png"), full_page=True)


def test_a_change_scoped_on_product_and_segment_is_saved_and_analysed(
    page: Any, base_url: str
) -> None:
    page.goto(f"{base_url}/registry")
    page.get_by_text("Proposed start").wait_for(timeout=90_000)
    widget(page, "stTextInput", "Name").locator("input").fill("Bundle retention script")
    for label, value in (("Products", "bundle"), ("Segments", "B2B")):
        widget(page, "stMultiSelect", label).click()
        page.get_by_role("option", name=value, exact=True).click()
        page.keyboard.press("Escape")
    page.get_by_role("button", name="Save change").click()
    page.get_by_test_id("stAlertContentSuccess").wait_for(timeout=30_000)
    table = page.get_by_test_id("stDataFrame").first
    scope = table.locator("td[role=gridcell]", has_text="Products: bundle; Segments: B2B")
    scope.first.wait_for(state="attached", timeout=30_000)
    # The saved change reopens for editing with its products and segments chosen.
    widget(page, "stMultiSelect", "Segments").get_by_text("B2B").wait_for(timeout=30_000)
    assert widget(page, "stMultiSelect", "Products").get_by_text("bundle").is_visible()
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "registry_saved_scope_en.png"), full_page=True)

    page.get_by_role("link", name="Analyse this change").click()
    page.get_by_role("heading", name="Verdict").wait_for(timeout=90_000)
    page.get_by_text("Products: bundle; Segments: B2B", exact=False).first.wait_for(timeout=30_000)
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "analysis_product_segment_en.png"), full_page=True)
