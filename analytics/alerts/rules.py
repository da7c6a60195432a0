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

from analytics import dimensions, kpis
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
    rule = normalised(rule)
    raise_if(check(store, rule))
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
                [*values, at, by],
            ).fetchone()
            assert row is not None
            return int(row[0])
        cur.execute(
            "update alert_rules set name = ?, kind = ?, kpi = ?, scope = ?, emails = ?,"
            " webhooks = ?, enabled = ? where rule_id = ?",
            [*values, rule.rule_id],
        )
        return rule.rule_id


def set_enabled(store: Store, rule_id: int, enabled: bool) -> None:
    """Switch a rule on or off (off: not evaluated; what it recorded is still sent)."""
    with store.transaction() as cur:
        cur.execute("update alert_rules set enabled = ? where rule_id = ?", [enabled, rule_id])


def delete(store: Store, rule_id: int) -> None:
    """Forget a rule and what it has still to send; what was sent or failed stays in
    the log."""
    with store.transaction() as cur:
        cur.execute(
            "delete from alert_deliveries where rule_id = ? and status = 'pending'", [rule_id]
        )
        cur.execute("delete from alert_rules where rule_id = ?", [rule_id])


def uses_webhook(store: Store, name: str) -> list[str]:
    """The names of the rules that send to webhook ``name``."""
    return [r.name for r in read(store) if name in r.webhooks]
