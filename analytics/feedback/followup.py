"""Closing the loop: a follow-up item for every detractor or dissatisfied customer.

:func:`sync_items` creates the missing items set-based (``insert ... select ... where
not exists``), so it is cheap and idempotent: call it after demo data and after every
load. Every NPS 0-6 (detractor) or CSAT 1-2 (dissatisfied) response gets an item due
``Policy.detractor_days`` business days (weekends skipped) after the response; passives
(NPS 7-8 or CSAT 3) get one only when ``Policy.passive_days`` is set.

Items move ``open -> contacted -> recovered | not_recovered`` (closing straight from
``open`` counts as the contact too). Every write is one transaction with bound values
and adds an action to the item's history. The work queue and what counts as overdue
are in :mod:`analytics.feedback.queue`; compliance and recovery rates in
:mod:`analytics.feedback.compliance`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import duckdb
import polars as pl

from analytics.store import Store

Status = Literal["open", "contacted", "recovered", "not_recovered"]
STATUSES: tuple[Status, ...] = get_args(Status)
ACTIVE: tuple[Status, ...] = ("open", "contacted")
Reason = Literal["detractor", "dissatisfied", "passive"]
REASONS: tuple[Reason, ...] = get_args(Reason)

# Business-day arithmetic in SQL (the set-based twin of add_business_days): a weekend
# day counts as the Friday before it; whole weeks add 7 days, and the remainder adds
# 2 more when it crosses a weekend. ``dow`` is the ISO weekday (1 = Monday).
_SYNC_SQL = """
insert into followup_items (response_id, reason, team, customer_id, responded_at,
    created_at, due_at)
with eligible as (
    select s.response_id, s.responded_at,
        case when s.nps <= 6 then 'detractor'
             when s.csat <= 2 then 'dissatisfied'
             else 'passive' end as reason
    from surveys s
    where (s.nps <= 6 or s.csat <= 2
           or (? and (s.nps between 7 and 8 or s.csat = 3)))
      and not exists (select 1 from followup_items f where f.response_id = s.response_id)
),
base as (
    select response_id, reason, responded_at,
        responded_at - to_days(greatest(isodow(responded_at) - 5, 0)::integer) as from_at,
        least(isodow(responded_at), 5) as dow,
        case when reason = 'passive' then ?::integer else ?::integer end as n
    from eligible
),
due as (
    select response_id, reason, responded_at,
        from_at + to_days((n // 5 * 7 + n % 5
                           + case when dow + n % 5 > 5 then 2 else 0 end)::integer) as due_at
    from base
)
select d.response_id, d.reason, c.team, coalesce(s.customer_id, c.customer_id),
    d.responded_at, ?, d.due_at
from due d
join surveys s on s.response_id = d.response_id
left join calls c on c.call_id = s.call_id
"""


@dataclass(frozen=True)
class Policy:
    """Deadlines in business days after the response; ``passive_days`` None = off."""

    detractor_days: int = 2
    passive_days: int | None = None

    def __post_init__(self) -> None:
        days = (self.detractor_days, 1 if self.passive_days is None else self.passive_days)
        if min(days) < 1:
            raise ValueError("deadlines must be at least one business day")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Policy:
        """``PULSO_FOLLOWUP_DAYS`` (default 2) and ``PULSO_FOLLOWUP_PASSIVE_DAYS`` (unset:
        no items for passives)."""
        passive = env.get("PULSO_FOLLOWUP_PASSIVE_DAYS")
        return cls(int(env.get("PULSO_FOLLOWUP_DAYS", 2)), int(passive) if passive else None)


def add_business_days(at: dt.datetime, days: int) -> dt.datetime:
    """``at`` plus ``days`` business days, weekends skipped (Friday + 2 -> Tuesday).

    A weekend moment counts from the Friday before, so Saturday + 1 is Monday.
    """
    while at.weekday() >= 5:
        at -= dt.timedelta(days=1)
    remaining = days
    while remaining > 0:
        at += dt.timedelta(days=1)
        if at.weekday() < 5:
            remaining -= 1
    return at


def sync_items(store: Store, policy: Policy = Policy(), now: dt.datetime | None = None) -> int:
    """Create the missing items (one per eligible response); returns how many.

    Items whose response is gone (an undone batch) are dropped if nobody acted on them
    yet; items with a history stay, as a record of what was done.
    """
    passive = policy.passive_days is not None
    params = [passive, policy.passive_days or 0, policy.detractor_days, now or _now()]
    with store.transaction() as cur:
        cur.execute(_DROP_ORPHANS_SQL)
        row = cur.execute(_SYNC_SQL, params).fetchone()
    return int(row[0]) if row else 0


_DROP_ORPHANS_SQL = """
delete from followup_items i
where not exists (select 1 from surveys s where s.response_id = i.response_id)
  and not exists (select 1 from followup_actions a where a.item_id = i.item_id)
"""


def version(store: Store) -> str:
    """Changes whenever an item is created or acted on (for caches)."""
    query = "select count(*), (select max(action_id) from followup_actions) from followup_items"
    return repr(store.cursor().execute(query).fetchone())


def assign(
    store: Store, item_id: int, owner: str, by: str = "", now: dt.datetime | None = None
) -> None:
    """Give the item to ``owner`` (any status: re-assigning is allowed)."""
    name = owner.strip()
    if not name:
        raise ValueError("followup.error.owner")
    sql = "update followup_items set owner = ? where item_id = ?"
    entry = Entry(item_id, "assigned", owner=name, by=by, at=now or _now())
    _act(store, entry, sql, [name, item_id], STATUSES)


def record_contact(
    store: Store, item_id: int, note: str = "", by: str = "", now: dt.datetime | None = None
) -> None:
    """The customer was contacted: an active item becomes ``contacted``."""
    at = now or _now()
    sql = (
        "update followup_items set status = 'contacted',"
        " contacted_at = coalesce(contacted_at, ?), note = ? where item_id = ?"
    )
    _act(store, Entry(item_id, "contacted", note=note, by=by, at=at), sql, [at, note, item_id])


def close(
    store: Store,
    item_id: int,
    recovered: bool,
    note: str = "",
    by: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Close an active item as recovered or not; closing counts as the contact if none."""
    at = now or _now()
    status: Status = "recovered" if recovered else "not_recovered"
    sql = (
        "update followup_items set status = ?, contacted_at = coalesce(contacted_at, ?),"
        " closed_at = ?, note = ? where item_id = ?"
    )
    entry = Entry(item_id, status, note=note, by=by, at=at)
    _act(store, entry, sql, [status, at, at, note, item_id])


@dataclass(frozen=True)
class Entry:
    """One line of an item's history."""

    item_id: int
    action: str
    at: dt.datetime
    owner: str | None = None
    note: str = ""
    by: str = ""


def _act(
    store: Store,
    entry: Entry,
    update: str,
    params: list[Any],
    allowed: tuple[Status, ...] = ACTIVE,
) -> None:
    """Check the status, apply one fixed update from this module and log it, atomically."""
    with store.transaction() as cur:
        _require(cur, entry.item_id, allowed)
        cur.execute(update, params)
        cur.execute(
            "insert into followup_actions (item_id, action, owner, note, acted_by, acted_at)"
            " values (?, ?, ?, ?, ?, ?)",
            [entry.item_id, entry.action, entry.owner, entry.note, entry.by, entry.at],
        )


def _require(cur: duckdb.DuckDBPyConnection, item_id: int, allowed: tuple[Status, ...]) -> None:
    """KeyError for an unknown item; ValueError (an i18n key) for a closed one."""
    row = cur.execute("select status from followup_items where item_id = ?", [item_id]).fetchone()
    if row is None:
        raise KeyError(f"no follow-up item with id {item_id}")
    if row[0] not in allowed:
        raise ValueError("followup.error.closed")


def history(store: Store, item_id: int) -> pl.DataFrame:
    """What was done to an item, oldest first."""
    return store.sql(
        "select acted_at, action, owner, note, acted_by from followup_actions"
        " where item_id = ? order by acted_at, action_id",
        [item_id],
    )


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
