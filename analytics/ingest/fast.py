"""Fast paths: per column, one cheap reading chosen from the file's first rows.

An extract nearly always writes a column one way (``05/01/2024`` + ``14:05``,
``95``, ``0:02:23``, ``Yes``). The full parsers (``values``, ``dates``) accept every
spelling, at three to ten times the cost, and were most of a load's time. So the
first rows choose, per column, a reader that gives the full parser's answer on
every cell it accepts; the cells it does not accept are marked :data:`SLOW`, and
the full parser finishes them (``validation.finish_slow``). The answers are
therefore the same whichever path a cell takes; tests hold this, cell by cell.

A reader is only chosen when it reads most of the first rows: a column written
several ways is better parsed once, fully, than twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from analytics.ingest import dates, values
from analytics.ingest.columns import Column
from analytics.ingest.dates import SLOW
from analytics.ingest.model import Transform
from analytics.ingest.steps import Cols, Stages

ReaderKind = Literal["strptime", "integer", "decimal", "clock", "words"]
#: Share of a column's first (non-empty) values a reader must accept to be used.
MOST = 0.5


@dataclass(frozen=True)
class ColumnReader:
    """How a column's cells are read fast: a strptime ``format``, a whole number, a
    plain decimal, an ``h:mm:ss`` clock, or the exact ``words`` of a yes/no column."""

    kind: ReaderKind
    format: str = ""
    words: tuple[tuple[str, bool], ...] = ()


def choose_reader(
    col: Column,
    texts: pl.Series,
    transform: Transform,
    dayfirst: bool | None,
    decimal: values.Decimal,
) -> ColumnReader | None:
    """The reader for ``col`` given its first values' texts (as the parser sees them)."""
    texts = texts.drop_nulls()
    if texts.is_empty():
        return None
    if col.kind == "timestamp":
        fmt = dates.fast_format(texts, dayfirst, joined=transform.time_source is not None)
        return ColumnReader("strptime", fmt) if fmt is not None else None
    if col.kind == "bool":
        return _words(texts, transform.invert)
    candidates: tuple[ColumnReader, ...] = ()
    if col.kind == "count":
        candidates = (ColumnReader("integer"),)
    elif col.kind == "duration":
        candidates = (ColumnReader("integer"), ColumnReader("decimal"), ColumnReader("clock"))
    return _best(texts, candidates, decimal)


def _best(
    texts: pl.Series, readers: tuple[ColumnReader, ...], decimal: values.Decimal
) -> ColumnReader | None:
    """The first (cheapest) reader that reads nearly as many values as the best."""
    frame = texts.rename("text").to_frame()
    read = [
        frame.select(_accepted(_number(pl.col("text"), r, decimal)).count()).item() for r in readers
    ]
    enough = max(MOST * len(texts), 0.95 * max(read, default=0))
    return next((r for r, n in zip(readers, read, strict=True) if n and n >= enough), None)


def _words(texts: pl.Series, invert: bool) -> ColumnReader | None:
    """The column's spellings of yes and no, exactly as written (``Yes``, ``N``...)."""
    spelled = texts.value_counts(sort=True).head(8)
    found = []
    for text, n in spelled.iter_rows():
        meaning = values.BOOLEANS.get(text.lower())
        if meaning is not None:
            found.append(((text, meaning != invert), n))
    if sum(n for _, n in found) <= MOST * len(texts):
        return None
    return ColumnReader("words", words=tuple(w for w, _ in found))


def read_stages(reader: ColumnReader, c: Cols, decimal: values.Decimal, unit: str | None) -> Stages:
    """``value`` and ``error`` (null, or :data:`SLOW` for a cell the reader does not
    accept) of one column read with ``reader``."""
    if reader.kind == "strptime":
        return dates.fast_timestamp(c, reader.format)
    slow = pl.when(c.text.is_not_null() & c("value").is_null()).then(pl.lit(SLOW))
    last = {c.name("error"): slow.otherwise(values.NONE)}
    if reader.kind == "words":
        return [{c.name("value"): values.lookup(c.text, dict(reader.words), pl.Boolean())}, last]
    per_unit = 1.0 if reader.kind == "clock" else values.UNIT_SECONDS[unit or "s"]
    return [
        {c.name("number"): _number(c.text, reader, decimal)},
        {c.name("value"): _accepted(c("number")) * per_unit},
        last,
    ]


def _number(text: pl.Expr, reader: ColumnReader, decimal: values.Decimal) -> pl.Expr:
    """A cell read as seconds or a count (before :func:`_accepted`).

    Each reading gives only what the full parser reads the same way: numbers in the
    plain form of the file's decimal mark; clocks whose seconds are below 60 (polars
    reads ``0:00:60`` as a leap second, the full parser refuses it).
    """
    if reader.kind == "integer":
        return text.str.to_integer(strict=False).cast(pl.Float64)
    if reader.kind == "decimal":
        return values.plain_number(text, decimal)
    nanoseconds = text.str.to_time("%H:%M:%S", strict=False).cast(pl.Int64)
    seconds = (nanoseconds // 1_000_000_000).cast(pl.Float64)  # whole: / 1e9 rounds
    return pl.when(~text.str.ends_with(":60")).then(seconds)


def _accepted(number: pl.Expr) -> pl.Expr:
    """0 or more and within a count's range; else null (the full parser names why)."""
    return pl.when(number.is_between(0, values.INT32_MAX)).then(number)
