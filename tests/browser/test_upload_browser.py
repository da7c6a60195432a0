"""The Upload page in a real browser, end to end: upload a CSV (Playwright
``set_input_files``), see the detected facts and the suggested mapping, download the
rejected rows, confirm, read the counts, see the overview change, undo the load and
see the overview as it was.

Screenshots go to tests/artifacts/ (kept by CI as artifacts, git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.server import ARTIFACTS, DEMO_END, no_exception
from tests.ingest import builders as b

END = DEMO_END
UNRESOLVED = 300


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    """300 unresolved calls inside the overview's default period, plus one row whose
    duration is a spreadsheet formula (rejected, and neutralised in the download)."""
    path = b.calls_csv(
        tmp_path / "unresolved.csv",
        UNRESOLVED,
        start=900_000,
        started_at="2026-06-20 10:00:00",
        resolved="no",
    )
    with path.open("a", encoding="utf-8") as f:
        f.write("C0999999,2026-06-20 10:00:00,billing,30,=1+2,no\n")
    return path


def open_nav(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click(timeout=60_000)


def resolution_rate(page) -> str:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stMetric").nth(10).wait_for(timeout=60_000)
    tile = page.get_by_test_id("stMetric").filter(has_text="Resolution rate").first
    return tile.get_by_test_id("stMetricValue").inner_text()


def wait_rate_other_than(page, value: str) -> str:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "([v]) => [...document.querySelectorAll('[data-testid=stMetric]')].some("
        "m => m.innerText.includes('Resolution rate') && !m.innerText.includes(v))",
        arg=[value],
        timeout=60_000,
    )
    return resolution_rate(page)


def percent(text: str) -> float:
    return float(text.strip().rstrip("%").replace(",", ""))


def test_upload_confirm_see_the_overview_change_and_undo(  # type: ignore[no-untyped-def]
    page, base_url: str, extract: Path, tmp_path: Path
) -> None:
    page.goto(base_url)
    before = resolution_rate(page)

    open_nav(page, "Upload data")
    page.get_by_role("heading", name="Load an extract").wait_for(timeout=60_000)
    page.get_by_text("Files up to 1,024 MB").wait_for(timeout=60_000)  # count() does not wait
    assert page.get_by_text("Files up to 1,024 MB").count() == 1
    page.locator("input[type=file]").set_input_files(str(extract))

    page.get_by_role("heading", name="Columns").wait_for(timeout=60_000)
    facts = page.get_by_test_id("stMarkdown").filter(has_text="Delimiter").first.inner_text()
    assert "UTF-8" in facts and "“,”" in facts and "301" in facts
    assert page.get_by_role("combobox", name="Call ID *").input_value() == "call_id"
    assert page.get_by_role("combobox", name="Resolved").input_value() == "resolved"
    ready = page.get_by_test_id("stMetric").filter(has_text="Rows ready").first
    assert ready.get_by_test_id("stMetricValue").inner_text() == str(UNRESOLVED)
    rejected = page.get_by_test_id("stMetric").filter(has_text="Rows rejected").first
    assert rejected.get_by_test_id("stMetricValue").inner_text() == "1"
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "upload_facts.png"), full_page=True)
    page.get_by_role("heading", name="Check before loading").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "upload_check.png"))

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the list of problems (CSV)").click()
    saved = tmp_path / "problems.csv"
    download.value.save_as(str(saved))
    text = saved.read_text(encoding="utf-8")
    assert "Row,Column,Field,Code,Reason" in text.splitlines()[0]
    assert "'=1+2" in text and ",=1+2" not in text  # a formula would run in Excel
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the rejected rows to fix (.csv)").click()
    assert download.value.suggested_filename == "unresolved-rejected.csv"
    saved = tmp_path / "to-fix.csv"
    download.value.save_as(str(saved))
    header, row = saved.read_text(encoding="utf-8").splitlines()
    assert header == extract.read_text().splitlines()[0] + ",Pulso: Reason"
    assert row.startswith("C0999999,2026-06-20 10:00:00,billing,30,'=1+2,no,")

    page.get_by_role("button", name="Load into calls").click()
    success = page.get_by_test_id("stAlertContentSuccess").first
    success.wait_for(timeout=120_000)
    assert "Loaded unresolved.csv into calls as batch 1." in success.inner_text()
    new = page.get_by_test_id("stMetric").filter(has_text="New").first
    assert new.get_by_test_id("stMetricValue").inner_text() == str(UNRESOLVED)
    rejected = page.get_by_test_id("stMetric").filter(has_text="Rejected").first
    assert rejected.get_by_test_id("stMetricValue").inner_text() == "1"
    no_exception(page)
    success.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "upload_loaded.png"))

    open_nav(page, "Overview")
    after = wait_rate_other_than(page, before)
    assert percent(after) < percent(before) - 5
    page.screenshot(path=str(ARTIFACTS / "upload_overview_after.png"), full_page=True)

    open_nav(page, "Upload data")
    page.get_by_role("button", name="Undo load 1").click(timeout=60_000)
    page.get_by_role("button", name="Yes, undo it").click()
    undone = page.get_by_test_id("stAlertContentSuccess").filter(has_text="undone").first
    undone.wait_for(timeout=60_000)
    assert f"Load 1 undone: {UNRESOLVED} rows deleted, 0 rows restored." in undone.inner_text()
    page.get_by_text("This load was undone on").wait_for(timeout=60_000)
    no_exception(page)
    undone.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "upload_undone.png"))

    open_nav(page, "Overview")
    assert wait_rate_other_than(page, after) == before
    no_exception(page)


def test_the_uploader_speaks_the_readers_language(page, base_url: str, extract: Path) -> None:  # type: ignore[no-untyped-def]
    """Streamlit writes its uploader's button, instructions and file size in English;
    on a Spanish page they read in Spanish (the size in the page's own caption)."""
    page.goto(f"{base_url}/upload?lang=es")
    zone = page.get_by_test_id("stFileUploaderDropzone")
    zone.wait_for(timeout=60_000)
    after = "(el) => getComputedStyle(el, '::after').content"
    button = zone.get_by_test_id("stBaseButton-secondary").locator("p")
    page.wait_for_function(  # the stylesheet may arrive a moment after the widget
        "() => { const p = document.querySelector("
        "'[data-testid=stFileUploaderDropzone] [data-testid=stBaseButton-secondary] p');"
        " return p && getComputedStyle(p, '::after').content !== 'none'; }",
        timeout=30_000,
    )
    assert button.evaluate(after) == '"Elegir un archivo"'
    assert "o suéltelo aquí · CSV" in zone.get_by_test_id(
        "stFileUploaderDropzoneInstructions"
    ).locator("span").evaluate(after)
    page.locator("input[type=file]").set_input_files(str(extract))
    page.get_by_text("unresolved.csv · ", exact=False).wait_for(timeout=60_000)
    caption = page.get_by_text("unresolved.csv · ", exact=False).inner_text()
    assert caption.endswith(" KB") and "," in caption  # e.g. "23,4 KB", not "23.4KB"
    assert (
        not page.get_by_test_id("stFileChipName")
        .locator("xpath=following-sibling::div")
        .is_visible()
    )
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "upload_es_uploader.png"))
