"""Every survey answer with its call, kept at load: the ``answers`` table.

The drivers, rankings, bias, fatigue and weekly pages read answers with their call's
attributes, times and outcome. At 100M calls, joining 22M answers with 100M calls on
every read took 2-3 s of each of those pages; so the join is kept, as
:func:`analytics.queries.answers_of` defines it (every survey column but the comment
text, the call's columns, ``linked``, and the call's ``prior_7d`` flag), plus, per
answer, two counts of its customer's answers (:data:`CUSTOMER_COLUMNS`).

:mod:`analytics.rollups` calls :func:`refresh` inside each load's and undo's
transaction, for the answers the batch wrote (:data:`IDS`), and for the answers of
every call it wrote or whose ``prior_7d`` moved (:data:`CALLS`); the survey rollups are
then built from this table. Reads take it through :func:`analytics.queries.answers`,
which falls back to the join when it is not current (a direct write to the facts).
"""

from __future__ import annotations

from functools import partial

import duckdb
import ibis
import ibis.expr.types as ir

from analytics import kept_sql, queries

ANSWERS = "answers"
#: The call flags an answer carries (the drivers' "called in the 7 days before").
FLAGS = ("prior_7d",)
#: Per answer, of its customer's answers (survey fatigue, :mod:`analytics.feedback.fatigue`):
#: how many there are in all, and whether it is the first in its calendar month (the
#: active customers of a month are the sum of that flag: no distinct count over every
#: answer at read). Null without a customer.
CUSTOMER_COLUMNS = {"customer_answers": "bigint", "first_in_month": "boolean"}
# Temporary tables of one refresh (on the write cursor, inside its transaction).
CALLS = "pulso_answer_calls"  # call_id: rewrite the answers of these calls
IDS = "pulso_answer_ids"  # response_id: rewrite these answers
CUSTOMERS = "pulso_answer_customers"  # customer_id: count their answers again
TEMPORARY = (CALLS, IDS, CUSTOMERS)

_CUSTOMER_COUNTS = """
select response_id, count(*) over (partition by customer_id) as customer_answers,
  row_number() over (partition by customer_id, date_trunc('month', responded_at)
                     order by responded_at, response_id) = 1 as first_in_month
from {answers} where customer_id is not null {where}
"""


def of(tables: kept_sql.Tables, ids: ir.Table | None = None, key: str = "call_id") -> ir.Table:
    """:func:`analytics.queries.answers_of` the store's tables with the kept flags: of
    every answer, or of those whose ``key`` is in ``ids`` (the calls narrowed too, so
    that a batch's refresh does not read every call)."""
    calls, surveys = tables["calls"], tables["surveys"]
    if ids is not None:
        surveys = surveys.filter(surveys[key].isin(ids[key]))
        calls = calls.filter(calls.call_id.isin(surveys.call_id))
    return queries.answers_of(surveys, calls, FLAGS)


def table(tables: kept_sql.Tables) -> ir.Table:
    """The kept table as an unbound Ibis table (its columns as :func:`of` defines them:
    it may not exist yet, in a first build)."""
    if ANSWERS not in tables:
        tables[ANSWERS] = ibis.table(of(tables).schema(), name=ANSWERS)
    return tables[ANSWERS]


def rebuild(cur: duckdb.DuckDBPyConnection, tables: kept_sql.Tables | None = None) -> None:
    """The table anew from every survey and call (the migration, a rebuild)."""
    tables = tables if tables is not None else kept_sql.Tables(cur)
    kept_sql.replace(cur, tables, ANSWERS, partial(of, tables))
    for name, type_ in CUSTOMER_COLUMNS.items():
        cur.execute(f"alter table {ANSWERS} add column {name} {type_}")
    _update_customers(cur, None)


def refresh(cur: duckdb.DuckDBPyConnection, tables: kept_sql.Tables, key: str, ids: str) -> None:
    """Rewrite the answers whose ``key`` (``call_id`` or ``response_id``) is in the
    temporary table ``ids``: deleted ones go, the others are read again; then the
    customer columns of every answer of their customers, before and after."""
    customers = (
        f"select customer_id from {ANSWERS} where {key} in (select {key} from {ids}) "  # noqa: S608
        "and customer_id is not null"
    )
    cur.execute(f"create or replace temp table {CUSTOMERS} as {customers}")
    cur.execute(f"delete from {ANSWERS} where {key} in (select {key} from {ids})")  # noqa: S608
    picked = ibis.table({key: "string"}, name=ids)
    sql = kept_sql.compiled(tables, ("answers", key), lambda: kept_sql.sql(of(tables, picked, key)))
    cur.execute(f"insert into {ANSWERS} by name {sql}")
    cur.execute(f"insert into {CUSTOMERS} {customers}")
    _update_customers(cur, CUSTOMERS)


def _update_customers(cur: duckdb.DuckDBPyConnection, customers: str | None) -> None:
    """The customer columns again for every answer of the customers in table
    ``customers``, or of every customer."""
    where = f"and customer_id in (select customer_id from {customers})" if customers else ""  # noqa: S608
    counts = _CUSTOMER_COUNTS.format(answers=ANSWERS, where=where)
    sets = ", ".join(f"{c} = f.{c}" for c in CUSTOMER_COLUMNS)
    cur.execute(
        f"update {ANSWERS} a set {sets} from ({counts}) f where a.response_id = f.response_id"  # noqa: S608
    )
