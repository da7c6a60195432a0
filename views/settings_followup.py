"""Settings page, Follow-up tab (not a page: ``views/settings.py`` imports it): the
follow-up deadlines in business days, and the public holidays those days skip.

The environment variables (``PULSO_FOLLOWUP_DAYS``, ``PULSO_FOLLOWUP_PASSIVE_DAYS``)
are the defaults, shown as such; a saved value replaces them until "Back to the
defaults". Holidays are per region (the call's region), or for every region; a
country's public holidays are imported from the maintained ``holidays`` package rather
than typed by hand. Every value is checked in the engine (:mod:`analytics.feedback.
followup`): a wrong one is said in the reader's language and nothing is saved. Due
dates are set when an item is created: existing items keep theirs, and the page says so.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics import settings
from analytics.feedback import followup
from analytics.feedback.region_holidays import EVERY_REGION, Holiday
from analytics.i18n import Lang, number, t
from analytics.settings import Invalid
from ui import cache, tables
from ui.context import Context
from ui.tables import Col

FLASH = "followup_settings_flash"
PREFIX = "followup_settings_"


def render(ctx: Context) -> None:
    lang = ctx.lang
    if flash := st.session_state.pop(FLASH, None):
        st.success(flash, icon=":material/check_circle:")
    st.info(t("followup.settings.existing", lang), icon=":material/info:")
    _deadlines(lang)
    st.divider()
    _holidays(ctx)


def _deadlines(lang: Lang) -> None:
    st.subheader(t("followup.settings.deadlines", lang))
    env = followup.Policy.from_env()
    current = cache.followup_policy()
    saved = settings.get(cache.store(), followup.SETTING) is not None
    default_passive = (
        t("followup.settings.passive_off", lang)
        if env.passive_days is None
        else t("followup.settings.days", lang, days=env.passive_days)
    )
    st.caption(
        t(
            "followup.settings.defaults",
            lang,
            days=env.detractor_days,
            passive=default_passive,
        )
        + " "
        + t("followup.settings.saved" if saved else "followup.settings.unsaved", lang)
    )
    most = followup.MOST_DAYS
    with st.form(PREFIX + "deadlines"):
        left, right = st.columns(2)
        detractor = left.number_input(
            t("followup.settings.detractor_days", lang),
            value=current.detractor_days,
            step=1,
            help=t("followup.settings.days_help", lang, most=most, default=env.detractor_days),
            key=PREFIX + "detractor",
        )
        passive_on = right.toggle(
            t("followup.settings.passive_on", lang),
            value=current.passive_days is not None,
            help=t("followup.settings.passive_help", lang),
            key=PREFIX + "passive_on",
        )
        passive = right.number_input(
            t("followup.settings.passive_days", lang),
            value=current.passive_days or env.passive_days or 5,
            step=1,
            key=PREFIX + "passive",
        )
        with st.container(horizontal=True):
            save = st.form_submit_button(
                t("followup.settings.save", lang), icon=":material/save:", key=PREFIX + "save"
            )
            reset = st.form_submit_button(
                t("followup.settings.reset", lang),
                icon=":material/restart_alt:",
                key=PREFIX + "reset",
            )
    if save:
        try:
            policy = followup.check_policy(detractor, passive if passive_on else None)
            followup.save_policy(cache.store(), policy)
        except Invalid as exc:
            st.error(exc.text(lang), icon=":material/error:")
            return
        _done(t("followup.settings.policy_saved", lang), PREFIX + "detractor", PREFIX + "passive")
    if reset:
        followup.reset_policy(cache.store())
        keys = (PREFIX + "detractor", PREFIX + "passive_on", PREFIX + "passive")
        _done(t("followup.settings.policy_reset", lang), *keys)


def _holidays(ctx: Context) -> None:
    lang = ctx.lang
    st.subheader(t("followup.settings.holidays", lang))
    st.caption(t("followup.settings.holidays_intro", lang))
    found = cache.holidays()
    regions = [EVERY_REGION, *cache.dimension_values(ctx.version, "region")]
    if found:
        _holiday_table(found, lang)
    else:
        st.info(t("followup.settings.no_holidays", lang), icon=":material/event_busy:")
    add, country = st.columns(2)
    with add:
        _add_one(lang, regions)
    with country:
        _import(lang, regions)


def _region_name(region: str, lang: Lang) -> str:
    return t("followup.settings.every_region", lang) if region == EVERY_REGION else region


def _holiday_table(found: list[Holiday], lang: Lang) -> None:
    frame = pl.DataFrame(
        {
            "day": [h.day for h in found],
            "region": [_region_name(h.region, lang) for h in found],
            "name": [h.name for h in found],
        },
        schema={"day": pl.Date, "region": pl.String, "name": pl.String},
    )
    columns = {
        "day": Col(t("followup.settings.col.day", lang), "day"),
        "region": Col(t("followup.settings.col.region", lang)),
        "name": Col(t("followup.settings.col.name", lang), width="large"),
    }
    event = tables.show(
        frame,
        columns,
        lang,
        width="stretch",
        height=min(36 * (len(found) + 1) + 3, 360),
        on_select="rerun",
        selection_mode="multi-row",
        key=PREFIX + "table",
    )
    picked = [found[i] for i in event.selection.rows] if event is not None else []
    st.caption(t("followup.settings.select_to_delete", lang))
    if picked and st.button(
        t("followup.settings.delete", lang, count=number(len(picked), lang, 0)),
        icon=":material/delete:",
        key=PREFIX + "delete",
    ):
        for h in picked:
            followup.delete_holiday(cache.store(), h.day, h.region)
        gone = t("followup.settings.deleted", lang, count=number(len(picked), lang, 0))
        _done(gone, PREFIX + "table")


def _add_one(lang: Lang, regions: list[str]) -> None:
    with st.form(PREFIX + "add", border=True):
        st.markdown(f"**{t('followup.settings.add', lang)}**")
        day = st.date_input(
            t("followup.settings.col.day", lang),
            value=None,
            format="DD/MM/YYYY" if lang == "es" else "YYYY-MM-DD",
            key=PREFIX + "add_day",
        )
        region = st.selectbox(
            t("followup.settings.col.region", lang),
            regions,
            format_func=lambda r: _region_name(r, lang),
            accept_new_options=True,
            key=PREFIX + "add_region",
        )
        name = st.text_input(t("followup.settings.col.name", lang), key=PREFIX + "add_name")
        if st.form_submit_button(t("followup.settings.add_submit", lang), icon=":material/add:"):
            if not isinstance(day, dt.date):
                st.error(t("followup.error.holiday_day", lang), icon=":material/error:")
                return
            try:
                followup.add_holiday(cache.store(), Holiday(day, region or "", name))
            except Invalid as exc:
                st.error(exc.text(lang), icon=":material/error:")
                return
            _done(t("followup.settings.added", lang), PREFIX + "add_day", PREFIX + "add_name")


def _import(lang: Lang, regions: list[str]) -> None:
    """A country's public holidays for a year (and a subdivision's: a Spanish region's,
    a US state's), from the ``holidays`` package."""
    with st.container(border=True):
        st.markdown(f"**{t('followup.settings.import', lang)}**")
        known = followup.countries()
        codes = list(known)
        country = st.selectbox(
            t("followup.settings.country", lang),
            codes,
            index=None,
            format_func=lambda c: f"{c} · {known[c][0]}",
            placeholder=t("followup.settings.country_placeholder", lang),
            key=PREFIX + "country",
        )
        subdivisions = known[country][1] if country else []
        subdivision = st.selectbox(
            t("followup.settings.subdivision", lang),
            [None, *subdivisions],
            format_func=lambda s: t("followup.settings.whole_country", lang) if s is None else s,
            disabled=not subdivisions,
            key=f"{PREFIX}subdivision_{country}",
        )
        left, right = st.columns(2)
        year = left.number_input(
            t("followup.settings.year", lang),
            value=dt.date.today().year,
            step=1,
            format="%d",
            key=PREFIX + "year",
        )
        region = right.selectbox(
            t("followup.settings.for_region", lang),
            regions,
            format_func=lambda r: _region_name(r, lang),
            accept_new_options=True,
            key=PREFIX + "import_region",
        )
        if st.button(
            t("followup.settings.import_submit", lang),
            icon=":material/download:",
            key=PREFIX + "import_submit",
            disabled=country is None,
        ):
            try:
                added = followup.import_holidays(
                    cache.store(), country or "", int(year), subdivision, region or "", lang
                )
            except Invalid as exc:
                st.error(exc.text(lang), icon=":material/error:")
                return
            count = number(added, lang, 0)
            _done(t("followup.settings.imported", lang, count=count, year=str(int(year))))


def _done(flash: str, *keys: str) -> None:
    """Say what was done on the next run, with the named fields back to their start."""
    for key in keys:
        st.session_state.pop(key, None)
    st.session_state[FLASH] = flash
    st.rerun()
