"""Loading reads the file in pieces and lets go of each: memory stays bounded.

Two things made a load hold memory in proportion to its file: polars'
``collect_batches`` read the file ahead of the slower writer, and DuckDB kept
every registered Arrow chunk alive until the commit. ``RawTable.pieces`` replaces
the first, ``sql.over`` the second. The pieces must be exactly the rows of the
whole-file scan (row numbers included) whatever the cuts, and a load in tiny
pieces must load and reject exactly what the in-memory path does.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest

from analytics.ingest import ROW, ingest, read_file, suggest_mapping, validate
from analytics.ingest.handoff import Handoff, running
from analytics.ingest.sql import over
from analytics.store import connect
from tests.ingest import builders as b

CASES = {
    "quoted line breaks": 'id,note\n1,"two\nlines"\n2,"three\r\nlines\nhere"\n3,x\n',
    "blank lines": "id,note\n1,a\n\n\n2,b\n\n",
    "crlf and blank": "id,note\r\n1,a\r\n\r\n2,b\r\n3,c",
    "short rows": "id,note,extra\n1,a,b\n2\n3,c\n\n4\n",
    "quotes doubled": 'id,note\n1,"say ""hi"",\nthen go"\n2,"""x"""\n',
    "bom": "\ufeffid,note\n1,a\n2,b\n",
    "semicolons": 'id;note\n1;"a;b"\n2;c\n',
}


def _joined(path: Path, rows: int) -> pl.DataFrame:
    raw = read_file(path)
    return pl.concat([piece.collect() for piece in raw.pieces(rows)])


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("rows", [1, 2, 3, 100])
def test_pieces_are_the_rows_of_the_whole_file(tmp_path: Path, name: str, rows: int) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(CASES[name].encode())
    whole = read_file(path).data.collect()
    assert whole.height > 0
    assert _joined(path, rows).to_dicts() == whole.to_dicts()


def test_preview_rows_are_skipped_in_each_piece(tmp_path: Path) -> None:
    rows = [b.qualtrics_row(i, 9, "5", status="Survey Preview" if i % 3 == 0 else "IP Address")
            for i in range(30)]  # fmt: skip
    path = b.qualtrics_csv(tmp_path / "q.csv", rows)
    raw = read_file(path)
    assert raw.facts.skipped == {"preview": 10}
    joined = _joined(path, 4)
    assert joined.to_dicts() == raw.data.collect().to_dicts()
    assert joined.height == 20 and joined.get_column(ROW).to_list()[:2] == [5, 6]


def test_a_load_in_tiny_pieces_loads_and_rejects_like_validate(tmp_path: Path) -> None:
    path = b.calls_csv(tmp_path / "c.csv", 300)
    lines = path.read_text().splitlines()
    lines[50] = lines[50].replace(",billing,", ',"bill\ning",').replace(",yes", ",maybe")
    lines.insert(120, "")
    b.write(path, "\n".join(lines) + "\n")
    raw = read_file(path)
    mapping = suggest_mapping(raw, "calls").mapping
    expected = validate(raw, mapping)
    report = ingest(connect(":memory:"), raw, mapping, chunk_rows=7)
    assert report.inserted == expected.good.height == 299
    assert report.rejected == 1 and report.skipped == {"blank": 1}
    assert expected.rejects.get_column(ROW).to_list() == [51]


def test_a_statement_over_arrow_data_lets_go_of_it_inside_a_transaction() -> None:
    """``register`` alone keeps the object until the commit (the control case)."""
    con = duckdb.connect()
    con.execute("create table t (a varchar)")
    data = pa.table({"a": ["x", "y", "z"]})
    alone = sys.getrefcount(data)
    con.execute("begin")
    assert over(con, "chunk", data, "insert into t select a from chunk") == [(3,)]
    assert sys.getrefcount(data) == alone
    con.register("held", data)
    con.execute("insert into t select a from held")
    con.unregister("held")
    assert sys.getrefcount(data) > alone  # what over() avoids
    con.execute("commit")
    assert sys.getrefcount(data) == alone
    assert con.execute("select count(*) from t").fetchone() == (6,)


def test_pieces_are_read_in_one_pass_that_waits_for_the_reader(tmp_path: Path) -> None:
    """Leaving early stops the reading thread (it would otherwise read to the end)."""
    path = b.calls_csv(tmp_path / "c.csv", 1000)
    pieces = read_file(path).pieces(10)
    first = next(pieces).collect()
    assert first.get_column(ROW).to_list()[:2] == [2, 3]
    pieces.close()
    assert not [t for t in threading.enumerate() if t.name == "pulso-ingest-read"]


def test_a_worker_waits_while_a_handed_item_waits() -> None:
    """Bounded memory: a worker faster than its caller is held one item ahead."""
    handed: list[int] = []

    def work(to: Handoff[int]) -> None:
        for i in range(100):
            if not to.put(i):
                return
            handed.append(i)

    with running(work, "pulso-test-worker") as items:
        assert next(items) == 0
        time.sleep(0.3)  # ample time for the worker to run ahead, were it able to
        assert len(handed) <= 2
        assert list(items) == list(range(1, 100))


def test_a_worker_error_is_raised_in_the_caller() -> None:
    def work(to: Handoff[int]) -> None:
        to.put(1)
        raise ValueError("bad cell")

    with running(work, "pulso-test-worker") as items, pytest.raises(ValueError, match="bad cell"):
        list(items)
