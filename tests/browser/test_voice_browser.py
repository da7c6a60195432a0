"""What customers say, in a real browser: click a term, read its comments.

Screenshots go to tests/artifacts/ (kept by CI as artifacts, git-ignored).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.server import ARTIFACTS, grid_column

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
    pills.nth(1).wait_for(timeout=60_000)  # count() does not wait: the second list can follow
    assert pills.count() == 2
    page.screenshot(path=str(ARTIFACTS / "voice_en.png"), full_page=True)

    # The Spanish comments have their own list: "sigue sin" is not among the English terms.
    assert pills.first.get_by_role("radio", name="sigue sin", exact=True).count() == 0
    page.get_by_role("radio", name="Spanish", exact=False).click()
    page.wait_for_url("**comment_lang=es**", timeout=30_000)
    pills.first.get_by_role("radio", name="sigue sin", exact=True).wait_for(timeout=30_000)

    pills.first.get_by_role("radio", name="sigue sin", exact=True).click()
    heading = page.get_by_role("heading", name="Comments with “sigue sin”")
    heading.wait_for(timeout=30_000)
    assert "term_a=sigue+sin" in page.url or "term_a=sigue%20sin" in page.url
    # The grid draws on a canvas; its accessible cells hold the text (hidden, attached).
    table = page.get_by_test_id("stDataFrame").nth(2)
    cell = table.locator("td[role=gridcell]", has_text="sigue sin resolverse").first
    cell.wait_for(state="attached", timeout=30_000)
    for _ in range(60):  # a loaded machine's grid can still hold the rows before the click
        comments = [c for c in grid_column(table, 2) if c.strip()]
        if comments and all("sigue sin" in c.lower() for c in comments):
            break
        page.wait_for_timeout(500)
    assert comments and all("sigue sin" in c.lower() for c in comments), [
        c for c in comments if "sigue sin" not in c.lower()
    ]
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


def test_a_comment_reads_whole_and_opens_its_follow_up_item(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/voice?lang=es&{PERIOD}&comment_lang=es&term_a=sigue+sin")
    heading = page.get_by_role("heading", name="Comentarios con «sigue sin»")
    heading.wait_for(timeout=60_000)
    page.get_by_text("solo orientativo", exact=False).first.wait_for(timeout=30_000)  # 78 %
    page.screenshot(path=str(ARTIFACTS / "voice_es.png"), full_page=True)

    table = page.get_by_test_id("stDataFrame").nth(2)
    whole = page.get_by_text("Comentario completo", exact=True)
    for attempt in range(3):  # a click that lands while a loaded machine redraws is lost
        table.scroll_into_view_if_needed()
        box = table.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 12, box["y"] + 52)  # the first row's selection box
        try:
            whole.wait_for(timeout=20_000)
            break
        except Exception:
            if attempt == 2:
                raise
    page.screenshot(path=str(ARTIFACTS / "voice_es_comment.png"), full_page=True)
    link = page.get_by_role("link", name="Abrir el caso de seguimiento", exact=False)
    item = link.inner_text().rsplit(" ", 1)[-1]  # "... n.º 1208"
    link.click()
    page.wait_for_url("**/followup?**", timeout=60_000)
    # Follow-up opens on every item, with this one picked in "Gestionar un caso".
    page.get_by_role("heading", name="Gestionar un caso").wait_for(timeout=60_000)
    page.wait_for_timeout(1_000)
    page.screenshot(path=str(ARTIFACTS / "voice_to_followup_es.png"), full_page=True)
    shown = page.eval_on_selector_all(  # a picker shows its value in text or in an input
        "[data-testid=stSelectbox]",
        "els => els.map(e => e.innerText + ' ' + [...e.querySelectorAll('input')]"
        ".map(i => i.value).join(' '))",
    )
    assert any(f"#{item} ·" in x for x in shown), shown
    assert page.get_by_test_id("stException").count() == 0
