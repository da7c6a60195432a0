"""Rejected rows as a file to fix and load again.

One line per rejected row, in the source's own format (CSV with its delimiter and
encoding, Excel, Parquet, JSON Lines), with its own columns and values as they
were written, plus one column saying why. Loading the fixed file again with the
same mapping loads the fixed rows: the reason column is never suggested for a
field, and saved mappings ignore it (:func:`is_reason_column`).

Values stay as written, since a changed value cannot be reloaded (``-40,0`` once
came back as ``'-40,0``). Only a cell that a spreadsheet would run as a formula
and that is not a plain number or clock gets the quote (see ``export``).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import polars as pl

from analytics.i18n import Lang, t
from analytics.ingest.export import TRIGGERS
from analytics.ingest.model import ROW

#: The reason column's name starts with this: how a reload knows it.
REASON_PREFIX = "Pulso: "
#: Cells a spreadsheet reads as a number or a time, never as a formula.
_NUMBER_OR_CLOCK = r"^[+-]?[\d.,:]*\d[\d.,:]*$"
_TRIGGER = "^[" + "".join("\\" + c if c in "-+" else c for c in TRIGGERS) + "]"


def is_reason_column(name: str) -> bool:
    return name.startswith(REASON_PREFIX)


@dataclass(frozen=True)
class Shape:
    """What a file looked like: its format, and for text files delimiter and encoding."""

    format: str
    delimiter: str | None = None
    encoding: str | None = None

    @classmethod
    def of(cls, facts: Any) -> Shape:
        """From ``FormatFacts`` or their dict (as a batch's details keep them)."""
        get = facts.get if isinstance(facts, dict) else lambda k: getattr(facts, k, None)
        return cls(get("format") or "csv", get("delimiter"), get("encoding"))


@dataclass(frozen=True)
class FileOut:
    data: bytes
    suffix: str
    mime: str


def rejected_file(rejects: pl.DataFrame, reasons: pl.Series, shape: Shape, lang: Lang) -> FileOut:
    """``rejects`` (one row per problem, see ``batches.rejected_rows``) with their
    translated ``reasons`` as a file shaped like the source."""
    frame = _rows(rejects, reasons, REASON_PREFIX + t("upload.col.reason", lang))
    if shape.format == "xlsx":
        return FileOut(_xlsx(frame), ".xlsx", XLSX)
    if shape.format == "parquet":
        return FileOut(_bytes(frame.write_parquet), ".parquet", "application/octet-stream")
    if shape.format == "jsonl":
        return FileOut(_bytes(frame.write_ndjson), ".jsonl", "application/x-ndjson")
    return FileOut(_csv(_safe(frame), shape), ".csv", "text/csv")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(rejects: pl.DataFrame, reasons: pl.Series, reason_name: str) -> pl.DataFrame:
    """One row per rejected source row: its cells (from the kept JSON), then why."""
    if rejects.height == 0:
        return pl.DataFrame({reason_name: []}, schema={reason_name: pl.String})
    names = list(json.loads(rejects.get_column("raw_values")[0]))
    per_row = (
        rejects.with_columns(reasons.alias("\x00why"))
        .group_by(ROW, maintain_order=True)
        .agg(pl.col("raw_values").first(), pl.col("\x00why").str.join("; "))
        .sort(ROW)
    )
    cells = per_row.select(
        pl.col("raw_values").str.json_decode(pl.Struct({n: pl.String for n in names}))
    ).unnest("raw_values")
    return cells.with_columns(per_row.get_column("\x00why").alias(reason_name))


def _safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Formula-like cells quoted, numbers and clocks (``-40,0``, ``-0:05``) as written."""
    risky = lambda c: c.str.contains(_TRIGGER) & ~c.str.contains(_NUMBER_OR_CLOCK)  # noqa: E731
    return frame.with_columns(
        pl.when(risky(pl.col(c))).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in frame.columns
    )


def _csv(frame: pl.DataFrame, shape: Shape) -> bytes:
    text = frame.write_csv(separator=shape.delimiter or ",")
    encoding = (shape.encoding or "utf-8").lower()
    if encoding in ("utf-8-sig", "utf_8_sig"):
        return text.encode("utf-8-sig")
    return text.encode(encoding, errors="replace")


def _bytes(write: Any) -> bytes:
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


def _xlsx(frame: pl.DataFrame) -> bytes:
    from openpyxl import Workbook  # deferred: only an Excel source needs it

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(frame.columns)
    for row in _safe(frame).iter_rows():
        sheet.append(list(row))
    return _bytes(book.save)
