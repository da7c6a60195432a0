"""The actions on a follow-up item (assign, contact, close) and its history.

Items move ``open -> contacted -> recovered | not_recovered`` (closing straight from
``open`` counts as the contact too); assigning is allowed in any status. Every write
checks the actor's role and scope, is one transaction with bound values and adds an
action to the item's history and to the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, get_args

import duckdb
import polars as pl

from analytics import access, audit
from analytics.store import Store

Status = Literal["open", "contacted", "recovered", "not_recovered"]
STATUSES: tuple[Status, ...] = get_args(Status)
ACTIVE: tuple[Status, ...] = ("open", "contacted")


def assign(
    store: Store, item_id: int, owner: str, by: str = "", now: dt.datetime | None = None
) -> None:
    """Give the item to ``owner`` (any status: re-assigning is allowed)."""
    name = owner.strip()
    if not name:
        raise ValueError("followup.error.owner")
    sql = "update followup_items set owner = ? where item_id = ?"
    entry = Entry(item_id, "assigned", owner=name, by=by, at=now or _now())
    _act(store, entry, sql, [name, item_id], STATUSES)


def record_contact(
    store: Store, item_id: int, note: str = "", by: str = "", now: dt.datetime | None = None
) -> None:
    """The customer was contacted: an active item becomes ``contacted``."""
    at = now or _now()
    sql = (
        "update followup_items set status = 'contacted',"
        " contacted_at = coalesce(contacted_at, ?), note = ? where item_id = ?"
    )
    _act(store, Entry(item_id, "contacted", note=note, by=by, at=at), sql, [at, note, item_id])


def close(
    store: Store,
    item_id: int,
    recovered: bool,
    note: str = "",
    by: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Close an active item as recovered or not; closing counts as the contact if none."""
    at = now or _now()
    status: Status = "recovered" if recovered else "not_recovered"
    sql = (
        "update followup_items set status = ?, contacted_at = coalesce(contacted_at, ?),"
        " closed_at = ?, note = ? where item_id = ?"
    )
    entry = Entry(item_id, status, note=note, by=by, at=at)
    _act(store, entry, sql, [status, at, at, note, item_id])


@dataclass(frozen=True)
class Entry:
    """One line of an item's history."""

    item_id: int
    action: str
    at: dt.datetime
    owner: str | None = None
    note: str = ""
    by: str = ""


def _act(
    store: Store,
    entry: Entry,
    update: str,
    params: list[Any],
    allowed: tuple[Status, ...] = ACTIVE,
) -> None:
    """Check the role and the status, apply one fixed update from this module and log
    it (its history and the audit log), atomically. An item outside the actor's scope
    is unknown to them (KeyError), as on their pages."""
    actor = access.require(store, "followup")
    if store.cursor().execute(_ITEM, [entry.item_id]).fetchone() is None:  # scoped read
        raise KeyError(f"no follow-up item with id {entry.item_id}")
    with store.transaction() as cur:
        _require(cur, entry.item_id, allowed)
        before = audit.row(cur, _ITEM, [entry.item_id])
        cur.execute(update, params)
        by = access.author(store, entry.by)
        cur.execute(
            "insert into followup_actions (item_id, action, owner, note, acted_by, acted_at)"
            " values (?, ?, ?, ?, ?, ?)",
            [entry.item_id, entry.action, entry.owner, entry.note, by, entry.at],
        )
        after = audit.row(cur, _ITEM, [entry.item_id])
        audit.record(cur, actor, f"followup.{entry.action}", entry.item_id, before, after)


_ITEM = "select status, owner, note from followup_items where item_id = ?"


def _require(cur: duckdb.DuckDBPyConnection, item_id: int, allowed: tuple[Status, ...]) -> None:
    """KeyError for an unknown item; ValueError (an i18n key) for a closed one."""
    row = cur.execute("select status from followup_items where item_id = ?", [item_id]).fetchone()
    if row is None:
        raise KeyError(f"no follow-up item with id {item_id}")
    if row[0] not in allowed:
        raise ValueError("followup.error.closed")


def history(store: Store, item_id: int) -> pl.DataFrame:
    """What was done to an item, oldest first."""
    return store.sql(
        "select acted_at, action, owner, note, acted_by from followup_actions"
        " where item_id = ? order by acted_at, action_id",
        [item_id],
    )


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
