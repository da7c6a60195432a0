"""The editor of what counts as a meaningful change (``analytics.thresholds``).

A form of one slider per KPI, each value in the KPI's unit and the reader's language,
saved to the store. Saving and resetting run as the buttons' callbacks, before the
page script, so the tiles above the form already use the new minimums on that run.
"""

from __future__ import annotations

import streamlit as st

from analytics import kpis, thresholds
from analytics.i18n import Lang, t
from ui import cache
from ui.tiles import meaningful_text, tile_label

PREFIX = "meaningful_"
FLASH = "meaningful_flash"  # what the last save or reset did, said once


def editor(lang: Lang, current: dict[str, float]) -> None:
    """A collapsed section under the tiles: the minimums, Save and Back to defaults."""
    with st.expander(t("meaningful.title", lang), icon=":material/tune:"):
        st.caption(t("meaningful.intro", lang))
        if flash := st.session_state.pop(FLASH, None):
            st.success(t(flash, lang), icon=":material/check_circle:")
        with st.form("meaningful_form", border=False):
            keys = tuple(kpis.BY_KEY)
            for row_start in range(0, len(keys), 4):
                for col, key in zip(st.columns(4), keys[row_start : row_start + 4], strict=False):
                    with col:
                        _slider(key, current[key], lang)
            with st.container(horizontal=True):
                st.form_submit_button(
                    t("meaningful.save", lang),
                    icon=":material/save:",
                    on_click=_save,
                    key="meaningful_save",
                )
                st.form_submit_button(
                    t("meaningful.reset", lang),
                    icon=":material/restart_alt:",
                    on_click=_reset,
                    key="meaningful_reset",
                )
        _customised(lang, current)


def _slider(key: str, value: float, lang: Lang) -> None:
    default = meaningful_text(key, thresholds.DEFAULTS[key], lang)
    st.select_slider(
        tile_label(key, lang),
        thresholds.choices(key, value),
        value=value,
        format_func=lambda v: meaningful_text(key, v, lang),
        key=PREFIX + key,
        help=t(
            "meaningful.slider_help", lang, default=default, why=t(f"meaningful.why.{key}", lang)
        ),
    )


def _customised(lang: Lang, current: dict[str, float]) -> None:
    changed = [k for k in kpis.BY_KEY if current[k] != thresholds.DEFAULTS[k]]
    if changed:
        names = ", ".join(tile_label(k, lang) for k in changed)
        st.caption(t("meaningful.customised", lang, kpis=names))


def _save() -> None:
    values = {
        k: st.session_state[PREFIX + k] for k in kpis.BY_KEY if PREFIX + k in st.session_state
    }
    thresholds.save(cache.store(), values)
    st.session_state[FLASH] = "meaningful.saved"


def _reset() -> None:
    thresholds.reset(cache.store())
    for key in kpis.BY_KEY:  # the sliders start again from the defaults
        st.session_state.pop(PREFIX + key, None)
    st.session_state[FLASH] = "meaningful.was_reset"
