"""Exports of uploaded values cannot plant spreadsheet formulas."""

from __future__ import annotations

import polars as pl
import pytest

from analytics.ingest import neutralise_for_export


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("Muy satisfecho", "Muy satisfecho"),
        ('{"nps": "=1"}', '{"nps": "=1"}'),
        (None, None),
    ],
)
def test_formula_triggers_are_quoted(cell: str | None, expected: str | None) -> None:
    frame = pl.DataFrame({"raw": [cell], "n": [1]}, schema={"raw": pl.String, "n": pl.Int64})
    assert neutralise_for_export(frame).to_dicts() == [{"raw": expected, "n": 1}]


def test_headers_are_neutralised_too() -> None:
    frame = pl.DataFrame({"=cmd|' /C calc'!A0": ["x"]})
    assert neutralise_for_export(frame).columns == ["'=cmd|' /C calc'!A0"]
