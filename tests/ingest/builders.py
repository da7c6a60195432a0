"""Fixture-file builders: each test writes the files it reads into its tmp_path.

Layouts follow the real exports in ``data/`` (see PROVENANCE.md); contents are
contact-center surveys and calls, in Spanish and English.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl

DATA = Path(__file__).parent / "data"


def csv_text(rows: Sequence[Sequence[object]], delimiter: str = ",") -> str:
    """Rows (header first) as CSV text, quoting what needs it (line breaks too)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
    return out.getvalue()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


SPANISH_CALLS = [
    ["ID de llamada", "Fecha", "Canal", "Producto", "Duración (seg)", "Tiempo de espera",
     "Resuelto", "Transferencias"],
    ["LL-001", "13/02/2024 09:15", "Teléfono", "Tarifa “Plus” 10 €", "125,5", "01:05", "Sí", "0"],
    ["LL-002", "05/03/2024 17:40", "Chat", "Fibra", "1.250,0", "0:00:30", "no", "1"],
    ["LL-003", "05/03/2024", "Teléfono", "Móvil – prepago", "60", "0", "SI", "2"],
]  # fmt: skip


def spanish_calls(path: Path) -> Path:
    """``;``-separated, Windows-1252, decimal comma, day-first: a Spanish extract."""
    return write(path, csv_text(SPANISH_CALLS, ";"), "cp1252")


QUALTRICS_IDS = [
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage",
    "Q1", "Q2", "Q3", "call_id",
]  # fmt: skip
QUALTRICS_QUESTIONS = [
    "Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
    "Finished", "Recorded Date", "Response ID", "Distribution Channel", "User Language",
    "How likely are you to recommend us\nto a friend or colleague?",
    "Overall, how satisfied were you\nwith the call?",
    "Is there anything else you would like to tell us?", "call_id",
]  # fmt: skip


def qualtrics_row(i: int, nps: object, csat: str, status: str = "IP Address",
                  channel: str = "anonymous", call: str = "") -> list[object]:  # fmt: skip
    at = f"2024-03-{1 + i % 28:02d} 10:{i % 60:02d}:00"
    return [at, at, status, "10.0.0.1", 100, 60, "True", at, f"R_{i:05d}", channel, "EN",
            nps, csat, f"comment {i}", call or f"C{i:05d}"]  # fmt: skip


def qualtrics_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    """Current Qualtrics layout: IDs, question texts (with line breaks), ImportIds."""
    import_ids = [json.dumps({"ImportId": name}) for name in QUALTRICS_IDS]
    return write(path, csv_text([QUALTRICS_IDS, QUALTRICS_QUESTIONS, import_ids, *rows]))


def legacy_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    """Legacy Qualtrics: V1..Vn, then labels and question text; Status 0/1/2."""
    ids = ["V1", "V2", "V3", "V4", "V5", "Q1", "Q2"]
    labels = ["ResponseID", "ResponseSet", "Status", "StartDate", "EndDate",
              "¿Qué probabilidad hay de que nos recomiende a un amigo?", "Comentarios"]  # fmt: skip
    return write(path, csv_text([ids, labels, *rows]))


def surveymonkey_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    """SurveyMonkey: questions (a blank cell continues the matrix), then sub-items."""
    top = ["Respondent ID", "Collector ID", "Start Date", "End Date",
           "How likely is it that you would recommend us to a friend?",
           "How satisfied were you with:", "", "Comments"]  # fmt: skip
    items = ["", "", "", "", "Response", "The agent", "The wait", "Open-Ended Response"]
    return write(path, csv_text([top, items, *rows]))


def xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Any]]], top: int = 1) -> Path:
    """A workbook; each sheet's rows start at Excel row ``top``, column B."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.cell(row=top + r, column=2 + c, value=value)
    book.save(path)
    return path


def parquet(path: Path, frame: pl.DataFrame) -> Path:
    frame.write_parquet(path)
    return path


def jsonl(path: Path, records: Sequence[dict[str, Any] | None]) -> Path:
    """JSON Lines; a ``None`` record writes a blank line."""
    lines = ["" if r is None else json.dumps(r, ensure_ascii=False) for r in records]
    return write(path, "\n".join(lines) + "\n")


def calls_csv(path: Path, n: int, start: int = 0, **overrides: str) -> Path:
    """``n`` valid calls with ISO dates, any column overridable for all rows."""
    header = ["call_id", "started_at", "queue", "wait_s", "duration_s", "resolved"]
    rows = [
        [f"C{i:07d}", f"2024-01-{1 + i % 28:02d} 08:{i % 60:02d}:00", "billing", i % 300,
         f"{(i % 900) + 0.5}", "yes" if i % 3 else "no"]
        for i in range(start, start + n)
    ]  # fmt: skip
    frame = pl.DataFrame(rows, schema=header, orient="row")
    if overrides:
        frame = frame.with_columns(pl.lit(v).alias(k) for k, v in overrides.items())
    frame.write_csv(path)
    return path


def rows_of(store: Any, name: str, order: str, lineage: bool = True) -> list[tuple[object, ...]]:
    """All rows of a canonical table in a stable order (names are test literals);
    ``lineage=False`` leaves out the batch that wrote each row."""
    columns = "*" if lineage else "* exclude (batch_id)"
    return store.cursor().execute(f"select {columns} from {name} order by {order}").fetchall()
