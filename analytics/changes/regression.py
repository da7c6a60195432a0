"""Least squares for the process-change methods: the time regressor, fits, covariances, tables.

The interrupted time series (:mod:`analytics.changes.its`) and the
difference-in-differences with its event study (:mod:`analytics.changes.did`) are
regressions of a metric on a small design. They share:

- :func:`period_index`: the time regressor, periods counted from the first (0, 1, ...)
  with the change's side;
- :func:`fit`: OLS or WLS (statsmodels) with one of three covariances, always with t
  inference:

  - classical, ``s2 (X'X)^-1``, so that textbook tables reproduce;
  - Newey-West (HAC, Bartlett kernel) for a series whose errors are autocorrelated,
    scaled by n / (n - k) as Stata's ``newey`` does, with t(n - k);
  - cluster-robust CR1 for errors correlated within the units a change was assigned
    to: statsmodels' ``cov_type="cluster"``, the same small-sample factor
    G / (G - 1) * (n - 1) / (n - k) as Stata's ``vce(cluster)``, with t(G - 1);

- :func:`coefficient_table` and :func:`linear_combination`: estimates with 95%
  intervals and p-values in the house table ``term, estimate, se, low, high, p``;
- :func:`widened_table` and :func:`widened`: the same inference with a larger standard
  error, for a method that distrusts the fit's own (ITS on short series).

References
----------
Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
    and autocorrelation consistent covariance matrix. Econometrica 55(3), 703-708.
Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. Journal of Human Resources 50(2), 317-372.
StataCorp. Stata Base Reference Manual: ``newey``; ``regress``, ``vce(cluster)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
import statsmodels.api as sm
from scipy import stats

from analytics.compare import Difference

TimePoint = int | float | dt.date | dt.datetime
TABLE_SCHEMA = {
    "term": pl.String,
    "estimate": pl.Float64,
    "se": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "p": pl.Float64,
}


def period_index(
    times: pl.Series, change_at: TimePoint, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Periods since the first one (0, 1, ...) and whether each is on/after the change.

    Parameters
    ----------
    times : the period of each row: numbers (a year) or dates (a week's or month's start).
    change_at : first moment of the change: a number for numbers, a date for dates.
    what : names the rows in error messages ("periods").

    Returns
    -------
    t, post : float periods since the first, and a boolean array, per row.

    Raises
    ------
    ValueError
        A change before the first or after the last period, or in the future; uneven
        spacing; a change of the wrong type for the column.

    Notes
    -----
    Integers and floats count in their own step (years: 1); dates that all fall on the
    first of a month count months (so 28-31 day months are one period each); other
    dates count in the smallest gap between them (7 days for weekly buckets). Gaps in
    the series keep their length.
    """
    x, c = _numeric_time(times, change_at)
    first, last = float(np.min(x)), float(np.max(x))
    span = f"{times.min()!s} to {times.max()!s}"
    if c <= first:
        raise ValueError(
            f"the change ({change_at}) is on or before the first of the {what} ({span}); "
            "there is nothing before it to compare with"
        )
    if c > last:
        raise ValueError(
            f"the change ({change_at}) is after the last of the {what} ({span}); "
            "there is nothing after it yet"
        )
    steps = np.diff(np.unique(x))
    step = float(steps.min()) if steps.size else 1.0
    t = (x - first) / step
    if not np.allclose(t, np.round(t)):
        raise ValueError(f"the {what} are not evenly spaced (step {step:g} does not divide gaps)")
    return np.round(t), x >= c


def _numeric_time(times: pl.Series, change_at: TimePoint) -> tuple[np.ndarray, float]:
    if times.dtype.is_numeric():
        if not isinstance(change_at, int | float) or isinstance(change_at, bool):
            raise ValueError(
                f"change_at must be a number for a numeric time column; got {change_at!r}"
            )
        return times.to_numpy().astype(float), float(change_at)
    if times.dtype not in (pl.Date,) and not isinstance(times.dtype, pl.Datetime):
        raise ValueError(f"time column must hold numbers or dates; got {times.dtype}")
    if not isinstance(change_at, dt.date):
        raise ValueError(f"change_at must be a date for a date column; got {change_at!r}")
    day = change_at.date() if isinstance(change_at, dt.datetime) else change_at
    if day > dt.date.today():
        raise ValueError(f"the change date {day} is in the future; there is no data after it yet")
    dates = times.cast(pl.Date)
    if (dates.dt.day() == 1).all() and dates.n_unique() > 1:
        months = (dates.dt.year() * 12 + dates.dt.month() - 1).to_numpy().astype(float)
        # A change in mid-month starts with the following monthly bucket.
        return months, day.year * 12 + day.month - 1 + (0.5 if day.day > 1 else 0.0)
    return dates.cast(pl.Int32).to_numpy().astype(float), float((day - dt.date(1970, 1, 1)).days)


def fit(
    y: np.ndarray,
    x: np.ndarray,
    names: Sequence[str],
    weights: np.ndarray | None = None,
    *,
    hac_lags: int | None = None,
    clusters: np.ndarray | None = None,
) -> Any:
    """OLS (WLS with ``weights``) with t inference; refuses a singular design.

    Parameters
    ----------
    y : outcome, one per row.
    x : design matrix (an intercept column included by the caller).
    names : the columns' terms, for error messages.
    weights : optional analytic weights (responses per period or cell).
    hac_lags : Newey-West errors with this maximum lag, scaled by n / (n - k) as
        Stata's ``newey``; t(n - k) inference.
    clusters : integer cluster code per row: CR1 cluster-robust errors (statsmodels'
        default correction, as Stata's ``vce(cluster)``); t(G - 1) inference.
        Neither: classical errors, t(n - k).

    Returns
    -------
    statsmodels ``RegressionResults``.

    Raises
    ------
    ValueError
        Collinear terms, no more rows than terms, or both covariances asked for.

    References
    ----------
    Newey and West (1987); Cameron and Miller (2015).
    """
    if hac_lags is not None and clusters is not None:
        raise ValueError("choose Newey-West or cluster-robust errors, not both")
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError(
            f"the model cannot be estimated: its terms ({', '.join(names)}) are collinear"
        )
    if x.shape[0] <= x.shape[1]:
        raise ValueError(f"{x.shape[0]} rows are too few for {x.shape[1]} model terms")
    model = sm.WLS(y, x, weights=weights) if weights is not None else sm.OLS(y, x)
    if hac_lags is not None:
        kwds = {"maxlags": hac_lags, "use_correction": True}  # Stata newey: n / (n - k)
        return model.fit(cov_type="HAC", cov_kwds=kwds, use_t=True)
    if clusters is not None:
        return model.fit(cov_type="cluster", cov_kwds={"groups": clusters}, use_t=True)
    return model.fit(cov_type="nonrobust", cov_kwds=None, use_t=True)


def cluster_codes(column: pl.Series) -> tuple[np.ndarray, int]:
    """Codes 1..G of a cluster column (for :func:`fit`) and the number of clusters G.

    Raises
    ------
    ValueError
        Fewer than 2 clusters: a cluster-robust covariance needs at least two.
    """
    codes = column.rank("dense").cast(pl.Int64).to_numpy()
    n_groups = int(codes.max())
    if n_groups < 2:
        raise ValueError(
            f"cluster-robust errors need at least 2 clusters in {column.name!r}; found 1"
        )
    return codes, n_groups


def inference_df(res: Any) -> float:
    """Degrees of freedom of a fit's t tests: G - 1 with clusters, else n - k."""
    return float(getattr(res, "df_resid_inference", None) or res.df_resid)


def coefficient_table(res: Any, names: Sequence[str]) -> pl.DataFrame:
    """The house table ``term, estimate, se, low, high, p`` (95% t intervals) of the
    first ``len(names)`` coefficients of a fit."""
    ci = np.asarray(res.conf_int(alpha=0.05))
    k = len(names)
    return pl.DataFrame(
        {
            "term": list(names),
            "estimate": np.asarray(res.params)[:k],
            "se": np.asarray(res.bse)[:k],
            "low": ci[:k, 0],
            "high": ci[:k, 1],
            "p": np.asarray(res.pvalues)[:k],
        },
        schema=TABLE_SCHEMA,
    )


def linear_combination(res: Any, weights: Sequence[float] | np.ndarray) -> Difference:
    """``c'b`` for the leading coefficients' ``weights`` (the rest 0), with the fit's
    covariance: its 95% t interval and two-sided p-value."""
    c = np.zeros(len(res.params))
    c[: len(weights)] = weights
    tt = res.t_test(c)
    low, high = np.asarray(tt.conf_int(alpha=0.05)).ravel()
    return Difference(
        float(np.squeeze(tt.effect)),
        float(low),
        float(high),
        float(np.squeeze(tt.sd)),
        float(np.squeeze(tt.pvalue)),
    )


def widened_table(table: pl.DataFrame, se: np.ndarray, df: float) -> pl.DataFrame:
    """The coefficient table with each standard error the larger of its own and ``se``,
    intervals and p-values from t(``df``)."""
    est = table["estimate"].to_numpy()
    wider, low, high, p = _widened(est, np.maximum(table["se"].to_numpy(), se), df)
    return table.with_columns(
        se=pl.Series(wider), low=pl.Series(low), high=pl.Series(high), p=pl.Series(p)
    )


def widened(d: Difference, se: float, df: float) -> Difference:
    """``d`` with the larger of its standard error and ``se``, and t(df) inference."""
    wider, low, high, p = (float(v[0]) for v in _widened(np.array([d.estimate]), max(d.se, se), df))
    return Difference(d.estimate, low, high, wider, p)


def _widened(est: np.ndarray, se: Any, df: float) -> tuple[np.ndarray, ...]:
    se = np.broadcast_to(np.asarray(se, dtype=float), est.shape)
    half = stats.t.isf(0.025, df) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * stats.t.sf(np.abs(est) / se, df), np.nan)
    return se, est - half, est + half, p
