"""Registry: create, edit and delete process changes (name, dates, scope, owner), their
type (a process change, or a change to the survey itself) and roll-out schedule."""

import datetime as dt

import polars as pl
import streamlit as st

from analytics.changes import design, registry, report
from analytics.changes.cells import SCOPE_DIMS
from analytics.changes.registry import (
    KINDS,
    ROLLOUT_DIMENSIONS,
    SCOPE_FIELDS,
    SURVEY_CHANNELS,
    Change,
)
from analytics.i18n import day, t
from ui import auth, cache, context, tables, url
from ui.markdown import markdown_escape
from ui.tables import Col

ctx = context.current()
lang = ctx.lang
date_format = "DD/MM/YYYY" if lang == "es" else "YYYY-MM-DD"
st.title(t("registry.title", lang))
st.caption(t("registry.intro", lang))

flash = st.session_state.pop("registry_flash", None)
if flash is not None:
    st.success(t(flash[0], lang, name=markdown_escape(flash[1])), icon=":material/check_circle:")

changes = cache.change_list(ctx.version)
if changes.is_empty():
    st.info(t("registry.empty", lang))
else:
    label = {c: t(f"registry.col.{c}", lang) for c in (*report.REGISTRY_COLUMNS, "kind")}
    columns = tables.texts(label) | {c: Col(label[c], "day") for c in ("start", "end")}
    kinds = [t(f"registry.kind.{k}", lang) for k in changes["kind"]]
    listed = report.registry_table(changes, lang).with_columns(kind=pl.Series(kinds))
    tables.show(listed, columns, lang, width="stretch")

names = {
    str(r["change_id"]): f"{r['name']} · {day(r['started_on'], lang)}"
    for r in changes.iter_rows(named=True)
}
pick = url.choice(
    st.selectbox,
    t("registry.pick", lang),
    ("new", *names),
    "edit",
    lambda i: t("registry.new", lang) if i == "new" else names[i],
)
current = None if pick == "new" else cache.change_by_id(ctx.version, int(pick))
bounds = cache.data_range(ctx.version)
weeks = design.DEFAULT_WEEKS
proposed, why = registry.default_start(bounds, weeks, dt.date.today())


def rollout_frame(change: Change | None) -> pl.DataFrame:
    """The schedule as the editor's rows (an empty table to add rows to)."""
    rows = list(change.rollout) if change else []
    schema = {"dimension": pl.String, "unit": pl.String, "started_on": pl.Date}
    return pl.DataFrame(rows, schema=schema, orient="row")


def reopen(key: str, name: str, edit: str | None) -> None:
    """After a write: clear cached aggregates, say what happened, select ``edit``."""
    st.cache_data.clear()
    st.session_state["registry_flash"] = (key, name)
    del st.session_state["edit"]  # re-seeded from the URL on the next run
    if edit is None:
        st.query_params.pop("edit", None)
    else:
        st.query_params["edit"] = edit
    st.rerun()


with st.form(f"change_form_{pick}"):
    name = st.text_input(t("registry.name", lang), current.name if current else "", max_chars=120)
    description = st.text_area(
        t("registry.description", lang), current.description if current else "", height=80
    )
    left, right, owner_col = st.columns(3)
    start = left.date_input(
        t("registry.start", lang),
        current.started_on if current else proposed,
        format=date_format,
    )
    end = right.date_input(
        t("registry.end", lang), current.ended_on if current else None, format=date_format
    )
    owner = owner_col.text_input(t("registry.owner", lang), current.owner if current else "")
    if current is None:  # why this date, so the proposal is not taken for the real one
        first, last = bounds or (proposed, proposed)
        dates = {"start": day(proposed, lang), "first": day(first, lang), "last": day(last, lang)}
        st.caption(t(why, lang, weeks=weeks, **dates))
    st.markdown(t("registry.scope", lang))
    scope = {}
    columns = [c for _ in range(2) for c in st.columns(len(SCOPE_FIELDS) // 2)]
    for col, field in zip(columns, SCOPE_FIELDS, strict=True):
        chosen = getattr(current, field) if current else ()
        options = sorted({*cache.dimension_values(ctx.version, SCOPE_DIMS[field]), *chosen})
        scope[field] = tuple(
            col.multiselect(
                t(f"registry.field.{field}", lang),
                options,
                default=list(chosen),
                placeholder=t("registry.scope.any", lang),
            )
        )
    st.caption(t("registry.scope_help", lang))
    kind = st.radio(
        t("registry.kind", lang),
        KINDS,
        index=KINDS.index(current.kind) if current else 0,
        format_func=lambda k: t(f"registry.kind.{k}", lang),
        horizontal=True,
        help=t("registry.kind_help", lang),
    )
    stored = cache.survey_channel_values(ctx.version)
    known = sorted({*SURVEY_CHANNELS, *stored, *(current.instruments if current else ())})
    instruments = st.multiselect(
        t("registry.instruments", lang),
        known,
        default=list(current.instruments) if current else [],
        format_func=lambda c: (
            t(f"survey_channel.{c}", lang) if c in SURVEY_CHANNELS else markdown_escape(c)
        ),
        help=t("registry.instruments_help", lang),
        placeholder=t("registry.instruments_placeholder", lang),
    )
    st.markdown(t("registry.rollout", lang))
    schedule = st.data_editor(
        rollout_frame(current),
        num_rows="dynamic",
        width="stretch",
        key=f"rollout_{pick}",
        column_config={
            "dimension": st.column_config.SelectboxColumn(
                t("registry.rollout.dimension", lang),
                options=list(ROLLOUT_DIMENSIONS),
                format_func=lambda d: t(f"dim.{d}", lang),
            ),
            "unit": st.column_config.TextColumn(t("registry.rollout.unit", lang)),
            "started_on": st.column_config.DateColumn(
                t("registry.rollout.started_on", lang), format=date_format
            ),
        },
    )
    st.caption(t("registry.rollout_help", lang))
    saved = st.form_submit_button(
        t("registry.save", lang), type="primary", disabled=not auth.needs("registry", lang)
    )

if saved and not isinstance(start, dt.date):
    st.error(t("registry.error.start", lang))
elif saved:
    edited = schedule if isinstance(schedule, pl.DataFrame) else pl.DataFrame(schedule)
    steps, incomplete = registry.rollout_from_rows(edited.to_dicts())
    change = Change(
        name,
        start,
        description,
        end,
        owner=owner,
        kind=kind,
        instruments=tuple(instruments) if kind == "survey_design" else (),
        rollout=steps,
        change_id=current.change_id if current else None,
        **scope,
    )
    problems = change.problems() + (["registry.error.rollout_incomplete"] if incomplete else [])
    for problem in problems:
        st.error(t(problem, lang))
    if not problems:
        cid = registry.save_change(cache.store(), change)
        reopen("registry.saved", change.name.strip(), str(cid))

if current is not None and current.change_id is not None:
    st.page_link(
        "views/change_analysis.py",
        label=t("registry.analyse", lang),
        icon=":material/science:",
        query_params={"change": str(current.change_id)},
    )
    with st.popover(t("registry.delete", lang), icon=":material/delete:"):
        st.warning(t("registry.delete_confirm", lang, name=markdown_escape(current.name)))
        allowed = auth.needs("registry", lang)
        if st.button(
            t("registry.delete_yes", lang),
            type="primary",
            key="delete_change",
            disabled=not allowed,
        ):
            registry.delete_change(cache.store(), current.change_id)
            reopen("registry.deleted", current.name, None)
