"""The batch log: list batches, read a batch's rejected rows, undo a batch.

Undo removes the rows a batch inserted and puts back the rows it overwrote (their
before-images, lineage included), in one transaction and set-based. It refuses
while a later batch that is still in force changed any of the same rows: undoing
out of order would silently throw away that later batch's changes. Such a batch
kept, in its before-images, rows whose lineage is this batch (see ``upsert``).
"""

from __future__ import annotations

import duckdb
import polars as pl

from analytics import access, audit, rollups
from analytics.ingest.columns import BEFORE_TABLES, KEYS, ident, stored_columns
from analytics.ingest.model import ROW, Target, UndoReport
from analytics.ingest.reasons import IngestError
from analytics.ingest.sql import one
from analytics.ingest.upsert import LINEAGE, PRIOR, inserted_keys
from analytics.store import Store


def list_batches(store: Store, target: Target | None = None, limit: int = 200) -> pl.DataFrame:
    """Most recent first; ``quality`` is the batch's data-quality report as JSON
    (``quality.Quality.from_json``), null for batches loaded before it was kept."""
    return store.sql(
        "select batch_id, target, file_name, sha256, loaded_by, loaded_at, n_rows, n_inserted, "
        "n_updated, n_unchanged, n_rejected, n_skipped, undone_at, details, quality "
        "from ingest_batches "
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
    actor = access.require(store, "undo")
    with store.transaction() as cur:
        target = _undoable(cur, batch_id)
        _refuse_if_overtaken(cur, batch_id, target)
        before = one(
            cur, "select file_name, n_rows from ingest_batches where batch_id = ?", [batch_id]
        )
        rollups.collect(cur, target, batch_id)  # its rows, before they go
        deleted = _delete_inserted(cur, batch_id, target)
        restored = _restore_updated(cur, batch_id, target)
        rollups.refresh(cur, target)
        cur.execute(
            "update ingest_batches set undone_at = current_timestamp where batch_id = ?", [batch_id]
        )
        after = {"target": target, "deleted": deleted, "restored": restored}
        file_name, n_rows = before or (None, None)
        state = {"file_name": file_name, "n_rows": n_rows}
        audit.record(cur, actor, "undo", batch_id, state, after)
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


def _refuse_if_overtaken(cur: duckdb.DuckDBPyConnection, batch_id: int, target: Target) -> None:
    before = ident(target, BEFORE_TABLES[target])
    later = one(
        cur,
        "select coalesce(list(distinct b.batch_id order by b.batch_id), []) "  # noqa: S608
        f"from {before} b join ingest_batches x on x.batch_id = b.batch_id "
        f"and x.undone_at is null where b.{PRIOR} = ?",
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
        f"delete from {table} where {key} in ({inserted_keys(target)})",  # noqa: S608
        [batch_id, batch_id],
    )
    return int(row[0]) if row else 0


def _restore_updated(cur: duckdb.DuckDBPyConnection, batch_id: int, target: Target) -> int:
    table, key = ident(target, target), ident(target, KEYS[target])
    before = ident(target, BEFORE_TABLES[target])
    others = [c for c in stored_columns(target) if c != KEYS[target]]
    sets = ", ".join(f"{ident(target, c)} = b.{ident(target, c)}" for c in others)
    sets += f", {LINEAGE} = b.{PRIOR}"
    row = one(
        cur,
        f"update {table} set {sets} from {before} b where b.batch_id = ? and {table}.{key} = b.{key}",  # noqa: S608
        [batch_id],
    )
    return int(row[0]) if row else 0
