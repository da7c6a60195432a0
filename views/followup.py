"""Follow-up: the detractor work queue, actions on an item, compliance and recovery.

The sidebar's period and dimensions apply: items of the responses in the period,
from calls with the chosen values.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

import polars as pl
import streamlit as st

from analytics import charts, periods
from analytics.feedback import followup
from analytics.feedback import queue as followup_queue
from analytics.feedback.queue import ListFilter
from analytics.i18n import day, number, t
from analytics.queries import Filters, Grain
from ui import auth, cache, context, tables, url
from ui.tables import Col, ColumnKind

GRAINS: tuple[Grain, ...] = ("week", "month")
WEEKS, MONTHS = 26, 13  # the rate charts' reach, whatever the period's length
VIEWS = ("active", "overdue", "open", "contacted", "recovered", "not_recovered", "all")
SHOWN = (
    "state",
    "overdue",
    "item_id",
    "customer_id",
    "reason",
    "nps",
    "csat",
    "team",
    "owner",
    "age_days",
    "responded_at",
    "due_at",
    "comment",
    "note",
)
OVERDUE_STYLE = "background-color: rgba(255, 75, 75, 0.16); color: #a3000b"

ctx = context.current()
lang, scope = ctx.lang, ctx.filters
store = cache.store()
cache.ensure_followup(ctx.version)
st.title(t("followup.title", lang))
deadlines = cache.followup_policy()  # per run: Settings may have changed them
policy = t("followup.policy", lang, days=deadlines.detractor_days)
if deadlines.passive_days is not None:
    policy += " " + t("followup.policy_passive", lang, days=deadlines.passive_days)
st.caption(policy)

flash = st.session_state.pop("followup_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")

context.elsewhere(lang, ctx.version, scope, ("surveys",))
counts = cache.followup_counts(ctx.version, cache.followup_version(), scope)
if sum(counts[s] for s in followup.STATUSES) == 0:
    anywhere = cache.followup_counts(ctx.version, cache.followup_version(), Filters())
    none = "followup.none_in_scope" if any(anywhere.values()) else "followup.empty"
    st.info(t(none, lang))
    st.stop()
if scope.start is not None and scope.end is not None:
    # "from calls that match": only a call attribute leaves the answers without a call out
    key = "followup.scope_dims" if scope.dimension_values("calls") else "followup.scope"
    st.caption(t(key, lang, start=day(scope.start, lang), end=day(scope.end, lang)))
context.survey_notes(lang, ctx.version, scope)
for col, key in zip(
    st.columns(5), ("open", "contacted", "overdue", "recovered", "not_recovered"), strict=True
):
    late = number(counts["overdue_open"], lang, 0)
    help_text = t("followup.count.overdue_help", lang, open=late) if key == "overdue" else None
    col.metric(t(f"followup.count.{key}", lang), number(counts[key], lang, 0), help=help_text)


def list_filter() -> ListFilter:
    left, mid, right, age = st.columns([2, 2, 2, 1])
    view = url.choice(
        left.selectbox,
        t("followup.view", lang),
        VIEWS,
        "fu_view",
        lambda v: t(f"followup.view.{v}", lang),
    )
    owners = mid.multiselect(
        t("followup.owner_filter", lang),
        cache.followup_assignees(ctx.version, cache.followup_version()),
        placeholder=t("followup.anyone", lang),
        key="fu_owner",
        bind="query-params",
    )
    teams = right.multiselect(
        t("followup.team_filter", lang),
        cache.dimension_values(ctx.version, "team"),
        placeholder=t("followup.anyone", lang),
        key="fu_team",
        bind="query-params",
    )
    min_age = age.number_input(t("followup.min_age", lang), min_value=0, step=1, key="fu_age")
    statuses = {"active": followup.ACTIVE, "overdue": followup.ACTIVE, "all": ()}
    return ListFilter(
        statuses=statuses.get(view, (view,)),  # type: ignore[arg-type]
        owners=tuple(owners),
        teams=tuple(teams),
        overdue_only=view == "overdue",
        min_age_days=int(min_age),
        scope=scope,
    )


def show_items(items: pl.DataFrame) -> None:
    """The queue, overdue rows tinted red; a missing score reads "–", not 0 or "None"."""
    status = {s: t(f"followup.status.{s}", lang) for s in followup.STATUSES}
    reason = {r: t(f"followup.reason.{r}", lang) for r in followup.REASONS}
    shown = items.with_columns(
        state=pl.col("status").replace_strict(status),
        reason=pl.col("reason").replace_strict(reason),
    )
    kinds: dict[str, ColumnKind] = {"overdue": "check", "item_id": "id", "nps": "count", "csat": "count",
                              "age_days": "count", "responded_at": "moment", "due_at": "moment"}  # fmt: skip
    columns = {c: Col(t(f"followup.col.{c}", lang), kinds.get(c, "text")) for c in SHOWN}
    columns["comment"] = Col(t("followup.col.comment", lang), width="large")
    tint = [OVERDUE_STYLE if late else "" for late in items["overdue"]]
    tables.show(shown, columns, lang, row_css=tint, width="stretch", key="fu_table")


def item_labels(items: pl.DataFrame) -> dict[int, str]:
    """Picker labels: id, customer, team and due day (data values shown as plain text).

    A label never changes with an action: the browser keeps the picked label, and a
    label that changed would no longer match, and the picker would jump.
    """
    return {
        r["item_id"]: t(
            "followup.item_label",
            lang,
            item=r["item_id"],
            customer=r["customer_id"] or t("followup.no_customer", lang),
            team=r["team"] or t("followup.no_team", lang),
            due=day(r["due_at"].date(), lang),
        )
        for r in items.iter_rows(named=True)
    }


def pick_item(shown: pl.DataFrame) -> dict[str, Any] | None:
    """The item to act on. The one just acted on stays picked even when it has left
    the list (closed items leave the default view): the picker never jumps."""
    _open_linked_item()
    kept = st.session_state.get("fu_kept")
    rows = shown
    if kept is not None and kept not in shown["item_id"]:
        extra = followup_queue.list_items(store, ListFilter(statuses=(), item_ids=(kept,)))
        rows = pl.concat([extra, shown])
    labels = item_labels(rows)
    if st.session_state.get("fu_item") not in labels:  # a link to an unknown item
        st.session_state.pop("fu_item", None)
    item_id = st.selectbox(
        t("followup.item", lang),
        list(labels),
        format_func=labels.__getitem__,
        key="fu_item",
        on_change=_item_picked,
    )
    if item_id is None:
        return None
    row = rows.filter(pl.col("item_id") == item_id).row(0, named=True)
    if item_id not in shown["item_id"]:
        status = t(f"followup.status.{row['status']}", lang)
        st.caption(t("followup.left_list", lang, status=status))
    return row


def _open_linked_item() -> None:
    """``?fu_item=N`` (a link from What customers say, or a shared one) opens with that
    item picked, listed even if the view's filters leave it out."""
    raw = st.query_params.get("fu_item", "")
    if not raw.isdigit() or st.session_state.get("fu_linked") == raw:
        return
    st.session_state["fu_linked"] = raw  # once per link: then the picker is the user's
    st.session_state["fu_item"] = st.session_state["fu_kept"] = int(raw)


def _item_picked() -> None:
    st.session_state.pop("fu_kept", None)
    picked = st.session_state.get("fu_item")
    st.query_params["fu_item"] = str(picked)  # a copied link opens the same item
    st.session_state["fu_linked"] = str(picked)


def run_action(item_id: int, action: str, write: Callable[[], None]) -> None:
    """Apply a write; on success clear the follow-up caches and rerun with a message."""
    try:
        write()
    except ValueError as exc:
        st.error(t(str(exc), lang), icon=":material/error:")
        return
    cache.clear_followup()
    name = t(f"followup.action.{action}", lang)
    st.session_state["followup_flash"] = t("followup.saved", lang, item=item_id, action=name)
    st.session_state["fu_kept"] = item_id
    st.rerun()


def owner_picker(owner: str | None, team: str | None) -> str | None:
    """Known agents and teams (the item's own first), or a name typed in."""
    options = cache.followup_owners(ctx.version, cache.followup_version(), team)
    kinds = dict(options)
    return st.selectbox(
        t("followup.owner", lang),
        list(kinds),
        index=list(kinds).index(owner) if owner in kinds else None,
        format_func=lambda n: t(f"followup.owner_kind.{kinds.get(n, 'owner')}", lang, name=n),
        accept_new_options=True,
        placeholder=t("followup.owner_pick", lang),
        key="fu_owner_name",
    )


def action_forms(row: dict[str, Any]) -> None:
    if not auth.needs("followup", lang):  # the engine refuses anyway
        return
    item_id = row["item_id"]
    assign, contact, close = st.columns(3)
    with assign.form("fu_assign", clear_on_submit=True):
        st.markdown(f"**{t('followup.assign', lang)}**")
        name = owner_picker(row["owner"], row["team"])
        if st.form_submit_button(t("followup.assign_submit", lang)):
            run_action(item_id, "assigned", lambda: followup.assign(store, item_id, name or ""))
    with contact.form("fu_contact", clear_on_submit=True):
        st.markdown(f"**{t('followup.contact', lang)}**")
        note = st.text_area(t("followup.note", lang), key="fu_contact_note", height=68)
        if st.form_submit_button(t("followup.contact_submit", lang)):
            run_action(item_id, "contacted", lambda: followup.record_contact(store, item_id, note))
    with close.form("fu_close", clear_on_submit=True):
        st.markdown(f"**{t('followup.close', lang)}**")
        outcome = st.text_area(t("followup.close_note", lang), key="fu_close_note", height=68)
        if st.form_submit_button(t("followup.recovered_submit", lang)):
            run_action(item_id, "recovered", lambda: followup.close(store, item_id, True, outcome))
        if st.form_submit_button(t("followup.not_recovered_submit", lang)):
            run_action(
                item_id, "not_recovered", lambda: followup.close(store, item_id, False, outcome)
            )


def show_history(item_id: int) -> None:
    st.markdown(f"**{t('followup.history', lang, item=item_id)}**")
    log = followup.history(store, item_id)
    if log.is_empty():
        st.caption(t("followup.no_history", lang))
        return
    action = {a: t(f"followup.action.{a}", lang) for a in log["action"].unique().to_list()}
    labels = {c: t(f"followup.col.{c}", lang) for c in ("acted_at", "action", "owner", "note")}
    columns = tables.texts(labels) | {"acted_at": Col(labels["acted_at"], "moment")}
    tables.show(log.with_columns(pl.col("action").replace_strict(action)), columns, lang)


def rates() -> None:
    """Compliance and recovery over the last weeks or months up to the period's end,
    in the sidebar's dimensions (a 28-day period alone would give four points)."""
    if scope.end is None:
        return
    st.subheader(t("followup.rates", lang))
    grain = url.choice(
        st.segmented_control,
        t("overview.grain", lang),
        GRAINS,
        "fu_grain",
        lambda g: t(f"grain.{g}", lang),
    )
    start = periods.trailing(scope.end, WEEKS, MONTHS, grain)
    reach = dataclasses.replace(scope, start=start)
    frame = cache.followup_compliance(ctx.version, cache.followup_version(), grain, reach)
    changes = cache.changes_in(ctx.version, start, scope.end)
    for col, kpi in zip(st.columns(2), ("compliance", "recovery"), strict=True):
        title = t(f"followup.rate.{kpi}", lang)
        series = frame.filter(pl.col("kpi") == kpi)
        if series.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan()).is_empty():
            col.markdown(f"**{title}**")  # no chart of nothing: say why instead
            col.info(t(f"followup.rate.{kpi}.none", lang), icon=":material/block:")
            continue
        fig = charts.trend(series, title, lang, grain, "percent")
        col.plotly_chart(charts.add_changes(fig, changes, (start, scope.end)), width="stretch")
    end = day(scope.end, lang)
    st.caption(t("followup.rates_note", lang, weeks=WEEKS, months=MONTHS, end=end))


flt = list_filter()
shown, total = cache.followup_list(ctx.version, cache.followup_version(), flt)
if shown.is_empty():
    st.info(t("followup.none_match", lang))
else:
    st.caption(
        t(
            "followup.shown",
            lang,
            shown=number(shown.height, lang, 0),
            total=number(total, lang, 0),
            limit=number(followup_queue.LIST_LIMIT, lang, 0),
        )
    )
    show_items(shown)
    st.download_button(
        t("followup.export", lang),
        lambda: followup_queue.export(store, flt, lang),  # built on click, on its own thread
        file_name="pulso-followup.csv",
        mime="text/csv",
        key="fu_export",
        icon=":material/download:",
    )
if not shown.is_empty() or "fu_kept" in st.session_state:
    st.subheader(t("followup.act", lang))
    picked = pick_item(shown)
    if picked is not None:
        action_forms(picked)
        show_history(picked["item_id"])
rates()
