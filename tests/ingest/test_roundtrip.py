"""Rejected rows downloaded, fixed and loaded again (issue: the old CSV could not be).

The file of rejected rows keeps the source's format, columns and values as
written, plus one reason column; with the fixes made, loading it again with the
same saved mapping loads exactly the fixed rows.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from analytics.ingest import ingest, read_file, rejected_rows, review, save_mapping, suggest
from analytics.ingest.roundtrip import Shape
from analytics.store import Store, connect
from tests.ingest import builders as b

HEADER = ["ID de llamada", "Fecha", "Cola", "Espera (seg)", "Resuelto"]
ROWS = [
    ["LL-1", "13/02/2024 09:15", "facturación", "12,5", "Sí"],
    ["LL-2", "14/02/2024 10:00", "ventas", "-40,0", "no"],  # negative wait
    ["LL-3", "31/02/2024 11:00", "=1+2", "3", "sí"],  # no 31 February; a formula-like cell
    ["LL-4", "15/02/2024 12:00", "ventas", "7", "quizás"],  # not a yes/no
    ["LL-5", "16/02/2024 13:00", "soporte", "1.250,0", "no"],
]
FIXES = {"-40,0": "40,0", "31/02/2024 11:00": "28/02/2024 11:00", "quizás": "no"}


@pytest.fixture
def store() -> Store:
    return connect(":memory:")


def _first_load(store: Store, path: Path) -> int:
    raw = read_file(path)
    proposed = suggest(store, raw, "calls")
    assert proposed.is_complete, proposed
    save_mapping(store, "extracto", proposed.mapping, raw)
    report = ingest(store, raw, proposed.mapping)
    assert (report.inserted, report.rejected) == (2, 3)
    return report.batch_id


def _reload(store: Store, path: Path) -> None:
    raw = read_file(path)
    proposed = suggest(store, raw, "calls")
    assert proposed.saved_name == "extracto"  # the reason column does not change the match
    report = ingest(store, raw, proposed.mapping)
    assert (report.inserted, report.updated, report.rejected) == (3, 0, 0)
    stored = store.sql("select call_id, wait_s, resolved from calls order by 1").rows()
    assert stored == [("LL-1", 12.5, True), ("LL-2", 40.0, False), ("LL-3", 3.0, True),
                      ("LL-4", 7.0, False), ("LL-5", 1250.0, False)]  # fmt: skip


def test_a_spanish_csv_round_trip(store: Store, tmp_path: Path) -> None:
    """``;``, Windows-1252, decimal comma: the download is the same kind of file."""
    path = b.write(tmp_path / "extracto.csv", b.csv_text([HEADER, *ROWS], ";"), "cp1252")
    batch = _first_load(store, path)
    out = review.rejects_file(rejected_rows(store, batch), "es", Shape.of(read_file(path).facts))
    assert out.suffix == ".csv"
    text = out.data.decode("cp1252")
    lines = text.splitlines()
    assert lines[0] == ";".join([*HEADER, "Pulso: Motivo"])
    assert lines[1].startswith("LL-2;14/02/2024 10:00;ventas;-40,0;no;")  # as written
    assert "se esperaba una duración de 0 o más" in lines[1]
    assert lines[2].startswith("LL-3;31/02/2024 11:00;'=1+2;3;sí;")  # the formula is quoted
    assert len(lines) == 4
    for wrong, right in FIXES.items():
        text = text.replace(wrong, right)
    text = text.replace("'=1+2", "soporte")
    _reload(store, b.write(tmp_path / "extracto-corregido.csv", text, "cp1252"))


def test_an_excel_round_trip(store: Store, tmp_path: Path) -> None:
    path = b.xlsx(tmp_path / "extracto.xlsx", {"Llamadas": [HEADER, *ROWS]})
    batch = _first_load(store, path)
    out = review.rejects_file(rejected_rows(store, batch), "en", Shape.of(read_file(path).facts))
    assert out.suffix == ".xlsx"
    frame = pl.read_excel(io.BytesIO(out.data), infer_schema_length=0)
    assert frame.columns == [*HEADER, "Pulso: Reason"]
    assert frame.get_column("ID de llamada").to_list() == ["LL-2", "LL-3", "LL-4"]
    fixed = frame.with_columns(
        pl.col(c).replace(FIXES).replace({"'=1+2": "soporte"}) for c in HEADER
    )
    rows = [fixed.columns, *fixed.rows()]
    _reload(store, b.xlsx(tmp_path / "fixed.xlsx", {"Llamadas": rows}))


def test_a_parquet_source_gets_parquet_back(store: Store, tmp_path: Path) -> None:
    frame = pl.DataFrame([dict(zip(HEADER, r, strict=True)) for r in ROWS])
    path = b.parquet(tmp_path / "extracto.parquet", frame)
    raw = read_file(path)
    report = ingest(store, raw, suggest(store, raw, "calls").mapping)
    out = review.rejects_file(rejected_rows(store, report.batch_id), "en", Shape.of(raw.facts))
    back = pl.read_parquet(io.BytesIO(out.data))
    assert out.suffix == ".parquet" and back.height == report.rejected == 3
    assert back.get_column("Espera (seg)").to_list()[0] == "-40,0"
