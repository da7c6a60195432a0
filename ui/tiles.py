"""Rendering of KPI tiles (st.metric) from analytics' Tile results."""

from __future__ import annotations

import math

import streamlit as st

from analytics import kpis
from analytics.changes.formatting import DECIMALS, decimals
from analytics.changes.formatting import change_text as changes_in_unit
from analytics.changes.verdicts import p_value
from analytics.i18n import Lang, kpi_value, number, t
from analytics.overview import Tile

#: A quarter-width tile cuts its label after about this many characters.
TILE_LABEL_CHARS = 24


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


def help_text(tile: Tile, lang: Lang) -> str:
    unit = kpis.get(tile.kpi).unit
    cur, ch = tile.current, tile.change
    parts = [
        f"**{t(f'kpi.{tile.kpi}', lang)}**: {t(f'kpi.{tile.kpi}.help', lang)}",
        t(
            "tile.value_ci",
            lang,
            low=kpi_value(unit, cur.low, lang),
            high=kpi_value(unit, cur.high, lang),
            n=number(cur.n, lang, 0),
        ),
    ]
    if not math.isnan(ch.p):
        # The change and its interval in one unit (m:ss for durations, not m:ss and
        # seconds), with the decimals that keep a bound near zero from reading as zero.
        places = decimals(tile.kpi, ch.estimate, ch.low, ch.high)
        change, low, high = (
            changes_in_unit(tile.kpi, v, lang, places) for v in (ch.estimate, ch.low, ch.high)
        )
        p = p_value(ch.p, lang)
        parts.append(t("tile.change_help", lang, change=change, low=low, high=high, p=p))
    parts.append(practical_help(tile, lang))
    if cur.low_sample:
        parts.append(t("tile.low_sample", lang))
    return "\n\n".join(part for part in parts if part)


def render(tile: Tile, lang: Lang, spark: list[float] | None = None) -> None:
    if tile.reason is not None:
        not_measured(tile.kpi, tile.reason, lang)
        return
    kpi = kpis.get(tile.kpi)
    label = tile_label(tile.kpi, lang)
    if tile.current.low_sample:  # explained in the help: fewer than 30 answers
        label += " :material/warning:"
    # What the change is goes beside it, in small type: inside the delta, "(< 2.0 pp)"
    # was cut off in a quarter-width tile.
    delta, qualifier = (None, "") if math.isnan(tile.change.p) else change_parts(tile, lang)
    # Colour (good or bad) only for a real and meaningful change; a real but small one
    # keeps its grey arrow, so its direction shows without an alarm.
    alarm = tile.practical == "meaningful"
    st.metric(
        label,
        kpi_value(kpi.unit, tile.current.value, lang),
        delta,
        delta_description=qualifier or None,
        delta_color=("normal" if kpi.higher_is_better else "inverse") if alarm else "off",
        delta_arrow="off" if tile.practical == "none" else "auto",
        help=help_text(tile, lang),
        border=True,
        chart_data=spark,
        chart_type="line",
    )


def not_measured(key: str, reason: kpis.Reason, lang: Lang) -> None:
    """A KPI without a value this period: "Not measured" and why, never 0; no
    sparkline, no change and no significance claim (there is nothing to compare).

    A bordered box like st.metric's, not st.metric: its large value font would cut
    "Not measured" to "Not meas..." in a quarter-width column.
    """
    with st.container(border=True):
        full = f"**{t(f'kpi.{key}', lang)}**: {t(f'kpi.{key}.help', lang)}"
        st.markdown(tile_label(key, lang), help=full)
        st.markdown(f":material/block: **{t('kpi.not_measured', lang)}**")
        st.caption(kpis.reason_text(key, reason, lang))
