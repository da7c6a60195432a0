"""Fuzz: files of many rows of hostile values, through the CLI and the Upload engine.

Every canonical column of both targets, under its own name (so the suggestion maps
it and the values are what is tested): numbers that overflow or are not numbers
(``1e999``, ``NaN``, ``٩``, ``10,5``), dates in many formats and impossible ones
(``2024-02-30``, ``24:61``, offsets, epoch seconds, Excel serials), control
characters, NUL, right-to-left and zero-width marks, lookalike letters, formulas,
markup, 5,000-character cells, repeated keys; as CSV (four delimiters, two quotings,
UTF-8 with and without BOM, UTF-16, Windows-1252) or JSON Lines with typed values.
Every row written is counted: loaded, rejected with a reason, or skipped as blank.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile import fuzz, shapes


@pytest.fixture(scope="module")
def doors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fuzz.Doors]:
    opened = fuzz.Doors.open(tmp_path_factory.mktemp("rows"))
    yield opened
    opened.close()


def test_fuzzed_survey_rows(doors: fuzz.Doors) -> None:
    fuzz.run(shapes.row_file("surveys"), doors, "rows")


def test_fuzzed_call_rows(doors: fuzz.Doors) -> None:
    fuzz.run(shapes.row_file("calls"), doors, "rows_calls")
