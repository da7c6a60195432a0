"""CSV downloads for people: in the reader's language, safe to open in a spreadsheet.

Moments are written as the page shows them, to the minute (no ISO ``T`` or
microseconds); Spanish files separate cells with ``;`` and write decimals with a
comma, as a Spanish spreadsheet expects; UTF-8 with a BOM so that Excel reads the
accents; every text cell or header that a spreadsheet would run as a formula is
quoted (the ingest package's rule). :func:`formula_safe` applies the same rule to the
frames the app shows: Streamlit's own "Download as CSV" on a table writes the values
the table holds.
"""

from __future__ import annotations

import polars as pl

from analytics.i18n import MOMENT, Lang

SEPARATOR = {"en": ",", "es": ";"}


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
    from analytics.ingest import neutralise_for_export  # ingest loads only on export

    shown = localised(frame, lang).rename(headers or {})
    text = neutralise_for_export(shown).write_csv(separator=SEPARATOR[lang])
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula quoted,
    as :func:`to_csv` quotes it; the column names stay (callers look columns up)."""
    from analytics.ingest.export import neutralise_text  # ingest loads only on export

    texts = [c for c, dtype in frame.schema.items() if _is_text(dtype)]
    return frame.with_columns(neutralise_text(pl.col(c).cast(pl.String)).alias(c) for c in texts)


def _is_text(dtype: pl.DataType) -> bool:
    return dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))
