"""The audit log: every write, who made it in which role, and what it changed.

Each write function in ``analytics`` calls :func:`record` on its own transaction's
cursor, so the log line commits with the change or not at all. ``before`` and ``after``
are JSON documents of the object (a target, a setting, an item's status) where the
change has a shape worth showing; a load or an undo records its batch and counts.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from analytics.store import Store

if TYPE_CHECKING:
    from analytics import access

#: What the log lists (newest first); the Settings page shows it to admins.
COLUMNS = ("audit_id", "acted_at", "who", "role", "action", "object", "before_json", "after_json")


def record(
    cur: duckdb.DuckDBPyConnection,
    actor: access.Actor,
    action: str,
    obj: object = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """One log line, on the write's own transaction cursor."""
    cur.execute(
        "insert into audit_log (who, role, action, object, before_json, after_json)"
        " values (?, ?, ?, ?, ?, ?)",
        [
            actor.user,
            actor.role,
            action,
            None if obj is None else str(obj),
            _json(before),
            _json(after),
        ],
    )


def read(
    store: Store,
    limit: int = 500,
    who: str | None = None,
    action: str | None = None,
    since: dt.date | None = None,
) -> pl.DataFrame:
    """The newest ``limit`` lines, optionally of one user, one action or since a day."""
    preds: list[str] = ["true"]
    params: list[object] = []
    if who:
        preds.append("who = ?")
        params.append(who)
    if action:
        preds.append("action = ?")
        params.append(action)
    if since is not None:
        preds.append("acted_at >= ?")
        params.append(dt.datetime.combine(since, dt.time()))
    sql = (
        f"select {', '.join(COLUMNS)} from audit_log where {' and '.join(preds)}"  # noqa: S608
        " order by audit_id desc limit ?"
    )
    return store.sql(sql, [*params, limit])


def row(cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, Any] | None:
    """One row as a dict (the ``before`` of a change), or None."""
    rel = cur.execute(sql, params)
    found = rel.fetchone()
    if found is None:
        return None
    names = [d[0] for d in rel.description or ()]
    return dict(zip(names, found, strict=True))


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
