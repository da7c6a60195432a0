"""CSV downloads for people: in the reader's language, safe to open in a spreadsheet.

Moments are written as the page shows them, to the minute (no ISO ``T`` or
microseconds); Spanish files separate cells with ``;`` and write decimals with a
comma, as a Spanish spreadsheet expects; UTF-8 with a BOM so that Excel reads the
accents; every text cell or header that a spreadsheet would run as a formula is
quoted (OWASP "CSV injection": :func:`neutralise_for_export`, which the ingest package
applies to its own exports). :func:`formula_safe` applies the same rule to the frames
the app shows: Streamlit's own "Download as CSV" on a table writes the values the table
holds. The rule lives here, not in ``analytics.ingest``, so that a page showing a
table does not import the ingest package (pyarrow.dataset, openpyxl: ~0.2 s of a cold
start).
"""

from __future__ import annotations

import polars as pl

from analytics.i18n import MOMENT, Lang

SEPARATOR = {"en": ",", "es": ";"}

# A cell starting with one of these runs as a formula in Excel/LibreOffice/Sheets when
# the export is opened; a leading single quote makes it plain text.
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


def localised(frame: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """Datetimes, dates and decimals as text in the reader's format."""
    cols = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Datetime:
            cols.append(col.dt.strftime(MOMENT[lang]))
        elif dtype == pl.Date:
            cols.append(col.dt.strftime(MOMENT[lang].split(" ")[0]))
        elif dtype.is_float() and lang == "es":
            cols.append(col.cast(pl.String).str.replace(".", ",", literal=True))
    return frame.with_columns(cols)


def to_csv(frame: pl.DataFrame, lang: Lang, headers: dict[str, str] | None = None) -> bytes:
    """``frame`` as a CSV file's bytes; ``headers`` renames columns (translated names)."""
    shown = localised(frame, lang).rename(headers or {})
    text = neutralise_for_export(shown).write_csv(separator=SEPARATOR[lang])
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula quoted,
    as :func:`to_csv` quotes it; the column names stay (callers look columns up)."""
    texts = [c for c, dtype in frame.schema.items() if _is_text(dtype)]
    return frame.with_columns(neutralise_text(pl.col(c).cast(pl.String)).alias(c) for c in texts)


def _is_text(dtype: pl.DataType) -> bool:
    return dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))
