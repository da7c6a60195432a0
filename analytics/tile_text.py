"""A KPI tile in words: its short name, its change and what the change is, its help.

Pure formatting of :class:`analytics.overview.Tile` results, shared by the overview's
tiles (``ui/tiles.py`` draws them with st.metric) and the weekly review report
(:mod:`analytics.weekly`), so that both say a change in the same words: "+0:02 ·
small (< 0:05)", "no real change".
"""

from __future__ import annotations

import math

from analytics import kpis
from analytics.changes.formatting import DECIMALS, decimals
from analytics.changes.formatting import change_text as changes_in_unit
from analytics.changes.verdicts import p_value
from analytics.i18n import Lang, kpi_value, number, t
from analytics.overview import Tile


def tile_label(key: str, lang: Lang) -> str:
    """The KPI's short name for a tile (the full name heads the tile's help)."""
    return t(f"tile.label.{key}", lang)


def change_text(tile: Tile, lang: Lang) -> str:
    """The tile's delta and what it is, as one line: "+0:02 · small (< 0:05)"."""
    delta, qualifier = change_parts(tile, lang)
    return f"{delta} · {qualifier}" if qualifier else delta


def change_parts(tile: Tile, lang: Lang) -> tuple[str, str]:
    """The change in the KPI's unit (rates in percentage points), and what it is: ""
    for a real and meaningful change, "small (< 0:05)" for a real one below the
    minimum (both with the decimals that keep them apart), or "no real change"."""
    places = decimals(tile.kpi, tile.change.estimate, mde=tile.meaningful)
    delta = changes_in_unit(tile.kpi, tile.change.estimate, lang, places)
    if tile.practical == "small":  # the unit is the delta's, beside it: "-1.7 pp  small (< 2.0)"
        minimum = meaningful_text(tile.kpi, tile.meaningful, lang, places, unit=False)
        return delta, t("meaningful.tile.small", lang, meaningful=minimum)
    if tile.practical == "none":
        return delta, t("tile.no_change", lang)
    return delta, ""


def meaningful_text(
    key: str, value: float, lang: Lang, places: int | None = None, unit: bool = True
) -> str:
    """A minimum meaningful change in the KPI's unit, unsigned: 0:05, 2.0 pp, 3.0
    (without "pp" when not ``unit``)."""
    if not unit and kpis.get(key).unit == "percent":
        return number(value, lang, DECIMALS["percent"] if places is None else places)
    return changes_in_unit(key, value, lang, places, sign=False)


def practical_help(tile: Tile, lang: Lang) -> str:
    """The minimum meaningful change, and what it made of this tile's change."""
    if math.isnan(tile.meaningful):
        return ""
    if tile.meaningful == 0:
        return t("meaningful.help.zero", lang)
    minimum = meaningful_text(tile.kpi, tile.meaningful, lang)
    text = t("meaningful.help", lang, meaningful=minimum)
    if tile.practical == "small":
        text += " " + t("meaningful.help.small", lang)
    return text


def interval_text(tile: Tile, lang: Lang) -> str:
    """ "95% CI 41.2 to 47.9 · n = 812" """
    unit, cur = kpis.get(tile.kpi).unit, tile.current
    low, high = kpi_value(unit, cur.low, lang), kpi_value(unit, cur.high, lang)
    return t("tile.value_ci", lang, low=low, high=high, n=number(cur.n, lang, 0))


def change_help(tile: Tile, lang: Lang) -> str:
    """The change with its interval and p-value; "" when no change can be computed."""
    ch = tile.change
    if math.isnan(ch.p):
        return ""
    # The change and its interval in one unit (m:ss for durations, not m:ss and
    # seconds), with the decimals that keep a bound near zero from reading as zero.
    places = decimals(tile.kpi, ch.estimate, ch.low, ch.high)
    change, low, high = (
        changes_in_unit(tile.kpi, v, lang, places) for v in (ch.estimate, ch.low, ch.high)
    )
    return t("tile.change_help", lang, change=change, low=low, high=high, p=p_value(ch.p, lang))


def help_text(tile: Tile, lang: Lang) -> str:
    parts = [
        f"**{t(f'kpi.{tile.kpi}', lang)}**: {t(f'kpi.{tile.kpi}.help', lang)}",
        interval_text(tile, lang),
        change_help(tile, lang),
        practical_help(tile, lang),
    ]
    if tile.current.low_sample:
        parts.append(t("tile.low_sample", lang))
    return "\n\n".join(part for part in parts if part)
