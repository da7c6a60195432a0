"""Fuzz: damaged headers and damaged containers, through the CLI and the Upload engine.

Headers: names repeated, blank, reordered, renamed to lookalikes (Cyrillic letters,
full-width, zero-width and soft hyphens, byte-order marks), to the engine's own
names (``__row__``, ``column_1``), to formulas, markup, 5,000 characters or a date
(the header then reads as data), dropped, or one more or fewer than the rows; as
CSV, JSON Lines with repeated keys, and Parquet with repeated and blank names.
Containers: workbooks with a worksheet's XML flipped, cut, or holding cells no
spreadsheet program writes (errors, booleans of 2, shared strings out of range,
impossible dates, repeated or absurd references, a 40,000-character string), a part
cut or left out, the zip's bytes flipped; Parquet with odd types (extreme integers,
NaN and infinities, time zones, nanoseconds, durations, decimals, nulls, binary,
lists, structs) or flipped bytes; JSON Lines no writer makes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile import fuzz, shapes


@pytest.fixture(scope="module")
def doors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fuzz.Doors]:
    opened = fuzz.Doors.open(tmp_path_factory.mktemp("shapes"))
    yield opened
    opened.close()


def test_fuzzed_headers(doors: fuzz.Doors) -> None:
    fuzz.run(shapes.header_file(), doors, "headers")


def test_fuzzed_containers(doors: fuzz.Doors) -> None:
    fuzz.run(shapes.container_file(), doors, "containers")
