"""Rejected rows for the analyst: a translated reason per problem, for display and download.

Set-based, for reject tables that may hold a million problems: :func:`reasons` is one
polars expression per code (keys ``ingest.<code>``), filled with the reject's
parameters as values. The source row's values, kept as JSON, come back as text
(:func:`values_text`) or in their own columns (:func:`rejects_csv`), and
:func:`rejects_file` writes the rows to fix and load again.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping as AbcMapping

import polars as pl

from analytics.i18n import Lang, catalog, t
from analytics.ingest import roundtrip
from analytics.ingest.export import neutralise_for_export
from analytics.ingest.model import ROW
from analytics.ingest.reasons import ROW_EXPECTED

#: The parameters a reject's reason may use (see ``rejects``).
_PARAMS = pl.Struct(
    {
        "value": pl.String,
        "min": pl.Int64,
        "max": pl.Int64,
        "allowed": pl.String,
        "rows": pl.List(pl.Int64),
    }
)


def reasons(rejects: pl.DataFrame, lang: Lang) -> pl.Series:
    """One translated reason per reject row (set-based: one expression per code)."""
    params = pl.col("params").str.json_decode(_PARAMS)
    fields = {
        "value": params.struct.field("value"),
        "min": params.struct.field("min").cast(pl.String),
        "max": params.struct.field("max").cast(pl.String),
        "allowed": params.struct.field("allowed"),
        "rows": params.struct.field("rows").cast(pl.List(pl.String)).list.join(", "),
    }
    expr = pl.col("message")  # codes without a translation keep the engine's English
    for code in ROW_EXPECTED:
        template = catalog(lang).get(f"ingest.{code}") or catalog("en").get(f"ingest.{code}")
        if template:
            expr = pl.when(pl.col("code") == code).then(_fill(template, fields)).otherwise(expr)
    return rejects.select(expr.alias("reason")).to_series()


def _fill(template: str, fields: AbcMapping[str, pl.Expr]) -> pl.Expr:
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name:
            parts.append(fields[name].fill_null("") if name in fields else pl.lit("{" + name + "}"))
    return pl.concat_str(parts) if parts else pl.lit("")


def rejects_table(rejects: pl.DataFrame, lang: Lang, limit: int | None = 1000) -> pl.DataFrame:
    """Row, column, reason and the row's values as the file had them (for display)."""
    shown = rejects if limit is None else rejects.head(limit)
    return pl.DataFrame(
        {
            "row": shown.get_column(ROW),
            "column": shown.get_column("column"),
            "reason": reasons(shown, lang),
            "values": [values_text(v) for v in shown.get_column("raw_values")],
        }
    )


def rejects_csv(rejects: pl.DataFrame, lang: Lang) -> bytes:
    """Every problem, with the row's source values in their own columns, as CSV.

    Headers are translated; cells (and headers) that a spreadsheet would run as a
    formula are neutralised.
    """
    fixed = {
        t("upload.col.row", lang): rejects.get_column(ROW),
        t("upload.col.column", lang): rejects.get_column("column"),
        t("upload.col.field", lang): rejects.get_column("field"),
        t("upload.col.code", lang): rejects.get_column("code"),
        t("upload.col.reason", lang): reasons(rejects, lang),
    }
    frame = pl.DataFrame(fixed).hstack(_raw_columns(rejects, set(fixed), lang))
    return neutralise_for_export(frame).write_csv().encode("utf-8")


def rejects_file(rejects: pl.DataFrame, lang: Lang, shape: roundtrip.Shape) -> roundtrip.FileOut:
    """The rejected rows to fix and load again (see ``roundtrip``)."""
    return roundtrip.rejected_file(rejects, reasons(rejects, lang), shape, lang)


def _raw_columns(rejects: pl.DataFrame, taken: set[str], lang: Lang) -> list[pl.Series]:
    """The source row's values (kept as JSON) back in columns, named as in the file."""
    if rejects.height == 0:
        return []
    names = list(json.loads(rejects.get_column("raw_values")[0]))
    dtype = pl.Struct({n: pl.String for n in names})
    values = rejects.select(pl.col("raw_values").str.json_decode(dtype)).to_series()
    out = []
    for name in names:
        series = values.struct.field(name)
        label = name if name not in taken else f"{name} ({t('upload.col.source', lang)})"
        out.append(series.alias(label))
        taken.add(label)
    return out


def values_text(raw_values: str) -> str:
    """``{"a": "1", "b": null}`` -> ``a: 1 · b: –`` (for one row's detail)."""
    body = json.loads(raw_values)
    return " · ".join(f"{k}: {'–' if v is None else v}" for k, v in body.items())
