"""What the driver models share: the frame in, the coefficient table out.

In: the rows a model uses (listwise, :func:`analytics.frames.complete_rows`), its
columns as a float matrix (booleans 0/1), the frequency weights, and the checks and
scaling of the drivers (each must vary, none an exact combination of the others).
Out: the house coefficient table (``term, estimate, se, low, high, p``, normal-theory
Wald intervals) and its odds ratios. :mod:`analytics.drivers.ordinal` and
:mod:`analytics.drivers.logit` fit on them; :mod:`analytics.drivers.importance` reads
its raw rows through the same two functions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy import stats

from analytics.frames import FrameLike, complete_rows

# --- frames -> arrays ---------------------------------------------------------


def model_rows(df: FrameLike, columns: Sequence[str]) -> pl.DataFrame:
    """The columns a model uses, without rows missing any (null or NaN) of them.

    A column named twice is refused: an outcome among its own drivers would explain
    itself, and a driver listed twice is collinear with itself.
    """
    if len(set(columns)) != len(columns):
        raise ValueError(f"a column is named twice: {', '.join(columns)}")
    return complete_rows(df, columns, nan_is_missing=True)


def numeric_block(df: pl.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Columns as a float64 matrix; booleans become 0/1, anything else is refused."""
    for c in columns:
        dtype = df.schema[c]
        if not (dtype.is_numeric() or dtype == pl.Boolean):
            raise TypeError(f"column {c!r} is {dtype}; drivers must be numeric or boolean")
    if not columns:
        return np.empty((df.height, 0))
    return df.select(pl.col(columns).cast(pl.Float64)).to_numpy().astype(np.float64)


def check_level(level: float) -> None:
    """Refuse a confidence level outside (0, 1)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")


def frequency_weights(frame: pl.DataFrame, weights: str | None) -> np.ndarray | None:
    """The ``weights`` column as float64 counts (None without one); negatives refused."""
    if weights is None:
        return None
    w = numeric_block(frame, [weights])[:, 0]
    if (w < 0).any():
        raise ValueError(f"weights column {weights!r} has negative values")
    return w


def model_input(
    df: FrameLike, outcome: str, drivers: Sequence[str], weights: str | None, level: float
) -> tuple[pl.DataFrame, np.ndarray | None]:
    """What both models start from: the checked level and drivers, the complete rows of
    outcome, drivers and weights, and the frequency weights (None without a column)."""
    check_level(level)
    if not drivers:
        raise ValueError("at least one driver is needed")
    frame = model_rows(df, [outcome, *drivers, *([weights] if weights else [])])
    return frame, frequency_weights(frame, weights)


class Fitted:
    """What both model results share: McFadden's pseudo R-squared."""

    log_likelihood: float
    log_likelihood_null: float

    @property
    def pseudo_r2(self) -> float:
        """McFadden's pseudo R-squared, ``1 - llf / llnull``."""
        return 1.0 - self.log_likelihood / self.log_likelihood_null


def standardise(
    x: np.ndarray, w: np.ndarray | None, names: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre and scale drivers (BFGS needs a well-conditioned problem); refuse
    drivers that do not vary or that are exact linear combinations of others."""
    mean = np.average(x, axis=0, weights=w)
    sd = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=w))
    flat = [n for n, s in zip(names, sd, strict=True) if not s > 0]
    if flat:
        raise ValueError(f"drivers with no variation in these rows: {', '.join(flat)}")
    z = (x - mean) / sd
    eigval, eigvec = np.linalg.eigh(np.cov(z, rowvar=False, aweights=w).reshape(len(names), -1))
    if eigval[0] < 1e-10 * eigval[-1]:
        tied = [n for n, v in zip(names, eigvec[:, 0], strict=True) if abs(v) > 1e-6]
        raise ValueError(
            f"drivers {', '.join(tied)} are exactly collinear (e.g. both 'resolved' and "
            "'unresolved'): drop one of them"
        )
    return z, mean, sd


# --- estimates -> tables --------------------------------------------------------


def wald_table(
    terms: Sequence[str], estimate: np.ndarray, se: np.ndarray, level: float
) -> pl.DataFrame:
    """The house coefficient table: ``term, estimate, se, low, high, p`` (normal-theory)."""
    z = stats.norm.ppf(0.5 + level / 2)
    return pl.DataFrame(
        {
            "term": list(terms),
            "estimate": estimate,
            "se": se,
            "low": estimate - z * se,
            "high": estimate + z * se,
            "p": 2 * stats.norm.sf(np.abs(estimate / se)),
        },
        schema_overrides={c: pl.Float64 for c in ("estimate", "se", "low", "high", "p")},
    )


def odds_ratio_table(table: pl.DataFrame) -> pl.DataFrame:
    """Exponentiate a log-odds table: ``term, odds_ratio, low, high``."""
    return table.select(
        "term",
        pl.col("estimate").exp().alias("odds_ratio"),
        pl.col("low").exp(),
        pl.col("high").exp(),
    )
