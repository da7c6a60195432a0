"""Two helpers: single-row queries, and statements that read Arrow data.

DuckDB 2.0 keeps a result open until it is fetched to the end: after
``fetchone()`` the cursor refuses ``register()`` ("unfinished result"). Fetching
all rows of a one-row query closes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa


def one(
    cur: duckdb.DuckDBPyConnection, query: str, params: Sequence[Any] = ()
) -> tuple[Any, ...] | None:
    rows = cur.execute(query, list(params)).fetchall()
    return rows[0] if rows else None


def over(
    cur: duckdb.DuckDBPyConnection,
    name: str,
    data: pa.Table,
    query: str,
    params: Sequence[Any] = (),
) -> list[tuple[Any, ...]]:
    """Run ``query``, which reads ``data`` once as the view ``name``; its rows.

    ``data`` goes in as a one-shot Arrow stream made for this statement alone.
    Inside a transaction DuckDB keeps every registered Python object alive until
    the commit, even once unregistered: registered tables made a load hold each of
    its chunks to the end (memory in proportion to the file). A stream read to its
    end holds nothing. So a query must read ``name`` exactly once (a second read
    would find it empty); callers check their row counts.
    """
    stream = pa.RecordBatchReader.from_batches(data.schema, iter(data.to_batches()))
    cur.register(name, stream)
    try:
        return cur.execute(query, list(params)).fetchall()
    finally:
        cur.unregister(name)
