"""One helper for single-row queries.

DuckDB 2.0 keeps a result open until it is fetched to the end: after
``fetchone()`` the cursor refuses ``register()`` ("unfinished result"). Fetching
all rows of a one-row query closes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def one(
    cur: duckdb.DuckDBPyConnection, query: str, params: Sequence[Any] = ()
) -> tuple[Any, ...] | None:
    rows = cur.execute(query, list(params)).fetchall()
    return rows[0] if rows else None
