"""CSV downloads in the reader's language: moments, decimals, separator, headers."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics import exports

FRAME = pl.DataFrame(
    {
        "who": ["=cmd()", "Ana"],
        "at": [dt.datetime(2026, 6, 10, 19, 53, 7, 123456), None],
        "day": [dt.date(2026, 6, 1), dt.date(2026, 12, 31)],
        "share": [12.5, None],
        "n": [3, 4],
    }
)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "en",
            "Who,When,Day,share,n\n'=cmd(),2026-06-10 19:53,2026-06-01,12.5,3\nAna,,2026-12-31,,4\n",
        ),
        (
            "es",
            "Quién;Cuándo;Día;share;n\n'=cmd();10/06/2026 19:53;01/06/2026;12,5;3\n"
            "Ana;;31/12/2026;;4\n",
        ),
    ],
)
def test_a_csv_reads_as_the_page_does(lang: str, text: str) -> None:
    """No ISO "T", seconds or microseconds; a Spanish file has decimal commas and ';'
    between cells; formula-like text is quoted; headers are the given names."""
    names = {"en": ("Who", "When", "Day"), "es": ("Quién", "Cuándo", "Día")}[lang]
    headers = dict(zip(("who", "at", "day"), names, strict=True))
    data = exports.to_csv(FRAME, lang, headers)  # type: ignore[arg-type]
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the accents as UTF-8
    assert data[3:].decode("utf-8") == text
