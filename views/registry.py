"""Registry: create, edit and delete process changes (name, dates, scope, owner)."""

import datetime as dt

import streamlit as st

from analytics.changes import design, registry, report
from analytics.changes.cells import SCOPE_DIMS
from analytics.changes.registry import SCOPE_FIELDS, Change
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
    label = {c: t(f"registry.col.{c}", lang) for c in report.REGISTRY_COLUMNS}
    columns = tables.texts(label) | {c: Col(label[c], "day") for c in ("start", "end")}
    tables.show(report.registry_table(changes, lang), columns, lang, width="stretch")

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
    saved = st.form_submit_button(
        t("registry.save", lang), type="primary", disabled=not auth.needs("registry", lang)
    )

if saved and not isinstance(start, dt.date):
    st.error(t("registry.error.start", lang))
elif saved:
    change = Change(
        name,
        start,
        description,
        end,
        owner=owner,
        change_id=current.change_id if current else None,
        **scope,
    )
    problems = change.problems()
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
