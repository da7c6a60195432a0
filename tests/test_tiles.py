"""A tile's help text states the change and its interval in one unit, with the p-value
of the same test (ui/tiles.py is the only Streamlit-free part of the tiles)."""

from __future__ import annotations

import pytest

from analytics import kpis
from analytics.compare import Difference
from analytics.i18n import t
from analytics.metrics import Estimate
from analytics.overview import Tile
from ui.tiles import TILE_LABEL_CHARS, help_text, tile_label


@pytest.mark.parametrize(
    ("kpi", "change", "lang", "text"),
    [
        # A duration: m:ss throughout the line, not "-0:07 (95% CI -9.6 to -5.0)".
        ("aht", Difference(-7.3, -9.6, -5.0, 1.2, 0.004), "en", "-0:07 (95% CI -0:10 to -0:05, p = 0.004)"),
        # A bound that whole seconds would show as 0:00 gets a decimal.
        ("asa", Difference(-2.1, -4.0, -0.2, 1.0, 0.035), "es", "-0:02,1 (IC 95 % de -0:04,0 a -0:00,2, p = 0,035)"),
        # A rate in percentage points, its interval too.
        ("csat", Difference(2.04, 0.03, 4.1, 1.0, 0.045), "en", "+2.04 pp (95% CI +0.03 pp to +4.10 pp, p = 0.045)"),
    ],
)  # fmt: skip
def test_the_change_and_its_interval_are_in_one_unit(
    kpi: str, change: Difference, lang: str, text: str
) -> None:
    now = Estimate(300.0, 290.0, 310.0, 5.0, 400)
    tile = Tile(kpi, now, now, change)
    assert text in help_text(tile, lang)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_tile_label_fits_a_quarter_width_tile(lang: str) -> None:
    """Long names were cut ("Tasa de respuesta a encue…"): tiles use short names, and
    the full name heads the help."""
    for key in kpis.BY_KEY:
        label = tile_label(key, lang)  # type: ignore[arg-type]
        assert label != f"tile.label.{key}", f"no tile label for {key} in {lang}"
        assert len(label) <= TILE_LABEL_CHARS, label
    now = Estimate(0.5, 0.4, 0.6, 0.05, 400)
    text = help_text(Tile("response_rate", now, now, Difference(0, 0, 0, 0, float("nan"))), lang)  # type: ignore[arg-type]
    assert text.startswith(f"**{t('kpi.response_rate', lang)}**")  # type: ignore[arg-type]
