"""The sidebar's filters in a real browser: presets, the comparison, dates typed by
hand, the resolved period in the URL, and pages that show only the filters they apply.

Screenshots go to tests/artifacts/ (git-ignored; kept by CI).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.server import ARTIFACTS, no_exception


def open_overview(page: Any, url: str) -> Any:
    page.goto(url)
    page.get_by_test_id("stMetric").nth(10).wait_for(timeout=90_000)
    return page.get_by_test_id("stSidebar")


def period_caption(page: Any, text: str) -> str:
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text=text).first
    caption.wait_for(timeout=30_000)
    return str(caption.inner_text())


def preset(sidebar: Any) -> str:
    box = sidebar.get_by_test_id("stSelectbox").filter(has_text="Period")
    return str(box.locator("input").input_value())


def test_presets_compare_with_the_calendar_and_the_link_holds_the_dates(
    page: Any, base_url: str
) -> None:
    sidebar = open_overview(page, base_url)
    assert page.url.endswith("?period=2026-06-01&period=2026-06-28")  # the default, resolved
    assert preset(sidebar) == "Last 28 days"

    sidebar.get_by_test_id("stSelectbox").filter(has_text="Period").click()
    page.get_by_role("option", name="Last month").click()
    caption = period_caption(page, "1 May 2026 – 31 May 2026")
    assert caption == "1 May 2026 – 31 May 2026, compared with 1 Apr 2026 – 30 Apr 2026"
    assert "period=2026-05-01&period=2026-05-31" in page.url

    sidebar.get_by_text("Same period last year").click()
    caption = period_caption(page, "2025")
    assert caption == "1 May 2026 – 31 May 2026, compared with 1 May 2025 – 31 May 2025"
    assert "compare=year" in page.url
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "filters_last_month_vs_last_year.png"), full_page=True)


def test_dates_typed_by_hand_are_named_when_a_preset_gives_them(page: Any, base_url: str) -> None:
    sidebar = open_overview(page, base_url)
    start_day = sidebar.get_by_role("spinbutton", name="day, Dates start date")
    start_day.focus()
    start_day.press_sequentially("22", delay=100)
    sidebar.get_by_text("Filters").click()  # leaving the field commits the date
    period_caption(page, "22 Jun 2026 – 28 Jun 2026")
    assert "period=2026-06-22&period=2026-06-28" in page.url
    assert preset(sidebar) == "This week"  # Monday 22 to Sunday 28 June
    caption = period_caption(page, "compared with")
    assert caption.endswith("compared with 15 Jun 2026 – 21 Jun 2026")
    no_exception(page)


def test_a_page_shows_only_the_filters_it_applies_and_keeps_the_others(
    page: Any, base_url: str
) -> None:
    sidebar = open_overview(page, base_url)
    region = sidebar.get_by_test_id("stMultiSelect").filter(has_text="Region")
    region.scroll_into_view_if_needed()  # below the period: a click mid-scroll opens nothing
    region.click()
    page.get_by_role("option", name="South").click()
    page.keyboard.press("Escape")
    page.wait_for_url("**region=South**", timeout=30_000)

    page.get_by_test_id("stSidebarNav").get_by_text("Survey fatigue").click()
    page.get_by_role("heading", name="Survey fatigue").wait_for(timeout=60_000)
    sidebar.get_by_text("No sidebar filter applies here").wait_for(timeout=30_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    # The previous page's widgets go when the run ends: expect() waits for that.
    expect(sidebar.get_by_test_id("stMultiSelect")).to_have_count(0, timeout=30_000)
    expect(sidebar.get_by_test_id("stDateInput")).to_have_count(0)
    assert "region" not in page.url and "period" not in page.url
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "filters_hidden_on_fatigue.png"), full_page=True)

    page.get_by_test_id("stSidebarNav").get_by_text("Follow-up").click()
    page.get_by_role("heading", name="Detractor follow-up").wait_for(timeout=60_000)
    page.get_by_text("from calls that match the sidebar's filters").wait_for(timeout=30_000)
    assert "region=South" in page.url and "period=2026-06-01&period=2026-06-28" in page.url
    assert "South" in region.inner_text()  # kept while Survey fatigue hid it
    expect(sidebar.get_by_test_id("stRadio")).to_have_count(0)  # nothing compared here
    no_exception(page)


def test_a_link_naming_a_region_the_data_lacks_says_so_in_both_languages(
    page: Any, base_url: str
) -> None:
    texts = {
        "en": ("This link asks for Region values", "“Atlantis”"),
        "es": ("Este enlace pide valores de Región", "“Atlantis”"),
    }
    for lang, (start, value) in texts.items():
        sidebar = open_overview(page, f"{base_url}/?region=North&region=Atlantis&lang={lang}")
        note = sidebar.get_by_test_id("stAlertContentWarning")
        expect(note).to_contain_text(start, timeout=30_000)
        expect(note).to_contain_text(value)
        chips = sidebar.get_by_test_id("stMultiSelect").filter(has_text="North")
        expect(chips).to_have_count(1)  # North applies; Atlantis is only named
        no_exception(page)
        note.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"filters_unknown_link_value_{lang}.png"))
