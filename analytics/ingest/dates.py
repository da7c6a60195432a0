"""Date-times as polars expressions, with the day/month order decided per file.

Accepted: ISO ``2024-03-31``, ``2024-03-31 14:05[:09[.123]]``, ``2024-03-31T14:05:09Z``
or with an offset (converted to UTC), ``2024/03/31``; and ``31/03/2024``,
``31-03-2024``, ``31.03.2024``, each optionally followed by ``14:05[:09]`` and
``AM``/``PM``; these also with a two-digit year (``31/03/24``, as older survey tools
and US spreadsheets write it: 00-68 is 2000-2068, 69-99 is 1969-1999, the POSIX
``%y`` rule). Minutes and seconds may have one digit (``9:5``), as ``strptime`` (the
fast path) reads them too: a cell reads the same whichever path it takes. Whether ``03/04/2024`` is the 3rd of April or the 4th of March is never
decided per row: the whole file's values decide (a 13..31 in first place proves
day-first), or the caller says so; otherwise the file is refused as ambiguous.
"""

from __future__ import annotations

import polars as pl

from analytics.ingest.steps import Cols, Stages
from analytics.ingest.values import error_of

ISO = (
    r"^(?<y>\d{4})[-/](?<mo>\d{1,2})[-/](?<d>\d{1,2})"
    r"(?:[T ](?<H>\d{1,2}):(?<M>\d{1,2})(?::(?<S>\d{1,2})(?:[.,](?<f>\d{1,9}))?)?)?"
    r"\s*(?<tz>Z|[+-]\d{2}:?\d{2})?$"
)
DMY = (
    r"^(?<a>\d{1,2})[/.-](?<b>\d{1,2})[/.-](?<y>\d{4}|\d{2})"
    r"(?:[ T,]+(?<H>\d{1,2}):(?<M>\d{1,2})(?::(?<S>\d{1,2})(?:[.,](?<f>\d{1,9}))?)?"
    r"\s*(?<ampm>[AaPp]\.?[Mm]\.?)?)?$"
)
#: The day-or-month parts, for deciding the order from the values.
ORDER_PARTS = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](?:\d{4}|\d{2})(?:\D|$)"
FORMAT = "%Y-%m-%d %H:%M:%S%.f"
#: Marks a cell the one-format fast path could not read; ``validate.split`` finishes it.
SLOW = "\x00slow"
_ISO_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
)  # fmt: skip


def order_parts(col: str) -> list[pl.Expr]:
    """The two leading numbers of d/m/y-or-m/d/y values (null for other values)."""
    parts = pl.col(col).str.extract_groups(ORDER_PARTS)
    return [
        parts.struct.field("1").cast(pl.Int8, strict=False).alias(f"{col}\x00a"),
        parts.struct.field("2").cast(pl.Int8, strict=False).alias(f"{col}\x00b"),
    ]


def proves_dayfirst(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a > 12) & (b <= 12)


def order_evidence(col: str) -> list[pl.Expr]:
    """Aggregates over :func:`order_parts`: values proving day- or month-first."""
    a, b = pl.col(f"{col}\x00a"), pl.col(f"{col}\x00b")
    return [
        a.count().alias(f"{col}\x00dmy"),
        proves_dayfirst(a, b).sum().alias(f"{col}\x00day"),
        proves_dayfirst(b, a).sum().alias(f"{col}\x00month"),
    ]


def fast_format(sample: pl.Series, dayfirst: bool | None, joined: bool = False) -> str | None:
    """The single strptime format reading most of a column's first values, if any.

    Parsing a million cells with one format takes a fraction of the regex path;
    cells it cannot read (other layouts, impossible dates) take the full path.
    ``joined``: the values are a date and a time-of-day column joined as written
    (see ``transforms.joined_as_written``), so only formats whose time part is a
    plain clock qualify: those read such a join exactly as the full join does.
    """
    values = sample.drop_nulls()
    if values.is_empty():
        return None
    best, hits = None, 0
    formats = _ISO_FORMATS + _dmy_formats(dayfirst)
    for fmt in (f for f in formats if not (joined and "%.f" in f)):
        parsed = values.str.to_datetime(fmt, strict=False, time_unit="us")
        count = int(parsed.dt.year().is_between(1900, 2100).sum())
        if count > hits:
            best, hits = fmt, count
    return best


def _dmy_formats(dayfirst: bool | None) -> tuple[str, ...]:
    if dayfirst is None:  # no order decided: only the full path may judge d/m/y
        return ()
    found = []
    for sep in "/-.":
        date = f"%d{sep}%m{sep}%Y" if dayfirst else f"%m{sep}%d{sep}%Y"
        found += [f"{date} %H:%M:%S", f"{date} %H:%M", date]
    return tuple(found)


def _full_year(year: pl.Expr) -> pl.Expr:
    """``24`` -> 2024, ``98`` -> 1998 (POSIX ``%y``); four digits stay as they are."""
    short = _int(year)
    pivot = pl.when(short < 69).then(short + 2000).otherwise(short + 1900)
    return pl.when(year.str.len_chars() == 2).then(pivot).otherwise(short)


def _int(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Int32, strict=False)


def _pad(expr: pl.Expr, width: int) -> pl.Expr:
    return expr.cast(pl.String).str.zfill(width)


def _hour(parts: pl.Expr) -> pl.Expr:
    """24-hour clock; with AM/PM only 1..12 is valid (13 PM stays invalid)."""
    hour = _int(parts.struct.field("H")).fill_null(0)
    ampm = parts.struct.field("ampm").str.to_lowercase().str.slice(0, 1)
    twelve = pl.when(hour.is_between(1, 12)).then(hour % 12).otherwise(99)
    return pl.when(ampm == "p").then(twelve + 12).when(ampm == "a").then(twelve).otherwise(hour)


def _assemble(y: pl.Expr, mo: pl.Expr, d: pl.Expr, parts: pl.Expr, hour: pl.Expr) -> pl.Expr:
    """A canonical string that ``strptime`` turns into null when it is no real date."""
    frac = parts.struct.field("f").fill_null("0").str.pad_end(6, "0").str.slice(0, 6)
    return pl.concat_str(
        _pad(y, 4), pl.lit("-"), _pad(_int(mo), 2), pl.lit("-"), _pad(_int(d), 2),
        pl.lit(" "), _pad(hour, 2), pl.lit(":"),
        _pad(_int(parts.struct.field("M")).fill_null(0), 2), pl.lit(":"),
        _pad(_int(parts.struct.field("S")).fill_null(0), 2), pl.lit("."), frac,
    )  # fmt: skip


def _offset_minutes(tz: pl.Expr) -> pl.Expr:
    digits = tz.str.replace(":", "", literal=True)
    sign = pl.when(digits.str.starts_with("-")).then(-1).otherwise(1)
    hours = _int(digits.str.slice(1, 2))
    minutes = _int(digits.str.slice(3, 2))
    return pl.when(tz == "Z").then(0).otherwise(sign * (hours * 60 + minutes)).fill_null(0)


def fast_timestamp(c: Cols, fmt: str) -> Stages:
    """One strptime format; cells it cannot read get the :data:`SLOW` marker."""
    parsed = c.text.str.to_datetime(fmt, strict=False, time_unit="us")
    ok = c("parsed").dt.year().is_between(1900, 2100).fill_null(False)
    error = (
        pl.when(c.text.is_null() | c("ok")).then(pl.lit(None, pl.String)).otherwise(pl.lit(SLOW))
    )
    return [
        {c.name("parsed"): parsed},
        {c.name("ok"): ok},
        {c.name("error"): error, c.name("value"): pl.when(c("ok")).then(c("parsed"))},
    ]


def timestamp(c: Cols, dayfirst: bool | None) -> Stages:
    """``value`` as Datetime[us] (UTC-naive when an offset was given) and ``error``."""
    iso, dmy = c("iso"), c("dmy")
    a, b = dmy.struct.field("a"), dmy.struct.field("b")
    day, month = (a, b) if dayfirst is not False else (b, a)
    from_iso = _assemble(
        iso.struct.field("y"), iso.struct.field("mo"), iso.struct.field("d"), iso,
        _int(iso.struct.field("H")).fill_null(0),
    )  # fmt: skip
    from_dmy = _assemble(_full_year(dmy.struct.field("y")), month, day, dmy, _hour(dmy))
    is_iso, is_dmy = iso.struct.field("y").is_not_null(), dmy.struct.field("y").is_not_null()
    parsed = c("canonical").str.to_datetime(FORMAT, strict=False, time_unit="us")
    # No order known: a d/m/y value is refused rather than guessed row by row.
    ambiguous = c("is_dmy") if dayfirst is None else pl.lit(False)
    plausible = c("parsed").dt.year().is_between(1900, 2100).fill_null(False)
    error = error_of(
        c.text,
        (~c("is_iso") & ~c("is_dmy"), "date_format"),
        (ambiguous, "ambiguous_date"),
        (~plausible, "impossible_date"),
    )
    return [
        {
            c.name("iso"): c.text.str.extract_groups(ISO),
            c.name("dmy"): c.text.str.extract_groups(DMY),
        },
        {
            c.name("canonical"): pl.when(is_iso).then(from_iso).when(is_dmy).then(from_dmy),
            c.name("minutes"): _offset_minutes(iso.struct.field("tz")),
            c.name("is_iso"): is_iso,
            c.name("is_dmy"): is_dmy,
        },
        {c.name("parsed"): parsed - pl.duration(minutes=c("minutes"))},
        {c.name("error"): error},
        {c.name("value"): pl.when(c("error").is_null()).then(c("parsed"))},
    ]
