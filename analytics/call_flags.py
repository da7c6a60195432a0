"""The flags kept on each call, so that no read computes them again.

- ``repeat_7d``: the customer called again within the repeat window (first-contact
  resolution);
- ``prior_7d``: the customer had called within the window before (the drivers' "called
  in the 7 days before");
- ``surveyed``: an answer names the call (the response rate's numerator).

:mod:`analytics.rollups` calls these inside a load's or an undo's transaction, for the
calls and customers the batch touched, and from scratch for a rebuild. Only the flags
that differ from the kept ones are written; the days of their calls are noted for the
rollups, and their answers for :mod:`analytics.answers`.
"""

from __future__ import annotations

import duckdb
import ibis.expr.types as ir

from analytics import answers, kept_sql, queries

#: The calls whose flags changed (a temporary table of one refresh).
NEW_FLAGS = "pulso_new_flags"

# The flags that look at a customer's other calls, in one pass of SQL over every call of
# the customers given (tests/test_rollups.py holds them equal to the read path's Ibis
# definitions, ``queries.repeat_flags`` and ``queries.prior_flags``, which a reader without
# kept flags computes): ``repeat``, the next call within the window; ``prior``, a call in
# the window before (strictly earlier: the peers at the same instant are excluded).
_CUSTOMER_FLAGS = """
select call_id,
  coalesce(lead(started_at) over w <= started_at + interval {days} day, false)
    and customer_id is not null as repeat_7d,
  count(*) over (partition by customer_id order by started_at
    range between interval {days} day preceding and current row
    exclude group) > 0 and customer_id is not null as prior_7d,
  repeat_7d as was_repeat_7d, prior_7d as was_prior_7d, started_at
from calls {where}
window w as (partition by customer_id order by started_at, call_id)
"""


def update_customer(cur: duckdb.DuckDBPyConnection, moved: str | None, days: str = "") -> None:
    """``repeat_7d`` and ``prior_7d`` again for every call of the customers in table
    ``moved`` (and its calls without a customer), or of every customer; the days of the
    calls whose flags changed go to table ``days`` (when given)."""
    where = ""
    if moved is not None:
        where = (
            f"where customer_id in (select customer_id from {moved}) "  # noqa: S608
            f"or call_id in (select call_id from {moved})"
        )
    flags = _CUSTOMER_FLAGS.format(days=queries.REPEAT_WINDOW_DAYS, where=where)
    _apply(cur, flags, ("repeat_7d", "prior_7d"), days)


def update_surveyed(
    cur: duckdb.DuckDBPyConnection, tables: kept_sql.Tables, call_ids: str | None, days: str = ""
) -> None:
    """``surveyed`` again for the calls of ``call_ids`` (SQL), or for every call."""
    sql = kept_sql.compiled(tables, ("surveyed",), lambda: _surveyed(tables))
    if call_ids is not None:
        sql = f"select * from ({sql}) where call_id in ({call_ids})"  # noqa: S608
    _apply(cur, sql, ("surveyed",), days)


def _surveyed(tables: dict[str, ir.Table]) -> str:
    """Every call's ``surveyed`` as the read path defines it, beside its kept value."""
    calls, surveys = tables["calls"], tables["surveys"]
    per_call = queries.surveys_of_calls(surveys)
    surveyed = calls.call_id.isin(per_call.call_id)
    return kept_sql.sql(
        calls.select("call_id", "started_at", was_surveyed="surveyed", surveyed=surveyed)
    )


def _apply(cur: duckdb.DuckDBPyConnection, flags: str, columns: tuple[str, ...], days: str) -> None:
    """Write the ``columns`` of the query ``flags`` (with ``was_<column>``, the kept
    value, and ``started_at``) into ``calls`` where they differ, noting the calls'
    days in table ``days`` (when given) and, for the flags answers carry, the calls in
    :data:`answers.CALLS` (when a refresh is under way). Only the differing rows are
    kept: no second join with the calls to find them."""
    differs = " or ".join(f"{c} is distinct from was_{c}" for c in columns)
    cur.execute(
        f"create or replace temp table {NEW_FLAGS} as "  # noqa: S608
        f"select call_id, started_at, {', '.join(columns)} from ({flags}) where {differs}"
    )
    if days:
        cur.execute(
            f"insert into {days} select distinct date_trunc('day', started_at) "  # noqa: S608
            f"from {NEW_FLAGS}"
        )
    if set(columns) & set(answers.FLAGS) and kept_sql.exists(cur, answers.CALLS):
        cur.execute(f"insert into {answers.CALLS} select call_id from {NEW_FLAGS}")  # noqa: S608
    sets = ", ".join(f"{c} = f.{c}" for c in columns)
    cur.execute(
        f"update calls c set {sets} from {NEW_FLAGS} f where c.call_id = f.call_id"  # noqa: S608
    )
