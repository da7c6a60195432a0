"""A field's input text, with the mapping's transforms applied, before parsing.

Parsing (``values``, ``dates``) reads one cleaned text per canonical field. This
module makes that text from what the mapping says: the source cell as it is, or
a constant, a key made from the row's content, the date joined with a time-of-day
column, or a label turned into its value (``Excelente`` -> ``5``). Inverting a
yes/no and the unit of a duration are applied by the parsers themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import polars as pl

from analytics.ingest import values
from analytics.ingest.model import Mapping

#: Separates cells in the text a generated key is hashed from (never in a cell:
#: readers turn control characters into spaces or keep them quoted; a collision
#: would need a cell holding it).
_UNIT_SEPARATOR = "\x1f"
#: Prefix of generated keys, so that nobody takes them for the source system's ids.
GENERATED_PREFIX = "row-"
_TIME = r"(?<H>\d{1,2}):(?<M>\d{2})(?::(?<S>\d{2})(?:[.,]\d+)?)?\s*(?<ampm>[AaPp]\.?[Mm]\.?)?"
#: A date written with a midnight time (a spreadsheet date cell read as a date-time).
_MIDNIGHT = r"[ T]00:00(?::00(?:\.0+)?)?$"


def field_text(field: str, mapping: Mapping, columns: Sequence[str]) -> pl.Expr:
    """The cleaned text (null = empty) the parser of ``field`` reads."""
    transform = mapping.transform(field)
    if transform.constant is not None:
        return values.clean(pl.lit(transform.constant, pl.String))
    if transform.generated:
        return row_key(columns)
    text = values.clean(pl.col(mapping.as_dict[field]))
    if transform.time_source is not None:
        text = with_time(text, values.clean(pl.col(transform.time_source)))
    if transform.values:
        text = values.relabel(text, dict(transform.values))
    return text


def cell_label(field: str, mapping: Mapping) -> str:
    """What a reject names as the field's column: the source, or what stands for it."""
    transform = mapping.transform(field)
    if transform.constant is not None:
        return f"= {transform.constant}"
    if transform.generated:
        return "(generated key)"
    source = mapping.as_dict[field]
    return f"{source} + {transform.time_source}" if transform.time_source else source


def row_key(columns: Sequence[str]) -> pl.Expr:
    """A stable key from every cell of the row: the same content, the same key,
    in any file order and in any later session (SHA-256, not polars' hash, which
    may change between polars versions)."""
    cells = [values.clean(pl.col(c)).fill_null("") for c in columns]
    joined = pl.concat_str(cells, separator=_UNIT_SEPARATOR)
    return joined.map_batches(_sha_keys, return_dtype=pl.String)


def _sha_keys(texts: pl.Series) -> pl.Series:
    return pl.Series(
        [
            GENERATED_PREFIX + hashlib.sha256(t.encode("utf-8")).hexdigest()[:20]
            for t in texts.to_list()
        ],
        dtype=pl.String,
    )


def with_time(date: pl.Expr, time: pl.Expr) -> pl.Expr:
    """``2024-03-05`` + ``14:22`` -> ``2024-03-05 14:22:00``.

    The date may come as a date-time at midnight (a spreadsheet date cell), the time
    as a clock (``2:22 PM`` too), an Excel time cell (``1899-12-31 14:22:00``) or a
    fraction of a day (``0.5``). A date with no time keeps its date (midnight); a
    time that cannot be read makes the whole value unreadable, never midnight.
    """
    day = date.str.replace(_MIDNIGHT, "")
    clock = _clock(time)
    joined = pl.concat_str(day, pl.lit(" "), clock)
    as_written = pl.concat_str(day, pl.lit(" "), time)  # the date parser refuses it
    return (
        pl.when(time.is_null()).then(day).when(clock.is_null()).then(as_written).otherwise(joined)
    )


def _clock(time: pl.Expr) -> pl.Expr:
    """``HH:MM:SS`` (24 h) from a clock, an Excel time cell or a fraction of a day."""
    parts = time.str.extract_groups(_TIME)
    hour = parts.struct.field("H").cast(pl.Int32, strict=False)
    ampm = parts.struct.field("ampm").str.to_lowercase().str.slice(0, 1)
    hour = (
        pl.when(ampm == "p").then(hour % 12 + 12).when(ampm == "a").then(hour % 12).otherwise(hour)
    )
    minute = parts.struct.field("M").cast(pl.Int32, strict=False)
    second = parts.struct.field("S").cast(pl.Int32, strict=False).fill_null(0)
    fraction = values.number(time, ".")
    from_fraction = (fraction * 86_400).round(0).cast(pl.Int64, strict=False)
    total = pl.coalesce(
        hour * 3600 + minute * 60 + second,
        pl.when((fraction >= 0) & (fraction < 1)).then(from_fraction),
    )
    return pl.concat_str(
        _two(total // 3600), pl.lit(":"), _two(total % 3600 // 60), pl.lit(":"), _two(total % 60)
    )


def _two(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.zfill(2)
