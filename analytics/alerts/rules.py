"""Alert rules: what to watch, in which scope, and who is told.

A rule has a kind (:data:`KINDS`), a KPI for the two KPI kinds, an optional scope
(``{dimension: [values]}`` over :data:`analytics.dimensions.CATALOG`, read as the
sidebar's :class:`~analytics.queries.Filters`), and recipients: e-mail addresses, each
with its language, and webhooks by name (:mod:`analytics.alerts.channels`). Kept in
the store (``alert_rules``, store version 11); :func:`save` checks everything first
and writes nothing when a value is wrong (:class:`~analytics.alerts.checks.Invalid`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast, get_args

from analytics import access, audit, dimensions, kpis
from analytics.alerts.checks import Problem, email_ok, name_problems, raise_if
from analytics.i18n import LANGS, Lang
from analytics.queries import Filters
from analytics.store import Store

Kind = Literal["kpi_down", "below_target", "new_detractor", "overdue", "digest"]
KINDS: tuple[Kind, ...] = get_args(Kind)
#: The kinds that watch one KPI (the others ignore ``kpi``).
KPI_KINDS: tuple[Kind, ...] = ("kpi_down", "below_target")
Scope = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Email:
    """An e-mail recipient and the language of what they receive."""

    address: str
    lang: Lang = "en"


@dataclass(frozen=True)
class Rule:
    """One alert rule (``rule_id`` None: not saved yet)."""

    name: str
    kind: Kind
    kpi: str | None = None
    scope: Scope = field(default_factory=dict)
    emails: tuple[Email, ...] = ()
    webhooks: tuple[str, ...] = ()
    enabled: bool = True
    rule_id: int | None = None
    created_at: dt.datetime | None = None
    created_by: str | None = None

    def filters(self, start: dt.date | None = None, end: dt.date | None = None) -> Filters:
        """The rule's scope as the sidebar's filters, over ``start..end``."""
        return scope_filters(self.scope, start, end)

    @property
    def recipients(self) -> int:
        return len(self.emails) + len(self.webhooks)


def scope_filters(
    scope: Mapping[str, Sequence[str]], start: dt.date | None = None, end: dt.date | None = None
) -> Filters:
    """A scope (``{dimension: values}``) as the sidebar's filters over ``start..end``."""
    chosen: dict[str, Any] = {d: tuple(v) for d, v in scope.items() if d in dimensions.BY_NAME}
    return Filters(start=start, end=end, **chosen)


def check(store: Store, rule: Rule) -> list[Problem]:
    """Everything wrong with ``rule`` (empty: it can be saved)."""
    problems = name_problems(rule.name, "alerts.error.name")
    if rule.kind not in KINDS:
        problems.append(Problem("alerts.error.kind", {"kind": rule.kind}))
    elif rule.kind in KPI_KINDS:
        if rule.kpi is None:
            problems.append(Problem("alerts.error.kpi_missing"))
        elif rule.kpi not in kpis.BY_KEY:
            problems.append(Problem("alerts.error.kpi", {"kpi": rule.kpi}))
    problems += _scope_problems(rule)
    problems += _recipient_problems(store, rule)
    return problems


def _scope_problems(rule: Rule) -> list[Problem]:
    problems = []
    for name, values in rule.scope.items():
        if name not in dimensions.BY_NAME:
            problems.append(Problem("alerts.error.dimension", {"dimension": name}))
            continue
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            problems.append(Problem("alerts.error.values", {"dimension": name}))
        kpi = kpis.BY_KEY.get(rule.kpi or "")
        if rule.kind in KPI_KINDS and kpi and not dimensions.get(name).applies_to(kpi.source):
            # Survey type does not filter call KPIs: the rule would watch every call.
            problems.append(Problem("alerts.error.not_applied", {"dimension": name}))
    return problems


def _recipient_problems(store: Store, rule: Rule) -> list[Problem]:
    problems = []
    if rule.recipients == 0:
        problems.append(Problem("alerts.error.no_recipient"))
    seen: set[str] = set()
    for email in rule.emails:
        if not email_ok(email.address):
            problems.append(Problem("alerts.error.email", {"address": email.address}))
        if email.lang not in LANGS:
            problems.append(Problem("alerts.error.lang", {"language": email.lang}))
        if email.address.lower() in seen:
            problems.append(Problem("alerts.error.duplicate", {"address": email.address}))
        seen.add(email.address.lower())
    known = {r[0] for r in store.cursor().execute("select name from webhooks").fetchall()}
    for name in rule.webhooks:
        if name not in known:
            problems.append(Problem("alerts.error.webhook", {"name": name}))
    return problems


def normalised(rule: Rule) -> Rule:
    """Trimmed names and addresses; no KPI for the kinds that watch none; no empty
    scope entries."""
    return replace(
        rule,
        name=rule.name.strip(),
        kpi=rule.kpi if rule.kind in KPI_KINDS else None,
        scope={d: tuple(v.strip() for v in vs) for d, vs in rule.scope.items() if vs},
        emails=tuple(Email(e.address.strip(), e.lang) for e in rule.emails),
        webhooks=tuple(dict.fromkeys(rule.webhooks)),
    )


def within(rule: Rule, scope: access.Scope) -> Rule:
    """``rule`` limited to a scoped user's ``scope``: on each scoped dimension the values
    both name (all the user's values when the rule names none). Alerts are evaluated
    on the whole store, so the limit is kept in the rule itself. A dimension that does
    not filter the rule's KPI (survey type, for a call KPI) is left out, as the user's
    own reads leave it out."""
    if not scope:
        return rule
    kpi = kpis.BY_KEY.get(rule.kpi or "") if rule.kind in KPI_KINDS else None
    limited = dict(rule.scope)
    for name, allowed in scope:
        if kpi is not None and not dimensions.get(name).applies_to(kpi.source):
            continue
        asked = limited.get(name, ())
        # none of the asked values in scope: kept as asked, for :func:`_outside` to say
        limited[name] = tuple(v for v in asked if v in allowed) or asked or allowed
    return replace(rule, scope=limited)


def _outside(rule: Rule, scope: access.Scope) -> list[Problem]:
    """The scoped dimensions on which the rule asks only for values outside the scope."""
    return [
        Problem("access.error.outside_scope", {"dimension": name, "values": ", ".join(allowed)})
        for name, allowed in scope
        if name in rule.scope and not set(rule.scope[name]) & set(allowed)
    ]


# -- the store -------------------------------------------------------------------------------

_COLUMNS = "rule_id, name, kind, kpi, scope, emails, webhooks, enabled, created_at, created_by"


def read(store: Store) -> list[Rule]:
    """Every rule, in the order they were made."""
    rows = store.cursor().execute(f"select {_COLUMNS} from alert_rules order by rule_id")  # noqa: S608
    return [_rule(r) for r in rows.fetchall()]


def get(store: Store, rule_id: int) -> Rule:
    """The rule ``rule_id`` (KeyError when there is none)."""
    row = (
        store.cursor()
        .execute(f"select {_COLUMNS} from alert_rules where rule_id = ?", [rule_id])  # noqa: S608
        .fetchone()
    )
    if row is None:
        raise KeyError(f"no alert rule with id {rule_id}")
    return _rule(row)


def _rule(row: tuple[Any, ...]) -> Rule:
    rule_id, name, kind, kpi, scope, emails, webhooks, enabled, created_at, by = row
    return Rule(
        name=name,
        kind=cast(Kind, kind),
        kpi=kpi,
        scope=parse_scope(scope),
        emails=tuple(Email(e["address"], e["lang"]) for e in emails or ()),
        webhooks=tuple(webhooks or ()),
        enabled=bool(enabled),
        rule_id=int(rule_id),
        created_at=created_at,
        created_by=by,
    )


def parse_scope(text: str | None) -> dict[str, tuple[str, ...]]:
    """The stored scope (JSON text); a hand-edited one that does not read is no scope
    in memory, and :func:`check` then reports nothing wrong with it."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(d): tuple(str(v) for v in vs) for d, vs in value.items() if isinstance(vs, list)}


def save(store: Store, rule: Rule, by: str | None = None, now: dt.datetime | None = None) -> int:
    """Check and save ``rule`` (a new one when ``rule_id`` is None); returns its id.

    A new rule's ``created_at`` is ``now``: it sees only the detractors that arrive
    after it (see :mod:`analytics.alerts.evaluate`).
    """
    actor = access.require(store, "alerts")
    rule = within(normalised(rule), actor.scope)
    raise_if(check(store, rule) + _outside(rule, actor.scope))
    emails = [{"address": e.address, "lang": e.lang} for e in rule.emails]
    scope = json.dumps({d: list(v) for d, v in rule.scope.items()}, sort_keys=True)
    values: list[Any] = [rule.name, rule.kind, rule.kpi, scope if rule.scope else None, emails]
    values += [list(rule.webhooks), rule.enabled]
    with store.transaction() as cur:
        if rule.rule_id is None:
            at = now or dt.datetime.now().replace(microsecond=0)
            row = cur.execute(
                "insert into alert_rules (name, kind, kpi, scope, emails, webhooks, enabled,"
                " created_at, created_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning rule_id",
                [*values, at, by or actor.user],
            ).fetchone()
            assert row is not None
            audit.record(cur, actor, "alerts.create", row[0], None, _audited(values))
            return int(row[0])
        before = audit.row(cur, _ONE, [rule.rule_id])
        cur.execute(
            "update alert_rules set name = ?, kind = ?, kpi = ?, scope = ?, emails = ?,"
            " webhooks = ?, enabled = ? where rule_id = ?",
            [*values, rule.rule_id],
        )
        audit.record(cur, actor, "alerts.edit", rule.rule_id, before, _audited(values))
        return rule.rule_id


_ONE = "select name, kind, kpi, scope, emails, webhooks, enabled from alert_rules where rule_id = ?"


def _audited(values: list[Any]) -> dict[str, Any]:
    names = ("name", "kind", "kpi", "scope", "emails", "webhooks", "enabled")
    return dict(zip(names, values, strict=True))


def set_enabled(store: Store, rule_id: int, enabled: bool) -> None:
    """Switch a rule on or off (off: not evaluated; what it recorded is still sent)."""
    actor = access.require(store, "alerts")
    with store.transaction() as cur:
        cur.execute("update alert_rules set enabled = ? where rule_id = ?", [enabled, rule_id])
        after = {"enabled": enabled}
        audit.record(cur, actor, "alerts.enable", rule_id, {"enabled": not enabled}, after)


def delete(store: Store, rule_id: int) -> None:
    """Forget a rule and what it has still to send; what was sent or failed stays in
    the log."""
    actor = access.require(store, "alerts")
    with store.transaction() as cur:
        before = audit.row(cur, _ONE, [rule_id])
        cur.execute(
            "delete from alert_deliveries where rule_id = ? and status = 'pending'", [rule_id]
        )
        cur.execute("delete from alert_rules where rule_id = ?", [rule_id])
        audit.record(cur, actor, "alerts.delete", rule_id, before, None)


def uses_webhook(store: Store, name: str) -> list[str]:
    """The names of the rules that send to webhook ``name``."""
    return [r.name for r in read(store) if name in r.webhooks]
