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

from analytics.ingest import steps, values
from analytics.ingest.model import Mapping
from analytics.ingest.steps import Cols, Stages

#: Separates cells in the text a generated key is hashed from (never in a cell:
#: readers turn control characters into spaces or keep them quoted; a collision
#: would need a cell holding it).
_UNIT_SEPARATOR = "\x1f"
#: Prefix of generated keys, so that nobody takes them for the source system's ids.
GENERATED_PREFIX = "row-"
_TIME = r"(?<H>\d{1,2}):(?<M>\d{2})(?::(?<S>\d{2})(?:[.,]\d+)?)?\s*(?<ampm>[AaPp]\.?\s?[Mm]\.?)?"


def text_stages(
    field: str,
    mapping: Mapping,
    columns: Sequence[str],
    c: Cols,
    fast: bool = False,
    control_free: bool = False,
) -> Stages:
    """Stages ending in ``c.text``: the cleaned text (null = empty) the parser reads.

    Stages, not one expression: the date + time and label steps use their inputs
    several times, and a nested expression repeats them in every branch (the tree
    grew until 1M rows took seconds; see ``steps``). ``fast``: a date and a time
    are joined as written (see :func:`joined_as_written`). ``control_free``: the
    file holds no control character (``FormatFacts.control_free``).
    """
    transform = mapping.transform(field)
    text = c.name("text")
    if transform.constant is not None:
        return [{text: values.clean(pl.lit(transform.constant, pl.String))}]
    if transform.generated:
        return [{text: row_key(columns)}]
    controls = not control_free
    first = {text: values.clean(pl.col(mapping.as_dict[field]), controls)}
    stages = [first]
    if transform.time_source is not None:
        first[c.name("time")] = values.clean(pl.col(transform.time_source), controls)
        stages += joined_as_written(c) if fast else with_time(c)
    if transform.values:
        stages += [
            {c.name("words"): values.label_words(c.text)},
            {text: values.relabel(c.text, dict(transform.values), c("words"))},
        ]
    return stages


def field_text(
    field: str, mapping: Mapping, columns: Sequence[str], frame: pl.LazyFrame
) -> pl.LazyFrame:
    """``frame`` with the field's input text as column ``text`` (for samples and keys)."""
    c = steps.cols_for(field)
    done = steps.run(frame, text_stages(field, mapping, columns, c))
    return done.with_columns(c.text.alias("text"))


def is_transformed(field: str, mapping: Mapping) -> bool:
    """True when the field's text is not simply its source cell."""
    how = mapping.transform(field)
    return how.feeds_alone or how.time_source is not None or bool(how.values)


#: What stands for the column of a field no column feeds (see :func:`cell_label`);
#: pages translate them (``quality.source_text``).
GENERATED_LABEL, CONSTANT_PREFIX = "(generated key)", "= "


def cell_label(field: str, mapping: Mapping) -> str:
    """What a reject names as the field's column: the source, or what stands for it."""
    transform = mapping.transform(field)
    if transform.constant is not None:
        return f"{CONSTANT_PREFIX}{transform.constant}"
    if transform.generated:
        return GENERATED_LABEL
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


def with_time(c: Cols) -> Stages:
    """``text`` (a date) + ``time`` -> ``2024-03-05 14:22:00``.

    The date may come as a date-time at midnight (a spreadsheet date cell), the time
    as a clock (``2:22 PM`` too), an Excel time cell (``1899-12-31 14:22:00``) or a
    fraction of a day (``0.5``). A date with no time keeps its date (midnight); a
    time that cannot be read makes the whole value unreadable, never midnight.
    A plain ``HH:MM[:SS]`` (nearly every file) is joined as it is: only the other
    cells go through the normalising steps, which cost a third of a second per 1M.
    """
    day, time = c.text, c("time")
    for midnight in _MIDNIGHTS:  # literal suffixes: a regex here cost a second per 1M
        day = day.str.strip_suffix(midnight)
    plain = (
        time.str.to_time("%H:%M:%S", strict=False).is_not_null()
        | time.str.to_time("%H:%M", strict=False).is_not_null()
    )
    odd = c("odd")  # the time cells that are not plain; null elsewhere
    excel = pl.when(odd.str.starts_with("1899-12-3")).then(odd.str.slice(11)).otherwise(odd)
    fraction = odd.cast(pl.Float64, strict=False)
    from_fraction = pl.when((fraction >= 0) & (fraction < 1)).then(
        pl.from_epoch((fraction * 86_400).round(0).cast(pl.Int64), "s").dt.time()
    )
    native = pl.coalesce([excel.str.to_time(f, strict=False) for f in _TIME_FORMATS])
    found = c("found")
    # "2:05 p. m." and the like: the regex reads only what native parsing missed.
    parts = pl.when(found.is_null()).then(odd).str.extract_groups(_TIME)
    ampm = c("parts").struct.field("ampm").str.to_lowercase().str.slice(0, 1)
    hour = c("parts").struct.field("H").cast(pl.Int32, strict=False)
    minute = c("parts").struct.field("M").cast(pl.Int32, strict=False)
    second = c("parts").struct.field("S").cast(pl.Int32, strict=False).fill_null(0)
    twelve = pl.when(ampm == "p").then(hour % 12 + 12).when(ampm == "a").then(hour % 12)
    clock = (
        pl.when(c("plain"))
        .then(time)
        .otherwise(pl.coalesce(found.dt.strftime("%H:%M:%S"), c("by_regex")))
    )
    joined = pl.concat_str(c("day"), pl.lit(" "), c("clock"))
    as_written = pl.concat_str(c("day"), pl.lit(" "), time)  # the date parser refuses it
    return [
        {c.name("day"): day, c.name("plain"): plain},
        {c.name("odd"): pl.when(~c("plain")).then(time)},
        {c.name("found"): pl.coalesce(native, from_fraction)},
        {c.name("parts"): parts},
        {c.name("seconds"): twelve.otherwise(hour) * 3600 + minute * 60 + second},
        {c.name("by_regex"): _hms(c("seconds"))},
        {c.name("clock"): clock},
        {
            c.name("text"): pl.when(time.is_null())
            .then(c("day"))
            .when(c("clock").is_null())
            .then(as_written)
            .otherwise(joined)
        },
    ]


def joined_as_written(c: Cols) -> Stages:
    """``text`` + " " + ``time`` (the date alone when there is no time), for the fast
    path (``ingest.fast``). Where a date format ending in a plain clock (or in no
    time) reads this join, it reads the date-time :func:`with_time` makes; where it
    fails, the full path, with :func:`with_time`, reads the cell."""
    joined = pl.concat_str(c.text, pl.lit(" "), c("time"))
    return [{c.name("text"): pl.when(c("time").is_null()).then(c.text).otherwise(joined)}]


#: Formats tried first, in native parsing (fast); the regex reads what they miss.
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H:%M:%S%.f", "%I:%M:%S %p", "%I:%M %p")
_MIDNIGHTS = (" 00:00:00.000", " 00:00:00", "T00:00:00", " 00:00")


def _hms(total: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        _two(total // 3600), pl.lit(":"), _two(total % 3600 // 60), pl.lit(":"), _two(total % 60)
    )


def _two(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.zfill(2)
