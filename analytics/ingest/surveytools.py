"""Survey-tool export layouts: Qualtrics (current and legacy) and SurveyMonkey.

Recognised from the first three records of the file, whatever the format:

- Qualtrics, current: row 1 column IDs (``ResponseId``, ``Q1``, embedded data such as
  ``call_id``), row 2 question text, row 3 ``{"ImportId": ...}``; data from row 4.
- Qualtrics, legacy: row 1 ``V1..Vn`` then question IDs, row 2 labels and question
  text; data from row 3. ``V`` columns take their row-2 label as name.
- SurveyMonkey: row 1 questions (blank cells continue a matrix question), row 2
  ``Response`` or the sub-item; data from row 3. Sub-items become "question - item".

Preview and test responses (Qualtrics ``Status`` 1/2 or labels, or
``DistributionChannel`` preview/test) are skipped and counted, never loaded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from analytics.ingest.model import Layout

#: Current exports write JSON (``{"ImportId": "QID1"}``); those from about 2016 wrote a
#: Python-style dict with single quotes (``{'ImportId': 'QID1'}``).
_IMPORT_ID = re.compile(r"""^\s*\{\s*["']ImportId["']\s*:""")
_V_COLUMN = re.compile(r"^V\d+$")
#: A date with a time of day: data, never a column name. A first record holding one
#: is a file with no header row (a PBX's call-detail records, some CAD extracts).
_DATA_CELL = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})[ T]\d{1,2}:\d{2}")
#: First header cells of a SurveyMonkey export, spaces removed: current exports write
#: "Respondent ID", older ones (and republished copies) "RespondentID".
_SM_IDS = {"respondentid", "collectorid", "iddelencuestado", "iddelrecopilador"}
_SM_PLAIN_ITEMS = {"", "na", "response", "open-ended response", "respuesta", "respuesta abierta"}
_PREVIEW = r"preview|vista previa|vorschau"
_TEST = r"\btest\b|prueba"


@dataclass(frozen=True)
class Header:
    """Column names, question texts and the number of header records."""

    layout: Layout
    names: tuple[str, ...]
    header_rows: int
    questions: dict[str, str] = field(default_factory=dict)


def detect(first: Sequence[Sequence[str]], forced: Layout | None = None) -> Header:
    """The layout of a table whose first records are ``first`` (header included)."""
    rows = [list(r) for r in first]
    layout = forced or _guess(rows)
    if layout == "qualtrics" and len(rows) >= 3:
        return _qualtrics(rows)
    if layout == "qualtrics_legacy" and len(rows) >= 2:
        return _legacy(rows)
    if layout == "surveymonkey" and len(rows) >= 2:
        return _surveymonkey(rows)
    if layout == "headerless":
        width = max((len(r) for r in rows), default=0)
        return Header("headerless", tuple(f"column_{i + 1}" for i in range(width)), 0)
    return Header("plain", unique_names(rows[0] if rows else []), 1)


def _guess(rows: list[list[str]]) -> Layout:
    if len(rows) >= 3 and any(_IMPORT_ID.match(cell) for cell in rows[2]):
        return "qualtrics"
    if len(rows) >= 2 and rows[0][:2] == ["V1", "V2"] and "ResponseID" in rows[1]:
        return "qualtrics_legacy"
    firsts = {"".join(cell.lower().split()) for cell in rows[0][:3]} if rows else set()
    if len(rows) >= 2 and (firsts & _SM_IDS or _item_row(rows[1])):
        return "surveymonkey"
    if rows and any(_DATA_CELL.match(cell.strip()) for cell in rows[0]):
        return "headerless"
    return "plain"


def _item_row(row: list[str]) -> bool:
    """SurveyMonkey's second header row: "Response" / "Open-Ended Response" under each
    question (some exports start with StartDate, EndDate instead of the ids)."""
    cells = [c.strip().lower() for c in row if c.strip()]
    plain = [c for c in cells if c in _SM_PLAIN_ITEMS]
    return len(plain) >= 2 and len(plain) >= len(cells) / 2


def _qualtrics(rows: list[list[str]]) -> Header:
    names = unique_names(rows[0])
    questions = {n: q for n, q in zip(names, _pad(rows[1], len(names)), strict=True) if q}
    return Header("qualtrics", names, 3, questions)


def _legacy(rows: list[list[str]]) -> Header:
    ids, labels = rows[0], _pad(rows[1], len(rows[0]))
    raw = [
        label if _V_COLUMN.match(i) and label else i for i, label in zip(ids, labels, strict=True)
    ]
    names = unique_names(raw)
    questions = {
        n: label
        for n, i, label in zip(names, ids, labels, strict=True)
        if label and not _V_COLUMN.match(i)
    }
    return Header("qualtrics_legacy", names, 2, questions)


def _surveymonkey(rows: list[list[str]]) -> Header:
    top, items = rows[0], _pad(rows[1], len(rows[0]))
    raw, questions, current = [], [], ""
    for question, item in zip(top, items, strict=True):
        current = question.strip() or current  # a blank cell continues a matrix
        plain = item.strip().lower() in _SM_PLAIN_ITEMS
        raw.append(current if plain else f"{current} - {item.strip()}")
        questions.append(current)
    names = unique_names(raw)
    return Header("surveymonkey", names, 2, dict(zip(names, questions, strict=True)))


def _pad(row: list[str], width: int) -> list[str]:
    return (row + [""] * width)[:width]


def unique_names(raw: Sequence[str]) -> tuple[str, ...]:
    """Header cells as usable names: blanks named by position, repeats numbered."""
    seen: dict[str, int] = {}
    names = []
    for i, cell in enumerate(raw):
        name = " ".join(str(cell).split()) or f"column_{i + 1}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        names.append(name if count == 1 else f"{name} ({count})")
    if len(set(names)) != len(names):  # "x (2)" was also a real header
        return unique_names([f"{n}#{i + 1}" for i, n in enumerate(names)])
    return tuple(names)


def skip_reason(layout: Layout, columns: Sequence[str]) -> pl.Expr | None:
    """Per row: "preview", "test" or null, for survey-tool layouts."""
    if layout not in ("qualtrics", "qualtrics_legacy"):
        return None
    status = _lower(columns, "Status")
    channel = _lower(columns, "DistributionChannel")
    if status is None and channel is None:
        return None
    status = status if status is not None else pl.lit(None, pl.String)
    channel = channel if channel is not None else pl.lit(None, pl.String)
    preview = (status == "1") | status.str.contains(_PREVIEW) | (channel == "preview")
    test = (status == "2") | status.str.contains(_TEST) | (channel == "test")
    return (
        pl.when(preview.fill_null(False))
        .then(pl.lit("preview"))
        .when(test.fill_null(False))
        .then(pl.lit("test"))
        .otherwise(pl.lit(None, pl.String))
    )


def _lower(columns: Sequence[str], name: str) -> pl.Expr | None:
    for col in columns:
        if col.lower() == name.lower():
            return pl.col(col).str.strip_chars().str.to_lowercase()
    return None
