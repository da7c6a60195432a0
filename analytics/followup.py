"""Closing the loop: a follow-up item for every detractor or dissatisfied customer.

:func:`sync_items` creates the missing items set-based (``insert ... select ... where
not exists``), so it is cheap and idempotent: call it after demo data and after every
load. Every NPS 0-6 (detractor) or CSAT 1-2 (dissatisfied) response gets an item due
``Policy.detractor_days`` business days (weekends skipped) after the response; passives
(NPS 7-8 or CSAT 3) get one only when ``Policy.passive_days`` is set.

Items move ``open -> contacted -> recovered | not_recovered`` (closing straight from
``open`` counts as the contact too); an ``open`` item past its due time is overdue.
Every write is one transaction with bound values and adds an action to the item's
history. Compliance means the first contact came by the due time; recovery means a
closed item ended ``recovered``. Both are reported per week of the response, with
Wilson intervals from :func:`analytics.metrics.proportion`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import duckdb
import ibis
import ibis.expr.types as ir
import polars as pl

from analytics.metrics import proportion
from analytics.overview import Reader
from analytics.queries import GRAIN_OFFSET, GRAIN_UNIT, Grain
from analytics.store import Store

Status = Literal["open", "contacted", "recovered", "not_recovered"]
STATUSES: tuple[Status, ...] = get_args(Status)
ACTIVE: tuple[Status, ...] = ("open", "contacted")
Reason = Literal["detractor", "dissatisfied", "passive"]
REASONS: tuple[Reason, ...] = get_args(Reason)
LIST_LIMIT = 2_000

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


@dataclass(frozen=True)
class ListFilter:
    """Which items to list; an empty tuple means all."""

    statuses: tuple[Status, ...] = ACTIVE
    owners: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    overdue_only: bool = False
    min_age_days: int = 0


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


def list_items(
    store: Store,
    f: ListFilter = ListFilter(),
    now: dt.datetime | None = None,
    limit: int | None = LIST_LIMIT,
) -> pl.DataFrame:
    """The work queue, oldest due first, with the response's scores and comment.

    ``overdue``: still not contacted at its due time. ``age_days``: days since the
    response.
    """
    at = now or _now()
    where, params = _where(f, at)
    # The where clause is built from fixed fragments in _where; every value is bound.
    sql = (
        "select i.item_id, i.status, i.due_at < ? and i.status = 'open'"  # noqa: S608
        " as overdue, i.reason, s.nps, s.csat, i.team, i.owner, i.customer_id,"
        " i.responded_at, i.due_at, i.contacted_at, i.closed_at,"
        " date_diff('day', i.responded_at, ?::timestamp) as age_days, s.comment, i.note,"
        " i.response_id"
        " from followup_items i left join surveys s on s.response_id = i.response_id"
        f" where {where} order by i.due_at, i.item_id limit ?"
    )
    return store.sql(sql, [at, at, *params, limit if limit is not None else 2**62])


def count_items(store: Store, f: ListFilter = ListFilter(), now: dt.datetime | None = None) -> int:
    """How many items :func:`list_items` would return without a limit."""
    where, params = _where(f, now or _now())
    sql = f"select count(*) from followup_items i where {where}"  # noqa: S608 (fixed fragments)
    row = store.cursor().execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def _where(f: ListFilter, at: dt.datetime) -> tuple[str, list[Any]]:
    """Fixed SQL fragments for the filters that are set, with their bound values."""
    parts: list[str] = ["true"]
    params: list[Any] = []
    for column, values in (("status", f.statuses), ("owner", f.owners), ("team", f.teams)):
        if values:
            parts.append(f"list_contains(?::varchar[], i.{column})")  # column: fixed above
            params.append(list(values))
    if f.overdue_only:
        parts.append("i.due_at < ? and i.status = 'open'")
        params.append(at)
    if f.min_age_days > 0:
        parts.append("i.responded_at <= ?")
        params.append(at - dt.timedelta(days=f.min_age_days))
    return " and ".join(parts), params


def history(store: Store, item_id: int) -> pl.DataFrame:
    """What was done to an item, oldest first."""
    return store.sql(
        "select acted_at, action, owner, note, acted_by from followup_actions"
        " where item_id = ? order by acted_at, action_id",
        [item_id],
    )


def owners(store: Store) -> list[str]:
    frame = store.sql(
        "select distinct owner from followup_items where owner is not null order by owner"
    )
    return frame["owner"].to_list() if frame.height else []


def status_counts(store: Store, now: dt.datetime | None = None) -> dict[str, int]:
    """Items per status, plus ``overdue`` (not contacted by the due time)."""
    items = store.table("followup_items")
    late = (items.due_at < _ts(now or _now())) & (items.status == "open")
    expr = items.group_by("status").aggregate(n=items.count(), overdue=late.sum())
    frame = store.read(expr)
    counts: dict[str, int] = {str(s): 0 for s in STATUSES} | dict(
        zip(frame["status"], frame["n"], strict=True)
    )
    counts["overdue"] = int(frame["overdue"].sum() or 0)
    return counts


def compliance_stats(reader: Reader, grain: Grain, now: dt.datetime) -> ir.Table:
    """Per period of the response: items whose deadline is decided, those contacted
    in time, closed items and recovered ones (sufficient statistics)."""
    items = reader.table("followup_items")
    period = items.responded_at.truncate(GRAIN_UNIT[grain]).cast("date")
    on_time = items.contacted_at.notnull() & (items.contacted_at <= items.due_at)
    decided = items.contacted_at.notnull() | (items.due_at < _ts(now))
    closed = items.status.isin(("recovered", "not_recovered"))
    return (
        items.mutate(period=period)
        .group_by("period")
        .aggregate(
            n_due=decided.sum(),
            n_on_time=(decided & on_time).sum(),
            n_closed=closed.sum(),
            n_recovered=(items.status == "recovered").sum(),
        )
    )


def compliance(store: Store, grain: Grain = "week", now: dt.datetime | None = None) -> pl.DataFrame:
    """Deadline compliance and recovery rate per period, in percent with Wilson CIs.

    Columns ``period, kpi ('compliance' | 'recovery'), value, low, high, se, n,
    low_sample, partial`` (the shape :func:`analytics.charts.trend` draws). Periods with
    no decided item have ``n = 0`` and NaN values.
    """
    at = now or _now()
    stats = store.read(compliance_stats(store, grain, at)).sort("period")
    rows = []
    for r in stats.iter_rows(named=True):
        for kpi, x, n in (
            ("compliance", r["n_on_time"], r["n_due"]),
            ("recovery", r["n_recovered"], r["n_closed"]),
        ):
            e = proportion(int(x or 0), int(n or 0))
            end = _period_end(r["period"], grain)
            rows.append(
                dict(
                    period=r["period"],
                    kpi=kpi,
                    value=e.value,
                    low=e.low,
                    high=e.high,
                    se=e.se,
                    n=e.n,
                    low_sample=e.low_sample,
                    partial=end > at.date(),
                )
            )
    return pl.DataFrame(rows, schema=_RATE_SCHEMA)


_F, _B = pl.Float64, pl.Boolean
_RATE_SCHEMA = dict(period=pl.Date, kpi=pl.String, value=_F, low=_F, high=_F, se=_F, n=pl.Int64)
_RATE_SCHEMA |= dict(low_sample=_B, partial=_B)


def _period_end(start: dt.date, grain: Grain) -> dt.date:
    end = pl.Series([start]).dt.offset_by(GRAIN_OFFSET[grain]).item()
    return end - dt.timedelta(days=1)


def _ts(at: dt.datetime) -> ir.Value:
    return ibis.literal(at, type="timestamp")


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def to_csv(frame: pl.DataFrame) -> bytes:
    """CSV (UTF-8 with BOM, for Excel) with every text cell and header that a
    spreadsheet would run as a formula quoted (the ingest package's rule)."""
    from analytics.ingest import neutralise_for_export  # ingest loads only on export

    return b"\xef\xbb\xbf" + neutralise_for_export(frame).write_csv().encode("utf-8")


def export(
    store: Store, f: ListFilter = ListFilter(statuses=()), now: dt.datetime | None = None
) -> bytes:
    """The listed items as a formula-safe CSV."""
    return to_csv(list_items(store, f, now, limit=None))
