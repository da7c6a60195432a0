"""Per-file facts decided from the values: decimal mark, day/month order, row counts.

One streaming pass over the whole file (not a sample: the one 13/02/2024 that
proves day-first may be the last row), reading only the columns it needs: blank
rows are found during validation, which reads every column anyway. Columns join the pass when the first rows
show d/m/y dates or decimal numbers in them, or nothing at all yet; a column whose
first rows are whole numbers only does not weigh on the decimal mark.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import polars as pl

from analytics.ingest import surveytools
from analytics.ingest.dates import ORDER_PARTS, order_evidence, order_parts, proves_dayfirst
from analytics.ingest.handoff import Handoff, running
from analytics.ingest.model import DateOrder, FormatFacts, Pieces, ReadOptions
from analytics.ingest.reasons import unreadable
from analytics.ingest.source import Scanned

SAMPLE_ROWS = 1000
_DECIMALISH = r"^\s*[+-]?\d[\d.,]*[.,]\d+\s*$"
_COMMA_DECIMAL = r"^\s*[+-]?(\d+|\d{1,3}(\.\d{3})+),\d+\s*$"
_DOT_DECIMAL = r"^\s*[+-]?\d+\.(\d{1,2}|\d{4,})\s*$"
_SKIP = "\x00skip"


def inspect(
    scanned: Scanned, options: ReadOptions, name: str
) -> tuple[FormatFacts, pl.LazyFrame, Pieces]:
    """The file's facts, its data without preview and test rows, and the same data
    in pieces (see :data:`analytics.ingest.model.Pieces`)."""
    names = scanned.header.names
    skip = surveytools.skip_reason(scanned.header.layout, names)
    base = scanned.base.with_columns(
        (skip if skip is not None else pl.lit(None, pl.String)).alias(_SKIP)
    )
    sample = _collect(scanned, base.head(SAMPLE_ROWS), name)
    dates = [n for n in names if _candidate(sample.get_column(n), ORDER_PARTS)]
    numbers = [n for n in names if _candidate(sample.get_column(n), _DECIMALISH)]
    parts = [expr for n in dates for expr in order_parts(n)]
    aggregates = [
        pl.len().alias("total"),
        (pl.col(_SKIP) == "preview").sum().alias("preview"),
        (pl.col(_SKIP) == "test").sum().alias("test"),
        *[expr for n in dates for expr in order_evidence(n)],
        *_decimal_evidence(numbers),
    ]
    row = _collect(scanned, base.with_columns(parts).select(aggregates), name).row(0, named=True)
    order, dmy = decide_order(row, dates)
    examples = _examples(scanned, order, dmy, sample, name)
    facts = _facts(scanned, options, row, (order, examples, dmy))
    return facts, _kept(scanned.base, skip), _pieces(scanned.base, skip)


def _kept(records: pl.LazyFrame, skip: pl.Expr | None) -> pl.LazyFrame:
    """The records that are data (no filter at all when the layout skips none, so
    that slices and heads reach the scan)."""
    return records if skip is None else records.filter(skip.is_null())


def _pieces(records: pl.LazyFrame, skip: pl.Expr | None) -> Pieces:
    """The kept records in pieces, from one streaming pass in a worker thread that
    waits while a piece waits (see ``handoff``)."""
    kept = _kept(records, skip)

    def pieces(rows: int) -> Iterator[pl.LazyFrame]:
        def read(to: Handoff[pl.DataFrame]) -> None:
            kept.sink_batches(lambda piece: not to.put(piece), chunk_size=rows)

        with running(read, "pulso-ingest-read") as found:
            yield from (piece.lazy() for piece in found)

    return pieces


def _collect(scanned: Scanned, frame: pl.LazyFrame, name: str) -> pl.DataFrame:
    try:
        return frame.collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        if scanned.diagnose is not None:
            raise scanned.diagnose(exc) from exc
        raise unreadable(name, exc) from exc


def _candidate(values: pl.Series, pattern: str) -> bool:
    return values.null_count() == len(values) or bool(values.str.contains(pattern).any())


def _decimal_evidence(numbers: list[str]) -> list[pl.Expr]:
    """Values only readable with a decimal comma, and only with a decimal point.

    ``1.234`` proves nothing (a thousands point, or a decimal one), so the dot
    pattern wants 1-2 or 4+ decimals.
    """
    comma = [pl.col(n).str.contains(_COMMA_DECIMAL).sum() for n in numbers]
    dot = [pl.col(n).str.contains(_DOT_DECIMAL).sum() for n in numbers]
    zero = pl.lit(0, pl.UInt32)
    return [
        pl.sum_horizontal(comma or [zero]).alias("comma"),
        pl.sum_horizontal(dot or [zero]).alias("dot"),
    ]


def decide_order(row: dict[str, Any], dates: list[str]) -> tuple[DateOrder, tuple[str, ...]]:
    """The file's day/month order from the evidence of all its d/m/y columns."""
    dmy = tuple(c for c in dates if row[f"{c}\x00dmy"])
    day = sum(row[f"{c}\x00day"] for c in dmy)
    month = sum(row[f"{c}\x00month"] for c in dmy)
    if day and month:
        return "conflict", dmy
    if day or month:
        return ("dayfirst" if day else "monthfirst"), dmy
    return ("ambiguous" if dmy else "none"), dmy


def _examples(
    scanned: Scanned, order: DateOrder, dmy: tuple[str, ...], sample: pl.DataFrame, name: str
) -> tuple[str, ...]:
    """Values that show the order (or its absence), to quote to the analyst."""
    wanted = {"dayfirst": (True,), "monthfirst": (False,), "conflict": (True, False)}.get(order)
    if wanted is None:
        return tuple(
            v for c in dmy[:1] for v in sample.get_column(c).drop_nulls().head(3).to_list()
        )
    return tuple(_first_proof(scanned, dmy, dayfirst, sample, name) for dayfirst in wanted)


def _first_proof(
    scanned: Scanned, dmy: tuple[str, ...], dayfirst: bool, sample: pl.DataFrame, name: str
) -> str:
    for frame in (sample.lazy(), scanned.base):  # the sample usually has one
        for col in dmy:
            a, b = (pl.col(f"{col}\x00a"), pl.col(f"{col}\x00b"))
            proof = proves_dayfirst(a, b) if dayfirst else proves_dayfirst(b, a)
            hit = frame.with_columns(order_parts(col)).filter(proof).select(col).head(1)
            found = _collect(scanned, hit, name)
            if found.height:
                return str(found.item())
    return ""


def _facts(
    scanned: Scanned,
    options: ReadOptions,
    row: dict[str, Any],
    dates: tuple[DateOrder, tuple[str, ...], tuple[str, ...]],
) -> FormatFacts:
    order, examples, dmy = dates
    skipped = {k: int(row[k]) for k in ("preview", "test") if row[k]}
    decimal: Literal[",", "."] = options.decimal or ("," if row["comma"] > row["dot"] else ".")
    decided = {"dayfirst": True, "monthfirst": False}.get(order)
    return FormatFacts(
        format=scanned.format,
        layout=scanned.header.layout,
        encoding=scanned.encoding,
        delimiter=scanned.delimiter,
        decimal=decimal,
        date_order=order,
        dayfirst=options.dayfirst if options.dayfirst is not None else decided,
        date_evidence=examples,
        dmy_columns=dmy,
        header_rows=scanned.header.header_rows,
        sheet=scanned.sheet,
        sheets=scanned.sheets,
        n_rows=int(row["total"]) - sum(skipped.values()),
        skipped=skipped,
        control_free=scanned.control_free,
    )
