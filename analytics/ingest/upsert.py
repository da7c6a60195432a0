"""The SQL of a load: stage, classify, keep before-images, update, insert.

Everything runs on one cursor inside the batch's transaction and is set-based:
rows arrive as registered Arrow data (never as SQL text) and each step is one
statement over the staged rows. Identifiers come only from ``columns.ident`` and
this module's own constants (hence the ``noqa: S608`` marks).

Only staged keys already stored are compared column by column (``update`` or
``unchanged``); the others are inserts, and a batch of only new keys (the usual
daily extract) skips the comparison entirely.
"""

from __future__ import annotations

import duckdb
import polars as pl

from analytics.ingest.columns import BEFORE_TABLES, KEYS, ident, sql_type, stored_columns
from analytics.ingest.model import ROW, Target
from analytics.ingest.sql import one

STAGE = "pulso_ingest_stage"
EXISTING = "pulso_ingest_existing"
REJECTED_KEYS = "pulso_ingest_rejected_keys"
CHUNK = "pulso_ingest_chunk"
Counts = dict[str, int]


def create_stage(cur: duckdb.DuckDBPyConnection, target: Target, loaded: tuple[str, ...]) -> None:
    """Empty temporary tables: good rows typed as the target, keys of rejected rows.

    Spelled out rather than ``create table .. as select .. where false``: in DuckDB
    2.0, a table made that way and then filled with >= 122,880 registered Arrow rows
    inside a transaction returned *no rows* to joins.
    """
    columns = ", ".join(f"{ident(target, c)} {sql_type(target, c)}" for c in loaded)
    cur.execute(f'create or replace temp table {STAGE} ("{ROW}" bigint, {columns})')
    cur.execute(f'create or replace temp table {REJECTED_KEYS} ("{ROW}" bigint, key varchar)')


def append(
    cur: duckdb.DuckDBPyConnection, target: Target, rows: pl.DataFrame, table: str = STAGE
) -> None:
    """Add rows (columns: ``ROW`` then canonical names, or ``key``) to a stage table."""
    if rows.height == 0:
        return
    names = ", ".join(
        f'"{ROW}"' if c == ROW else ("key" if c == "key" else ident(target, c))
        for c in rows.columns
    )
    # Plain (not view) strings: DuckDB takes them about twice as fast.
    cur.register(CHUNK, rows.to_arrow(compat_level=pl.CompatLevel.oldest()))
    try:
        cur.execute(f"insert into {table} ({names}) select {names} from {CHUNK}")  # noqa: S608
    finally:
        cur.unregister(CHUNK)


def count(cur: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows in a stage or target table (``table`` is one of ours, never input)."""
    row = one(cur, f"select count(*) from {table}")  # noqa: S608
    return int(row[0]) if row else 0


def repeated_keys(cur: duckdb.DuckDBPyConnection, target: Target) -> int:
    """Keys staged (good or rejected rows) more than once: must be 0 to go on."""
    key = ident(target, KEYS[target])
    row = one(
        cur,
        f"select count(*) from (select key from (select {key} as key from {STAGE} "  # noqa: S608
        f"union all select key from {REJECTED_KEYS} where key is not null) group by key having count(*) > 1)",
    )
    return int(row[0]) if row else 0


def classify(cur: duckdb.DuckDBPyConnection, target: Target, loaded: tuple[str, ...]) -> Counts:
    """Counts of insert / update / unchanged; tags the staged keys already stored."""
    table, key = ident(target, target), ident(target, KEYS[target])
    changed = " or ".join(
        f"s.{ident(target, c)} is distinct from t.{ident(target, c)}"
        for c in loaded
        if c != KEYS[target]
    )
    cur.execute(
        f"create or replace temp table {EXISTING} as select s.{key} as key, "  # noqa: S608
        f"case when {changed or 'false'} then 'update' else 'unchanged' end as action "
        f"from {STAGE} s join {table} t on t.{key} = s.{key}"
    )
    rows = cur.execute(f"select action, count(*) from {EXISTING} group by 1").fetchall()  # noqa: S608
    counts = {"insert": 0, "update": 0, "unchanged": 0, **{a: int(n) for a, n in rows}}
    counts["insert"] = count(cur, STAGE) - counts["update"] - counts["unchanged"]
    return counts


def _new_rows(target: Target, counts: Counts) -> str:
    """The staged rows whose key is not stored yet (all of them when none is)."""
    if counts["update"] + counts["unchanged"] == 0:
        return f"select * from {STAGE}"  # noqa: S608
    return f"select s.* from {STAGE} s anti join {EXISTING} e on e.key = s.{ident(target, KEYS[target])}"  # noqa: S608


def remember(cur: duckdb.DuckDBPyConnection, batch_id: int, target: Target, counts: Counts) -> None:
    """Record the keys this batch touches and the full rows it is about to overwrite."""
    key = ident(target, KEYS[target])
    if counts["insert"]:
        cur.execute(
            f"insert into ingest_batch_keys select ?, ?, {key}, 'insert' from ({_new_rows(target, counts)})",  # noqa: S608
            [batch_id, target],
        )
    if not counts["update"]:
        return
    cur.execute(
        f"insert into ingest_batch_keys select ?, ?, key, action from {EXISTING} where action = 'update'",  # noqa: S608
        [batch_id, target],
    )
    every = ", ".join(ident(target, c) for c in stored_columns(target))
    picked = ", ".join(f"t.{ident(target, c)}" for c in stored_columns(target))
    cur.execute(
        f"insert into {ident(target, BEFORE_TABLES[target])} (batch_id, {every}) "  # noqa: S608
        f"select ?, {picked} from {ident(target, target)} t "
        f"join {EXISTING} e on e.key = t.{key} where e.action = 'update'",
        [batch_id],
    )


def apply(
    cur: duckdb.DuckDBPyConnection, target: Target, loaded: tuple[str, ...], counts: Counts
) -> None:
    """Write the changes: only the loaded columns of updated rows, whole new rows."""
    table, key = ident(target, target), ident(target, KEYS[target])
    others = [c for c in loaded if c != KEYS[target]]
    if counts["update"] and others:
        sets = ", ".join(f"{ident(target, c)} = s.{ident(target, c)}" for c in others)
        cur.execute(
            f"update {table} set {sets} from {STAGE} s join {EXISTING} e on e.key = s.{key} "  # noqa: S608
            f"where {table}.{key} = s.{key} and e.action = 'update'"
        )
    if counts["insert"]:
        names = ", ".join(ident(target, c) for c in loaded)
        cur.execute(
            f"insert into {table} ({names}) select {names} from ({_new_rows(target, counts)})"  # noqa: S608
        )


def unknown_calls(cur: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """Staged surveys whose call id is not in ``calls`` (loaded, with a warning)."""
    row = one(
        cur,
        f"select count(*), coalesce(list(distinct s.call_id order by s.call_id)[1:5], []) "  # noqa: S608
        f"from {STAGE} s anti join calls c on c.call_id = s.call_id where s.call_id is not null",
    )
    return (int(row[0]), list(row[1])) if row else (0, [])


def drop(cur: duckdb.DuckDBPyConnection) -> None:
    for table in (EXISTING, STAGE, REJECTED_KEYS):
        cur.execute(f"drop table if exists {table}")
