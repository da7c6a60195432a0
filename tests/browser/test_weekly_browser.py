"""The executive's path in a real browser: the overview, a click on a region's bar to
narrow the page to it, the weekly review for that region, and its PDF downloaded and
read back (pdftotext) - in English and in Spanish.

Screenshots go to tests/artifacts/ (kept by CI as artifacts, git-ignored).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from analytics.i18n import t
from tests.browser.server import ARTIFACTS, no_exception


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1400, "height": 2200}  # Streamlit scrolls inside: a tall window


def metric_texts(page: Any) -> list[str]:
    return page.get_by_test_id("stMetric").evaluate_all("els => els.map(e => e.innerText)")


def click_bar(page: Any, label: str) -> None:
    """Click the breakdown's bar of ``label`` (a horizontal bar chart: the labels are
    the y axis's ticks, in the bars' order)."""
    chart = page.get_by_test_id("stPlotlyChart").nth(1)
    chart.scroll_into_view_if_needed()
    ticks = chart.locator(".yaxislayer-above .ytick text").evaluate_all(
        "els => els.map(e => e.textContent)"  # SVG text has no innerText
    )
    bars = chart.locator(".barlayer .point path")
    bars.first.wait_for(timeout=30_000)
    boxes = [b.bounding_box() for b in bars.all()]
    tick_boxes = [
        chart.locator(".yaxislayer-above .ytick text").nth(i).bounding_box()
        for i in range(len(ticks))
    ]
    y = next(b for text, b in zip(ticks, tick_boxes, strict=True) if text == label)
    centre = y["y"] + y["height"] / 2
    bar = min(
        (b for b in boxes if b and b["width"] > 2),
        key=lambda b: abs(b["y"] + b["height"] / 2 - centre),
    )
    page.mouse.click(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_overview_drill_down_weekly_review_pdf(
    page: Any, base_url: str, tmp_path: Path, lang: str
) -> None:
    page.goto(f"{base_url}/?lang={lang}&by=region")
    page.get_by_test_id("stMetric").nth(10).wait_for(timeout=60_000)
    before = metric_texts(page)
    page.get_by_test_id("stPlotlyChart").nth(1).locator(".barlayer .point").first.wait_for(
        timeout=30_000
    )

    click_bar(page, "North")
    page.wait_for_function(
        "([b]) => [...document.querySelectorAll('[data-testid=stMetric]')]"
        ".map(e => e.innerText).join('|') !== b",
        arg=["|".join(before)],
        timeout=30_000,
    )
    region = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first
    assert "North" in region.inner_text()
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / f"executive_drilled_{lang}.png"), full_page=True)

    nav = page.get_by_test_id("stSidebarNav").get_by_role("link", name=t("weekly.page", lang))  # type: ignore[arg-type]
    nav.click(timeout=60_000)
    page.get_by_role("heading", name=t("weekly.page.title", lang)).wait_for(timeout=60_000)  # type: ignore[arg-type]
    assert (
        "North"
        in page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first.inner_text()
    )
    pdf_button = page.get_by_test_id("stDownloadButton").nth(1)
    pdf_button.wait_for(timeout=90_000)
    preview = page.frame_locator("iframe").first
    preview.locator("h1").wait_for(timeout=30_000)
    assert "North" in preview.locator("p.meta").nth(1).inner_text()  # "Scope: Region: North"
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / f"executive_weekly_{lang}.png"), full_page=True)

    with page.expect_download() as info:
        pdf_button.get_by_role("button").click()
    name = info.value.suggested_filename
    assert name.startswith("pulso-review-") and name.endswith(".pdf")
    saved = tmp_path / name
    info.value.save_as(saved)
    assert saved.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) reads the PDF back")
    text = subprocess.run(
        ["pdftotext", "-layout", str(saved), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert t("weekly.tiles", lang) in text  # type: ignore[arg-type]
    assert "North" in text
    pages = re.findall(r"(\d+)\s*/\s*(\d+)\s*\f", text)  # "1 / 3" at each page's foot
    assert pages and [int(n) for n, _ in pages] == list(range(1, len(pages) + 1))
    title = preview.locator("h1").inner_text()
    assert " ".join(title.split()) in " ".join(text.split())  # the page's report, as previewed
