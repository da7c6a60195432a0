"""The scoped reader: a store handle whose reads see only its actor's rows.

Scope (a region, or any dimension of :mod:`analytics.dimensions`) is applied in the read
path itself: a scoped handle's cursors see ``calls``, ``surveys`` and the follow-up
tables through temporary views of the same names, restricted to the scope. Every read,
Ibis or SQL, page, table, download, report or CLI, goes through a cursor, so none can
reach another region's rows; a filter for another region finds nothing. Writes run on
an unscoped cursor (a load checks its keys against the whole store).

The callers get a handle from :func:`analytics.access.bind`, not from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb
import ibis.expr.types as ir

from analytics import answers, dimensions, rollups
from analytics.dimensions import Source
from analytics.roles import Actor, Scope, local_actor
from analytics.store import Store


@dataclass
class BoundStore(Store):
    """A store handle acting for ``actor``: reads see only the actor's scope."""

    actor: Actor = field(default_factory=local_actor)
    _db: str = field(default="", repr=False)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.con.cursor()
        if self.actor.scope:
            _shadow(cur, self.actor.scope, self._database(cur))
        return cur

    def write_cursor(self) -> duckdb.DuckDBPyConnection:
        """Writes see the whole store (a load checks its keys against every row)."""
        return self.con.cursor()

    def rollup(self, rollup: rollups.Rollup, source: Source) -> ir.Table | None:
        """The rollup, shadowed with the scope's rows, when the scope is on dimensions
        it keeps; else None (the reads filter the raw rows)."""
        if not _scope_kept(self.actor.scope, rollup):
            return None
        return super().rollup(rollup, source)

    def _database(self, cur: duckdb.DuckDBPyConnection) -> str:
        if not self._db:
            row = cur.execute("select current_database()").fetchone()
            self._db = '"' + str(row[0] if row else "memory").replace('"', '""') + '"'
        return self._db


#: Raw rows of any region (rejects, before-images): none for a scoped user.
_HIDDEN = ("rejected_rows", "ingest_before_calls", "ingest_before_surveys")


def _shadow(cur: duckdb.DuckDBPyConnection, scope: Scope, database: str) -> None:
    """Temporary views on ``cur`` that shadow the fact tables with the scope's rows.

    The allowed values go into a temporary table as bound parameters (a view's text
    cannot bind them); dimension names come from the catalog's allow-list.
    """
    kept = rollups.current(cur) is not None  # before the views shadow the tables
    cur.execute("create temp table pulso_scope (dimension varchar, value varchar)")
    cur.executemany(
        "insert into pulso_scope values (?, ?)", [[d, v] for d, values in scope for v in values]
    )
    main = f"{database}.main"
    preds: dict[str, list[str]] = {"calls": ["true"], "surveys": ["true"]}
    for name, _ in scope:
        dim = dimensions.get(name)
        preds[dim.table].append(
            f'"{dim.name}" in (select value from temp.main.pulso_scope'  # noqa: S608
            f" where dimension = '{dim.name}')"
        )
    rows = "as select * from"
    views = [
        f"{name} {rows} {main}.{name} where {' and '.join(where)}"
        for name, where in _rollup_scopes(scope, preds)
    ]
    # answers carry their call's attributes: the scope applies to them as to a rollup
    views.append(f"{answers.ANSWERS} {rows} {main}.{answers.ANSWERS} where "
                 + " and ".join(preds["calls"] + preds["surveys"][1:]))  # fmt: skip
    if len(preds["calls"]) > 1:  # a call attribute scopes surveys through their call
        # The kept answers hold their call's attributes: reading the scope there is
        # 2-5x faster than through every call (10M calls: the follow-up items of one
        # region 0.04 s, not 0.22 s). Only while they are current (a load keeps them so;
        # a direct write that changes the row counts makes the reads use the calls).
        through = "response_id in (select response_id from temp.main.answers)"
        preds["surveys"].append(
            through if kept else "call_id in (select call_id from temp.main.calls)"
        )
    views += [
        f"calls {rows} {main}.calls where {' and '.join(preds['calls'])}",
        f"surveys {rows} {main}.surveys where {' and '.join(preds['surveys'])}",
        f"followup_items {rows} {main}.followup_items where response_id in"  # noqa: S608
        " (select response_id from temp.main.surveys)",
        f"followup_actions {rows} {main}.followup_actions where item_id in"  # noqa: S608
        " (select item_id from temp.main.followup_items)",
        *(f"{name} {rows} {main}.{name} where false" for name in _HIDDEN),
    ]
    cur.execute(";".join(f"create temp view {view}" for view in views))


def _scope_kept(scope: Scope, rollup: rollups.Rollup) -> bool:
    """Whether every scoped dimension is one ``rollup`` keeps."""
    return {name for name, _ in scope} <= set(rollup.dims["surveys"])


def _rollup_scopes(scope: Scope, preds: dict[str, list[str]]) -> Iterator[tuple[str, list[str]]]:
    """Each rollup table and its scope conditions: the call attributes on both (and
    the survey type on surveys'); none of its rows when it does not keep a scoped
    dimension (the reads then take the raw rows, see :meth:`BoundStore.rollup`)."""
    for rollup in rollups.ROLLUPS:
        kept = _scope_kept(scope, rollup)
        calls, surveys = preds["calls"], preds["calls"] + preds["surveys"][1:]
        yield rollup.table("calls"), calls if kept else ["false"]
        yield rollup.table("surveys"), surveys if kept else ["false"]
