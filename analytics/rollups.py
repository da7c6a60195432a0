"""What every read used to recompute, kept up to date when data changes instead.

At 10M calls a page spent most of its time on work that only changes when a batch is
loaded or undone: the 7-day repeat-contact window for first-contact resolution, the
"surveyed" flag, and the sums over millions of rows behind each tile and bar. So, inside
the transaction of every load and undo:

- **flags on the calls** (:mod:`analytics.call_flags`: ``repeat_7d``; ``prior_7d``, the
  drivers' "called in the 7 days before"; ``surveyed``) are refreshed for the calls the
  batch touched and for every call of the customers it touched: a new call can turn an
  older call of the same customer into a repeat, and undoing it turns it back. A call
  is written with its flags false (the store's default), the value most calls keep, so
  that a load writes only the flags that are true;
- **answers with their call** (:mod:`analytics.answers`) are rewritten for the answers
  the batch wrote and for the answers of every call it wrote or whose ``prior_7d``
  moved, before the survey rollups are built from them;
- **the store's horizon and link state** (``rollup_meta``: the FCR horizon, whether any
  survey names its call) are stored once, so a reader scoped to one region counts the
  same repeats and the same horizon as everyone else;
- **day rollups** of the sufficient statistics are rebuilt for the days whose rows or
  flags changed: per day x region x channel x queue x product x segment (the center's
  view), and per day x team x agent (rankings); surveys' also by survey type.

A rollup row holds exactly what :func:`analytics.queries.call_stats` /
``survey_stats`` compute for its group, so summing rows gives the statistics of any
union of groups: the same numbers as the raw rows (tests/test_rollups.py checks it over
random filters, periods and grains, after loads, updates and undos). The read path
(:func:`analytics.queries.facts`) takes a rollup only when the query can be answered
from one of them (:func:`choose`: every filter and breakdown on dimensions it keeps).
A region filter with an agent breakdown, and pages that need single answers (drivers,
comments), read the raw rows.

Everything here is written as Ibis expressions compiled to SQL for the write cursor,
the same expressions the read path uses: the rollup cannot drift from the raw read.
Each statement is compiled once per process and table layout
(:func:`analytics.kept_sql.compiled`), the
FCR horizon bound when it runs; the flag queries return only the calls whose flags
changed, with their day, so that no second pass over the calls finds them.
A direct write to ``calls`` or ``surveys`` outside a load (the demo generator, a test
fixture) must call :func:`rebuild`; until it does, :meth:`Store.derived` sees that the
row counts moved and the reads fall back to the raw rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import duckdb
import ibis
import ibis.expr.types as ir

from analytics import answers, call_flags, kept_sql, queries
from analytics.dimensions import Source

if TYPE_CHECKING:
    from analytics.queries import Filters, Reader


@dataclass(frozen=True)
class Rollup:
    """One day rollup: per source, the dimensions it keeps besides the day."""

    name: str
    dims: dict[Source, tuple[str, ...]]

    def table(self, source: Source) -> str:
        return f"rollup_{source}_{self.name}"


#: The call attributes of the center's view (team and agent would make the rollup as
#: large as the calls themselves), and, apart, the agents with their team (rankings).
CENTER = ("region", "channel", "queue", "product", "segment")
ROLLUPS: tuple[Rollup, ...] = (
    Rollup("day", {"calls": CENTER, "surveys": (*CENTER, *queries.SURVEY_DIMENSIONS)}),
    Rollup(
        "agent_day",
        {
            "calls": ("team", "agent_id"),
            "surveys": ("team", "agent_id", *queries.SURVEY_DIMENSIONS),
        },
    ),
)
META = "rollup_meta"
# Temporary tables of one refresh (on the write cursor, inside its transaction).
_DAYS: dict[Source, str] = {"calls": "pulso_days_calls", "surveys": "pulso_days_surveys"}
_TOUCHED_CALLS = "pulso_touched_calls"  # day
_MOVED_CUSTOMERS = "pulso_moved_customers"  # call_id, customer_id, started_at
_MOVED_CALLS = "pulso_moved_calls"  # call_id and the rollups' call attributes
_TOUCHED_SURVEYS = "pulso_touched_surveys"  # call_id, day
_NEW_CALLS = "pulso_new_calls"  # call_id: the calls the batch inserted


def choose(filters: Filters, by: tuple[str, ...], source: Source) -> list[Rollup]:
    """The rollups that answer ``source``'s statistics for ``filters`` grouped by ``by``
    exactly: every chosen dimension and every group column is one they keep (dates are
    whole days, and weeks and months are unions of days); the smallest first."""
    needed = set(filters.dimension_values(source)) | set(by)
    return [r for r in ROLLUPS if needed <= set(r.dims[source])]


def table_for(
    reader: Reader, source: Source, filters: Filters, by: tuple[str, ...]
) -> ir.Table | None:
    """The reader's first current rollup of ``source`` that answers the query (a
    scoped reader has only those that keep its scope), else None: the raw rows."""
    get = getattr(reader, "rollup", None)
    if not callable(get):
        return None
    for rollup in choose(filters, by, source):
        table: ir.Table | None = get(rollup, source)
        if table is not None:
            return table
    return None


# -- building -----------------------------------------------------------------------


def rebuild(cur: duckdb.DuckDBPyConnection) -> None:
    """Every flag, the meta row and every rollup from scratch (the migration, the demo
    generator, a direct write)."""
    tables = kept_sql.Tables(cur)
    call_flags.update_customer(cur, None)
    call_flags.update_surveyed(cur, tables, None)
    answers.rebuild(cur, tables)
    meta = _write_meta(cur)
    for rollup in ROLLUPS:
        for source in kept_sql.SOURCES:
            kept_sql.replace(
                cur,
                tables,
                rollup.table(source),
                partial(_rollup, tables, rollup, source, _unbound(meta.linked)),
                key=(meta.linked,),
                finish=partial(_horizon_parameter, source),
                params=_bound(meta, source),
            )
    _drop_temp(cur)


#: What a change to a call can move: the customer flags (its customer and time), and
#: the surveys' groups (its attributes).
_WHO_WHEN = ("call_id", "customer_id", "started_at")
_GROUPS = ("call_id", *dict.fromkeys(d for r in ROLLUPS for d in r.dims["calls"]))


def collect(cur: duckdb.DuckDBPyConnection, target: Source, batch_id: int) -> None:
    """Note the rows batch ``batch_id`` wrote, in their current and former values
    (its rows and its before-images): call it after a load writes, before an undo.

    For calls, also what moved: the customers whose calls changed customer or time
    (inserted and deleted calls included), and the calls whose attributes changed (their
    surveys change group). A load that only corrects waits or outcomes moves neither."""
    before = "ingest_before_calls" if target == "calls" else "ingest_before_surveys"
    key, answer_ids = (
        ("call_id", answers.CALLS) if target == "calls" else ("response_id", answers.IDS)
    )
    # no before-image: the batch only inserted (a load of new rows, or its undo)
    inserted_only = not _any_row(cur, f"select 1 from {before} where batch_id = ?", batch_id)  # noqa: S608
    # the answers' reads take these ids in a semi-join: a repeated id costs nothing, so
    # no union (de-duplicating a million ids was 0.1 s of a load)
    ids = f"select {key} from {{}} where batch_id = ? and {key} is not null"  # noqa: S608
    cur.execute(
        f"create or replace temp table {answer_ids} as {ids.format(target)}"
        + ("" if inserted_only else f" union all {ids.format(before)}"),
        [batch_id] if inserted_only else [batch_id, batch_id],
    )
    if target == "surveys":
        rows = "select call_id, date_trunc('day', responded_at) as day from {} where batch_id = ?"
        cur.execute(
            f"create or replace temp table {_TOUCHED_SURVEYS} as "
            f"{rows.format('surveys')} union {rows.format(before)}",
            [batch_id, batch_id],
        )
        return
    rows = "select date_trunc('day', started_at) as day from {} where batch_id = ?"
    cur.execute(
        f"create or replace temp table {_TOUCHED_CALLS} as "
        f"{rows.format('calls')} union {rows.format(before)}",
        [batch_id, batch_id],
    )
    if inserted_only:  # every row is new: it moved its customer and its group
        batch = "from calls where batch_id = ?"
        cur.execute(
            f"create or replace temp table {_NEW_CALLS} as select call_id {batch}", [batch_id]
        )
        cur.execute(f"create or replace temp table {_MOVED_CALLS} as from {_NEW_CALLS}")
        cur.execute(
            f"create or replace temp table {_MOVED_CUSTOMERS} as select call_id, customer_id {batch}",
            [batch_id],
        )
        return
    # one full join of the batch's rows with their before-images
    who = " or ".join(f"n.{c} is distinct from w.{c}" for c in _WHO_WHEN)
    group = " or ".join(f"n.{c} is distinct from w.{c}" for c in _GROUPS)
    columns = ", ".join(dict.fromkeys((*_WHO_WHEN, *_GROUPS)))
    cur.execute(
        "create or replace temp table pulso_moved as select "  # noqa: S608
        "coalesce(n.call_id, w.call_id) as call_id, n.customer_id as now_customer, "
        f"w.customer_id as was_customer, {who} as who, {group} as grp, "
        "w.call_id is null as inserted "
        f"from (select {columns} from calls where batch_id = $1) n full join "
        f"(select {columns} from {before} where batch_id = $1) w on n.call_id = w.call_id",
        [batch_id],
    )
    cur.execute(
        f"create or replace temp table {_MOVED_CUSTOMERS} as "  # noqa: S608
        "select call_id, now_customer as customer_id from pulso_moved where who union all "
        "select call_id, was_customer from pulso_moved where who and was_customer is not null"
    )
    cur.execute(
        f"create or replace temp table {_MOVED_CALLS} as select call_id from pulso_moved where grp"  # noqa: S608
    )
    cur.execute(
        f"create or replace temp table {_NEW_CALLS} as "  # noqa: S608
        "select call_id from pulso_moved where inserted"
    )
    cur.execute("drop table pulso_moved")


def refresh(cur: duckdb.DuckDBPyConnection, target: Source) -> None:
    """Bring flags, meta and rollups up to date for what :func:`collect` noted."""
    tables = kept_sql.Tables(cur)
    old = _read_meta(cur)
    for days in _DAYS.values():
        cur.execute(f"create or replace temp table {days} (day timestamp)")
    if target == "calls":
        cur.execute(f"insert into {_DAYS['calls']} select day from {_TOUCHED_CALLS}")  # noqa: S608
        # adds to answers.CALLS; a first load (every call is new) needs no filter: 0.15 s
        # of a 1M-call load into an empty store
        new_calls = kept_sql.count(cur, _NEW_CALLS)
        every = new_calls == kept_sql.count(cur, "calls")
        call_flags.update_customer(cur, None if every else _MOVED_CUSTOMERS, _DAYS["calls"])
        # new calls, written not surveyed (an undone or updated one keeps its surveys, so
        # its flag): surveyed if answers named them before they came
        if new_calls:
            ids = f"select call_id from {_NEW_CALLS}"  # noqa: S608
            call_flags.update_surveyed(cur, tables, ids, _DAYS["calls"])
        answers.refresh(cur, tables, "call_id", answers.CALLS)
        # a survey takes its call's attributes: the surveys of a moved call move
        cur.execute(
            f"insert into {_DAYS['surveys']} select date_trunc('day', responded_at) "  # noqa: S608
            f"from surveys where call_id in (select call_id from {_MOVED_CALLS})"
        )
    else:
        cur.execute(f"insert into {_DAYS['surveys']} select day from {_TOUCHED_SURVEYS}")  # noqa: S608
        ids = f"select call_id from {_TOUCHED_SURVEYS}"  # noqa: S608
        call_flags.update_surveyed(cur, tables, ids, _DAYS["calls"])
        answers.refresh(cur, tables, "response_id", answers.IDS)
    new = _write_meta(cur)
    _horizon_days(cur, old, new)
    for rollup in ROLLUPS:
        for source in kept_sql.SOURCES:
            _refresh_days(cur, tables, rollup, source, new)
    _drop_temp(cur)


def _horizon_days(cur: duckdb.DuckDBPyConnection, old: queries.Derived | None,
                  new: queries.Derived) -> None:  # fmt: skip
    """The days whose calls changed side of the FCR horizon, or every day when the
    link state changed (the response-rate base of every call)."""
    every_day = (
        f"insert into {_DAYS['calls']} select distinct date_trunc('day', started_at) from calls"  # noqa: S608
    )
    if old is None or old.linked != new.linked or None in (old.horizon, new.horizon):
        cur.execute(every_day)
        return
    if old.horizon != new.horizon:
        low, high = sorted((old.horizon, new.horizon))  # type: ignore[type-var]
        cur.execute(
            f"{every_day} where started_at > ? and started_at <= ?",
            [low, high],
        )


def _refresh_days(
    cur: duckdb.DuckDBPyConnection,
    tables: kept_sql.Tables,
    rollup: Rollup,
    source: Source,
    meta: queries.Derived,
) -> None:
    name, days = rollup.table(source), _DAYS[source]
    cur.execute(f'delete from {name} where "at" in (select day from {days})')  # noqa: S608
    key = ("days", rollup.name, source, meta.linked)
    picked = ibis.table({"day": "timestamp"}, name=days)
    sql = kept_sql.compiled(
        tables, key, lambda: _rollup_sql(tables, rollup, source, meta.linked, picked)
    )
    cur.execute(f"insert into {name} by name {sql}", _bound(meta, source))


def _rollup(
    tables: kept_sql.Tables,
    rollup: Rollup,
    source: Source,
    meta: queries.Derived,
    days: ir.Table | None = None,
) -> ir.Table:
    """``rollup`` of ``source``: its statistics per day and kept dimension."""
    calls, surveys = tables["calls"], tables["surveys"]
    if source == "calls":
        facts = queries.call_facts(calls, surveys, meta)
    else:  # the answers are refreshed first: no join with every call
        facts = queries.survey_facts(answers.table(tables))
    facts = facts.mutate(at=facts.at.truncate("D"))
    if days is not None:
        facts = facts.filter(facts.at.isin(days.day))
    return queries.stats(source, facts, ("at", *rollup.dims[source]))


#: The FCR horizon as compiled into a cached statement: replaced by a parameter, so
#: one compiled statement serves every horizon (compiling is ~40 ms per rollup).
_HORIZON = dt.datetime(1901, 2, 3, 4, 5, 7)
_HORIZON_SQL = "MAKE_TIMESTAMP(1901, 2, 3, 4, 5, 7.0)"


def _rollup_sql(
    tables: kept_sql.Tables,
    rollup: Rollup,
    source: Source,
    linked: bool,
    days: ir.Table | None = None,
) -> str:
    """:func:`_rollup` as SQL whose horizon is the parameter ``$horizon``."""
    expr = _rollup(tables, rollup, source, _unbound(linked), days)
    return _horizon_parameter(source, kept_sql.sql(expr))


def _unbound(linked: bool) -> queries.Derived:
    return queries.Derived(horizon=_HORIZON, linked=linked)


def _horizon_parameter(source: Source, sql: str) -> str:
    """The calls' rollup SQL with ``$horizon`` in place of the placeholder horizon."""
    if source != "calls":
        return sql
    if sql.count(_HORIZON_SQL) != 1:  # an Ibis that renders it otherwise
        raise RuntimeError("the FCR horizon is not where the rollup expects it")
    return sql.replace(_HORIZON_SQL, "CAST($horizon AS TIMESTAMP)")


def _bound(meta: queries.Derived, source: Source) -> dict[str, Any] | None:
    """The parameters of ``source``'s statement of :func:`_horizon_parameter`."""
    return {"horizon": meta.horizon} if source == "calls" else None


# -- the meta row -------------------------------------------------------------------


def _write_meta(cur: duckdb.DuckDBPyConnection) -> queries.Derived:
    cur.execute(f"delete from {META}")  # noqa: S608
    cur.execute(
        f"insert into {META} select "  # noqa: S608
        f"(select max(started_at) from calls) - interval {queries.REPEAT_WINDOW_DAYS} day, "
        "exists (select 1 from surveys where call_id is not null), "
        "(select count(*) from calls), (select count(*) from surveys), current_timestamp"
    )
    meta = _read_meta(cur)
    assert meta is not None
    return meta


def _read_meta(cur: duckdb.DuckDBPyConnection) -> queries.Derived | None:
    row = cur.execute(f"select horizon, linked from {META}").fetchone()  # noqa: S608
    return None if row is None else queries.Derived(horizon=row[0], linked=bool(row[1]))


def current(cur: duckdb.DuckDBPyConnection) -> queries.Derived | None:
    """The meta row when it still describes the tables (row counts unchanged since the
    last refresh), else None: the reads then compute everything from the raw rows."""
    row = cur.execute(
        f"select horizon, linked, n_calls = (select count(*) from calls) "  # noqa: S608
        f"and n_surveys = (select count(*) from surveys) from {META}"
    ).fetchone()
    if row is None or not row[2]:
        return None
    horizon: dt.datetime | None = row[0]
    return queries.Derived(horizon=horizon, linked=bool(row[1]))


# -- plumbing -----------------------------------------------------------------------


def _any_row(cur: duckdb.DuckDBPyConnection, query: str, *params: object) -> bool:
    row = cur.execute(f"select exists ({query})", list(params)).fetchone()
    return bool(row and row[0])


def _drop_temp(cur: Any) -> None:
    for name in (*_DAYS.values(), _TOUCHED_CALLS, _MOVED_CUSTOMERS, _MOVED_CALLS,
                 _TOUCHED_SURVEYS, _NEW_CALLS, call_flags.NEW_FLAGS, *answers.TEMPORARY):  # fmt: skip
        cur.execute(f"drop table if exists temp.{name}")
