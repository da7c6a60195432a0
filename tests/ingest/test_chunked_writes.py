"""Chunk-by-chunk writes: exact counts however the chunks fall, repeats still refused.

``ingest`` writes each validated chunk straight into the store (no staged copy of
the batch) and finds keys repeated across chunks from what the writes leave
behind (see ``analytics.ingest.upsert``). These tests put the two occurrences of a
key in different chunks, after each fate the first one can meet (inserted,
updated, unchanged, rejected), and check that the load comes out exactly as the
in-memory path (``load(validate(...))``) says it must.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.ingest import (
    ROW,
    Mapping,
    ingest,
    load,
    read_file,
    rejected_rows,
    suggest_mapping,
    undo_batch,
    upsert,
    validate,
)
from analytics.store import Store, connect
from tests.ingest import builders as b

CALLS = Mapping.of(
    "calls", {"call_id": "id", "started_at": "at", "queue": "queue", "wait_s": "wait"}
)
HEADER = ["id", "at", "queue", "wait"]
SEED = [["C1", "2024-01-01", "a", "1"], ["C2", "2024-01-02", "a", "2"]]
FILLER = [[f"N{i}", "2024-02-01", "x", "3"] for i in range(6)]


def _file(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    return b.write(tmp_path / name, b.csv_text([HEADER, *rows]))


def _counts(report: object) -> tuple[int, int, int, int]:
    return (report.inserted, report.updated, report.unchanged, report.rejected)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (["C9", "2024-01-09", "new", "9"], ["C9", "2024-01-09", "new", "9"]),  # inserted
        # Inserted by one chunk, changed by a later one: was counted as an update.
        (["C9", "2024-01-09", "new", "9"], ["C9", "2024-01-09", "other", "9"]),
        (["C1", "2024-01-01", "changed", "1"], ["C1", "2024-01-01", "a", "1"]),  # updated
        (["C1", "2024-01-01", "a", "1"], ["C1", "2024-01-01", "a", "1"]),  # unchanged
        (["C1", "2024-01-01", "changed", "1"], ["C1", "not a date", "a", "1"]),  # rejected
    ],
    ids=["inserted", "inserted_then_changed", "updated", "unchanged", "rejected"],
)
def test_a_key_repeated_across_chunks_is_rejected_as_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: list[str], second: list[str]
) -> None:
    rows = [first, *FILLER[:3], second, *FILLER[3:]]  # 3 rows apart: never one chunk of 2
    path = _file(tmp_path, "rep.csv", rows)
    expected: list[tuple[object, ...]] = []
    reports = []
    found: list[int] = []
    real = upsert.repeated_keys
    monkeypatch.setattr(upsert, "repeated_keys", lambda *a: found.append(real(*a)) or found[-1])
    for mode in ("memory", "streamed"):
        store = connect(str(tmp_path / f"{mode}.duckdb"))
        ingest(store, read_file(_file(tmp_path, "seed.csv", SEED)), CALLS)
        raw = read_file(path)
        report = (
            load(store, validate(raw, CALLS))
            if mode == "memory"
            else ingest(store, raw, CALLS, chunk_rows=2)
        )
        reports.append(report)
        rejected = rejected_rows(store, report.batch_id).select(ROW, "code").rows()
        # Without lineage: the streamed load's retry (after finding the repeat) runs
        # as a new batch, so its rows carry another batch id.
        expected.append((b.rows_of(store, "calls", "call_id", lineage=False), rejected))
        store.close()
    assert _counts(reports[0]) == _counts(reports[1]) == (6, 0, 0, 2)
    assert expected[0] == expected[1]
    assert ("C1", "a") in [(r[0], r[3]) for r in expected[1][0]]  # C1 as seeded
    assert {code for row, code in expected[1][1] if row in (2, 6)} >= {"duplicate_key"}
    assert any(n > 0 for n in found), "the repeat was not found across chunks"


def test_updates_of_more_rows_than_a_row_group_in_one_chunk(store: Store, tmp_path: Path) -> None:
    """Guards the per-chunk classification against DuckDB 2.0's row-group join bug,
    and undo of such a batch."""
    n = 130_000
    first = read_file(b.calls_csv(tmp_path / "a.csv", n))
    mapping = suggest_mapping(first, "calls").mapping
    ingest(store, first, mapping, chunk_rows=n)
    changed = read_file(b.calls_csv(tmp_path / "b.csv", n, queue="changed"))
    report = ingest(store, changed, mapping, chunk_rows=n)
    assert _counts(report) == (0, n, 0, 0)
    queues = store.sql("select queue, count(*) as n from calls group by 1")
    assert queues.rows() == [("changed", n)]
    before = store.sql("select count(*) as n from ingest_before_calls where batch_id = ?",
                       [report.batch_id])  # fmt: skip
    assert before["n"][0] == n
    assert undo_batch(store, report.batch_id).restored == n
    assert store.sql("select queue, count(*) as n from calls group by 1").rows() == [("billing", n)]


def test_mixed_chunks_count_exactly(store: Store, tmp_path: Path) -> None:
    """Chunks of only inserts, only stored keys, and both, in one batch."""
    ingest(store, read_file(b.calls_csv(tmp_path / "a.csv", 100)), _calls_mapping(tmp_path))
    path = b.calls_csv(tmp_path / "b.csv", 300, start=50)  # 50..99 stored, 100..349 new
    report = ingest(store, read_file(path), _calls_mapping(tmp_path), chunk_rows=40)
    assert _counts(report) == (250, 0, 50, 0)
    assert store.sql("select count(*) as n from calls")["n"][0] == 350
    lineage = store.sql(
        "select batch_id, count(*) as n, min(call_id) as lo, max(call_id) as hi "
        "from calls group by 1 order by 1"
    )
    first = report.batch_id - 1
    assert lineage.rows() == [
        (first, 100, "C0000000", "C0000099"),
        (report.batch_id, 250, "C0000100", "C0000349"),
    ]


def _calls_mapping(tmp_path: Path) -> Mapping:
    return suggest_mapping(read_file(b.calls_csv(tmp_path / "m.csv", 1)), "calls").mapping


def test_unknown_call_ids_are_counted_over_every_chunk(store: Store, tmp_path: Path) -> None:
    rows = [b.qualtrics_row(i, 9, "Satisfied", call=f"C{409 - i}") for i in range(8)]
    raw = read_file(b.qualtrics_csv(tmp_path / "s.csv", rows))
    report = ingest(store, raw, suggest_mapping(raw, "surveys").mapping, chunk_rows=2)
    (warning,) = report.warnings
    assert (warning.code, warning.count) == ("unknown_call_id", 8)
    assert warning.examples == ("C402", "C403", "C404", "C405", "C406")


def test_a_failed_load_leaves_no_reading_or_validation_running(
    store: Store, tmp_path: Path
) -> None:
    raw = read_file(b.calls_csv(tmp_path / "c.csv", 3000))

    def explode(fraction: float) -> None:
        if fraction > 0.3:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        ingest(store, raw, _calls_mapping(tmp_path), on_progress=explode, chunk_rows=200)
    workers = ("pulso-ingest-validate", "pulso-ingest-read")
    assert not [t for t in threading.enumerate() if t.name in workers]
    assert store.sql("select count(*) as n from calls")["n"][0] == 0


#: Keys whose byte order differs from their alphabetical or case order, look-alikes
#: (composed and combining accents), and scripts beyond Latin-1.
TRICKY_KEYS = ["a", "A", "á", "a\u0301", "Ñ", "ñ", "z", "Z", "中", "文", "😀", "ß", "ss",
               "İ", "i", "aa", "a a", "0", "00", "~"]  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.lists(st.sampled_from(TRICKY_KEYS), unique=True, max_size=6),
    batch=st.lists(st.sampled_from(TRICKY_KEYS), min_size=1, max_size=12),
    chunk_rows=st.integers(1, 5),
)
def test_keys_stay_unique_without_a_key_index(
    tmp_path_factory: pytest.TempPathFactory, seed: list[str], batch: list[str], chunk_rows: int
) -> None:
    """The tables have no primary-key index: ingest alone keeps keys unique, in any
    script and however the chunks fall (a key met twice in the file is refused)."""
    folder = tmp_path_factory.mktemp("keys")
    store = connect(":memory:")
    rows = lambda keys, queue: [[k, "2024-01-01", queue, "1"] for k in keys]  # noqa: E731
    if seed:
        ingest(store, read_file(_file(folder, "seed.csv", rows(seed, "seed"))), CALLS)
    raw = read_file(_file(folder, "batch.csv", rows(batch, "batch")))
    ingest(store, raw, CALLS, chunk_rows=chunk_rows)
    stored = store.sql("select call_id from calls")["call_id"].to_list()
    once = {k for k in batch if batch.count(k) == 1}
    assert sorted(stored) == sorted(set(stored)), "a key was stored twice"
    assert set(stored) == set(seed) | once
    assert store.sql("select count(*) as n from calls where queue = 'batch'")["n"][0] == len(once)
