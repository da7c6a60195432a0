"""Fair rankings in a real browser: rank ranges and tiers instead of strict ranks
(issue 12), in English and Spanish; agents shown by id, and the page says why.

Screenshots go to tests/artifacts/ (kept by CI as artifacts, git-ignored).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.server import ARTIFACTS, grid_column, no_exception

PERIOD = "period=2026-03-01&period=2026-06-28"


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1400, "height": 1400}


def _cells(page: Any, column: int) -> list[str]:
    return grid_column(page.get_by_test_id("stDataFrame").first, column)


@pytest.mark.parametrize(
    ("lang", "tiers", "ids"),
    [
        ("en", {"Top", "Middle"}, "Agents are shown by their id"),
        ("es", {"Alto", "Medio"}, "Los agentes se muestran por su id"),
    ],
)
def test_agents_are_shown_with_rank_ranges_and_tiers(
    page: Any, base_url: str, lang: str, tiers: set[str], ids: str
) -> None:
    page.goto(f"{base_url}/rankings?lang={lang}&{PERIOD}&rank_min_n=10")
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=90_000)
    page.get_by_text(ids).wait_for(timeout=30_000)
    shown = _cells(page, 1)  # the tier, first column
    assert tiers <= set(shown), shown  # the first rows drawn: top and middle
    ranges = _cells(page, 2)
    assert any("–" in r and r.split("–")[0].isdigit() for r in ranges), ranges
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / f"rankings_agents_{lang}.png"), full_page=True)


def test_teams_that_cannot_be_told_apart_are_said_to_be(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/rankings?{PERIOD}&rank_level=team&rank_metric=nps")
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=90_000)
    page.get_by_text("No one can be placed in the better or the worse half").wait_for(
        timeout=30_000
    )
    assert set(_cells(page, 1)) == {"Middle"}
    assert page.get_by_text("by their id").count() == 0
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "rankings_teams_en.png"), full_page=True)
