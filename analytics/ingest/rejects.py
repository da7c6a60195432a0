"""Rejected rows as data: one row per problem, with its code, params and English text.

Built set-based from the checked rows that failed: per canonical column, the rows
whose error is set; the static part of each reason comes from a small per-column
lookup joined on the code. ``raw_values`` is the whole source row as JSON, so the
analyst sees exactly what the file said.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import polars as pl

from analytics.ingest.columns import Column
from analytics.ingest.model import ROW
from analytics.ingest.reasons import ROW_EXPECTED, expected_text
from analytics.ingest.steps import error_name

if TYPE_CHECKING:
    from analytics.ingest.validation import Plan

REJECT_SCHEMA: dict[str, pl.DataType] = {
    ROW: pl.Int64(),
    "column": pl.String(),
    "field": pl.String(),
    "code": pl.String(),
    "params": pl.String(),
    "message": pl.String(),
    "raw_values": pl.String(),
}
_RAW = "\x00raw"
_KEY = "\x00key"

#: Parameters that explain a code beyond the value, by column kind.
_RANGES: dict[str, dict[str, Any]] = {
    "nps": {"min": 0, "max": 10},
    "csat": {"min": 1, "max": 5},
    "count": {"min": 0, "max": 2**31 - 1},
}


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_SCHEMA)


def build(bad: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Reject rows for checked rows that have at least one error."""
    if bad.height == 0:
        return empty()
    raw_json = pl.struct([pl.col(c) for c in plan.raw.columns]).struct.json_encode()
    bad = bad.with_columns(raw_json.alias(_RAW))
    parts = []
    for order, col in enumerate(plan.columns):
        source = plan.label(col.name)
        error = pl.col(error_name(col.name))
        sub = bad.filter(error.is_not_null()).select(
            pl.col(ROW),
            pl.lit(order).alias("order"),
            pl.lit(source).alias("column"),
            pl.lit(col.name).alias("field"),
            error.alias("code"),
            plan.text(col.name).alias("value"),
            pl.col(_RAW).alias("raw_values"),
        )
        parts.append(sub.join(_lookup(col, source, plan), on="code", how="left"))
    found = pl.concat(parts).sort(ROW, "order")
    return _with_duplicates(found, plan.duplicates).select(_final())


def _static(col: Column, code: str, plan: Plan) -> dict[str, Any]:
    if code == "out_of_range" and col.kind == "ces":
        return {"min": 1, "max": plan.mapping.ces_scale}
    if code == "out_of_range":
        return dict(_RANGES.get(col.kind, {}))
    if code == "not_allowed":
        from analytics.ingest import vocabulary

        words = vocabulary.SURVEY_TYPES if col.kind == "survey_type" else vocabulary.SURVEY_CHANNELS
        return {"allowed": ", ".join(sorted(set(words.values())))}
    return {}


def _lookup(col: Column, source: str, plan: Plan) -> pl.DataFrame:
    """Per code: the JSON tail of the params and the two halves of the message."""
    rows = []
    for code in ROW_EXPECTED:
        extra = _static(col, code, plan)
        head = f"column '{source}' ({col.name}): "
        if code == "required":
            head, tail, with_value = head + "a value is required", "", False
        elif code == "duplicate_key":
            head, tail, with_value = head + "'", "' is the key of more than one row", True
        else:
            head, tail, with_value = (
                head + f"expected {expected_text(code, extra)}, got '",
                "'",
                True,
            )
        extra_json = json.dumps(extra, ensure_ascii=False)[1:-1]
        rows.append((code, ("," + extra_json) if extra_json else "", head, tail, with_value))
    return pl.DataFrame(rows, schema=["code", "extra", "head", "tail", "with_value"], orient="row")


def _with_duplicates(found: pl.DataFrame, duplicates: pl.DataFrame) -> pl.DataFrame:
    """Name the other rows sharing a key in the params and the message."""
    rows = duplicates.select(
        pl.col("key").alias(_KEY),
        pl.col("rows").cast(pl.List(pl.String)).list.join(", ").alias("rows"),
    )
    keyed = found.with_columns(pl.col("value").str.strip_chars().alias(_KEY))
    joined = keyed.join(rows, on=_KEY, how="left")
    is_dup = pl.col("code") == "duplicate_key"
    return joined.with_columns(
        extra=pl.when(is_dup)
        .then(pl.concat_str(pl.lit(',"rows":['), pl.col("rows"), pl.lit("]")))
        .otherwise("extra"),
        tail=pl.when(is_dup)
        .then(pl.concat_str("tail", pl.lit(" (rows "), "rows", pl.lit(")")))
        .otherwise("tail"),
    )


def _final() -> list[pl.Expr]:
    core = pl.struct(column="column", field="field", value="value").struct.json_encode()
    params = pl.concat_str(core.str.strip_suffix("}"), pl.col("extra"), pl.lit("}"))
    value_part = (
        pl.when("with_value")
        .then(pl.concat_str("value", "tail", ignore_nulls=True))
        .otherwise(pl.lit(""))
    )
    message = pl.concat_str(
        pl.lit("row "), pl.col(ROW).cast(pl.String), pl.lit(", "), "head", value_part
    )
    return [
        pl.col(ROW),
        pl.col("column"),
        pl.col("field"),
        pl.col("code"),
        params.alias("params"),
        message.alias("message"),
        pl.col("raw_values"),
    ]
