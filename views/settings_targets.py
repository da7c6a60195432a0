"""Settings page, Targets tab (not a page: ``views/settings.py`` imports it): the
targets per KPI, for the whole center or one segment, each from a date on.

A manager sees every target in one table (KPI, scope, value in the KPI's unit, from
when), then picks one to edit or delete, or "New target". The fields are plain widgets
rather than a form: the segment's choices follow the dimension picked. Saving checks
the values in the engine (:func:`analytics.targets.check`): a wrong one is said in the
reader's language and nothing is saved.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from analytics import dimensions, kpis, targets
from analytics.i18n import Lang, day, number, t
from analytics.settings import Invalid
from analytics.targets import Target
from ui import cache, tables
from ui.context import Context
from ui.tables import Col

NEW = 0  # the editor's "New target" choice (stored ids start at 1)
FLASH = "targets_flash"
PREFIX = "target_"


def render(ctx: Context) -> None:
    lang = ctx.lang
    st.caption(t("targets.settings.intro", lang))
    if flash := st.session_state.pop(FLASH, None):
        st.success(t(flash, lang), icon=":material/check_circle:")
    found = cache.targets()
    if found:
        _listing(found, lang)
    else:
        st.info(t("targets.settings.none", lang), icon=":material/flag:")
    _editor(ctx, {x.target_id: x for x in found if x.target_id is not None})


def _listing(found: tuple[Target, ...], lang: Lang) -> None:
    frame = pl.DataFrame(
        {
            "target_id": [x.target_id for x in found],
            "kpi": [t(f"kpi.{x.kpi}", lang) for x in found],
            "scope": [_scope(x, lang) for x in found],
            "target": [targets.target_text(x.kpi, x.target, lang) for x in found],
            "valid_from": [x.valid_from for x in found],
        },
        schema={
            "target_id": pl.Int64,
            "kpi": pl.String,
            "scope": pl.String,
            "target": pl.String,
            "valid_from": pl.Date,
        },
    )
    columns = {
        "target_id": Col("#", "id", width="small"),
        "kpi": Col(t("targets.col.kpi", lang)),
        "scope": Col(t("targets.col.scope", lang)),
        "target": Col(t("targets.col.target", lang)),
        "valid_from": Col(t("targets.col.valid_from", lang), "day"),
    }
    tables.show(frame, columns, lang, width="stretch")


def _scope(target: Target, lang: Lang) -> str:
    if target.dimension is not None and dimensions.get(target.dimension).coded:
        coded = f"{dimensions.get(target.dimension).label}.{target.segment}"
        return f"{t(f'dim.{target.dimension}', lang)}: {t(coded, lang)}"
    return targets.scope_text(target, lang)


def _editor(ctx: Context, by_id: dict[int, Target]) -> None:
    lang = ctx.lang
    st.subheader(t("targets.settings.edit", lang))
    chosen: int = st.selectbox(
        t("targets.settings.pick", lang),
        [NEW, *by_id],
        format_func=lambda i: (
            t("targets.settings.new", lang) if i == NEW else _label(by_id[i], lang)
        ),
        key=PREFIX + "pick",
    )
    current = by_id.get(chosen)
    key = f"{PREFIX}{chosen}_"  # the fields start again from the target picked
    left, right = st.columns(2)
    kpi: str = left.selectbox(
        t("targets.col.kpi", lang),
        list(kpis.BY_KEY),
        index=list(kpis.BY_KEY).index(current.kpi) if current else 0,
        format_func=lambda k: t(f"kpi.{k}", lang),
        key=key + "kpi",
    )
    source = kpis.get(kpi).source
    offered = [None, *(d.name for d in dimensions.CATALOG if d.applies_to(source))]
    dimension: str | None = right.selectbox(
        t("targets.col.scope", lang),
        offered,
        index=offered.index(current.dimension) if current and current.dimension in offered else 0,
        format_func=lambda d: t("targets.scope.center", lang) if d is None else t(f"dim.{d}", lang),
        key=key + "dimension",
    )
    segment = _segment(ctx, dimension, current, key, right)
    unit = kpis.get(kpi).unit
    low, high = targets.bounds(kpi)
    value = left.number_input(
        t(f"targets.settings.value.{unit}", lang),
        value=float(current.target) if current else None,
        step=1.0 if unit in ("points", "seconds") else 0.1 if unit == "percent" else 0.05,
        format="%.2f" if unit == "score" else "%.1f",
        help=t(
            "targets.settings.value_help",
            lang,
            low=number(low, lang, 0),
            high=number(high, lang, 0),
        ),
        key=key + "value",
    )
    since = left.date_input(
        t("targets.col.valid_from", lang),
        value=current.valid_from if current else dt.date.today().replace(day=1),
        format="DD/MM/YYYY" if lang == "es" else "YYYY-MM-DD",
        help=t("targets.settings.valid_from_help", lang),
        key=key + "since",
    )
    with st.container(horizontal=True):
        save = st.button(
            t("targets.settings.save", lang), icon=":material/save:", key=PREFIX + "save"
        )
        delete = current is not None and st.button(
            t("targets.settings.delete", lang), icon=":material/delete:", key=PREFIX + "delete"
        )
    if save:
        if value is None:
            st.error(t("targets.error.number", lang), icon=":material/error:")
            return
        wanted = Target(kpi, value, since, dimension, segment, current and current.target_id)
        try:
            targets.save(cache.store(), wanted)
        except Invalid as exc:
            st.error(exc.text(lang), icon=":material/error:")
            return
        _done("targets.settings.saved", key)
    if delete and current is not None and current.target_id is not None:
        targets.delete(cache.store(), current.target_id)
        st.session_state.pop(PREFIX + "pick", None)
        _done("targets.settings.deleted", key)


def _segment(
    ctx: Context, dimension: str | None, current: Target | None, key: str, where: DeltaGenerator
) -> str | None:
    """The value of the dimension the target is for: one the data holds, or a new one
    typed in (a region that opens next month)."""
    if dimension is None:
        return None
    dim = dimensions.get(dimension)
    values = cache.dimension_values(ctx.version, dimension)
    if current is not None and current.segment and current.segment not in values:
        values = [*values, current.segment]
    picked = current.segment if current and current.dimension == dimension else None
    lang = ctx.lang
    choice: str | None = where.selectbox(
        t("targets.col.segment", lang),
        values,
        index=values.index(picked) if picked in values else None,
        format_func=(lambda v: t(f"{dim.label}.{v}", lang)) if dim.coded else str,
        accept_new_options=not dim.coded,
        placeholder=t("targets.settings.segment_placeholder", lang),
        key=f"{key}segment_{dimension}",
    )
    return choice


def _label(target: Target, lang: Lang) -> str:
    value = targets.target_text(target.kpi, target.target, lang)
    kpi = t(f"tile.label.{target.kpi}", lang)
    since = day(target.valid_from, lang)
    return f"#{target.target_id} · {kpi} · {_scope(target, lang)} · {value} · {since}"


def _done(flash: str, key: str) -> None:
    """Say what was done on the next run, with the fields empty again."""
    for name in [k for k in st.session_state if str(k).startswith(key)]:
        del st.session_state[name]
    st.session_state[FLASH] = flash
    st.rerun()
