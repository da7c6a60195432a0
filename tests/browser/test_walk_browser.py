"""Every page, in English and Spanish, in a real browser: it opens without an
exception, in the reader's language, and leaves a whole-page screenshot in
tests/artifacts/ (walk_<page>_<lang>.png) for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

from analytics.i18n import t
from tests.browser.server import ARTIFACTS, no_exception

# URL path -> the page's title key (the default page's path is empty).
PAGES = {
    "": "overview.title", "drivers": "drivers.title", "voice": "voice.title",
    "bias": "bias.title", "rankings": "rank.title", "followup": "followup.title",
    "fatigue": "fatigue.title", "registry": "registry.title",
    "change_analysis": "analysis.title", "upload": "upload.title",
    "weekly": "weekly.page.title", "settings": "settings.title",
}  # fmt: skip


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1400, "height": 3000}  # Streamlit scrolls inside: a tall window


def settle(page: Any) -> None:
    """Wait until the script has finished and no placeholder is left."""
    page.get_by_test_id("stMain").locator("h1").first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stSkeleton]')"
        " && !document.querySelector('[data-testid=stStatusWidget]')",
        timeout=60_000,
    )
    page.wait_for_timeout(500)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_opens_in_both_languages(page: Any, base_url: str, path: str, lang: str) -> None:
    page.goto(f"{base_url}/{path}?lang={lang}")
    settle(page)
    no_exception(page)
    title = page.get_by_test_id("stMain").locator("h1").first.inner_text()
    assert title == t(PAGES[path], lang)  # type: ignore[arg-type]
    page.screenshot(path=str(ARTIFACTS / f"walk_{path or 'overview'}_{lang}.png"), full_page=True)
