"""The follow-up work queue: which items to show, how many per status, the export.

Every read takes the sidebar's filters (``ListFilter.scope``): the period selects
items by the day of their response, a call attribute (region, queue, team, agent...)
the items whose response came from such a call (as on every other page, a response
without a call is then left out), and a survey attribute (survey type) the items of
such responses.

*Overdue* means the deadline was missed: the first contact came after the due time,
or has not come and the due time is past. A customer called back 21 days late stays
overdue after the call; this is the complement of deadline compliance
(:mod:`analytics.feedback.compliance`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from analytics import dimensions, exports
from analytics.feedback.actions import ACTIVE, STATUSES, Status
from analytics.feedback.followup import REASONS
from analytics.i18n import Lang, t
from analytics.queries import Filters
from analytics.store import Store

#: Rows the page shows (oldest due first; the export holds them all). Every view of
#: the page writes the table cell by cell: 2,000 rows took 0.65 s of each rerun at 10M
#: calls, and the slowest page under 8 concurrent sessions was this one.
LIST_LIMIT = 500
# Bound value: now. Contacted after the deadline, or not contacted and past it.
OVERDUE_SQL = "coalesce(i.contacted_at, ?::timestamp) > i.due_at"
# The sidebar's dimensions as columns of the response (s) or its call (c): names from
# the dimension catalog, never from users. A left join: a survey attribute keeps the
# responses without a call, a call attribute (null there) leaves them out.
_ALIAS = {"surveys": "s", "calls": "c"}
_IN_SCOPE_SQL = (
    "i.response_id in (select s.response_id from surveys s"
    " left join calls c on c.call_id = s.call_id where {})"
)
# The same, from the answers kept with their call's attributes (when current): no join
# of every answer with every call (10M calls: a region's counts 0.39 s -> 0.1 s).
_IN_ANSWERS_SQL = "i.response_id in (select a.response_id from answers a where {})"


@dataclass(frozen=True)
class ListFilter:
    """Which items to list; an empty tuple means all."""

    statuses: tuple[Status, ...] = ACTIVE
    owners: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    overdue_only: bool = False
    min_age_days: int = 0
    item_ids: tuple[int, ...] = ()
    scope: Filters = field(default_factory=Filters)


EVERY = ListFilter(statuses=())


def list_items(
    store: Store,
    f: ListFilter = ListFilter(),
    now: dt.datetime | None = None,
    limit: int | None = LIST_LIMIT,
) -> pl.DataFrame:
    """The work queue, oldest due first, with the response's scores and comment.

    ``overdue``: the deadline was missed (see the module docstring). ``age_days``:
    days since the response.
    """
    at = now or _now()
    where, params = _where(f, at, _kept(store))
    # The where clause is built from fixed fragments in _where; every value is bound.
    sql = (
        f"select i.item_id, i.status, {OVERDUE_SQL} as overdue,"  # noqa: S608
        " i.reason, s.nps, s.csat, i.team, i.owner, i.customer_id,"
        " i.responded_at, i.due_at, i.contacted_at, i.closed_at,"
        " date_diff('day', i.responded_at, ?::timestamp) as age_days, s.comment, i.note,"
        " i.response_id"
        " from followup_items i left join surveys s on s.response_id = i.response_id"
        f" where {where} order by i.due_at, i.item_id limit ?"
    )
    return store.sql(sql, [at, at, *params, limit if limit is not None else 2**62])


def count_items(store: Store, f: ListFilter = ListFilter(), now: dt.datetime | None = None) -> int:
    """How many items :func:`list_items` would return without a limit."""
    where, params = _where(f, now or _now(), _kept(store))
    sql = f"select count(*) from followup_items i where {where}"  # noqa: S608 (fixed fragments)
    row = store.cursor().execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def status_counts(
    store: Store, scope: Filters | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Items per status, plus ``overdue`` (deadline missed, whatever the status) and
    ``overdue_open`` (still not contacted past the deadline: the ones to call now)."""
    at = now or _now()
    where, params = _where(ListFilter(statuses=(), scope=scope or Filters()), at, _kept(store))
    sql = (
        f"select i.status, count(*) as n, count(*) filter ({OVERDUE_SQL}) as late"  # noqa: S608
        f" from followup_items i where {where} group by i.status"
    )
    frame = store.sql(sql, [at, *params])
    counts = {str(s): 0 for s in STATUSES} | dict(zip(frame["status"], frame["n"], strict=True))
    late = dict(zip(frame["status"], frame["late"], strict=True))
    counts["overdue"] = int(sum(late.values()))
    counts["overdue_open"] = int(late.get("open", 0))
    return counts


def _kept(store: Store) -> bool:
    """Whether the answers kept with their call are current (see :func:`_scope`)."""
    return store.answers() is not None


def _where(f: ListFilter, at: dt.datetime, kept: bool = False) -> tuple[str, list[Any]]:
    """Fixed SQL fragments for the filters that are set, with their bound values."""
    parts: list[str] = ["true"]
    params: list[Any] = []
    for column, values in (("status", f.statuses), ("owner", f.owners), ("team", f.teams)):
        if values:
            parts.append(f"list_contains(?::varchar[], i.{column})")  # column: fixed above
            params.append(list(values))
    if f.item_ids:
        parts.append("list_contains(?::integer[], i.item_id)")
        params.append(list(f.item_ids))
    if f.overdue_only:
        parts.append(OVERDUE_SQL)
        params.append(at)
    if f.min_age_days > 0:
        parts.append("i.responded_at <= ?")
        params.append(at - dt.timedelta(days=f.min_age_days))
    in_scope, bound = _scope(f.scope, kept)
    return " and ".join(parts + in_scope), params + bound


def _scope(scope: Filters, kept: bool = False) -> tuple[list[str], list[Any]]:
    """The sidebar's period (on the response's day) and dimensions (the response's
    own, or its call's; ``kept``: read from the kept answers, which hold both)."""
    parts: list[str] = []
    params: list[Any] = []
    if scope.start is not None:
        parts.append("i.responded_at >= ?")
        params.append(dt.datetime.combine(scope.start, dt.time()))
    if scope.end is not None:
        parts.append("i.responded_at < ?")
        params.append(dt.datetime.combine(scope.end + dt.timedelta(days=1), dt.time()))
    chosen = scope.dimension_values("surveys")
    if chosen:
        alias = {d: "a" if kept else _ALIAS[dimensions.get(d).table] for d in chosen}
        tests = [f"list_contains(?::varchar[], {alias[d]}.{d})" for d in chosen]  # catalog names
        parts.append((_IN_ANSWERS_SQL if kept else _IN_SCOPE_SQL).format(" and ".join(tests)))
        params += [list(values) for values in chosen.values()]
    return parts, params


def owners(store: Store) -> list[str]:
    frame = store.sql(
        "select distinct owner from followup_items where owner is not null order by owner"
    )
    return frame["owner"].to_list() if frame.height else []


def owner_options(store: Store, team: str | None) -> list[tuple[str, str]]:
    """Who an item can be given to, as ``(name, kind)``: the item's team and its agents
    first, then the other teams, the other agents and anyone assigned before.

    ``kind`` is ``team``, ``agent`` or ``owner``; a name appears once.
    """
    known = store.sql(
        "select distinct team, agent_id from calls where team is not null or agent_id is not null"
    )
    teams = sorted({x for x in known["team"].to_list() if x})
    agents = known.filter(pl.col("agent_id").is_not_null())
    own = agents.filter(pl.col("team") == team) if team else agents.clear()
    mine = sorted(own["agent_id"].unique().to_list())
    rest = sorted(set(agents["agent_id"].to_list()) - set(mine))
    ordered = [
        *([(team, "team")] if team in teams else []),
        *[(a, "agent") for a in mine],
        *[(x, "team") for x in teams if x != team],
        *[(a, "agent") for a in rest],
        *[(o, "owner") for o in owners(store)],
    ]
    first: dict[str, str] = {}
    for name, kind in ordered:
        first.setdefault(name, kind)
    return list(first.items())


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


# The export: the listed items in the reader's language, for people, not machines.
EXPORTED = (
    "item_id",
    "customer_id",
    "status",
    "overdue",
    "reason",
    "nps",
    "csat",
    "team",
    "owner",
    "responded_at",
    "due_at",
    "contacted_at",
    "closed_at",
    "age_days",
    "comment",
    "note",
    "response_id",
)


def readable(items: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """Status, reason and overdue in words; moments as the page shows them."""
    status = {s: t(f"followup.status.{s}", lang) for s in STATUSES}
    reason = {r: t(f"followup.reason.{r}", lang) for r in REASONS}
    yes, no = t("followup.yes", lang), t("followup.no", lang)
    return items.select(EXPORTED).with_columns(
        pl.col("status").replace_strict(status),
        pl.col("reason").replace_strict(reason),
        pl.when(pl.col("overdue")).then(pl.lit(yes)).otherwise(pl.lit(no)).alias("overdue"),
    )


def export(
    store: Store, f: ListFilter = EVERY, lang: Lang = "en", now: dt.datetime | None = None
) -> bytes:
    """The listed items as a formula-safe CSV in the reader's language."""
    frame = readable(list_items(store, f, now, limit=None), lang)
    headers = {c: t(f"followup.col.{c}", lang) for c in EXPORTED}
    return exports.to_csv(frame, lang, headers)
