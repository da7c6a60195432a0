"""Registry -> analysis -> download in a real browser: register a change through the
form, open its analysis from the registry, download the one-page summary and open it
from the file, offline.

Screenshots go to tests/artifacts/ (kept by CI as artifacts, git-ignored).

The first test opens the app's root before anything else, which also warms the server.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

from tests.browser.server import ARTIFACTS, DEMO_END, no_exception

END = DEMO_END
NAME = "Callback pilot <b>&</b>"


def widget(page, test_id: str, label: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id(test_id).filter(has_text=label).first


def download_summary(page: Any, tmp_path: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_test_id("stDownloadButton").get_by_role("button").click()
    assert info.value.suggested_filename.startswith("pulso-change-")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    return saved


def open_summary_offline(app_page: Any, saved: Path, shot: str) -> str:
    """Open the downloaded file as a reader would, with no network: every part of it
    must come from the file. Checks it leads with the sentence the app showed, then
    the chart; screenshots it; returns the sentence."""
    html = saved.read_text(encoding="utf-8")
    first = re.search(r'<p class="headline">(.*?)</p>', html)
    assert first is not None and html.index("<p") == first.start()
    sentence = unescape(first.group(1))
    assert app_page.get_by_text(sentence, exact=True).count() == 1  # the page shows it too
    ctx = app_page.context.browser.new_context(
        viewport={"width": 1100, "height": 900}, offline=True
    )
    try:
        reader = ctx.new_page()
        requests: list[str] = []
        reader.on("request", lambda r: requests.append(r.url))
        reader.goto(saved.as_uri())
        assert reader.locator("p.headline").inner_text() == sentence
        chart = reader.locator("figure svg").bounding_box()
        assert chart is not None and chart["width"] > 600 and chart["height"] > 250
        assert reader.locator("figure svg circle").count() > 10  # the periods are drawn
        assert all(url.startswith("file:") for url in requests), requests
        reader.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    finally:
        ctx.close()
    return sentence


def test_register_analyse_and_download(page, base_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url)
    nav = page.get_by_test_id("stSidebarNav").get_by_role("link", name="Process changes")
    nav.click(timeout=60_000)
    page.get_by_role("heading", name="Process changes").wait_for(timeout=60_000)
    widget(page, "stTextInput", "Name").locator("input").fill(NAME)
    widget(page, "stTextArea", "Description").locator("textarea").fill("Callbacks offered")
    start = widget(page, "stDateInput", "Start date").locator("input")
    start.fill("2026-03-02")
    start.press("Enter")
    widget(page, "stTextInput", "Owner").locator("input").fill("Sales ops")
    queues = widget(page, "stMultiSelect", "Queues")
    queues.scroll_into_view_if_needed()  # at the window's edge: a click mid-scroll opens nothing
    queues.click()
    page.get_by_role("option", name="sales").click()
    page.keyboard.press("Escape")
    page.screenshot(path=str(ARTIFACTS / "registry_form.png"), full_page=True)
    page.get_by_role("button", name="Save change").click()

    page.get_by_test_id("stAlertContentSuccess").wait_for(timeout=30_000)
    assert NAME in page.get_by_test_id("stAlertContentSuccess").inner_text()
    assert re.search(r"edit=\d+", page.url)
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "registry_saved.png"), full_page=True)

    # Streamlit scrolls inside its own container: a tall window shows the whole page.
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.get_by_role("link", name="Analyse this change").click()
    page.get_by_role("heading", name="Verdict").wait_for(timeout=60_000)
    page.get_by_test_id("stDownloadButton").wait_for(timeout=30_000)
    assert re.search(r"/change_analysis\?.*change=\d+", page.url)
    assert page.get_by_text("Callbacks offered").count() == 1
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "analysis_en.png"), full_page=True)

    saved = download_summary(page, tmp_path)
    html = saved.read_text(encoding="utf-8")
    assert "Callback pilot &lt;b&gt;&amp;&lt;/b&gt;" in html and "<b>" not in html
    # the other metrics, 3 methods, and each of the 6 metrics' methods side by side
    assert html.count("<table") == 4 + 6 and "<script" not in html
    (ARTIFACTS / "analysis_summary.html").write_text(html, encoding="utf-8")
    sentence = open_summary_offline(page, saved, "summary_en.png")
    assert sentence.startswith(f"After “{NAME}” on 2 Mar 2026, ")

    for tab, shot in (("Interrupted time series", "its"), ("Difference-in-differences", "did")):
        page.get_by_role("tab", name=tab).click()
        page.get_by_role("tabpanel", name=tab).locator(".js-plotly-plot").first.wait_for(
            timeout=30_000
        )
        page.screenshot(path=str(ARTIFACTS / f"analysis_{shot}.png"), full_page=True)
        if shot == "its":
            # The chart marks the change by name, its markup shown as typed (plotly
            # would render <b> as bold and drop the tags from the text).
            notes = page.get_by_role("tabpanel", name=tab).locator(".annotation-text")
            assert NAME in notes.evaluate_all("els => els.map(e => e.textContent)")
    no_exception(page)


def test_the_demo_change_in_spanish_from_a_link(page, base_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 2400})
    # A copied link (the server has served the app before: see the module docstring).
    page.goto(f"{base_url}/change_analysis?change=1&lang=es&focus=asa")
    page.get_by_role("heading", name="Veredicto").wait_for(timeout=60_000)
    page.get_by_role("tab", name="Serie temporal interrumpida").click()
    panel = page.get_by_role("tabpanel", name="Serie temporal interrumpida")
    panel.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    titles = panel.locator(".gtitle").evaluate_all("els => els.map(e => e.textContent)")
    assert titles == ["Tiempo medio de respuesta"]
    legend = panel.locator(".legendtext").evaluate_all("els => els.map(e => e.textContent)")
    assert "Sin el cambio (tendencia previa prolongada)" in legend
    # Durations as m:ss on the axis too, as in the verdict and the tables.
    ticks = panel.locator(".ytick text").evaluate_all("els => els.map(e => e.textContent)")
    assert ticks and all(re.fullmatch(r"\d+:\d\d", t) for t in ticks), ticks
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "analysis_es.png"), full_page=True)

    # The event study: its legend clears the axis title (it used to sit on it).
    page.get_by_role("tab", name="Diferencias en diferencias").click()
    panel = page.get_by_role("tabpanel", name="Diferencias en diferencias")
    chart = panel.locator(".js-plotly-plot").first
    chart.wait_for(timeout=30_000)
    title, legend_box = (
        chart.locator(".xtitle").bounding_box(),
        chart.locator(".legend").bounding_box(),
    )
    assert title is not None and legend_box is not None
    assert legend_box["y"] >= title["y"] + title["height"], (title, legend_box)
    assert "dibujada hueca en cero en −1" in panel.inner_text()
    page.screenshot(path=str(ARTIFACTS / "analysis_es_did.png"), full_page=True)

    # The summary, led by the metric chosen for the charts, in Spanish.
    sentence = open_summary_offline(page, download_summary(page, tmp_path), "summary_es.png")
    assert sentence.startswith("Tras el cambio «New IVR menu» del 22 dic 2025, Tiempo medio")
