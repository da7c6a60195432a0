"""Loading a batch: all of it in one transaction, or none of it.

:func:`load` writes an in-memory :class:`Validated` (the Upload page's flow);
:func:`ingest` validates and writes in one streaming pass with bounded memory (the
CLI's, and big files'). Both: open a batch row, stage good rows and store rejects
chunk by chunk, check that no key repeats, classify against the store (insert /
update / unchanged), keep before-images, write, close the batch row, commit. A
failure anywhere, or the process dying, leaves the store exactly as it was.

``ingest`` is optimistic about repeated keys: instead of a pass over the file to
find them first, it checks the staged keys in SQL; when some repeat (rare), it
rolls back and loads again with the pass, so those rows are rejected properly.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterable, Iterator

import duckdb
import polars as pl

from analytics.ingest import batchlog, upsert
from analytics.ingest.batchlog import Batch
from analytics.ingest.columns import KEYS, ident
from analytics.ingest.model import ROW, BatchReport, Mapping, RawTable, Validated
from analytics.ingest.steps import value_name
from analytics.ingest.validation import Plan, make_plan, parsing, split
from analytics.store import Store

Progress = Callable[[float], None]
#: A chunk: good rows, reject rows, (row, key) of rejected rows if known, blank rows.
Chunk = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None, int]
CHUNK_ROWS = 250_000
#: Share of the progress bar for validating and staging; the rest is the upsert.
STAGING_SHARE = 0.8


class RepeatedKeys(Exception):
    """Staged keys repeat: the batch must be validated with the duplicate pass."""


def load(
    store: Store,
    validated: Validated,
    *,
    loaded_by: str | None = None,
    on_progress: Progress | None = None,
) -> BatchReport:
    """Write validated rows (and keep its rejects) as one batch."""
    loaded = tuple(c for c in validated.good.columns if c != ROW)
    batch = Batch(
        validated.raw, validated.mapping, loaded, validated.dayfirst, loaded_by or _user()
    )
    none = validated.rejects.clear()
    chunks: list[Chunk] = [(good, none, None, 0) for good in validated.good.iter_slices(CHUNK_ROWS)]
    blank = validated.skipped.get("blank", 0)
    chunks.append((validated.good.clear(), validated.rejects, None, blank))
    return _run(store, batch, chunks, _progress(on_progress))


def ingest(
    store: Store,
    raw: RawTable,
    mapping: Mapping,
    *,
    dayfirst: bool | None = None,
    loaded_by: str | None = None,
    on_progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> BatchReport:
    """Validate and write a whole file in one streaming pass (bounded memory)."""
    report = _progress(on_progress)
    for find_duplicates in (False, True):
        plan = make_plan(raw, mapping, dayfirst=dayfirst, find_duplicates=find_duplicates)
        batch = Batch(raw, mapping, plan.loaded, plan.dayfirst, loaded_by or _user())
        try:
            chunks = _stream(plan, chunk_rows, with_keys=not find_duplicates)
            return _run(store, batch, chunks, report)
        except RepeatedKeys:
            if find_duplicates:
                raise
    raise AssertionError("unreachable")


def _stream(plan: Plan, chunk_rows: int, with_keys: bool) -> Iterator[Chunk]:
    """Checked chunks, split; ``with_keys``: also the keys of rejected rows, so that
    the staged keys can be checked for repeats (when the plan did not look for them)."""
    key = pl.col(value_name(KEYS[plan.target])).alias("key")
    with parsing(plan.raw):
        for checked in plan.checked.collect_batches(chunk_size=chunk_rows):
            good, bad, blank = split(checked, plan)
            rows = bad.get_column(ROW).unique().implode()
            keys = checked.filter(pl.col(ROW).is_in(rows)).select(ROW, key) if with_keys else None
            yield good, bad, keys, blank


def _run(store: Store, batch: Batch, chunks: Iterable[Chunk], report: Progress) -> BatchReport:
    total = max(batch.raw.facts.n_rows, 1)
    with store.transaction() as cur:
        batch_id = batchlog.open_batch(cur, batch)
        upsert.create_stage(cur, batch.target, batch.loaded)
        done = good_rows = blank_rows = 0
        for good, bad, bad_keys, blank in chunks:
            upsert.append(cur, batch.target, good)
            if bad_keys is not None:
                upsert.append(cur, batch.target, bad_keys, upsert.REJECTED_KEYS)
            batchlog.store_rejects(cur, batch_id, bad)
            good_rows += good.height
            blank_rows += blank
            done += good.height + bad.get_column(ROW).n_unique() + blank
            report(STAGING_SHARE * done / total)
        if upsert.repeated_keys(cur, batch.target):
            raise RepeatedKeys(f"{batch.raw.name}: rows to load share a key; validate them first")
        counts = _upsert(cur, batch, batch_id, good_rows)
        report(0.95)
        result = batchlog.close_batch(cur, batch_id, batch, counts, blank_rows)
        upsert.drop(cur)
    report(1.0)
    return result


def _upsert(
    cur: duckdb.DuckDBPyConnection, batch: Batch, batch_id: int, good_rows: int
) -> upsert.Counts:
    table = ident(batch.target, batch.target)
    before = upsert.count(cur, table)
    counts = upsert.classify(cur, batch.target, batch.loaded)
    _check("staged", good_rows, upsert.count(cur, upsert.STAGE), sum(counts.values()))
    upsert.remember(cur, batch_id, batch.target, counts)
    upsert.apply(cur, batch.target, batch.loaded, counts)
    _check("inserted", counts["insert"], upsert.count(cur, table) - before)
    return counts


def _check(what: str, expected: int, *seen: int) -> None:
    """Refuse to commit when row counts disagree: a lost row is worse than a failed load."""
    if any(n != expected for n in seen):
        raise RuntimeError(
            f"ingest consistency check failed: {what} {expected} vs {seen}; nothing was written"
        )


def _progress(on_progress: Progress | None) -> Progress:
    """Never report backwards (a retried load holds the bar until it catches up)."""
    last = [0.0]

    def report(fraction: float) -> None:
        if fraction > last[0] or fraction == 1.0:
            last[0] = min(fraction, 1.0)
            if on_progress is not None:
                on_progress(last[0])

    return report


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
