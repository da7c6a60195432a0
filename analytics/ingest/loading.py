"""Loading a batch: all of it in one transaction, or none of it.

:func:`load` writes an in-memory :class:`Validated` (the Upload page's flow);
:func:`ingest` validates and writes in one streaming pass with bounded memory (the
CLI's, and big files'). Both: open a batch row; then chunk by chunk, classify the
good rows against the store (insert / update / unchanged), keep before-images,
write them (see ``upsert``) and store the rejects; check that no key repeated,
check the counts, close the batch row (with the data-quality report, see
``quality``), commit. A failure anywhere, or the process dying, leaves the store
exactly as it was.

``ingest`` is optimistic about repeated keys: instead of a pass over the file to
find them first, it checks the batch's keys in SQL; when some repeat (rare), it
rolls back and loads again with the pass, so those rows are rejected properly.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, NoReturn

import polars as pl

from analytics import access, audit, rollups
from analytics.ingest import aliases, batchlog, fit, quality, upsert
from analytics.ingest.batchlog import Batch
from analytics.ingest.columns import KEYS, column, ident
from analytics.ingest.handoff import Handoff, running
from analytics.ingest.model import ROW, BatchReport, Mapping, RawTable, Validated
from analytics.ingest.quality import Quality
from analytics.ingest.reasons import IngestError
from analytics.ingest.steps import value_name
from analytics.ingest.upsert import RepeatedKeys
from analytics.ingest.validation import Plan, finish_slow, make_plan, parsing, split
from analytics.store import Store

Progress = Callable[[float], None]
#: A chunk: good rows (ready to write), reject rows, (row, key) of rejected rows if
#: known, blank rows.
Chunk = tuple[upsert.Rows, pl.DataFrame, pl.DataFrame | None, int]
#: Two DuckDB row groups: chunks that fill whole row groups are cheaper to commit, and
#: each chunk is one insert statement, whose fixed cost is large (1M calls: 1.34 s of
#: inserts in chunks of one row group, 1.09 s of two, 0.61 s of four). A smaller chunk
#: keeps less in memory (up to three are alive: see _ahead); four row groups did not
#: make the whole load faster (validation no longer ran ahead of the writes).
CHUNK_ROWS = 245_760
#: Share of the progress bar for validating and writing the chunks; the rest is
#: the checks before commit.
WRITING_SHARE = 0.9


def load(
    store: Store,
    validated: Validated,
    *,
    loaded_by: str | None = None,
    on_progress: Progress | None = None,
    measured: Quality | None = None,
    strict: bool = False,
) -> BatchReport:
    """Write validated rows (and keep its rejects) as one batch; ``measured`` is its
    data-quality report when the caller has it already (``quality.measure``);
    ``strict``: refuse the whole file if any row is rejected (nothing is written)."""
    access.require(store, "load")
    found = measured if measured is not None else quality.measure(validated)
    loaded = tuple(c for c in validated.good.columns if c != ROW)
    by = access.author(store, loaded_by)
    batch = Batch(validated.raw, validated.mapping, loaded, validated.dayfirst, by)
    none = validated.rejects.clear()
    ready = partial(upsert.prepare, batch.target, loaded)
    chunks: list[Chunk] = [
        (ready(g), none, None, 0) for g in validated.good.iter_slices(CHUNK_ROWS)
    ]
    blank = validated.skipped.get("blank", 0)
    chunks.append((ready(validated.good.clear()), validated.rejects, None, blank))
    return _run(store, batch, chunks, _progress(on_progress), lambda: found, strict)


def ingest(
    store: Store,
    raw: RawTable,
    mapping: Mapping,
    *,
    dayfirst: bool | None = None,
    loaded_by: str | None = None,
    on_progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    strict: bool = False,
) -> BatchReport:
    """Validate and write a whole file in one streaming pass (bounded memory);
    ``strict``: refuse the whole file if any row is rejected (nothing is written)."""
    access.require(store, "load")
    report = _progress(on_progress)
    mapping = aliases.attach(store, mapping)  # the store's value map: "Sur" reads "South"
    for find_duplicates in (False, True):
        plan = make_plan(raw, mapping, dayfirst=dayfirst, find_duplicates=find_duplicates)
        batch = Batch(raw, mapping, plan.loaded, plan.dayfirst, access.author(store, loaded_by))
        tally = quality.Tally(plan)
        try:
            with _ahead(_stream(plan, chunk_rows, not find_duplicates, tally)) as chunks:
                return _run(store, batch, chunks, report, tally.result, strict)
        except RepeatedKeys:
            if find_duplicates:
                raise
    raise AssertionError("unreachable")


def _stream(plan: Plan, chunk_rows: int, with_keys: bool, tally: quality.Tally) -> Generator[Chunk]:
    """Checked chunks, counted in ``tally`` and split; ``with_keys``: also the keys of
    rejected rows, so that the batch's keys can be checked for repeats (when the plan
    did not look for them)."""
    key = pl.col(value_name(KEYS[plan.target])).alias("key")
    with parsing(plan.raw):
        for checked in _checked(plan, chunk_rows):
            checked = finish_slow(checked, plan)
            tally.add(checked)
            good, bad, blank = split(checked, plan)
            rows = bad.get_column(ROW).unique().implode()
            keys = checked.filter(pl.col(ROW).is_in(rows)).select(ROW, key) if with_keys else None
            yield upsert.prepare(plan.target, plan.loaded, good), bad, keys, blank


def _checked(plan: Plan, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """``plan.checked`` in chunks, each read from the file only when asked for."""
    for piece in plan.raw.pieces(chunk_rows):
        yield plan.check(piece).collect()


@contextmanager
def _ahead(chunks: Generator[Chunk]) -> Iterator[Iterator[Chunk]]:
    """The chunks, validated one ahead in a thread while the current one is written
    (see ``handoff``): polars (validation, the Arrow copy DuckDB takes) and DuckDB
    (the write) overlap."""

    def validate(to: Handoff[Chunk]) -> None:
        try:
            all(to.put(chunk) for chunk in chunks)  # stops when the writer has gone
        finally:
            chunks.close()

    with running(validate, "pulso-ingest-validate") as validated:
        yield validated


def _run(
    store: Store,
    batch: Batch,
    chunks: Iterable[Chunk],
    report: Progress,
    measured: Callable[[], Quality],
    strict: bool = False,
) -> BatchReport:
    """Write the chunks as one batch; ``measured()`` is read once every chunk is in."""
    total = max(batch.raw.facts.n_rows, 1)
    target, loaded = batch.target, batch.loaded
    table = ident(target, target)
    counts = upsert.zero()
    with_calls = target == "surveys" and "call_id" in loaded
    unknown = upsert.Unknown()
    actor = access.require(store, "load")
    with store.transaction() as cur:
        batch_id = batchlog.open_batch(cur, batch)
        upsert.create_stage(cur)
        before = upsert.count(cur, table)
        done = good_rows = blank_rows = 0
        first_bad: pl.DataFrame | None = None
        for good, bad, bad_keys, blank in chunks:
            if bad.height and first_bad is None:
                first_bad = bad.head(1)
            written = upsert.write(
                cur, batch_id, target, loaded, good, unknown if with_calls else None
            )
            counts = {action: counts[action] + written[action] for action in counts}
            if bad_keys is not None:
                upsert.append_rejected_keys(cur, bad_keys)
            batchlog.store_rejects(cur, batch_id, bad)
            good_rows += good.height
            blank_rows += blank
            done += good.height + bad.get_column(ROW).n_unique() + blank
            report(WRITING_SHARE * done / total)
        if upsert.repeated_keys(cur, batch_id, target):
            raise RepeatedKeys(f"{batch.raw.name}: rows to load share a key; validate them first")
        found = measured()
        _refuse_unfit(cur, batch_id, batch, found)
        if good_rows == 0 and first_bad is None and not batch.raw.facts.skipped:
            # blank rows only (a survey tool's test rows alone still leave a record)
            raise IngestError("no_rows", file=batch.raw.name)
        if strict and first_bad is not None:
            _refuse_strict(cur, batch_id, batch.raw.name, first_bad)
        _check("written", good_rows, sum(counts.values()))
        _check("inserted", counts["insert"], upsert.count(cur, table) - before)
        rollups.collect(cur, target, batch_id)
        rollups.refresh(cur, target)
        report(0.95)
        result = batchlog.close_batch(cur, batch_id, batch, counts, blank_rows, unknown, found)
        upsert.drop(cur)
        audit.record(cur, actor, "load", batch_id, None, _audited(result))
    report(1.0)
    return result


def _refuse_unfit(cur: Any, batch_id: int, batch: Batch, found: Quality) -> None:
    """Refuse (the transaction rolls back) when most of a field's values are
    unreadable: see ``fit``; the examples are its rejected rows' values."""
    for f in found.fields:
        if fit.too_unreadable(f.kind, f.filled, f.parsed):
            params = cur.execute(
                "select reason_params from rejected_rows where batch_id = ? and field = ? "
                "and reason_code not in ('required', 'duplicate_key') "
                "order by row_number limit 20",
                [batch_id, f.field],
            ).fetchall()
            col = column(batch.target, f.field)
            examples = fit.values_of(p for (p,) in params)
            counts = (f.filled, f.parsed)
            raise fit.refusal(batch.raw.name, col, f.source, counts, examples, batch.mapping)


def _refuse_strict(cur: Any, batch_id: int, name: str, first: pl.DataFrame) -> NoReturn:
    """Strict load with rejected rows: refuse (the transaction rolls back), naming
    how many rows and the first problem."""
    count = batchlog.rejected_count(cur, batch_id)
    bad = first.row(0, named=True)
    raise IngestError(
        "strict_refused", file=name, count=count, row=bad[ROW], column=bad["column"] or ""
    )


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


def _audited(result: BatchReport) -> dict[str, object]:
    names = ("target", "file_name", "sha256", "n_rows", "inserted", "updated", "rejected")
    return {name: getattr(result, name) for name in names}
