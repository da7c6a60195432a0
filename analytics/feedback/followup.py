"""Closing the loop: a follow-up item for every detractor or dissatisfied customer.

:func:`sync_items` creates the missing items set-based (``insert ... select ... where
not exists``), so it is cheap and idempotent: call it after demo data and after every
load. Every NPS 0-6 (detractor) or CSAT 1-2 (dissatisfied) response gets an item due
``Policy.detractor_days`` business days after the response; passives (NPS 7-8 or CSAT
3) get one only when ``Policy.passive_days`` is set. Business days skip weekends and
the public holidays of the item's region (its call's; table ``holidays``, ``*`` for
every region). A due date is set once, when its item is created.

The rest of the loop has its own modules, whose names this one re-exports (the pages,
the command line and notebooks call them as ``followup.<name>``):

- :mod:`analytics.feedback.deadlines`: the deadlines (:class:`Policy`), saved in the
  app, and business days;
- :mod:`analytics.feedback.region_holidays`: public holidays per region, which deadlines skip;
- :mod:`analytics.feedback.actions`: the statuses and the actions on an item (assign,
  contact, close), with its history.

The work queue and what counts as overdue are in :mod:`analytics.feedback.queue`;
compliance and recovery rates in :mod:`analytics.feedback.compliance`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import duckdb

from analytics.feedback.actions import (
    ACTIVE,
    STATUSES,
    Entry,
    Status,
    assign,
    close,
    history,
    record_contact,
)
from analytics.feedback.deadlines import (
    MOST_DAYS,
    SETTING,
    Policy,
    add_business_days,
    check_policy,
    reset_policy,
    save_policy,
)
from analytics.feedback.region_holidays import (
    EVERY_REGION,
    YEARS,
    Holiday,
    add_holiday,
    check_holiday,
    countries,
    delete_holiday,
    holiday_days,
    import_holidays,
    read_holidays,
)
from analytics.store import Store

__all__ = [
    "ACTIVE", "EVERY_REGION", "MOST_DAYS", "REASONS", "SETTING", "STATUSES", "YEARS",
    "Entry", "Holiday", "Policy", "Reason", "Status", "add_business_days", "add_holiday",
    "assign", "check_holiday", "check_policy", "close", "countries", "delete_holiday",
    "history", "holiday_days", "import_holidays", "read_holidays", "record_contact",
    "reset_policy", "save_policy", "sync_items", "version",
]  # fmt: skip

Reason = Literal["detractor", "dissatisfied", "passive"]
REASONS: tuple[Reason, ...] = get_args(Reason)

# Business days in SQL (the set-based twin of add_business_days): a calendar per region
# of the new items (null: no call, so no region) over the days they need, numbering
# business days - weekdays that are not a holiday of the region or of every region
# ('*') - with a running count. A response's day gets the number of the last business
# day on or before it (a weekend or holiday moment counts from the business day
# before, at the same time of day); its due day is the business day ``n`` further on.
_SYNC_SQL = """
insert into followup_items (response_id, reason, team, customer_id, responded_at,
    created_at, due_at)
with eligible as (
    select s.response_id, s.responded_at, c.team, c.region,
        coalesce(s.customer_id, c.customer_id) as customer_id,
        case when s.nps <= 6 then 'detractor'
             when s.csat <= 2 then 'dissatisfied'
             else 'passive' end as reason
    from surveys s
    left join calls c on c.call_id = s.call_id
    where (s.nps <= 6 or s.csat <= 2
           or ($passive and (s.nps between 7 and 8 or s.csat = 3)))
      and not exists (select 1 from followup_items f where f.response_id = s.response_id)
),
span as (
    -- back a year for the business day before a response; forward n business days:
    -- at most 2n + 4 days of weekends, and 3 more per holiday (one before a weekend)
    select min(responded_at)::date - 366 as lo,
        max(responded_at)::date + (2 * $most + 4
            + 3 * (select count(*) from holidays
                   where day >= (select min(responded_at)::date from eligible)))::integer as hi
    from eligible
),
calendar as (
    select r.region, g.day::date as day,
        isodow(g.day) <= 5 and not exists (
            select 1 from holidays h
            where h.day = g.day::date and (h.region = '*' or h.region = r.region)
        ) as business
    from (select distinct region from eligible) r
    cross join span
    cross join generate_series(span.lo::timestamp, span.hi::timestamp, interval 1 day) g(day)
),
numbered as (
    select region, day, business,
        sum(business::integer) over (partition by region order by day) as idx
    from calendar
)
select e.response_id, e.reason, e.team, e.customer_id, e.responded_at, $now,
    due.day + (e.responded_at - date_trunc('day', e.responded_at)) as due_at
from eligible e
join numbered here on here.region is not distinct from e.region
    and here.day = e.responded_at::date
join numbered due on due.region is not distinct from e.region and due.business
    and due.idx = here.idx
        + case when e.reason = 'passive' then $passive_days else $detractor_days end
order by e.responded_at, e.response_id  -- item ids in the order of the responses
"""


def sync_items(
    store: Store,
    policy: Policy = Policy(),  # noqa: B008 (frozen: the default is never changed)
    now: dt.datetime | None = None,
) -> int:
    """Create the missing items (one per eligible response); returns how many.

    Items whose response is gone (an undone batch) are dropped if nobody acted on them
    yet; items with a history stay, as a record of what was done.
    """
    passive = policy.passive_days is not None
    params = {
        "passive": passive,
        "passive_days": policy.passive_days or 0,
        "detractor_days": policy.detractor_days,
        "most": max(policy.detractor_days, policy.passive_days or 0),
        "now": now or _now(),
    }
    with store.transaction() as cur:
        synced = cur.execute("select made_from from followup_synced").fetchall()
        if synced == [(_made_from(cur, policy),)]:
            return 0  # the same answers, items and deadlines as after the last sync
        cur.execute(_DROP_ORPHANS_SQL)
        row = cur.execute(_SYNC_SQL, params).fetchone()
        cur.execute("delete from followup_synced")
        cur.execute("insert into followup_synced values (?)", [_made_from(cur, policy)])
    return int(row[0]) if row else 0


def _made_from(cur: duckdb.DuckDBPyConnection, policy: Policy) -> str:
    """What the items are made from: a fingerprint of the answers' columns that decide
    an item (0.13 s at 10M calls, where the sync itself takes 1.3 s), the items' count
    (one removed by hand is made again) and the deadlines."""
    (row,) = cur.execute(
        "select (select count(*) from followup_items), count(*), "
        "sum(hash(response_id, nps, csat, responded_at)) from surveys"
    ).fetchall()
    return f"{row}|{policy}"


_DROP_ORPHANS_SQL = """
delete from followup_items i
where not exists (select 1 from surveys s where s.response_id = i.response_id)
  and not exists (select 1 from followup_actions a where a.item_id = i.item_id)
"""


def version(store: Store) -> str:
    """Changes whenever an item is created or acted on (for caches)."""
    query = "select count(*), (select max(action_id) from followup_actions) from followup_items"
    return repr(store.cursor().execute(query).fetchone())


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
