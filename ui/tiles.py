"""Rendering of KPI tiles (st.metric) from analytics' Tile results."""

from __future__ import annotations

import contextlib
import math

import streamlit as st

from analytics import kpis, targets
from analytics.i18n import Lang, kpi_value, t
from analytics.overview import Tile
from analytics.targets import Gap

# The words of a tile are analytics' (the weekly review report says them too).
from analytics.tile_text import (  # noqa: F401 (re-exported: pages and tests use them here)
    change_parts,
    change_text,
    help_text,
    meaningful_text,
    practical_help,
    tile_label,
)

#: A quarter-width tile cuts its label after about this many characters.
TILE_LABEL_CHARS = 24


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
    gap = tile.gap
    help_parts = (help_text(tile, lang), targets.help_text(tile.kpi, gap, lang))
    # With a target, its line goes under the value, inside the tile's one border.
    with st.container(border=True) if gap is not None else contextlib.nullcontext():
        st.metric(
            label,
            kpi_value(kpi.unit, tile.current.value, lang),
            delta,
            delta_description=qualifier or None,
            delta_color=("normal" if kpi.higher_is_better else "inverse") if alarm else "off",
            delta_arrow="off" if tile.practical == "none" else "auto",
            help="\n\n".join(part for part in help_parts if part),
            border=gap is None,
            chart_data=spark,
            chart_type="line",
        )
        if gap is not None:
            st.caption(target_line(tile.kpi, gap, lang))


def target_line(key: str, gap: Gap, lang: Lang) -> str:
    """The gap to target, coloured (good or bad) only when the whole 95% interval is on
    that side of the target: a gap inside the noise stays grey, as a small change does."""
    text = targets.gap_text(key, gap, lang)
    if not gap.sure:
        return text
    colour, icon = ("green", "check_circle") if gap.meets else ("red", "error")
    return f":{colour}[:material/{icon}: {text}]"


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
