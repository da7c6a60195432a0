"""A tile's help text states the change and its interval in one unit, with the p-value
of the same test (ui/tiles.py is the only Streamlit-free part of the tiles)."""

from __future__ import annotations

import pytest

from analytics import kpis
from analytics.compare import Difference
from analytics.i18n import t
from analytics.metrics import Estimate
from analytics.overview import Tile
from ui.tiles import TILE_LABEL_CHARS, change_text, help_text, tile_label


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


@pytest.mark.parametrize("key", list(kpis.BY_KEY))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_tile_label_fits_a_quarter_width_tile(lang: str, key: str) -> None:
    """Long names were cut ("Tasa de respuesta a encue…"): tiles use short names."""
    label = tile_label(key, lang)  # type: ignore[arg-type]
    assert label != f"tile.label.{key}", f"no tile label for {key} in {lang}"
    assert len(label) <= TILE_LABEL_CHARS, label


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_full_name_heads_the_help(lang: str) -> None:
    now = Estimate(0.5, 0.4, 0.6, 0.05, 400)
    text = help_text(Tile("response_rate", now, now, Difference(0, 0, 0, 0, float("nan"))), lang)  # type: ignore[arg-type]
    assert text.startswith(f"**{t('kpi.response_rate', lang)}**")  # type: ignore[arg-type]


def _real(estimate: float, half: float) -> Difference:
    return Difference(estimate, estimate - half, estimate + half, half / 1.96, 0.001)


@pytest.mark.parametrize(
    ("kpi", "change", "meaningful", "lang", "delta"),
    [
        # The case: a 2-second rise in speed of answer is real but small.
        ("asa", _real(2.1, 0.5), 5.0, "en", "+0:02 · small (< 0:05)"),
        ("asa", _real(2.1, 0.5), 5.0, "es", "+0:02 · pequeño (< 0:05)"),
        # Whole seconds would read "+0:05 ... (< 0:05)": a decimal keeps them apart.
        # (Beside a rate's change, its minimum has no "pp": it did not fit in a tile.)
        ("asa", _real(4.6, 0.5), 5.0, "en", "+0:04.6 · small (< 0:05.0)"),
        ("abandonment", _real(0.6, 0.3), 1.0, "es", "+0,6 p.p. · pequeño (< 1,0)"),
        ("nps", _real(-2.4, 1.0), 3.0, "en", "-2.4 · small (< 3.0)"),
        ("asa", _real(8.0, 0.5), 5.0, "en", "+0:08"),  # meaningful: the bare change
        ("asa", Difference(1.0, -0.5, 2.5, 0.8, 0.2), 5.0, "en", "+0:01 · no real change"),
    ],
)  # fmt: skip
def test_the_delta_says_whether_a_real_change_is_small(
    kpi: str, change: Difference, meaningful: float, lang: str, delta: str
) -> None:
    now = Estimate(30.0, 29.0, 31.0, 0.5, 400)
    assert change_text(Tile(kpi, now, now, change, meaningful=meaningful), lang) == delta  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("meaningful", "lang", "says"),
    [
        (5.0, "en", "A change counts as meaningful when it is 0:05 or more, up or down"),
        (5.0, "es", "Un cambio cuenta como relevante cuando es de 0:05 o más"),
        (0.0, "en", "Every real change counts as meaningful here"),
    ],
)
def test_the_help_states_the_minimum(meaningful: float, lang: str, says: str) -> None:
    now = Estimate(30.0, 29.0, 31.0, 0.5, 400)
    tile = Tile("asa", now, now, _real(2.1, 0.5), meaningful=meaningful)
    text = help_text(tile, lang)  # type: ignore[arg-type]
    assert says in text
    small = {"en": "This change is real, but smaller than that.", "es": "Este cambio es real, pero menor que eso."}  # fmt: skip
    assert (small[lang] in text) == (meaningful > 2.1)
