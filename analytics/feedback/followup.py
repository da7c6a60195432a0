"""Closing the loop: a follow-up item for every detractor or dissatisfied customer.

:func:`sync_items` creates the missing items set-based (``insert ... select ... where
not exists``), so it is cheap and idempotent: call it after demo data and after every
load. Every NPS 0-6 (detractor) or CSAT 1-2 (dissatisfied) response gets an item due
``Policy.detractor_days`` business days after the response; passives (NPS 7-8 or CSAT
3) get one only when ``Policy.passive_days`` is set. Business days skip weekends and
the public holidays of the item's region (its call's; table ``holidays``, ``*`` for
every region). The deadlines are set in the app (settings document ``followup``,
:meth:`Policy.from_store`), the environment's ``PULSO_FOLLOWUP_*`` being the defaults;
a due date is set once, when its item is created.

Items move ``open -> contacted -> recovered | not_recovered`` (closing straight from
``open`` counts as the contact too). Every write is one transaction with bound values
and adds an action to the item's history. The work queue and what counts as overdue
are in :mod:`analytics.feedback.queue`; compliance and recovery rates in
:mod:`analytics.feedback.compliance`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import duckdb
import polars as pl

from analytics import access, audit, settings
from analytics.settings import Invalid
from analytics.store import Store

Status = Literal["open", "contacted", "recovered", "not_recovered"]
STATUSES: tuple[Status, ...] = get_args(Status)
ACTIVE: tuple[Status, ...] = ("open", "contacted")
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

    @classmethod
    def from_store(cls, store: Store, env: Mapping[str, str] = os.environ) -> Policy:
        """The deadlines saved in the app (settings document ``followup``), else the
        environment's (:meth:`from_env`); a saved document that no longer passes
        :func:`check_policy` (a hand edit) is ignored, not fatal."""
        doc = settings.get(store, SETTING)
        if doc is not None:
            try:
                return check_policy(doc.get("detractor_days"), doc.get("passive_days"))
            except Invalid:
                pass
        return cls.from_env(env)


#: The settings document of the deadlines, and the days a deadline may be.
SETTING = "followup"
MOST_DAYS = 30


def check_policy(detractor_days: object, passive_days: object = None) -> Policy:
    """A policy from values typed in the app or read from the store, or
    :class:`Invalid`: whole business days from 1 to :data:`MOST_DAYS`, passives None
    (no items) or the same."""

    def days(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MOST_DAYS:
            raise Invalid("followup.error.days", most=MOST_DAYS)
        return value

    return Policy(days(detractor_days), None if passive_days is None else days(passive_days))


def save_policy(store: Store, policy: Policy, by: str | None = None) -> Policy:
    """Check and save the deadlines (:class:`Invalid`, nothing saved, when wrong); new
    items get them, existing items keep their due dates."""
    checked = check_policy(policy.detractor_days, policy.passive_days)
    value = {"detractor_days": checked.detractor_days, "passive_days": checked.passive_days}
    settings.put(store, SETTING, value, by)
    return checked


def reset_policy(store: Store) -> None:
    """Forget the saved deadlines: the environment's apply again."""
    settings.delete(store, SETTING)


def add_business_days(
    at: dt.datetime, days: int, holidays: Collection[dt.date] = ()
) -> dt.datetime:
    """``at`` plus ``days`` business days, weekends and ``holidays`` (the item's
    region's, and every region's) skipped: Friday + 2 -> Tuesday, or Wednesday when
    Monday is a holiday.

    A moment on a weekend or holiday counts from the business day before, at the same
    time of day, so Saturday + 1 is Monday.
    """

    def business(moment: dt.datetime) -> bool:
        return moment.weekday() < 5 and moment.date() not in holidays

    while not business(at):
        at -= dt.timedelta(days=1)
    remaining = days
    while remaining > 0:
        at += dt.timedelta(days=1)
        if business(at):
            remaining -= 1
    return at


def sync_items(store: Store, policy: Policy = Policy(), now: dt.datetime | None = None) -> int:
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
    """Check the role and the status, apply one fixed update from this module and log
    it (its history and the audit log), atomically. An item outside the actor's scope
    is unknown to them (KeyError), as on their pages."""
    actor = access.require(store, "followup")
    if store.cursor().execute(_ITEM, [entry.item_id]).fetchone() is None:  # scoped read
        raise KeyError(f"no follow-up item with id {entry.item_id}")
    with store.transaction() as cur:
        _require(cur, entry.item_id, allowed)
        before = audit.row(cur, _ITEM, [entry.item_id])
        cur.execute(update, params)
        by = access.author(store, entry.by)
        cur.execute(
            "insert into followup_actions (item_id, action, owner, note, acted_by, acted_at)"
            " values (?, ?, ?, ?, ?, ?)",
            [entry.item_id, entry.action, entry.owner, entry.note, by, entry.at],
        )
        after = audit.row(cur, _ITEM, [entry.item_id])
        audit.record(cur, actor, f"followup.{entry.action}", entry.item_id, before, after)


_ITEM = "select status, owner, note from followup_items where item_id = ?"


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


# -- public holidays per region ----------------------------------------------------------
# Deadlines skip the holidays of the item's region (its call's) and those of every
# region (EVERY_REGION); an item without a call (a relational survey) skips only the
# latter. Holidays apply to items created after they are entered: due dates are set
# once, when the item is created.

EVERY_REGION = "*"
#: The years a country's holidays can be imported for.
YEARS = (2000, 2100)
#: Holiday names in the reader's language where the country's calendar has them.
_CALENDAR_LANG = {"en": "en_US", "es": "es"}


@dataclass(frozen=True)
class Holiday:
    """A day without business in ``region`` (:data:`EVERY_REGION`: in all of them)."""

    day: dt.date
    region: str = EVERY_REGION
    name: str = ""


def check_holiday(holiday: Holiday) -> Holiday:
    """``holiday`` tidied, or :class:`Invalid`: a date, and a region."""
    if not isinstance(holiday.day, dt.date) or isinstance(holiday.day, dt.datetime):
        raise Invalid("followup.error.holiday_day")
    region = (holiday.region or "").strip()
    if not region:
        raise Invalid("followup.error.holiday_region")
    return Holiday(holiday.day, region, (holiday.name or "").strip())


def read_holidays(store: Store, region: str | None = None) -> list[Holiday]:
    """Every holiday by day, or those observed in ``region`` (its own and every region's)."""
    query = "select day, region, coalesce(name, '') from holidays"
    params: list[Any] = []
    if region is not None:
        query += " where region in (?, ?)"
        params = [region, EVERY_REGION]
    rows = store.cursor().execute(query + " order by day, region", params).fetchall()
    return [Holiday(day, reg, name) for day, reg, name in rows]


def holiday_days(store: Store, region: str | None) -> frozenset[dt.date]:
    """The days ``region``'s items skip (None: no call, only every region's holidays)."""
    wanted = EVERY_REGION if region is None else region
    return frozenset(h.day for h in read_holidays(store, wanted))


def add_holiday(store: Store, holiday: Holiday) -> Holiday:
    """Store one holiday (:class:`Invalid`, nothing stored, when wrong or already there)."""
    actor = access.require(store, "settings")
    h = check_holiday(holiday)
    with store.transaction() as cur:
        known = cur.execute(
            "select 1 from holidays where day = ? and region = ?", [h.day, h.region]
        ).fetchone()
        if known is not None:
            raise Invalid("followup.error.holiday_exists")
        cur.execute(
            "insert into holidays (day, region, name) values (?, ?, ?)",
            [h.day, h.region, h.name or None],
        )
        after = {"day": h.day, "region": h.region, "name": h.name}
        audit.record(cur, actor, "holidays.add", f"{h.day} {h.region}", None, after)
    return h


def delete_holiday(store: Store, day: dt.date, region: str) -> None:
    """Remove one holiday (an unknown one is a KeyError)."""
    actor = access.require(store, "settings")
    with store.transaction() as cur:
        row = cur.execute(
            "delete from holidays where day = ? and region = ? returning day, name", [day, region]
        ).fetchone()
        if row is not None:
            before = {"day": day, "region": region, "name": row[1]}
            audit.record(cur, actor, "holidays.delete", f"{day} {region}", before, None)
    if row is None:
        raise KeyError(f"no holiday on {day} in {region!r}")


def countries() -> dict[str, tuple[str, list[str]]]:
    """The countries whose public holidays can be imported: ISO 3166 code -> English
    name and subdivision codes (from the maintained ``holidays`` package)."""
    import holidays as calendars  # 0.1 s: only where holidays are imported
    from holidays import registry

    subdivisions = calendars.list_supported_countries()
    named = {entry[1]: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", entry[0])
             for entry in registry.COUNTRIES.values()}  # fmt: skip
    return {code: (named[code], list(subdivisions.get(code, []))) for code in sorted(named)}


def import_holidays(
    store: Store,
    country: str,
    year: int,
    subdivision: str | None = None,
    region: str = EVERY_REGION,
    lang: str = "en",
) -> int:
    """Add ``country``'s public holidays in ``year`` (with ``subdivision``'s, when
    given) to ``region``; days already there are kept as they are. Returns how many
    were added; :class:`Invalid` for an unknown country, subdivision or year."""
    import holidays as calendars

    actor = access.require(store, "settings")
    if isinstance(year, bool) or not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]:
        raise Invalid("followup.error.year", low=str(YEARS[0]), high=str(YEARS[1]))
    where = check_holiday(Holiday(dt.date(year, 1, 1), region)).region
    try:
        found = calendars.country_holidays(
            country, subdiv=subdivision or None, years=year, language=_CALENDAR_LANG.get(lang)
        )
    except NotImplementedError as exc:
        key = "followup.error.subdivision" if subdivision else "followup.error.country"
        raise Invalid(key, country=country, subdivision=subdivision or "") from exc
    rows = pl.DataFrame(
        {"day": sorted(found), "name": [found[d] for d in sorted(found)]},
        schema={"day": pl.Date, "name": pl.String},
    ).with_columns(region=pl.lit(where))
    with store.transaction() as cur:
        before = _holiday_count(cur)
        cur.register("imported", rows.to_arrow())
        cur.execute(
            "insert into holidays (day, region, name) select day, region, name from imported"
            " on conflict do nothing"
        )
        cur.unregister("imported")
        added = _holiday_count(cur) - before
        after = {"country": country, "year": year, "subdivision": subdivision, "added": added}
        audit.record(cur, actor, "holidays.import", where, None, after)
        return added


def _holiday_count(cur: duckdb.DuckDBPyConnection) -> int:
    rows = cur.execute("select count(*) from holidays").fetchall()  # the result, done
    return int(rows[0][0])
