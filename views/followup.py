"""Follow-up: the detractor work queue, actions on an item, compliance and recovery."""

from collections.abc import Callable
from typing import Any

import polars as pl
import streamlit as st

from analytics import charts, followup
from analytics.i18n import day, number, t
from analytics.queries import Grain
from ui import cache, context, url

POLICY = followup.Policy.from_env()
GRAINS: tuple[Grain, ...] = ("week", "month")
VIEWS = ("active", "overdue", "open", "contacted", "recovered", "not_recovered", "all")
SHOWN = (
    "state",
    "item_id",
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

WHEN = ("YYYY-MM-DD HH:mm", "DD/MM/YYYY HH:mm")  # English, Spanish
OVERDUE_STYLE = "background-color: rgba(255, 75, 75, 0.16); color: #a3000b"

ctx = context.current()
lang = ctx.lang
store = cache.store()
cache.ensure_followup(ctx.version)
st.title(t("followup.title", lang))
policy = t("followup.policy", lang, days=POLICY.detractor_days)
if POLICY.passive_days is not None:
    policy += " " + t("followup.policy_passive", lang, days=POLICY.passive_days)
st.caption(policy)

flash = st.session_state.pop("followup_flash", None)
if flash:
    st.success(flash)

counts = cache.followup_counts(ctx.version, cache.followup_version())
if sum(counts[s] for s in followup.STATUSES) == 0:
    st.info(t("followup.empty", lang))
    st.stop()
for col, key in zip(
    st.columns(5), ("open", "contacted", "overdue", "recovered", "not_recovered"), strict=True
):
    col.metric(t(f"followup.count.{key}", lang), number(counts[key], lang, 0))


def list_filter() -> followup.ListFilter:
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
        followup.owners(store),
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
    return followup.ListFilter(
        statuses=statuses.get(view, (view,)),  # type: ignore[arg-type]
        owners=tuple(owners),
        teams=tuple(teams),
        overdue_only=view == "overdue",
        min_age_days=int(min_age),
    )


def labelled(items: pl.DataFrame) -> pl.DataFrame:
    """Status with an emoji (overdue in red) and the reason, in the reader's language."""
    status = {s: t(f"followup.status.{s}", lang) for s in followup.STATUSES}
    reason = {r: t(f"followup.reason.{r}", lang) for r in followup.REASONS}
    state = (
        pl.when(pl.col("overdue"))
        .then(pl.lit(t("followup.status.overdue", lang)))
        .otherwise(pl.col("status").replace_strict(status))
    )
    return items.with_columns(state=state, reason=pl.col("reason").replace_strict(reason))


def highlighted(items: pl.DataFrame) -> Any:
    """The shown columns with overdue rows tinted red (a pandas Styler: colours only,
    cell values stay plain text)."""
    late = items["overdue"].to_list()
    frame = labelled(items).select(SHOWN).to_pandas()
    frame[["nps", "csat"]] = frame[["nps", "csat"]].astype("Int64")  # not floats when null

    def tint(row: Any) -> list[str]:
        return [OVERDUE_STYLE if late[row.name] else ""] * len(row)

    return frame.style.apply(tint, axis=1)


def show_items(items: pl.DataFrame) -> None:
    config: dict[str, Any] = {c: t(f"followup.col.{c}", lang) for c in SHOWN}
    when = WHEN[lang == "es"]
    config["responded_at"] = st.column_config.DatetimeColumn(
        t("followup.col.responded_at", lang), format=when
    )
    config["due_at"] = st.column_config.DatetimeColumn(t("followup.col.due_at", lang), format=when)
    config["comment"] = st.column_config.TextColumn(t("followup.col.comment", lang), width="large")
    st.dataframe(
        highlighted(items),
        hide_index=True,
        width="stretch",
        column_config=config,
        key="fu_table",
    )


def item_label(items: pl.DataFrame) -> dict[int, str]:
    """Selectbox labels: id, team and due day (data values shown as plain text)."""
    return {
        r["item_id"]: t(
            "followup.item_label",
            lang,
            item=r["item_id"],
            team=r["team"] or t("followup.no_team", lang),
            due=day(r["due_at"].date(), lang),
        )
        for r in items.select("item_id", "team", "due_at").iter_rows(named=True)
    }


def run_action(item_id: int, action: str, write: Callable[[], None]) -> None:
    """Apply a write; on success clear the follow-up caches and rerun with a message."""
    try:
        write()
    except ValueError as exc:
        st.error(t(str(exc), lang))
        return
    cache.clear_followup()
    name = t(f"followup.action.{action}", lang)
    st.session_state["followup_flash"] = t("followup.saved", lang, item=item_id, action=name)
    st.rerun()


def action_forms(item_id: int, owner: str | None) -> None:
    assign, contact, close = st.columns(3)
    with assign.form("fu_assign", clear_on_submit=True):
        st.markdown(f"**{t('followup.assign', lang)}**")
        name = st.text_input(t("followup.owner", lang), value=owner or "", key="fu_owner_name")
        if st.form_submit_button(t("followup.assign_submit", lang)):
            run_action(item_id, "assigned", lambda: followup.assign(store, item_id, name))
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
    st.dataframe(
        log.with_columns(pl.col("action").replace_strict(action)).select(
            "acted_at", "action", "owner", "note"
        ),
        hide_index=True,
        width="stretch",
        column_config={
            **{c: t(f"followup.col.{c}", lang) for c in ("action", "owner", "note")},
            "acted_at": st.column_config.DatetimeColumn(
                t("followup.col.acted_at", lang), format=WHEN[lang == "es"]
            ),
        },
    )


def rates() -> None:
    st.subheader(t("followup.rates", lang))
    grain = url.choice(
        st.segmented_control,
        t("overview.grain", lang),
        GRAINS,
        "fu_grain",
        lambda g: t(f"grain.{g}", lang),
    )
    frame = cache.followup_rates(ctx.version, cache.followup_version(), grain)
    for col, kpi in zip(st.columns(2), ("compliance", "recovery"), strict=True):
        title = t(f"followup.rate.{kpi}", lang)
        fig = charts.trend(frame.filter(pl.col("kpi") == kpi), title, lang)
        if frame.height:
            changes = cache.changes_in(ctx.version, frame["period"].min(), frame["period"].max())
            charts.add_changes(fig, changes)
        col.plotly_chart(fig, width="stretch")
    st.caption(t("followup.rates_note", lang))


flt = list_filter()
shown = followup.list_items(store, flt)
if shown.is_empty():
    st.info(t("followup.none_match", lang))
else:
    st.caption(
        t(
            "followup.shown",
            lang,
            shown=number(shown.height, lang, 0),
            total=number(followup.count_items(store, flt), lang, 0),
            limit=number(followup.LIST_LIMIT, lang, 0),
        )
    )
    show_items(shown)
    st.download_button(
        t("followup.export", lang),
        lambda: followup.export(store, flt),  # built on click, on its own thread
        file_name="pulso-followup.csv",
        mime="text/csv",
        key="fu_export",
    )
    st.subheader(t("followup.act", lang))
    labels = item_label(shown)
    item_id = st.selectbox(
        t("followup.item", lang), list(labels), format_func=lambda i: labels[i], key="fu_item"
    )
    if item_id is not None:
        row = shown.filter(pl.col("item_id") == item_id).row(0, named=True)
        action_forms(item_id, row["owner"])
        show_history(item_id)
rates()
