"""Safe exports of uploaded text: no spreadsheet formulas planted through a CSV.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as
a formula by Excel/LibreOffice/Sheets when the export is opened (OWASP "CSV
injection"); prefixing a single quote makes it plain text. Applied to every text
column (rejected rows carry the analyst's raw values, which may be hostile), and
to column names.
"""

from __future__ import annotations

import polars as pl

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = "^[" + "".join("\\" + t if t in "-+" else t for t in TRIGGERS) + "]"


def neutralise_text(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.contains(_PATTERN)).then(pl.lit("'") + expr).otherwise(expr)


def neutralise_for_export(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with every string cell (and header) that could run as a formula quoted."""
    renamed = {c: _name(c) for c in df.columns if _name(c) != c}
    texts = [neutralise_text(pl.col(c)).alias(c) for c, t in df.schema.items() if t == pl.String]
    return df.with_columns(texts).rename(renamed)


def _name(name: str) -> str:
    return "'" + name if name.startswith(TRIGGERS) else name
