"""Cell values as polars stages: each parser fills ``value`` and ``error`` (a code or null).

Parsers read ``c.text``, the cell already cleaned (trimmed, empty as null), so a
null means "no value" and is never an error here: whether the column is required
is decided by the caller. Numbers follow the file's decimal mark: ``"."`` accepts
``1234.5`` and ``1,234.5``; ``","`` accepts ``1234,5`` and ``1.234,5``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import polars as pl

from analytics.ingest import vocabulary as vocab
from analytics.ingest.steps import Cols, Stages

Decimal = Literal[",", "."]
NONE = pl.lit(None, pl.String)
INT32_MAX = 2**31 - 1
_NUMBER = {
    ".": (r"^[+-]?(\d+(\.\d*)?|\.\d+)$", r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", ","),
    ",": (r"^[+-]?(\d+(,\d*)?|,\d+)$", r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$", "."),
}
_CLOCK = r"^(?<neg>-)?(?:(?<h>\d+):)?(?<m>\d+):(?<s>\d{1,2}(?:[.,]\d+)?)$"
#: An Excel time cell read as a date-time: day 0 is 1899-12-30 or -31 (by reader),
#: 1900-01-dd is dd whole days more (durations of a day or longer).
_EXCEL_TIME = (
    r"^(?:1899-12-3[01]|1900-01-(?<d>\d{2}))[ T](?<h>\d{1,2}):(?<m>\d{2}):(?<s>\d{2}(?:\.\d+)?)$"
)
#: Seconds one plain number counts, by unit (clock texts are read as clocks anyway).
UNIT_SECONDS = {"s": 1.0, "hms": 1.0, "excel_time": 1.0, "ms": 0.001, "min": 60.0,
                 "excel_days": 86_400.0}  # fmt: skip
_LEADING_INT = r"^(\d{1,2})\s*[-–—:(]"
BOOLEANS = {**dict.fromkeys(vocab.TRUE_WORDS, True), **dict.fromkeys(vocab.FALSE_WORDS, False)}


#: Control characters no value holds (NUL, the C0 set but tab and line breaks, DEL,
#: C1): removed from every cell before it is read or stored, and counted in the
#: data-quality report (``quality.control``), never kept in an id.
CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"


def clean(expr: pl.Expr, controls: bool = True) -> pl.Expr:
    """Trimmed text without control characters; empty or blank is null.
    ``controls=False``: the file is known to hold none (``FormatFacts.control_free``),
    so the search for them, half of reading a plain extract, is skipped."""
    text = expr.cast(pl.String)
    if controls:
        text = text.str.replace_all(CONTROL, "")
    return text.str.strip_chars().replace("", None)  # when/then: 2x slower


def label_words(text: pl.Expr) -> pl.Expr:
    """A cell as the words a label is matched on (lower case, no accents or punctuation)."""
    return normalised(text.str.replace_all(r"[^\w\s]", " "))


def relabel(text: pl.Expr, labels: Mapping[str, str], words: pl.Expr | None = None) -> pl.Expr:
    """``labels[label_words(text)]``, or the text itself when it is not a label.

    A label also matches a cell that starts with it as whole words, since forms
    often explain their options: "Excepcional: el personal es amable" is
    "excepcional". The exact label wins, then the longest leading one. ``words``
    is ``label_words(text)`` already computed (a column), when the caller has it.
    """
    words = label_words(text) if words is None else words
    found = lookup(words, labels, pl.String())
    # Built inside out, as in ``lookup``, so the longest label is tested first. Each
    # level holds the one below once: testing ``found.is_null()`` at each level held
    # it twice, doubling the expression per label (16 labels took minutes to plan).
    leading = pl.lit(None, pl.String())
    for label, value in reversed(sorted(labels.items(), key=lambda kv: -len(kv[0]))):
        leading = pl.when(words.str.starts_with(label + " ")).then(pl.lit(value)).otherwise(leading)
    return pl.coalesce(found, leading, text)


def normalised(text: pl.Expr) -> pl.Expr:
    """Lower case, accents removed, runs of spaces/underscores as one space."""
    lowered = text.str.to_lowercase().str.normalize("NFD").str.replace_all(r"\p{Mn}", "")
    return lowered.str.replace_all(r"[\s_]+", " ").str.strip_chars()


def lookup(expr: pl.Expr, words: Mapping[str, object], dtype: pl.DataType) -> pl.Expr:
    """``words[expr]`` or null, as a when/then chain over ``is_in`` groups.

    ``replace_strict`` would do the same, but the streaming engine runs it on the
    whole column at once, which breaks bounded-memory loading.
    """
    groups: dict[object, list[str]] = {}
    for word, value in words.items():
        groups.setdefault(value, []).append(word)
    result = pl.lit(None, dtype)
    for value, keys in reversed(groups.items()):  # built inside out: first group wins
        result = pl.when(expr.is_in(keys)).then(pl.lit(value, dtype)).otherwise(result)
    return result


def number(text: pl.Expr, decimal: Decimal) -> pl.Expr:
    """Float64 or null (null for anything that is not a plain decimal number)."""
    plain, grouped, group_mark = _NUMBER[decimal]
    canonical = (
        pl.when(text.str.contains(grouped))
        .then(text.str.replace_all(group_mark, "", literal=True))
        .when(text.str.contains(plain))
        .then(text)
    )
    return canonical.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)


def plain_number(text: pl.Expr, decimal: Decimal) -> pl.Expr:
    """:func:`number` of the cells written without group marks (``1234.5``), else null."""
    plain = pl.when(text.str.contains(_NUMBER[decimal][0])).then(text)
    return plain.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)


def error_of(text: pl.Expr, *cases: tuple[pl.Expr, str]) -> pl.Expr:
    """The first matching case's code, else null; never an error for a null cell."""
    result = NONE
    for condition, code in reversed(cases):  # built inside out: first case wins
        result = pl.when(condition).then(pl.lit(code)).otherwise(result)
    return pl.when(text.is_null()).then(NONE).otherwise(result)


def _masked(c: Cols, source: str, dtype: pl.DataType | None = None) -> dict[str, pl.Expr]:
    value = pl.when(c("error").is_null()).then(c(source))
    return {c.name("value"): value.cast(dtype) if dtype is not None else value}


def duration(c: Cols, decimal: Decimal, unit: str | None = None) -> Stages:
    """Seconds, from ``95``/``95.5`` (file's decimal mark; times ``unit``'s seconds),
    ``mm:ss``/``hh:mm:ss``, or an Excel time cell read as ``1899-12-31 00:02:23``."""
    clock, excel = c("clock"), c("excel")
    hours = clock.struct.field("h").cast(pl.Float64, strict=False)
    minutes = clock.struct.field("m").cast(pl.Float64, strict=False)
    seconds = clock.struct.field("s").str.replace(",", ".", literal=True).cast(pl.Float64)
    sign = pl.when(clock.struct.field("neg").is_not_null()).then(-1.0).otherwise(1.0)
    per_unit = UNIT_SECONDS[unit or "s"]
    return [
        {
            # Only a cell with a colon can be a clock: the others skip the regex
            # (most cells are plain numbers; the regex cost a quarter of validation).
            c.name("clock"): pl.when(c.text.str.contains(":", literal=True))
            .then(c.text)
            .str.extract_groups(_CLOCK),
            c.name("excel"): pl.when(
                c.text.str.contains(" ", literal=True) | c.text.str.contains("T", literal=True)
            )
            .then(c.text)
            .str.extract_groups(_EXCEL_TIME),
            c.name("num"): number(c.text, decimal) * per_unit,
        },
        {
            c.name("raw"): pl.coalesce(
                sign * (hours.fill_null(0) * 3600 + minutes * 60 + seconds),
                _excel_seconds(excel),
                c("num"),
            ),
            c.name("bad"): ((seconds >= 60) | (hours.is_not_null() & (minutes >= 60))).fill_null(
                False
            ),
        },
        {
            c.name("error"): error_of(
                c.text,
                (c("raw").is_null() | c("bad"), "duration_format"),
                (c("raw") < 0, "negative_duration"),
            )
        },
        _masked(c, "raw"),
    ]


def _excel_seconds(parts: pl.Expr) -> pl.Expr:
    days = parts.struct.field("d").cast(pl.Float64, strict=False).fill_null(0.0)
    hours = parts.struct.field("h").cast(pl.Float64, strict=False)
    minutes = parts.struct.field("m").cast(pl.Float64, strict=False)
    seconds = parts.struct.field("s").cast(pl.Float64, strict=False)
    return days * 86_400 + hours * 3600 + minutes * 60 + seconds


def count(c: Cols, decimal: Decimal) -> Stages:
    """A whole number of 0 or more (e.g. transfers)."""
    num = c("num")
    error = error_of(
        c.text,
        (num.is_null(), "not_a_number"),
        (num != num.floor(), "not_an_integer"),
        (num < 0, "not_negative"),
        (num > INT32_MAX, "out_of_range"),
    )
    return [
        {c.name("num"): number(c.text, decimal)},
        {c.name("error"): error},
        _masked(c, "num", pl.Int32()),
    ]


def boolean(c: Cols, invert: bool = False) -> Stages:
    """Yes/no in Spanish or English; ``invert`` turns it round ("Answered" -> abandoned)."""
    words = {k: not v for k, v in BOOLEANS.items()} if invert else BOOLEANS
    value = lookup(c.text.str.to_lowercase(), words, pl.Boolean())
    unknown = pl.when(c.text.is_not_null() & c("value").is_null()).then(pl.lit("unknown_boolean"))
    return [{c.name("value"): value}, {c.name("error"): unknown.otherwise(NONE)}]


def _score_stages(c: Cols, decimal: Decimal, labels: Mapping[str, int] | None = None) -> Stages:
    """``score``: a number, the leading integer of ``10 - Extremely likely``, or a label."""
    first = {
        c.name("num"): number(c.text, decimal),
        c.name("lead"): c.text.str.extract(_LEADING_INT, 1).cast(pl.Float64, strict=False),
    }
    parts = [c("num"), c("lead")]
    if labels is not None:
        first[c.name("label")] = lookup(normalised(c.text), labels, pl.Float64())
        parts.append(c("label"))
    return [first, {c.name("score"): pl.coalesce(parts)}]


def scale(
    c: Cols, decimal: Decimal, low: int, high: int, labels: Mapping[str, int] | None = None
) -> Stages:
    """A whole score from ``low`` to ``high``: NPS 0-10, or CSAT 1-5 with its labels."""
    score = c("score")
    error = error_of(
        c.text,
        (score.is_null(), "unknown_label" if labels else "not_an_integer"),
        (score != score.floor(), "not_an_integer"),
        ((score < low) | (score > high), "out_of_range"),
    )
    return [
        *_score_stages(c, decimal, labels),
        {c.name("error"): error},
        _masked(c, "score", pl.Int8()),
    ]


def csat(c: Cols, decimal: Decimal) -> Stages:
    """1-5 from a number or a label (``Muy satisfecho`` = 5 ... ``Very dissatisfied`` = 1)."""
    return scale(c, decimal, 1, 5, vocab.CSAT_LABELS)


def ces(c: Cols, decimal: Decimal, top: int, harder: bool) -> Stages:
    """1..top, turned so that higher = easier when the source says higher = harder."""
    score = c("score")
    error = error_of(
        c.text, (score.is_null(), "not_a_number"), ((score < 1) | (score > top), "out_of_range")
    )
    easier = (top + 1 - score) if harder else score
    return [
        *_score_stages(c, decimal),
        {c.name("error"): error, c.name("easier"): easier},
        _masked(c, "easier"),
    ]


def choice(c: Cols, words: Mapping[str, str]) -> Stages:
    value = lookup(normalised(c.text), words, pl.String())
    unknown = pl.when(c.text.is_not_null() & c("value").is_null()).then(pl.lit("not_allowed"))
    return [{c.name("value"): value}, {c.name("error"): unknown.otherwise(NONE)}]


def text(c: Cols) -> Stages:
    return [{c.name("value"): c.text, c.name("error"): NONE}]


_ACCENTED, _PLAIN = "áàâäãåāéèêëēíìîïīóòôöõøōúùûüūñçýÿ", "aaaaaaaeeeeeiiiiiooooooouuuuuncyy"


def value_key(text: pl.Expr) -> pl.Expr:
    """What a dimension value is matched on in the value map (``aliases``): lower case,
    accents of Latin letters removed, a double space as one (the cell is trimmed).

    Cheaper than ``label_words`` (Unicode normalisation and a regex cost 0.3-0.5 s per
    million cells, this under 0.1 s), as it runs on every row of every load.
    """
    return text.str.to_lowercase().str.replace_many([*_ACCENTED, "  "], [*_PLAIN, " "])


def aliased(c: Cols, aliases: Mapping[str, str]) -> Stages:
    """The text, or the value its entry in the value map stands for (``aliases``:
    :func:`value_key` -> stored value): "SUR" reads as "South"."""
    found = lookup(value_key(c.text), aliases, pl.String())
    return [{c.name("value"): pl.coalesce(found, c.text), c.name("error"): NONE}]
