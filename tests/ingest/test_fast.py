"""Fast paths (``analytics.ingest.fast``) give the full parsers' answer on every cell.

Each file starts with rows in one plain spelling, so that a fast reader is chosen,
then has the spellings that must not be read fast, or read the same way. The
file is validated twice, with the fast readers and without them (the full
parsers on every cell), and the two must agree cell by cell: values, rejects and
what the rejects show.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.ingest import Mapping, read_file, validate, validation
from analytics.ingest.fast import ColumnReader
from tests.ingest import builders as b

PLAIN = 30  # rows in the plain spelling first: the fast reader is chosen


def _both(path: Path, mapping: Mapping, monkeypatch: pytest.MonkeyPatch) -> dict[str, ColumnReader]:
    """Validate with and without fast readers; assert they agree; the readers used."""
    raw = read_file(path)
    used = validation.make_plan(raw, mapping).context.fast
    quick = validate(raw, mapping)
    with monkeypatch.context() as m:
        m.setattr(validation, "_fast_readers", lambda *a: {})
        full = validate(read_file(path), mapping)
    assert_frame_equal(quick.good, full.good)
    assert_frame_equal(quick.rejects, full.rejects)
    return used


def _file(tmp_path: Path, header: list[str], rows: list[list[str]], sep: str = ",") -> Path:
    return b.write(tmp_path / "f.csv", b.csv_text([header, *rows], delimiter=sep))


TRICKY_NUMBERS = ["5", "+5", "-5", "05", "1e3", "inf", "nan", "NaN", "1,234", "1.234",
                  "12.5", ".5", "5.", "+.5", "-1.5", "1,234.5", "0:00:60", "1:02:03",
                  "99999999999", "2147483648", "abc", "", "1899-12-31 00:02:23", "٣",
                  "0x10", "1_000", "4:16", "0:4:16"]  # fmt: skip
TRICKY_CLOCKS = ["0:00:60", "0:59:60", "0:60:00", "24:00:00", "100:00:00", "-0:01:00",
                 "4:16", "0:4:16", "00:00:59.5", "1:2:3", "5", "12:05", "23:59:59",
                 "1899-12-31 00:02:23", "", "0:00:29", "0:00:01", "12:34:56", "0:59:59",
                 "7:07:07"]  # fmt: skip


@pytest.mark.parametrize(
    ("plain", "kind", "sep"),
    [("95", "integer", ","), ("12.5", "decimal", ","), ("12,5", "decimal", ";"),
     ("0:04:16", "clock", ",")],
)  # fmt: skip
@pytest.mark.parametrize("unit", [None, "min", "ms"])
def test_durations_and_counts_read_fast_as_in_full(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    plain: str,
    kind: str,
    sep: str,
    unit: str | None,
) -> None:
    tricky = TRICKY_CLOCKS if kind == "clock" else TRICKY_NUMBERS
    cells = [plain] * 10 * PLAIN + tricky  # enough that the cheapest reader is chosen
    counts = [c if kind == "integer" else "3" for c in cells]
    pairs = enumerate(zip(cells, counts, strict=True))
    rows = [[f"C{i}", "2024-01-05 10:00", w, n] for i, (w, n) in pairs]
    mapping = Mapping.of(
        "calls", {"call_id": "id", "started_at": "at", "wait_s": "wait", "transfers": "n"}
    )
    if unit is not None:
        mapping = mapping.with_transform("wait_s", unit=unit)
    used = _both(_file(tmp_path, ["id", "at", "wait", "n"], rows, sep), mapping, monkeypatch)
    assert used["wait_s"].kind == kind
    assert used["transfers"].kind == "integer"


@pytest.mark.parametrize("invert", [False, True])
def test_yes_no_read_fast_as_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invert: bool
) -> None:
    cells = ["Yes", "No"] * (PLAIN // 2) + ["yes", "NO", "Sí", "si", "y", "maybe", "1", "0",
                                            "TRUE", "falso", "", "Yes "]  # fmt: skip
    rows = [[f"C{i}", "2024-01-05", c] for i, c in enumerate(cells)]
    mapping = Mapping.of("calls", {"call_id": "id", "started_at": "at", "abandoned": "answered"})
    mapping = mapping.with_transform("abandoned", invert=invert)
    used = _both(_file(tmp_path, ["id", "at", "answered"], rows), mapping, monkeypatch)
    words = dict(used["abandoned"].words)
    assert (words["Yes"], words["No"]) == (not invert, invert)


@pytest.mark.parametrize(
    ("day", "clock"),
    [("05/01/2024", "14:05"), ("2024-01-05", "14:05:09"), ("5/1/2024", "9:05"),
     ("2024-01-05", "14:05:09.25")],  # the full join drops the fraction
)  # fmt: skip
def test_date_and_time_read_fast_as_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, day: str, clock: str
) -> None:
    """Joined as written on the fast path, through ``with_time`` on the full one."""
    odd = [("05/01/2024 00:00", "14:05"), ("2024-01-05 00:00:00", "14:05"), ("05/01/2024", ""),
           ("", "14:05"), ("05/01/2024", "2:05 PM"), ("05/01/2024", "2:05 p. m."),
           ("05/01/2024", "14:05:09.5"), ("05/01/2024", "1899-12-31 14:05:00"),
           ("05/01/2024", "0.5"), ("05/01/2024", "25:00"), ("05/01/2024", "14:5"),
           ("31/02/2024", "10:00"), ("05/01/2024 14:05", ""), ("05/01/2024 00:00", ""),
           ("05/01/2024", "14:05:60"), ("13/13/2024", "10:00")]  # fmt: skip
    pairs = [(day, clock)] * PLAIN + odd
    rows = [[f"C{i}", d, t] for i, (d, t) in enumerate(pairs)]
    mapping = Mapping.of("calls", {"call_id": "id", "started_at": "day"}, dayfirst=True)
    mapping = mapping.with_transform("started_at", time_source="time")
    used = _both(_file(tmp_path, ["id", "day", "time"], rows), mapping, monkeypatch)
    assert "%.f" not in used["started_at"].format


def test_a_column_written_many_ways_gets_no_fast_reader(tmp_path: Path) -> None:
    cells = ["95", "1:35", "12.5", "0:01:35", "1,5"] * 10
    rows = [[f"C{i}", "2024-01-05", c] for i, c in enumerate(cells)]
    mapping = Mapping.of("calls", {"call_id": "id", "started_at": "at", "wait_s": "wait"})
    plan = validation.make_plan(read_file(_file(tmp_path, ["id", "at", "wait"], rows)), mapping)
    assert "wait_s" not in plan.context.fast


def test_the_full_path_finishes_every_cell_the_fast_one_left(tmp_path: Path) -> None:
    cells = ["95"] * PLAIN + ["1:35", "12.5"]
    rows = [[f"C{i}", "2024-01-05", c] for i, c in enumerate(cells)]
    mapping = Mapping.of("calls", {"call_id": "id", "started_at": "at", "wait_s": "wait"})
    done = validate(read_file(_file(tmp_path, ["id", "at", "wait"], rows)), mapping)
    waits = done.good.sort(pl.col("call_id").str.slice(1).cast(pl.Int32))["wait_s"]
    assert waits.tail(2).to_list() == [95.0, 12.5]
