"""Loading: upsert counts, idempotency, batch log, warnings, undo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics.ingest import (
    ROW,
    IngestError,
    Mapping,
    ingest,
    list_batches,
    load,
    read_file,
    rejected_rows,
    suggest_mapping,
    undo_batch,
    validate,
)
from analytics.store import Store
from tests.ingest import builders as b

CALLS = Mapping.of(
    "calls", {"call_id": "id", "started_at": "at", "queue": "queue", "wait_s": "wait"}
)


def _file(tmp_path: Path, name: str, *rows: list[str]) -> Path:
    return b.write(tmp_path / name, b.csv_text([["id", "at", "queue", "wait"], *rows]))


def test_reloading_the_same_rows_creates_no_duplicates(store: Store, tmp_path: Path) -> None:
    path = b.calls_csv(tmp_path / "calls.csv", 50)
    mapping = suggest_mapping(read_file(path), "calls").mapping
    first = ingest(store, read_file(path), mapping, loaded_by="ana")
    second = ingest(store, read_file(path), mapping, loaded_by="ana")
    assert (first.inserted, first.updated, first.unchanged, first.rejected) == (50, 0, 0, 0)
    assert (second.inserted, second.updated, second.unchanged, second.rejected) == (0, 0, 50, 0)
    assert [w.code for w in second.warnings] == ["same_file"]
    assert store.sql("select count(*) as n from calls")["n"][0] == 50


def test_changed_rows_update_only_their_mapped_columns(store: Store, tmp_path: Path) -> None:
    full = Mapping.of("calls", {**CALLS.as_dict, "region": "region"})
    path = b.write(tmp_path / "a.csv", "id,at,queue,wait,region\nC1,2024-01-01,billing,10,north\n"
                   "C2,2024-01-01,tech,20,south\n")  # fmt: skip
    ingest(store, read_file(path), full)
    report = ingest(store, read_file(_file(tmp_path, "b.csv", ["C1", "2024-01-01", "sales", "10"],
                                           ["C2", "2024-01-01", "tech", "20"],
                                           ["C3", "2024-01-02", "tech", "5"])), CALLS)  # fmt: skip
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 1)
    rows = b.rows_of(store, "calls", "call_id")
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("C1", "sales", "north"), ("C2", "tech", "south"), ("C3", "tech", None)
    ]  # fmt: skip


def test_batch_log_and_rejected_rows(store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path, "c.csv", ["C1", "2024-01-01", "x", "10"], ["C2", "bad", "x", "-1"])
    report = ingest(store, read_file(path), CALLS, loaded_by="luis")
    assert report.n_rows == report.inserted + report.updated + report.unchanged + report.rejected
    batch = list_batches(store).row(0, named=True)
    assert (batch["file_name"], batch["loaded_by"], batch["n_rows"], batch["n_inserted"],
            batch["n_rejected"]) == ("c.csv", "luis", 2, 1, 1)  # fmt: skip
    assert batch["sha256"] == report.sha256 and batch["loaded_at"] is not None
    assert json.loads(batch["details"])["facts"]["delimiter"] == ","
    rejected = rejected_rows(store, report.batch_id)
    assert rejected.select(ROW, "column", "code").rows() == [
        (3, "at", "date_format"), (3, "wait", "negative_duration")
    ]  # fmt: skip
    assert json.loads(rejected["raw_values"][0])["wait"] == "-1"


def test_load_of_validated_rows_equals_streaming_ingest(store: Store, tmp_path: Path) -> None:
    rows = [["C1", "2024-01-01", "a", "1"], ["C1", "2024-01-01", "a", "1"],
            ["C2", "nope", "a", "1"], ["C3", "2024-01-03", "a", "1"]]  # fmt: skip
    raw = read_file(_file(tmp_path, "d.csv", *rows))
    eager = load(store, validate(raw, CALLS))
    rejects_eager = rejected_rows(store, eager.batch_id).drop("message")
    undo_batch(store, eager.batch_id)
    streamed = ingest(store, raw, CALLS, chunk_rows=2)  # repeated key found across chunks
    assert (streamed.inserted, streamed.rejected) == (eager.inserted, eager.rejected) == (1, 3)
    assert rejected_rows(store, streamed.batch_id).drop("message").equals(rejects_eager)


def test_surveys_for_unknown_calls_load_with_a_warning(store: Store, tmp_path: Path) -> None:
    ingest(store, read_file(_file(tmp_path, "c.csv", ["C1", "2024-01-01", "a", "1"])), CALLS)
    rows = [b.qualtrics_row(1, 9, "Satisfied", call="C1"),
            b.qualtrics_row(2, 8, "Satisfied", call="C404"),
            b.qualtrics_row(3, 7, "Satisfied", call="C405")]  # fmt: skip
    raw = read_file(b.qualtrics_csv(tmp_path / "s.csv", rows))
    report = ingest(store, raw, suggest_mapping(raw, "surveys").mapping)
    assert report.inserted == 3
    (warning,) = report.warnings
    assert (warning.code, warning.count, warning.examples) == (
        "unknown_call_id",
        2,
        ("C404", "C405"),
    )


def test_undo_removes_inserts_and_restores_updates(store: Store, tmp_path: Path) -> None:
    first = ingest(
        store, read_file(_file(tmp_path, "1.csv", ["C1", "2024-01-01", "a", "1"])), CALLS
    )
    before = b.rows_of(store, "calls", "call_id")
    second = ingest(store, read_file(_file(tmp_path, "2.csv", ["C1", "2024-01-01", "b", "9"],
                                           ["C2", "2024-01-02", "b", "2"])), CALLS)  # fmt: skip
    undone = undo_batch(store, second.batch_id)
    assert (undone.deleted, undone.restored) == (1, 1)
    assert b.rows_of(store, "calls", "call_id") == before
    assert list_batches(store).filter(batch_id=second.batch_id)["undone_at"][0] is not None
    with pytest.raises(IngestError, match="already undone"):
        undo_batch(store, second.batch_id)
    undo_batch(store, first.batch_id)
    assert b.rows_of(store, "calls", "call_id") == []


def test_undo_refuses_to_skip_a_later_batch_on_the_same_rows(store: Store, tmp_path: Path) -> None:
    first = ingest(
        store, read_file(_file(tmp_path, "1.csv", ["C1", "2024-01-01", "a", "1"])), CALLS
    )
    later = ingest(
        store, read_file(_file(tmp_path, "2.csv", ["C1", "2024-01-01", "b", "1"])), CALLS
    )
    with pytest.raises(IngestError) as err:
        undo_batch(store, first.batch_id)
    assert err.value.code == "undo_blocked" and err.value.params["later"] == str(later.batch_id)
    undo_batch(store, later.batch_id)
    undo_batch(store, first.batch_id)
    assert store.sql("select count(*) as n from calls")["n"][0] == 0


def test_progress_reaches_one_and_never_goes_back(store: Store, tmp_path: Path) -> None:
    seen: list[float] = []
    path = b.calls_csv(tmp_path / "p.csv", 1000)
    raw = read_file(path)
    ingest(
        store, raw, suggest_mapping(raw, "calls").mapping, on_progress=seen.append, chunk_rows=100
    )
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 5


def test_hostile_headers_and_values_are_data_not_sql(store: Store, tmp_path: Path) -> None:
    header = ['id"; drop table calls; --', "at", "queue') or 1=1 --"]
    value = "x'); delete from calls; --"
    path = b.write(tmp_path / "evil.csv", b.csv_text([header, ["C1", "2024-01-01", value]]))
    mapping = Mapping.of("calls", {"call_id": header[0], "started_at": "at", "queue": header[2]})
    report = ingest(store, read_file(path), mapping)
    assert report.inserted == 1
    assert store.sql("select queue from calls")["queue"].to_list() == [value]


def test_more_rows_than_a_duckdb_row_group_in_one_chunk(store: Store, tmp_path: Path) -> None:
    """Guards the staging path against a DuckDB 2.0 bug that hid such rows from joins."""
    path = b.calls_csv(tmp_path / "big.csv", 130_000)
    raw = read_file(path)
    report = ingest(store, raw, suggest_mapping(raw, "calls").mapping, chunk_rows=130_000)
    assert report.inserted == 130_000
    assert store.sql("select count(*) as n from calls")["n"][0] == 130_000


def test_load_refuses_rows_that_share_a_key(store: Store, tmp_path: Path) -> None:
    """A Validated edited by hand cannot smuggle in a repeated key."""
    from dataclasses import replace

    import polars as pl

    from analytics.ingest.loading import RepeatedKeys

    checked = validate(read_file(_file(tmp_path, "k.csv", ["C1", "2024-01-01", "a", "1"])), CALLS)
    doubled = replace(checked, good=pl.concat([checked.good, checked.good]))
    with pytest.raises(RepeatedKeys):
        load(store, doubled)
    assert list_batches(store).height == 0


def test_each_row_records_the_batch_that_last_wrote_it(store: Store, tmp_path: Path) -> None:
    first = ingest(store, read_file(_file(tmp_path, "1.csv", ["C1", "2024-01-01", "a", "1"],
                                          ["C2", "2024-01-02", "a", "2"])), CALLS)  # fmt: skip
    second = ingest(store, read_file(_file(tmp_path, "2.csv", ["C1", "2024-01-01", "b", "1"],
                                           ["C2", "2024-01-02", "a", "2"])), CALLS)  # fmt: skip
    assert (second.updated, second.unchanged) == (1, 1)
    lineage = "select call_id, batch_id from calls order by call_id"
    assert store.sql(lineage).rows() == [("C1", second.batch_id), ("C2", first.batch_id)]
    undo_batch(store, second.batch_id)
    assert store.sql(lineage).rows() == [("C1", first.batch_id), ("C2", first.batch_id)]


def test_undo_follows_a_chain_of_updates_in_order(store: Store, tmp_path: Path) -> None:
    """A inserts, B and C change the row in turn: only the newest batch in force can go."""
    load_ = lambda n, queue: ingest(  # noqa: E731
        store, read_file(_file(tmp_path, f"{n}.csv", ["C1", "2024-01-01", queue, "1"])), CALLS
    )
    a, b_, c = load_(1, "a"), load_(2, "b"), load_(3, "c")

    def blocked_by(batch: int) -> str:
        with pytest.raises(IngestError) as err:
            undo_batch(store, batch)
        assert err.value.code == "undo_blocked"
        return err.value.params["later"]

    assert blocked_by(a.batch_id) == str(b_.batch_id)
    assert blocked_by(b_.batch_id) == str(c.batch_id)
    undo_batch(store, c.batch_id)
    d = load_(4, "d")  # changes the row again, on top of B
    assert blocked_by(b_.batch_id) == str(d.batch_id)
    for batch in (d, b_):
        undo_batch(store, batch.batch_id)
    assert store.sql("select queue, batch_id from calls").rows() == [("a", a.batch_id)]
    undo_batch(store, a.batch_id)
    assert store.sql("select count(*) as n from calls")["n"][0] == 0
