"""The process-change registry: what changed, when, and where (its scope).

Changes are written by the app (Registry page) and read by every trend chart, which
marks them, and by the change analysis, which takes its treated group from the scope.

A change is of one of two kinds (:data:`KINDS`): a change to the service ("process"),
or a change to the survey itself ("survey_design": a new question wording, scale or
keypad order on some survey channels, its ``instruments``), which can move the scores
while nothing about the service changed (:mod:`analytics.changes.survey_design`).
A change that reached its units on different days has a roll-out schedule: one start
date per queue, region or team (``rollout``), for the staggered analysis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import duckdb
import polars as pl

from analytics import access, audit
from analytics.store import Store

SCOPE_FIELDS = ("queues", "teams", "regions", "channels", "products", "segments")
#: A change to the service, or to the survey instrument (question, scale, keypad order).
KINDS = ("process", "survey_design")
#: The call dimensions a roll-out schedule can stagger over (``dimensions.CATALOG`` names).
ROLLOUT_DIMENSIONS = ("queue", "region", "team")
#: The survey channels an instrument can be on (``surveys.survey_channel`` codes).
SURVEY_CHANNELS = ("ivr", "email", "sms", "web", "app")
#: One step of a roll-out: (dimension, unit, the day the change reached that unit).
Rollout = tuple[tuple[str, str, dt.date], ...]


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
    kind: str = "process"
    instruments: tuple[str, ...] = ()  # survey channels a survey-design change altered
    rollout: Rollout = ()  # ordered by dimension, unit
    change_id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # One order, so that two equal schedules compare (and cache) equal.
        object.__setattr__(self, "rollout", tuple(sorted(self.rollout)))

    def problems(self) -> list[str]:
        """i18n keys of what is wrong with this change (empty when it can be saved)."""
        out = []
        if not self.name.strip():
            out.append("registry.error.name")
        if self.ended_on is not None and self.ended_on < self.started_on:
            out.append("registry.error.end_before_start")
        if self.kind not in KINDS:
            out.append("registry.error.kind")
        elif self.kind == "survey_design" and not self.instruments:
            out.append("registry.error.instruments")
        if self.kind == "process" and self.instruments:
            out.append("registry.error.instruments_process")
        return out + _rollout_problems(self.rollout, self.started_on, self.ended_on)

    @property
    def scope(self) -> dict[str, tuple[str, ...]]:
        return {f: getattr(self, f) for f in SCOPE_FIELDS if getattr(self, f)}


def _rollout_problems(rollout: Rollout, start: dt.date, end: dt.date | None) -> list[str]:
    """A schedule staggers one dimension, names each unit once, and starts each unit
    within the change's own dates (the change starts with its first unit)."""
    if not rollout:
        return []
    out = []
    dims = {d for d, _, _ in rollout}
    if not dims <= set(ROLLOUT_DIMENSIONS):
        out.append("registry.error.rollout_dimension")
    if len(dims) > 1:
        out.append("registry.error.rollout_mixed")
    if any(not str(u).strip() for _, u, _ in rollout):
        out.append("registry.error.rollout_unit")
    if len({(d, u.strip()) for d, u, _ in rollout}) < len(rollout):
        out.append("registry.error.rollout_repeated")
    days = [on for _, _, on in rollout]
    if min(days) < start or (end is not None and max(days) > end):
        out.append("registry.error.rollout_dates")
    return out


def rollout_from_rows(rows: Iterable[Mapping[str, object]]) -> tuple[Rollout, bool]:
    """A schedule from a table's rows (``dimension, unit, started_on``), and whether a
    row was left half filled. Blank rows are dropped: a table editor adds one whenever
    a user clicks "+"."""
    steps, incomplete = [], False
    for r in rows:
        dim, unit, on = r.get("dimension"), str(r.get("unit") or "").strip(), r.get("started_on")
        if not (dim or unit or on):
            continue
        if not (dim and unit and isinstance(on, dt.date)):
            incomplete = True
            continue
        steps.append((str(dim), unit, on.date() if isinstance(on, dt.datetime) else on))
    return tuple(steps), incomplete


def list_changes(store: Store) -> pl.DataFrame:
    """All changes, newest first."""
    return store.sql(
        "select change_id, name, description, started_on, ended_on, scope_queues as queues,"
        " scope_teams as teams, scope_regions as regions, scope_channels as channels,"
        " scope_products as products, scope_segments as segments, owner,"
        " coalesce(kind, 'process') as kind, instruments"
        " from process_changes order by started_on desc, change_id desc"
    )


def rollout(store: Store, change_id: int) -> pl.DataFrame:
    """The change's roll-out schedule (``dimension, unit, started_on``), earliest first;
    empty when the change started everywhere on its start date."""
    return store.sql(
        "select dimension, unit, started_on from change_rollouts where change_id = ?"
        " order by started_on, dimension, unit",
        [change_id],
    )


def survey_design_changes(store: Store) -> pl.DataFrame:
    """The survey-design changes (``change_id, name, started_on, instruments``), for
    the warnings of pages whose scores such a change can move."""
    return (
        list_changes(store)
        .filter(pl.col("kind") == "survey_design")
        .select("change_id", "name", "started_on", "ended_on", "instruments")
    )


def get_change(store: Store, change_id: int) -> Change:
    rows = list_changes(store).filter(pl.col("change_id") == change_id)
    if rows.is_empty():
        raise KeyError(f"no process change with id {change_id}")
    r = rows.row(0, named=True)
    scope = {f: tuple(r[f] or ()) for f in SCOPE_FIELDS}
    schedule = rollout(store, change_id).rows()
    return Change(
        r["name"],
        r["started_on"],
        r["description"] or "",
        r["ended_on"],
        owner=r["owner"] or "",
        kind=r["kind"],
        instruments=tuple(r["instruments"] or ()),
        rollout=tuple((d, u, on) for d, u, on in schedule),
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
        change.kind,
        list(change.instruments),
    ]
    with store.transaction() as cur:
        if change.change_id is None:
            row = cur.execute(
                "insert into process_changes (name, description, started_on, ended_on,"
                " scope_queues, scope_teams, scope_regions, scope_channels, scope_products,"
                " scope_segments, owner, kind, instruments)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning change_id",
                values,
            ).fetchone()
            assert row is not None
            _write_rollout(cur, int(row[0]), change.rollout)
            audit.record(cur, actor, "registry.create", row[0], None, _audited(change))
            return int(row[0])
        before = _before(cur, change.change_id)
        cur.execute(
            "update process_changes set name = ?, description = ?, started_on = ?,"
            " ended_on = ?, scope_queues = ?, scope_teams = ?, scope_regions = ?,"
            " scope_channels = ?, scope_products = ?, scope_segments = ?, owner = ?,"
            " kind = ?, instruments = ? where change_id = ?",
            [*values, change.change_id],
        )
        _write_rollout(cur, change.change_id, change.rollout)
        audit.record(cur, actor, "registry.edit", change.change_id, before, _audited(change))
    return change.change_id


def delete_change(store: Store, change_id: int) -> None:
    actor = access.require(store, "registry")
    with store.transaction() as cur:
        before = _before(cur, change_id)
        cur.execute("delete from change_rollouts where change_id = ?", [change_id])
        cur.execute("delete from process_changes where change_id = ?", [change_id])
        audit.record(cur, actor, "registry.delete", change_id, before, None)


_ONE = "select * from process_changes where change_id = ?"
_SCHEDULE = (
    "select dimension, unit, started_on from change_rollouts where change_id = ?"
    " order by dimension, unit"
)


def _before(cur: duckdb.DuckDBPyConnection, change_id: int) -> dict[str, object] | None:
    """The stored change as the audit log keeps it: its row and its schedule."""
    before = audit.row(cur, _ONE, [change_id])
    if before is not None:
        before["rollout"] = [list(r) for r in cur.execute(_SCHEDULE, [change_id]).fetchall()]
    return before


def _write_rollout(cur: duckdb.DuckDBPyConnection, change_id: int, schedule: Rollout) -> None:
    """Replace the change's schedule (in the caller's transaction)."""
    cur.execute("delete from change_rollouts where change_id = ?", [change_id])
    if schedule:
        cur.executemany(
            "insert into change_rollouts (change_id, dimension, unit, started_on)"
            " values (?, ?, ?, ?)",
            [[change_id, d, u.strip(), on] for d, u, on in schedule],
        )


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
