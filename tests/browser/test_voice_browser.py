"""What customers say, in a real browser: click a term, read its comments.

Screenshots go to tests/artifacts/ (kept by CI as artifacts, git-ignored).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.server import ARTIFACTS

PERIOD = "period=2026-03-01&period=2026-06-28"


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1400, "height": 1100}


@pytest.fixture
def page(context: Any, base_url: str) -> Any:
    page = context.new_page()
    # Open the root first: warms the server (imports, first query).
    page.goto(base_url)
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    return page


def test_clicking_a_term_shows_the_comments_that_use_it(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/voice?{PERIOD}")
    pills = page.get_by_test_id("stButtonGroup").filter(has_text="Read the comments with")
    pills.first.wait_for(timeout=60_000)
    assert pills.count() == 2
    page.screenshot(path=str(ARTIFACTS / "voice_en.png"), full_page=True)

    pills.first.get_by_role("radio", name="sigue sin", exact=True).click()
    heading = page.get_by_role("heading", name="Comments with “sigue sin”")
    heading.wait_for(timeout=30_000)
    assert "term_a=sigue+sin" in page.url or "term_a=sigue%20sin" in page.url
    # The grid draws on a canvas; its accessible cells hold the text (hidden, attached).
    table = page.get_by_test_id("stDataFrame").nth(2)
    cell = table.locator("td[role=gridcell]", has_text="sigue sin resolverse").first
    cell.wait_for(state="attached", timeout=30_000)
    column = table.locator("td[role=gridcell][aria-colindex='2']")
    # The grid fills its accessible cells a moment after the first one appears (one CI
    # run read an empty column): wait for the column, then read it.
    column.first.wait_for(state="attached", timeout=30_000)
    comments = column.all_text_contents()
    assert comments and all("sigue sin" in c.lower() for c in comments)
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(ARTIFACTS / "voice_term.png"), full_page=True)


def test_bias_and_rankings_pages_render_in_spanish(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/bias?lang=es&{PERIOD}")
    page.get_by_test_id("stMetric").nth(3).wait_for(timeout=60_000)
    assert page.get_by_role("heading", name="Sesgo de respuesta").count() == 1
    page.get_by_test_id("stDataFrame").nth(1).wait_for(timeout=60_000)
    page.wait_for_timeout(2_000)  # let the chart draw before the screenshot
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(ARTIFACTS / "bias_es.png"), full_page=True)

    page.goto(f"{base_url}/rankings?lang=es&{PERIOD}")
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    assert page.get_by_role("heading", name="Rankings justos").count() == 1
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(ARTIFACTS / "rankings_es.png"), full_page=True)
