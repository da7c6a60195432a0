"""The process-change registry: what changed, when, and where (its scope).

Changes are written by the app (Registry page) and read by every trend chart, which
marks them, and by the change analysis, which takes its treated group from the scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import polars as pl

from analytics import access, audit
from analytics.store import Store

SCOPE_FIELDS = ("queues", "teams", "regions", "channels", "products", "segments")


@dataclass(frozen=True)
class Change:
    """A registered process change. An empty scope tuple means "not restricted"."""

    name: str
    started_on: dt.date
    description: str = ""
    ended_on: dt.date | None = None
    queues: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    owner: str = ""
    change_id: int | None = field(default=None, compare=False)

    def problems(self) -> list[str]:
        """i18n keys of what is wrong with this change (empty when it can be saved)."""
        out = []
        if not self.name.strip():
            out.append("registry.error.name")
        if self.ended_on is not None and self.ended_on < self.started_on:
            out.append("registry.error.end_before_start")
        return out

    @property
    def scope(self) -> dict[str, tuple[str, ...]]:
        return {f: getattr(self, f) for f in SCOPE_FIELDS if getattr(self, f)}


def list_changes(store: Store) -> pl.DataFrame:
    """All changes, newest first."""
    return store.sql(
        "select change_id, name, description, started_on, ended_on, scope_queues as queues,"
        " scope_teams as teams, scope_regions as regions, scope_channels as channels,"
        " scope_products as products, scope_segments as segments, owner"
        " from process_changes order by started_on desc, change_id desc"
    )


def get_change(store: Store, change_id: int) -> Change:
    rows = list_changes(store).filter(pl.col("change_id") == change_id)
    if rows.is_empty():
        raise KeyError(f"no process change with id {change_id}")
    r = rows.row(0, named=True)
    scope = {f: tuple(r[f] or ()) for f in SCOPE_FIELDS}
    return Change(
        r["name"],
        r["started_on"],
        r["description"] or "",
        r["ended_on"],
        owner=r["owner"] or "",
        change_id=r["change_id"],
        **scope,
    )


def save_change(store: Store, change: Change) -> int:
    """Insert (no id) or update (with id); returns the id. Raises ValueError if invalid."""
    actor = access.require(store, "registry")
    if change.problems():
        raise ValueError(", ".join(change.problems()))
    values = [
        change.name.strip(),
        change.description,
        change.started_on,
        change.ended_on,
        list(change.queues),
        list(change.teams),
        list(change.regions),
        list(change.channels),
        list(change.products),
        list(change.segments),
        change.owner,
    ]
    with store.transaction() as cur:
        if change.change_id is None:
            row = cur.execute(
                "insert into process_changes (name, description, started_on, ended_on,"
                " scope_queues, scope_teams, scope_regions, scope_channels, scope_products,"
                " scope_segments, owner) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " returning change_id",
                values,
            ).fetchone()
            assert row is not None
            audit.record(cur, actor, "registry.create", row[0], None, _audited(change))
            return int(row[0])
        before = audit.row(cur, _ONE, [change.change_id])
        cur.execute(
            "update process_changes set name = ?, description = ?, started_on = ?,"
            " ended_on = ?, scope_queues = ?, scope_teams = ?, scope_regions = ?,"
            " scope_channels = ?, scope_products = ?, scope_segments = ?, owner = ?"
            " where change_id = ?",
            [*values, change.change_id],
        )
        audit.record(cur, actor, "registry.edit", change.change_id, before, _audited(change))
    return change.change_id


def delete_change(store: Store, change_id: int) -> None:
    actor = access.require(store, "registry")
    with store.transaction() as cur:
        before = audit.row(cur, _ONE, [change_id])
        cur.execute("delete from process_changes where change_id = ?", [change_id])
        audit.record(cur, actor, "registry.delete", change_id, before, None)


_ONE = "select * from process_changes where change_id = ?"


def _audited(change: Change) -> dict[str, object]:
    return {k: v for k, v in asdict(change).items() if k != "change_id"}


def changes_in(store: Store, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
    """Changes that started within [start, end], for chart annotations."""
    frame = list_changes(store).select("change_id", "name", "started_on")
    if start is not None:
        frame = frame.filter(pl.col("started_on") >= start)
    if end is not None:
        frame = frame.filter(pl.col("started_on") <= end)
    return frame.sort("started_on")


def default_start(
    bounds: tuple[dt.date, dt.date] | None, weeks: int, today: dt.date
) -> tuple[dt.date, str]:
    """The start date a new change's form proposes, one that can be analysed, and the
    i18n key saying why.

    The Monday on or before the data's last day minus ``weeks`` whole weeks, so the
    analysis has its default ``weeks`` after the change, and as many before when the
    data reaches back that far ("registry.default.after"). With less data than
    ``2 * weeks``, the Monday on or before the middle of the data, to split it evenly
    ("registry.default.middle"). Without data, ``today`` ("registry.default.no_data").
    """
    if bounds is None:
        return today, "registry.default.no_data"
    first, last = bounds
    start, why = last - dt.timedelta(weeks=weeks, days=-1), "registry.default.after"
    if (start - first).days < 7 * weeks:
        start, why = first + (last - first) / 2, "registry.default.middle"
    return start - dt.timedelta(days=start.weekday()), why
