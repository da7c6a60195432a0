"""Which events the rules see now: one :class:`Event` per thing to tell, new ones only.

- ``kpi_down``: the KPI in the last complete ISO week against the week before, as the
  Overview's tile computes it (:func:`analytics.overview.tiles` in the rule's scope,
  with the store's minimum meaningful changes): a real and meaningful change in the
  bad direction. One event per rule and week.
- ``below_target``: the last complete week's estimate against the KPI's target for
  the scope (:mod:`analytics.targets`): significantly worse than the target
  (``not meets and sure``). One event per rule and week.
- ``new_detractor``: a follow-up item (NPS 0-6 or CSAT 1-2) in scope that arrived in
  the store after the rule was made, and whose response is recent
  (:data:`RECENT_DAYS`): a new rule is not flooded with history, nor any rule with
  a backfill of last year's file. One event per response.
- ``overdue``: an item past its deadline and still not contacted (``open``, as the
  follow-up queue counts "overdue, not contacted"). One event per item: it is told
  once, not every run until someone calls.
- ``digest``: the weekly review of the last complete week, once per week.

An event's key (``nps:2026-W25``, ``response:R17``, ``item:42``, ``digest:2026-W25``)
is its identity for the rule: :func:`new_events` leaves out those already recorded
(``alert_events``), so a second run finds nothing new. Its ``facts`` are what the
message says, kept as JSON so that a retry days later says the same thing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from analytics import overview, targets, thresholds
from analytics.alerts.rules import Rule
from analytics.feedback import queue
from analytics.metrics import Estimate
from analytics.store import Store

log = logging.getLogger(__name__)

#: A detractor whose response is older than this is history, not news.
RECENT_DAYS = 14
COMMENT_CHARS = 300


@dataclass(frozen=True)
class Event:
    """One thing to tell: the rule, its key (identity) and the message's facts."""

    rule_id: int
    key: str
    facts: dict[str, Any]


def last_week(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the last ISO week that ended before ``now``."""
    monday = now.date() - dt.timedelta(days=now.weekday() + 7)
    return monday, monday + dt.timedelta(days=6)


def iso_week(day: dt.date) -> str:
    """2026-06-15 -> '2026-W25'."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def evaluate(store: Store, now: dt.datetime, rules: list[Rule]) -> list[Event]:
    """The new events of the enabled ``rules`` at ``now``; a rule that fails to
    evaluate is logged and skipped (the others still run)."""
    found: list[Event] = []
    for rule in rules:
        if not rule.enabled or rule.rule_id is None:
            continue
        try:
            found += new_events(store, rule.rule_id, for_rule(store, rule, now))
        except Exception:
            log.exception("alert rule %s (%r) could not be evaluated", rule.rule_id, rule.name)
    return found


def new_events(store: Store, rule_id: int, events: list[Event]) -> list[Event]:
    """``events`` less those the rule already recorded."""
    if not events:
        return []
    seen = store.cursor().execute(
        "select event_key from alert_events where rule_id = ? and list_contains(?, event_key)",
        [rule_id, [e.key for e in events]],
    )
    known = {r[0] for r in seen.fetchall()}
    return [e for e in events if e.key not in known]


def for_rule(store: Store, rule: Rule, now: dt.datetime) -> list[Event]:
    """Every event the rule sees at ``now``, recorded before or not."""
    checks = {
        "kpi_down": _kpi_down,
        "below_target": _below_target,
        "new_detractor": _new_detractors,
        "overdue": _overdue,
        "digest": _digest,
    }
    return checks[rule.kind](store, rule, now)


def _base(rule: Rule) -> dict[str, Any]:
    scope = {d: list(v) for d, v in rule.scope.items()}
    return {"kind": rule.kind, "rule": rule.name, "kpi": rule.kpi, "scope": scope}


def _week(now: dt.datetime) -> dict[str, Any]:
    start, end = last_week(now)
    return {"week": iso_week(start), "start": start.isoformat(), "end": end.isoformat()}


def _estimate(e: Estimate) -> dict[str, Any]:
    return {"value": e.value, "low": e.low, "high": e.high, "n": e.n}


def _kpi_down(store: Store, rule: Rule, now: dt.datetime) -> list[Event]:
    assert rule.rule_id is not None and rule.kpi is not None
    start, end = last_week(now)
    tile = overview.tiles(store, rule.filters(start, end), (rule.kpi,), thresholds.read(store))[0]
    if not (tile.measured and tile.practical == "meaningful" and tile.better is False):
        return []
    c = tile.change
    change = {"estimate": c.estimate, "low": c.low, "high": c.high, "p": c.p}
    facts = _base(rule) | _week(now) | _estimate(tile.current)
    facts |= {"previous": tile.previous.value, "change": change, "meaningful": tile.meaningful}
    return [Event(rule.rule_id, f"{rule.kpi}:{facts['week']}", facts)]


def _below_target(store: Store, rule: Rule, now: dt.datetime) -> list[Event]:
    assert rule.rule_id is not None and rule.kpi is not None
    start, end = last_week(now)
    filters = rule.filters(start, end)
    target = targets.for_scope(targets.read(store), rule.kpi, filters, end)
    if target is None:
        return []
    tile = overview.tiles(store, filters, (rule.kpi,), thresholds.read(store))[0]
    if not tile.measured:
        return []
    gap = targets.gap(rule.kpi, tile.current, target)
    if gap is None or gap.meets or not gap.sure:
        return []
    facts = _base(rule) | _week(now) | _estimate(tile.current)
    facts |= {"target": float(gap.target.target), "gap": float(gap.gap)}
    return [Event(rule.rule_id, f"{rule.kpi}:{facts['week']}", facts)]


def _items(store: Store, rule: Rule, now: dt.datetime, f: queue.ListFilter) -> list[dict[str, Any]]:
    return queue.list_items(store, f, now=now, limit=None).to_dicts()


def _item_facts(rule: Rule, row: dict[str, Any]) -> dict[str, Any]:
    comment = (row.get("comment") or "").strip()
    return _base(rule) | {
        "item_id": row["item_id"],
        "response_id": row["response_id"],
        "reason": row["reason"],
        "nps": row["nps"],
        "csat": row["csat"],
        "team": row["team"],
        "owner": row["owner"],
        "responded_at": _iso(row["responded_at"]),
        "due_at": _iso(row["due_at"]),
        "comment": comment[:COMMENT_CHARS] + ("…" if len(comment) > COMMENT_CHARS else ""),
    }


def _new_detractors(store: Store, rule: Rule, now: dt.datetime) -> list[Event]:
    assert rule.rule_id is not None
    since = rule.created_at or now
    fresh = store.cursor().execute(
        "select item_id from followup_items where reason in ('detractor', 'dissatisfied')"
        " and created_at >= ? and responded_at >= ?",
        [since, now - dt.timedelta(days=RECENT_DAYS)],
    )
    ids = tuple(int(r[0]) for r in fresh.fetchall())
    if not ids:
        return []
    f = queue.ListFilter(statuses=(), item_ids=ids, scope=rule.filters())
    rows = _items(store, rule, now, f)
    return [Event(rule.rule_id, f"response:{r['response_id']}", _item_facts(rule, r)) for r in rows]


def _overdue(store: Store, rule: Rule, now: dt.datetime) -> list[Event]:
    assert rule.rule_id is not None
    f = queue.ListFilter(statuses=("open",), overdue_only=True, scope=rule.filters())
    rows = _items(store, rule, now, f)
    return [Event(rule.rule_id, f"item:{r['item_id']}", _item_facts(rule, r)) for r in rows]


def _digest(store: Store, rule: Rule, now: dt.datetime) -> list[Event]:
    assert rule.rule_id is not None
    facts = _base(rule) | _week(now)
    return [Event(rule.rule_id, f"digest:{facts['week']}", facts)]


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="minutes")
