"""Excel workbooks (.xlsx/.xlsm): one sheet, every cell as text, Excel's row numbers.

fastexcel (Rust, calamine) reads the cells; it starts at the first used row, so the
row number Excel shows for it comes from openpyxl's streaming reader, which stops
as soon as it meets that row. Dates typed as dates arrive as ISO text. Neither
parser sees a workbook before ``limits`` has checked its sizes and declared shape.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import fastexcel
import openpyxl

from analytics.ingest import limits, surveytools
from analytics.ingest.model import ReadOptions
from analytics.ingest.reasons import IngestError
from analytics.ingest.source import FileSource, Scanned, safe_names, with_row_numbers


def scan(source: FileSource, name: str, options: ReadOptions) -> Scanned:
    if not isinstance(source, bytes):
        limits.check_size(Path(source).stat().st_size, name)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    limits.check_workbook(data, name)
    try:
        reader = fastexcel.read_excel(data)
    except Exception as exc:  # fastexcel raises its own hierarchy for corrupt files
        raise _unreadable(name, exc) from exc
    sheets = tuple(reader.sheet_names)
    sheet = pick_sheet(options.sheet, sheets, name)
    try:  # a sheet's XML is only parsed here: a damaged one fails here, not above
        frame = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
    except Exception as exc:
        raise _unreadable(name, exc) from exc
    if frame.height == 0:
        raise IngestError("empty_file", file=name)
    first = [
        ["" if cell is None else str(cell) for cell in row] for row in frame.head(3).iter_rows()
    ]
    header = surveytools.detect(first, options.layout)
    names = safe_names(header.names)
    header = surveytools.Header(header.layout, names, header.header_rows, _renamed(header, names))
    body = frame.slice(header.header_rows).rename(dict(zip(frame.columns, names, strict=True)))
    try:  # openpyxl parses the XML again, with its own errors
        top = first_used_row(data, sheet)
    except Exception as exc:
        raise _unreadable(name, exc) from exc
    return Scanned(
        base=with_row_numbers(body.lazy(), top + header.header_rows),
        header=header,
        sha256=hashlib.sha256(data).hexdigest(),
        format="xlsx",
        sheet=sheet,
        sheets=sheets,
    )


def _unreadable(name: str, exc: Exception) -> IngestError:
    return IngestError("unreadable", file=name, detail=(str(exc).splitlines() or [repr(exc)])[0])


def pick_sheet(wanted: str | int | None, sheets: tuple[str, ...], name: str) -> str:
    """A sheet by name, or by position (an int counts from 0; a digit string, as
    typed on the command line, from 1); the first sheet by default."""
    if wanted is None and sheets:
        return sheets[0]
    if isinstance(wanted, str) and wanted in sheets:
        return wanted
    if isinstance(wanted, str) and wanted.isdigit():
        wanted = int(wanted) - 1
    if isinstance(wanted, int) and 0 <= wanted < len(sheets):
        return sheets[wanted]
    raise IngestError("sheet_not_found", file=name, sheet=wanted, sheets=", ".join(sheets))


def _renamed(header: surveytools.Header, names: tuple[str, ...]) -> dict[str, str]:
    old_to_new = dict(zip(header.names, names, strict=True))
    return {old_to_new[k]: v for k, v in header.questions.items()}


def first_used_row(data: bytes, sheet: str) -> int:
    """The 1-based row number of the sheet's first non-empty row."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = book[sheet].iter_rows(values_only=True)
        for number, row in enumerate(rows, start=1):
            if any(cell is not None and str(cell).strip() for cell in row):
                return number
        return 1
    finally:
        book.close()
