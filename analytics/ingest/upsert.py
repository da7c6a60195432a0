"""The SQL of a load, chunk by chunk: classify, keep before-images, update, insert.

Everything runs on one cursor inside the batch's transaction and is set-based:
each chunk of good rows arrives as Arrow data (never as SQL text; see
``sql.over``) and each step is one statement over it. Identifiers come only from ``columns.ident``
and this module's own constants (hence the ``noqa: S608`` marks).

No copy of the batch is staged: a chunk's keys already stored are compared column
by column (``update`` or ``unchanged``), its other rows go straight into the target
table. A batch of only new keys (the usual daily extract) is thus written once.
Memory holds one chunk (plus, when the batch meets stored rows, their keys).

Why chunk by chunk is exact: while no key repeats in the batch, each chunk's keys
were stored before the batch or not at all, so every row is classified against the
store as it was. Repeats are found without a pass over the file first: within a
chunk before it is written (:class:`RepeatedKeys`); across chunks by
:func:`repeated_keys` before commit, from what the writes leave behind. A key met
twice is, the second time, already stored (inserted or met the first time), so it
is among the chunk's stored keys (kept in ``SEEN``); the check counts ``SEEN``, the
batch's inserted keys and the rejected rows' keys together. When every chunk only
inserted and no row was rejected, nothing can repeat (each chunk's keys are
distinct, and none was stored before it) and the check is skipped. Either way a
repeat rolls the whole batch back.

The tables have no primary-key index (it cost a tenth of a load, on one core):
what keeps keys unique is this module, which never inserts a key it has not just
checked against the store.

Lineage instead of a key log: every row written carries the batch's id in
``batch_id`` (inserted or changed; unchanged rows keep theirs), and every
before-image the id the row had (``prior_batch_id``). The rows a batch inserted
are its rows without a before-image; undo (``batches``) needs nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl
import pyarrow as pa

from analytics.ingest.columns import BEFORE_TABLES, KEYS, ident, stored_columns
from analytics.ingest.model import ROW, Target
from analytics.ingest.sql import one, over
from analytics.kept_sql import count

#: The keys of the batch's good rows that were already stored when their chunk
#: was written (updated or unchanged): where a repeated key shows up.
SEEN = "pulso_ingest_seen_keys"
#: The lineage columns (see the module docstring); constants, never input.
LINEAGE, PRIOR = '"batch_id"', '"prior_batch_id"'
EXISTING = "pulso_ingest_existing"
REJECTED_KEYS = "pulso_ingest_rejected_keys"
CHUNK = "pulso_ingest_chunk"
RowCounts = dict[str, int]


class RepeatedKeys(Exception):
    """Rows to load share a key: the batch must be validated with the duplicate pass."""


def zero() -> RowCounts:
    return {"insert": 0, "update": 0, "unchanged": 0}


@dataclass
class Unknown:
    """Surveys whose call id is not in ``calls``: how many, the first few ids."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, count: int, examples: list[str]) -> None:
        self.count += count
        self.examples = sorted({*self.examples, *examples})[:5]


def create_stage(cur: duckdb.DuckDBPyConnection) -> None:
    """Empty temporary tables for keys: of stored rows met, of rejected rows.

    Spelled out rather than ``create table .. as select .. where false``: in DuckDB
    2.0, a table made that way and then filled with >= 122,880 registered Arrow rows
    inside a transaction returned *no rows* to joins.
    """
    cur.execute(f"create or replace temp table {SEEN} (key varchar)")
    cur.execute(f'create or replace temp table {REJECTED_KEYS} ("{ROW}" bigint, key varchar)')


def append_rejected_keys(cur: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> None:
    """Add ``ROW, key`` of rejected rows (checked against the good rows' keys)."""
    if rows.height == 0:
        return
    data = rows.select(ROW, "key").to_arrow(compat_level=pl.CompatLevel.oldest())
    insert = f'insert into {REJECTED_KEYS} ("{ROW}", key) select "{ROW}", key from {CHUNK}'  # noqa: S608
    over(cur, CHUNK, data, insert)


@dataclass(frozen=True)
class Rows:
    """One chunk of good rows as DuckDB takes them (made ahead, off the writer's thread)."""

    arrow: pa.Table
    height: int
    #: The least and greatest key (see :func:`_any_stored`).
    bounds: tuple[str | None, str | None]


def prepare(target: Target, loaded: tuple[str, ...], rows: pl.DataFrame) -> Rows:
    """Good rows (canonical columns) -> :class:`Rows`; refuses keys repeated in the chunk."""
    keys = rows.get_column(KEYS[target])
    if keys.n_unique() != keys.len():  # a third of ``is_duplicated().any()``'s time
        raise RepeatedKeys("rows to load share a key")
    # Plain (not view) strings: DuckDB takes them about twice as fast. One Arrow
    # batch, not the dozen pieces validation leaves: DuckDB then writes whole row
    # groups instead of fragments it must merge at commit (commit 4x faster).
    arrow = rows.select(loaded).rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())
    return Rows(arrow, rows.height, (keys.min(), keys.max()))  # type: ignore[arg-type]


def write(
    cur: duckdb.DuckDBPyConnection,
    batch_id: int,
    target: Target,
    loaded: tuple[str, ...],
    rows: Rows,
    unknown: Unknown | None = None,
) -> RowCounts:
    """Upsert one chunk of good rows: its counts by action."""
    if rows.height == 0:
        return zero()
    if _any_stored(cur, target, rows):
        counts = _classify(cur, target, loaded, rows)
    else:
        counts = {**zero(), "insert": rows.height}
    if counts["update"] or counts["unchanged"]:
        cur.execute(f"insert into {SEEN} select key from {EXISTING}")  # noqa: S608
    _remember(cur, batch_id, target, counts)
    _apply(cur, batch_id, target, loaded, rows, counts)
    if unknown is not None:
        unknown.add(*_unknown_calls(cur, rows))
    return counts


def repeated_keys(cur: duckdb.DuckDBPyConnection, batch_id: int, target: Target) -> int:
    """Keys of the batch (good or rejected rows) met more than once: must be 0 to go on.

    A key inserted by one chunk and changed by a later one leaves a before-image whose
    prior lineage is this very batch: that is a key met twice too (the update would
    otherwise overwrite the first row silently).
    """
    if count(cur, SEEN) == 0 and count(cur, REJECTED_KEYS) == 0:
        return 0  # only inserts of keys new to the store and to the chunk, nothing rejected
    before = ident(target, BEFORE_TABLES[target])
    row = one(
        cur,
        f"select (select count(*) from (select key from (select key from {SEEN} "  # noqa: S608
        f"union all ({inserted_keys(target)}) "
        f"union all select key from {REJECTED_KEYS} where key is not null) "
        "group by key having count(*) > 1)) "
        f"+ (select count(*) from {before} where batch_id = ? and {PRIOR} = ?)",
        [batch_id, batch_id, batch_id, batch_id],
    )
    return int(row[0]) if row else 0


def inserted_keys(target: Target) -> str:
    """SQL: the keys batch ``?`` (twice) inserted: its rows that have no before-image."""
    table, key = ident(target, target), ident(target, KEYS[target])
    before = ident(target, BEFORE_TABLES[target])
    return (
        f"select t.{key} as key from {table} t where t.{LINEAGE} = ? and not exists "  # noqa: S608
        f"(select 1 from {before} b where b.batch_id = ? and b.{key} = t.{key})"
    )


def _any_stored(cur: duckdb.DuckDBPyConnection, target: Target, rows: Rows) -> bool:
    """Whether any stored key lies between the chunk's least and greatest keys.

    Nearly free (the range skips row groups by their min/max), and usually false
    for new rows, whose keys tend to grow: the chunk then needs no join at all.

    The bounds come from polars (computed ahead, off the writer's thread); polars
    and DuckDB both order strings by their UTF-8 bytes, so a stored key equal to
    one of the chunk's always lies between them (a test holds this for keys in
    any script).
    """
    table, key = ident(target, target), ident(target, KEYS[target])
    stored = one(cur, f"select count(*) from {table} where {key} between ? and ?", rows.bounds)  # noqa: S608
    return bool(stored and stored[0])


def _classify(
    cur: duckdb.DuckDBPyConnection, target: Target, loaded: tuple[str, ...], rows: Rows
) -> RowCounts:
    """RowCounts of insert / update / unchanged; tags the chunk's keys already stored."""
    table, key = ident(target, target), ident(target, KEYS[target])
    changed = " or ".join(
        f"s.{ident(target, c)} is distinct from t.{ident(target, c)}"
        for c in loaded
        if c != KEYS[target]
    )
    over(
        cur,
        CHUNK,
        rows.arrow,
        f"create or replace temp table {EXISTING} as select s.{key} as key, "  # noqa: S608
        f"case when {changed or 'false'} then 'update' else 'unchanged' end as action "
        f"from {CHUNK} s join {table} t on t.{key} = s.{key}",
    )
    found = cur.execute(f"select action, count(*) from {EXISTING} group by 1").fetchall()  # noqa: S608
    counts = {**zero(), **{a: int(n) for a, n in found}}
    counts["insert"] = rows.height - counts["update"] - counts["unchanged"]
    return counts


def _new_rows(target: Target, counts: RowCounts) -> str:
    """The chunk's rows whose key is not stored yet (all of them when none is)."""
    if counts["update"] + counts["unchanged"] == 0:
        return f"select * from {CHUNK}"  # noqa: S608
    return f"select s.* from {CHUNK} s anti join {EXISTING} e on e.key = s.{ident(target, KEYS[target])}"  # noqa: S608


def _remember(
    cur: duckdb.DuckDBPyConnection, batch_id: int, target: Target, counts: RowCounts
) -> None:
    """Keep the full rows (and their lineage) this batch is about to overwrite."""
    if not counts["update"]:
        return
    key = ident(target, KEYS[target])
    every = ", ".join(ident(target, c) for c in stored_columns(target))
    picked = ", ".join(f"t.{ident(target, c)}" for c in stored_columns(target))
    cur.execute(
        f"insert into {ident(target, BEFORE_TABLES[target])} (batch_id, {PRIOR}, {every}) "  # noqa: S608
        f"select ?, t.{LINEAGE}, {picked} from {ident(target, target)} t "
        f"join {EXISTING} e on e.key = t.{key} where e.action = 'update'",
        [batch_id],
    )


def _apply(
    cur: duckdb.DuckDBPyConnection,
    batch_id: int,
    target: Target,
    loaded: tuple[str, ...],
    rows: Rows,
    counts: RowCounts,
) -> None:
    """Write the changes: only the loaded columns of updated rows, whole new rows;
    both marked with the batch. Refuses if DuckDB wrote other numbers of rows."""
    table, key = ident(target, target), ident(target, KEYS[target])
    others = [c for c in loaded if c != KEYS[target]]
    if counts["update"] and others:
        sets = ", ".join(f"{ident(target, c)} = s.{ident(target, c)}" for c in others)
        update = (
            f"update {table} set {sets}, {LINEAGE} = ? from {CHUNK} s "  # noqa: S608
            f"join {EXISTING} e on e.key = s.{key} "
            f"where {table}.{key} = s.{key} and e.action = 'update'"
        )
        _written("updated", counts["update"], over(cur, CHUNK, rows.arrow, update, [batch_id]))
    if counts["insert"]:
        names = ", ".join(ident(target, c) for c in loaded)
        insert = (
            f"insert into {table} ({names}, {LINEAGE}) "  # noqa: S608
            f"select {names}, ? from ({_new_rows(target, counts)})"
        )
        _written("inserted", counts["insert"], over(cur, CHUNK, rows.arrow, insert, [batch_id]))


def _written(what: str, expected: int, result: list[tuple[int, ...]]) -> None:
    """DuckDB's count of the rows a statement wrote must be the count expected."""
    if result != [(expected,)]:
        raise RuntimeError(
            f"ingest consistency check failed: {what} {expected} vs {result}; nothing was written"
        )


def _unknown_calls(cur: duckdb.DuckDBPyConnection, rows: Rows) -> tuple[int, list[str]]:
    """The chunk's surveys whose call id is not in ``calls`` (loaded, with a warning)."""
    ((count, examples),) = over(
        cur,
        CHUNK,
        rows.arrow,
        f"select count(*), coalesce(list(distinct s.call_id order by s.call_id)[1:5], []) "  # noqa: S608
        f"from {CHUNK} s anti join calls c on c.call_id = s.call_id where s.call_id is not null",
    )
    return int(count), list(examples)


def drop(cur: duckdb.DuckDBPyConnection) -> None:
    for table in (EXISTING, SEEN, REJECTED_KEYS):
        cur.execute(f"drop table if exists {table}")
