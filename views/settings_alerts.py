"""Settings page, alert rules and the alerts log (not a page: ``views/settings.py``
imports it).

A rule is edited in one form: its kind first (outside the form, so that the KPI field
shows only for the kinds that watch one), then its name, KPI, scope, recipients and
whether it is on. Every problem is listed and nothing is saved until there is none.
The log lists each message to each recipient: sent, waiting for a retry, or failed.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import streamlit as st

from analytics import dimensions, kpis
from analytics.alerts import channels, deliver, history, rules
from analytics.alerts.checks import Invalid, Problem
from analytics.alerts.messages import scope_text
from analytics.alerts.rules import KINDS, KPI_KINDS, Email, Kind, Rule
from analytics.i18n import LANGS, Lang, number, t
from ui import auth, cache, tables
from ui.context import Context
from ui.markdown import markdown_escape
from ui.tables import Col, ColumnKind

NEW = -1  # the rule picker's "new rule"
_SPLIT = re.compile(r"[\n,;]+")


def _flash(key: str) -> None:
    shown = st.session_state.pop(key, None)
    if shown is not None:
        st.success(shown, icon=":material/check_circle:")


def render_rules(ctx: Context) -> None:
    lang = ctx.lang
    st.caption(t("alerts.rules.intro", lang))
    mine = auth.actor().scope
    if mine:  # rules.save limits a scoped admin's rules to their scope
        shown = markdown_escape(scope_text(dict(mine), lang))
        st.caption(t("access.rules_scoped", lang, scope=shown))
    _flash("alerts_rule_flash")
    store = cache.store()
    every = rules.read(store)  # small and uncached: a save shows at once
    if every:
        tables.show(_rule_table(every, lang), _rule_columns(lang), lang, width="stretch")
    else:
        st.info(t("alerts.rules.empty", lang), icon=":material/notifications_off:")
    by_id = {r.rule_id: r for r in every if r.rule_id is not None}
    if "alerts_rule_next" in st.session_state:  # the rule just saved stays chosen
        st.session_state["alerts_rule_pick"] = st.session_state.pop("alerts_rule_next")
    pick = st.selectbox(
        t("alerts.rules.pick", lang),
        [NEW, *by_id],
        format_func=lambda i: t("alerts.rules.new", lang) if i == NEW else by_id[i].name,
        key="alerts_rule_pick",
    )
    rule = by_id.get(pick) or Rule(name="", kind="kpi_down", kpi="nps")
    _edit(ctx, rule, f"{pick}")
    if rule.rule_id is not None:
        _switch_and_delete(rule, lang)


def _rule_table(every: list[Rule], lang: Lang) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "name": [r.name for r in every],
            "kind": [t(f"alerts.kind.{r.kind}", lang) for r in every],
            "kpi": [t(f"kpi.{r.kpi}", lang) if r.kpi else "" for r in every],
            "scope": [scope_text(r.scope, lang) for r in every],
            "recipients": [
                ", ".join([e.address for e in r.emails] + list(r.webhooks)) for r in every
            ],
            "enabled": [r.enabled for r in every],
        }
    )


def _rule_columns(lang: Lang) -> dict[str, Col]:
    names = ("name", "kind", "kpi", "scope", "recipients", "enabled")
    return {
        n: Col(t(f"alerts.col.{n}", lang), "check" if n == "enabled" else "text") for n in names
    }


def _edit(ctx: Context, rule: Rule, suffix: str) -> None:
    lang = ctx.lang
    kind: Kind = st.selectbox(
        t("alerts.field.kind", lang),
        KINDS,
        index=KINDS.index(rule.kind),
        format_func=lambda k: t(f"alerts.kind.{k}", lang),
        key=f"alerts_kind_{suffix}",
    )
    st.caption(t(f"alerts.kind.{kind}.help", lang))
    hooks = [w.name for w in channels.webhooks(cache.store())]
    with st.form(f"alerts_rule_form_{suffix}"):
        name = st.text_input(t("alerts.field.name", lang), rule.name, key=f"alerts_name_{suffix}")
        kpi = None
        if kind in KPI_KINDS:
            keys = [k.key for k in kpis.KPIS]
            kpi = st.selectbox(
                t("alerts.field.kpi", lang),
                keys,
                index=keys.index(rule.kpi) if rule.kpi in keys else 0,
                format_func=lambda k: t(f"kpi.{k}", lang),
                key=f"alerts_kpi_{suffix}",
            )
        with st.expander(t("alerts.field.scope", lang), expanded=bool(rule.scope)):
            scope = _scope(ctx, rule, suffix)
        emails = st.text_area(
            t("alerts.field.emails", lang),
            "\n".join(f"{e.address} {e.lang}" for e in rule.emails),
            help=t("alerts.field.emails_help", lang),
            key=f"alerts_emails_{suffix}",
        )
        chosen = st.multiselect(
            t("alerts.field.webhooks", lang),
            sorted(set(hooks) | set(rule.webhooks)),
            default=list(rule.webhooks),
            help=t("alerts.field.webhooks_help", lang),
            key=f"alerts_hooks_{suffix}",
            placeholder=t("alerts.field.webhooks_none", lang),
        )
        enabled = st.checkbox(
            t("alerts.field.enabled", lang), rule.enabled, key=f"alerts_on_{suffix}"
        )
        saved = st.form_submit_button(t("alerts.save", lang), icon=":material/save:")
    if not saved:
        return
    recipients, problems = parse_emails(emails)
    candidate = Rule(
        name=name,
        kind=kind,
        kpi=kpi,
        scope=scope,
        emails=recipients,
        webhooks=tuple(chosen),
        enabled=enabled,
        rule_id=rule.rule_id,
        created_at=rule.created_at,
    )
    if problems:  # the address list is wrong: say it with the rest, save nothing
        problems += rules.check(cache.store(), candidate)
        _problems(problems, lang)
        return
    try:
        rule_id = rules.save(cache.store(), candidate)
    except Invalid as exc:
        _problems(exc.problems, lang)
        return
    st.session_state["alerts_rule_flash"] = t("alerts.saved", lang, name=candidate.name.strip())
    st.session_state["alerts_rule_next"] = rule_id
    st.rerun()


def _scope(ctx: Context, rule: Rule, suffix: str) -> dict[str, tuple[str, ...]]:
    lang = ctx.lang
    st.caption(t("alerts.field.scope_help", lang))
    chosen: dict[str, tuple[str, ...]] = {}
    for dim in dimensions.CATALOG:
        current = list(rule.scope.get(dim.name, ()))
        options = sorted(set(cache.dimension_values(ctx.version, dim.name)) | set(current))
        if not options:
            continue
        picked = st.multiselect(
            t(dim.label, lang),
            options,
            default=current,
            format_func=(lambda v, d=dim: t(f"{d.label}.{v}", lang)) if dim.coded else str,
            key=f"alerts_scope_{dim.name}_{suffix}",
            placeholder=t("filters.all", lang),
        )
        if picked:
            chosen[dim.name] = tuple(picked)
    return chosen


def parse_emails(text: str) -> tuple[tuple[Email, ...], list[Problem]]:
    """ "ana@example.com es" entries, one per line (or separated by commas); the
    language is optional (English)."""
    found: list[Email] = []
    problems: list[Problem] = []
    for entry in _SPLIT.split(text):
        words = entry.split()
        if not words:
            continue
        lang = words[1].lower() if len(words) > 1 else "en"
        if len(words) > 2 or lang not in LANGS:
            problems.append(Problem("alerts.error.entry", {"entry": entry.strip()}))
            continue
        found.append(Email(words[0], "es" if lang == "es" else "en"))
    return tuple(found), problems


def _problems(problems: list[Problem], lang: Lang) -> None:
    st.error(
        t("alerts.not_saved", lang) + "\n\n" + "\n".join(f"- {p.text(lang)}" for p in problems),
        icon=":material/error:",
    )


def _switch_and_delete(rule: Rule, lang: Lang) -> None:
    assert rule.rule_id is not None
    left, right = st.columns(2)
    on = left.toggle(
        t("alerts.field.enabled", lang), rule.enabled, key=f"alerts_toggle_{rule.rule_id}"
    )
    if on != rule.enabled:
        rules.set_enabled(cache.store(), rule.rule_id, on)
        st.rerun()
    sure = right.checkbox(t("alerts.delete.confirm", lang), key=f"alerts_sure_{rule.rule_id}")
    if right.button(t("alerts.delete", lang), icon=":material/delete:", disabled=not sure,
                    key=f"alerts_delete_{rule.rule_id}"):  # fmt: skip
        rules.delete(cache.store(), rule.rule_id)
        st.session_state["alerts_rule_flash"] = t("alerts.deleted", lang, name=rule.name)
        st.session_state["alerts_rule_next"] = NEW
        st.rerun()


# -- the log -----------------------------------------------------------------------------------


def render_log(ctx: Context) -> None:
    lang = ctx.lang
    st.caption(t("alerts.log.intro", lang))
    _flash("alerts_log_flash")
    store = cache.store()
    counts = history.counts(store)
    options = ["all", *history.STATUSES]
    total = sum(counts.values())
    status = st.selectbox(
        t("alerts.log.status", lang),
        options,
        format_func=lambda s: (
            t(f"alerts.status.{s}", lang)
            + f" ({number(total if s == 'all' else counts[s], lang, 0)})"
        ),
        key="alerts_log_status",
    )
    frame = history.deliveries(store, () if status == "all" else (status,))
    if frame.is_empty():
        st.info(t("alerts.log.empty", lang), icon=":material/history:")
    else:
        tables.show(_readable(frame, lang), _log_columns(lang), lang, width="stretch")
    if counts["failed"] and st.button(
        t("alerts.log.retry", lang, count=number(counts["failed"], lang, 0)),
        icon=":material/replay:",
        key="alerts_retry",
    ):
        now = dt.datetime.now().replace(microsecond=0)
        history.retry_failed(store, now)
        with st.spinner(t("alerts.log.sending", lang)):
            outcomes = deliver.send_due(store, now)
        sent = sum(o.status == "sent" for o in outcomes)
        st.session_state["alerts_log_flash"] = t(
            "alerts.log.retried", lang, sent=number(sent, lang, 0),
            failed=number(len(outcomes) - sent, lang, 0),
        )  # fmt: skip
        st.rerun()


def _readable(frame: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    def words(column: str, prefix: str) -> pl.Expr:
        values = frame[column].drop_nulls().unique().to_list()
        names = {v: t(f"{prefix}.{v}", lang) for v in values}
        return pl.col(column).replace_strict(names, default=pl.col(column), return_dtype=pl.String)

    return frame.with_columns(
        words("kind", "alerts.kind"), words("status", "alerts.status"),
        words("channel", "alerts.channel"),
    )  # fmt: skip


def _log_columns(lang: Lang) -> dict[str, Col]:
    kinds: dict[str, ColumnKind] = {
        "at": "moment", "next_try_at": "moment", "events": "count", "attempts": "count"
    }  # fmt: skip
    return {c: Col(t(f"alerts.log.col.{c}", lang), kinds.get(c, "text")) for c in history.COLUMNS}
