"""Why something was refused: stable codes with parameters, and English messages.

Codes and parameter names are the contract for translation (the app's i18n keys are
``ingest.<code>``); the English text is for logs, the CLI and exports. Parameters
coming from files are substituted as values, never as templates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

#: What each row-level problem expects, by code. ``{min}`` etc. come from params.
ROW_EXPECTED: dict[str, str] = {
    "required": "a value (the column is required)",
    "duplicate_key": "a key used by one row only",
    "not_a_number": "a number",
    "not_an_integer": "a whole number",
    "out_of_range": "a value from {min} to {max}",
    "not_negative": "a whole number of 0 or more",
    "negative_duration": "a duration of 0 or more",
    "duration_format": "seconds (95 or 95.5) or mm:ss or hh:mm:ss",
    "date_format": "a date such as 2024-03-31, 31/03/2024 or 31/03/2024 14:05",
    "ambiguous_date": "a date whose day/month order is known (say dayfirst or monthfirst)",
    "impossible_date": "a real calendar date and time between 1900 and 2100",
    "unknown_boolean": "yes/no, sí/no, true/false, 1/0, y/n, s/n or verdadero/falso",
    "unknown_label": "a score from 1 to 5 or a label such as Very satisfied / Muy satisfecho",
    "not_allowed": "one of: {allowed}",
}

#: File-level refusals and undo refusals.
FILE_MESSAGES: dict[str, str] = {
    "missing_required_column": "{file}: no column is mapped to {field}, which is required",
    "unknown_source_column": "{file}: the mapping uses column '{column}', which is not in the file",
    "date_order_ambiguous": (
        "{file}: the dates in {columns} read both as day-first and as month-first "
        "(e.g. {examples}); say which: dayfirst or monthfirst"
    ),
    "date_order_conflict": (
        "{file}: some dates only make sense day-first ({dayfirst}) and others only "
        "month-first ({monthfirst}); say which order is right"
    ),
    "ces_scale_required": (
        "{file}: column '{column}' is mapped to ces: declare the source scale (5 or 7) "
        "and the direction (higher = easier or higher = harder)"
    ),
    "ragged_row": (
        "{file}: row {row} has {found} fields, expected {expected} "
        "(check the delimiter and the quotes)"
    ),
    "malformed_row": "{file}: row {row} is malformed ({detail}); check the quotes",
    "invalid_json": "{file}: line {row} is not a JSON object: {detail}",
    "unreadable": "{file}: cannot be read: {detail}",
    "unsupported_format": (
        "{file}: unsupported file type '{suffix}'; expected CSV, TSV, TXT, XLSX, "
        "Parquet or JSON Lines"
    ),
    "empty_file": "{file}: the file has no header row",
    "no_rows": "{file}: the file has a header but no rows to load; nothing was written",
    "mixed_encoding": (
        "{file}: the text mixes UTF-8 with another encoding ({encoding}), e.g. '{example}' "
        "on line {row}; save the whole file as UTF-8 (or name its encoding) and load it again"
    ),
    "column_unreadable": (
        "{file}: column '{column}' ({field}) cannot be read in {bad} of its {filled} "
        "values (e.g. {examples}); expected {expected}. Nothing was written: map another "
        "column, translate its values, or leave {field} unmapped"
    ),
    "workbook_file_size": "{file}: the file is {found} bytes; workbooks over {limit} are refused",
    "workbook_uncompressed": (
        "{file}: the workbook unpacks to more than {found} bytes (limit {limit}); "
        "refused before reading"
    ),
    "workbook_ratio": (
        "{file}: '{member}' unpacks to {ratio} times its packed size (limit {limit}): a "
        "zip bomb, or a sheet no export makes; refused before reading"
    ),
    "workbook_rows": (
        "{file}: a sheet's used range spans {found} rows (limit {limit}); refused before "
        "reading. Clear the cells below the data in Excel, or save the sheet as CSV"
    ),
    "workbook_columns": (
        "{file}: a sheet's used range spans {found} columns (limit {limit}); refused "
        "before reading. Clear the cells right of the data in Excel, or save it as CSV"
    ),
    "workbook_cells": (
        "{file}: a sheet's used range spans {found} cells (limit {limit}); refused before "
        "reading. Clear the cells outside the data in Excel, or save the sheet as CSV"
    ),
    "sheet_not_found": "{file}: no sheet {sheet}; the workbook has {sheets}",
    "unsupported_column_type": "{file}: column '{column}' of type {dtype} cannot be read as text",
    "mapping_incomplete": "{file}: cannot map the columns without help: {detail}",
    "mapping_not_found": "no saved mapping named '{name}'",
    "mapping_target_mismatch": "mapping '{name}' is for {found}, not {expected}",
    "unknown_target_column": "'{field}' is not a column of {target}; expected one of {allowed}",
    "strict_refused": (
        "{file}: the load refuses the file if any row is rejected, and {count} would be "
        "(the first: row {row}, column '{column}'); nothing was written"
    ),
    "batch_not_found": "no ingest batch {batch_id}",
    "batch_already_undone": "batch {batch_id} was already undone at {undone_at}",
    "undo_blocked": (
        "batch {batch_id} cannot be undone while later batches {later} still change "
        "the same rows; undo those first"
    ),
}


class _Keep(dict[str, Any]):
    """Leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, params: Mapping[str, Any]) -> str:
    return template.format_map(_Keep(params))


def expected_text(code: str, params: Mapping[str, Any]) -> str:
    return render(ROW_EXPECTED[code], params)


def unreadable(file: str, exc: Exception) -> IngestError:
    """A refusal quoting the parser's first line (its messages can quote whole files)."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return IngestError("unreadable", file=file, detail=first[:200])


class IngestError(Exception):
    """A refusal that names the file, and where it applies the row and column.

    ``code`` and ``params`` are for translation; ``str(error)`` is English.
    """

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(render(FILE_MESSAGES.get(code, code + ": {detail}"), params))

    @property
    def file(self) -> str | None:
        return self.params.get("file")

    @property
    def row(self) -> int | None:
        return self.params.get("row")

    @property
    def column(self) -> str | None:
        return self.params.get("column")

    def to_json(self) -> str:
        return json.dumps({"code": self.code, **self.params}, ensure_ascii=False, default=str)
