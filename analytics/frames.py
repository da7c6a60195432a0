"""Frames in, polars out: how the statistics accept tabular data and drop incomplete rows.

Notebook users bring polars or pandas; every method converts with :func:`as_polars` and
keeps the rows it can use with :func:`complete_rows`, one documented rule for the driver
models (:mod:`analytics.drivers`) and the process-change methods (:mod:`analytics.changes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import pandas as pd
import polars as pl

FrameLike: TypeAlias = pl.DataFrame | pd.DataFrame

__all__ = ["FrameLike", "as_polars", "complete_rows", "require_columns"]


def as_polars(df: FrameLike) -> pl.DataFrame:
    """A polars frame from a polars or pandas one (pandas' NaN in floats become null).

    Raises
    ------
    TypeError
        Anything else (a list, a dict, an Ibis table...).
    """
    if isinstance(df, pl.DataFrame):
        return df
    if isinstance(df, pd.DataFrame):
        return pl.from_pandas(df)
    raise TypeError(f"expected a polars or pandas DataFrame, got {type(df).__name__}")


def require_columns(df: pl.DataFrame, columns: Sequence[str]) -> None:
    """Refuse, naming them, columns that ``df`` does not have."""
    missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
    if missing:
        raise ValueError(
            f"missing column(s), not in the data: {', '.join(missing)}; "
            f"found {', '.join(df.columns)}"
        )


def complete_rows(df: FrameLike, columns: Sequence[str], *, nan_is_missing: bool) -> pl.DataFrame:
    """The named columns (each once, in order), without the rows that miss one of them.

    A row is dropped when any of ``columns`` is null (listwise deletion) and, with
    ``nan_is_missing``, when a float column holds NaN.

    Parameters
    ----------
    df : polars or pandas DataFrame.
    columns : the columns a method uses; a name given twice is kept once (a cluster may
        also be the unit of the fixed effects).
    nan_is_missing : whether NaN counts as missing too. The two capabilities differ on
        purpose, and only for polars input (pandas' NaN already became null in
        :func:`as_polars`):

        - ``True`` for the driver models: a NaN driver or outcome (a 0/0 rate) carries
          no value and would turn every correlation of the matrix into NaN.
        - ``False`` for the process-change methods, where NaN is information.
          Randomization inference reads a cell's sampling error, NaN for a cell of one
          response, as no sampling variance; dropping those cells would change the
          placebo effects. The time-series and difference-in-differences fits leave
          periods with no estimate to their caller (:mod:`analytics.changes.analysis`
          removes them), so a NaN passed to them yields NaN estimates rather than a
          silently shorter series.

    Raises
    ------
    ValueError
        A column not in the data.
    """
    frame = as_polars(df)
    names = list(dict.fromkeys(columns))
    require_columns(frame, names)
    out = frame.select(names)
    if nan_is_missing:
        floats = [c for c in names if out.schema[c].is_float()]
        out = out.with_columns(pl.col(floats).fill_nan(None))
    return out.drop_nulls()
