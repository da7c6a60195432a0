"""The batch log: list batches, read a batch's rejected rows, undo a batch.

Undo removes the rows a batch inserted and puts back the rows it overwrote (their
before-images), in one transaction and set-based. It refuses while a later batch
that is still in force changed any of the same rows: undoing out of order would
silently throw away that later batch's changes.
"""

from __future__ import annotations

import duckdb
import polars as pl

from analytics.ingest.columns import BEFORE_TABLES, KEYS, ident, stored_columns
from analytics.ingest.model import ROW, Target, UndoReport
from analytics.ingest.reasons import IngestError
from analytics.ingest.sql import one
from analytics.store import Store


def list_batches(store: Store, target: Target | None = None, limit: int = 200) -> pl.DataFrame:
    """Most recent first."""
    return store.sql(
        "select batch_id, target, file_name, sha256, loaded_by, loaded_at, n_rows, n_inserted, "
        "n_updated, n_unchanged, n_rejected, n_skipped, undone_at, details from ingest_batches "
        "where ? is null or target = ? order by batch_id desc limit ?",
        [target, target, limit],
    )


def rejected_rows(store: Store, batch_id: int) -> pl.DataFrame:
    """One row per problem: row number, column, field, code, params, message, raw values."""
    return store.sql(
        f'select row_number as "{ROW}", column_name as "column", field, reason_code as code, '  # noqa: S608
        "reason_params as params, reason as message, raw_values from rejected_rows "
        "where batch_id = ? order by row_number, rowid",
        [batch_id],
    )


def undo_batch(store: Store, batch_id: int) -> UndoReport:
    """Take a batch back out of the store; see the module docstring for when it refuses."""
    with store.transaction() as cur:
        target = _undoable(cur, batch_id)
        _refuse_if_overtaken(cur, batch_id)
        deleted = _delete_inserted(cur, batch_id, target)
        restored = _restore_updated(cur, batch_id, target)
        cur.execute(
            "update ingest_batches set undone_at = current_timestamp where batch_id = ?", [batch_id]
        )
    return UndoReport(batch_id=batch_id, target=target, deleted=deleted, restored=restored)


def _undoable(cur: duckdb.DuckDBPyConnection, batch_id: int) -> Target:
    row = one(cur, "select target, undone_at from ingest_batches where batch_id = ?", [batch_id])
    if row is None:
        raise IngestError("batch_not_found", batch_id=batch_id)
    if row[1] is not None:
        raise IngestError("batch_already_undone", batch_id=batch_id, undone_at=str(row[1]))
    if row[0] not in BEFORE_TABLES:
        raise IngestError("batch_not_found", batch_id=batch_id)
    return row[0]


def _refuse_if_overtaken(cur: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    later = one(
        cur,
        "select coalesce(list(distinct k2.batch_id order by k2.batch_id), []) "
        "from ingest_batch_keys k "
        "join ingest_batch_keys k2 on k2.target = k.target and k2.key = k.key and k2.batch_id > k.batch_id "
        "join ingest_batches b on b.batch_id = k2.batch_id and b.undone_at is null "
        "where k.batch_id = ?",
        [batch_id],
    )
    if later and later[0]:
        raise IngestError(
            "undo_blocked", batch_id=batch_id, later=", ".join(str(b) for b in later[0])
        )


def _delete_inserted(cur: duckdb.DuckDBPyConnection, batch_id: int, target: Target) -> int:
    table, key = ident(target, target), ident(target, KEYS[target])
    row = one(
        cur,
        f"delete from {table} where {key} in "  # noqa: S608
        "(select key from ingest_batch_keys where batch_id = ? and action = 'insert')",
        [batch_id],
    )
    return int(row[0]) if row else 0


def _restore_updated(cur: duckdb.DuckDBPyConnection, batch_id: int, target: Target) -> int:
    table, key = ident(target, target), ident(target, KEYS[target])
    before = ident(target, BEFORE_TABLES[target])
    others = [c for c in stored_columns(target) if c != KEYS[target]]
    sets = ", ".join(f"{ident(target, c)} = b.{ident(target, c)}" for c in others)
    row = one(
        cur,
        f"update {table} set {sets} from {before} b where b.batch_id = ? and {table}.{key} = b.{key}",  # noqa: S608
        [batch_id],
    )
    return int(row[0]) if row else 0
