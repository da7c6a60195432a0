"""How what is kept at load (:mod:`analytics.rollups`, :mod:`analytics.answers`) turns
the read path's Ibis expressions into SQL for the write cursor, once per process.

The kept tables are built from the same expressions the pages read with, so they cannot
drift from the raw reads; compiling an expression costs 40-170 ms, so each statement is
compiled once per table layout (:func:`compiled`) and reused by every later load.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import ibis
import ibis.expr.types as ir
from ibis.backends.sql.datatypes import DuckDBType

if TYPE_CHECKING:
    from analytics.dimensions import Source

#: The fact tables the kept ones are built from.
SOURCES: tuple[Source, ...] = ("calls", "surveys")


class Tables(dict[str, ir.Table]):
    """``calls`` and ``surveys`` as unbound Ibis tables, read from the store on first
    use; its ``key`` (both tables' columns and types) names the compiled statements."""

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        super().__init__()
        self.cur = cur
        rows = cur.execute(
            "select table_name, list(column_name || ' ' || data_type order by column_index) "
            "from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'main' and table_name in ('calls', 'surveys') "
            "group by table_name order by table_name"
        ).fetchall()
        self.key = tuple((str(t), tuple(c)) for t, c in rows)

    def __missing__(self, name: str) -> ir.Table:
        if name not in SOURCES:
            raise KeyError(name)
        backend = ibis.duckdb.from_connection(self.cur)
        for source in SOURCES:
            self[source] = ibis.table(backend.table(source).schema(), name=source)
        return dict.__getitem__(self, name)


#: Compiled statements per (calls' and surveys' columns, statement): a load compiles
#: each once per process, not at every batch (it was ~170 ms of every load).
COMPILED: dict[tuple[Any, ...], Any] = {}
_S = TypeVar("_S")


def compiled(tables: Tables, key: tuple[Any, ...], compile_: Callable[[], _S]) -> _S:
    """The statement ``key`` for this table layout, compiled by ``compile_`` the first time."""
    full = (tables.key, *key)
    if full not in COMPILED:
        COMPILED[full] = compile_()
    found: _S = COMPILED[full]
    return found


def sql(expr: ir.Table) -> str:
    return str(ibis.to_sql(expr, dialect="duckdb"))


def replace(
    cur: duckdb.DuckDBPyConnection,
    tables: Tables,
    name: str,
    build: Callable[[], ir.Table],
    *,
    key: tuple[Any, ...] = (),
    finish: Callable[[str], str] = str,
    params: dict[str, Any] | Sequence[Any] | None = None,
) -> None:
    """Table ``name`` (temporary for the scratch tables named ``pulso_*``) holding the
    rows of ``build()``, in the column types Ibis gives them (DuckDB's sums would
    otherwise be 128-bit); ``finish`` rewrites its SQL (a parameter in place of a
    value: ``params`` binds it). Compiled once per table layout and ``key``: every new
    store (a migration, a test's fixture, the demo) builds these tables."""

    def compile_() -> tuple[str, str]:
        expr = build()
        columns = ", ".join(
            f'"{column}" {DuckDBType.to_string(dtype)}' for column, dtype in expr.schema().items()
        )
        return columns, finish(sql(expr))

    columns, query = compiled(tables, ("replace", name, *key), compile_)
    temp = "temp " if name.startswith("pulso_") else ""
    cur.execute(f"create or replace {temp}table {name} ({columns})")
    cur.execute(f"insert into {name} by name {query}", params)


def count(cur: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows in ``table`` (one of ours, never input: a fact, stage or temporary table).
    Fetched to the end: a cursor with a result still open refuses ``register()``."""
    rows = cur.execute(f"select count(*) from {table}").fetchall()  # noqa: S608
    return int(rows[0][0]) if rows else 0


def exists(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the temporary table ``name`` exists (a refresh is under way)."""
    row = cur.execute(
        "select count(*) from duckdb_tables() where temporary and table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])
