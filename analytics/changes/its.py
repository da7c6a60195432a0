"""Interrupted time series: segmented regression on a period series.

The model is Linden's (2015) single-group ``itsa``::

    value_t = b0 + b1 * t + b2 * post_t + b3 * post_t * (t - t_c) + e_t

with ``t`` the number of periods since the first one (0, 1, 2, ...), ``post`` 1 from
the first period on or after the change, and ``t_c`` that period's ``t``. So ``b0`` is
the level at the first period, ``b1`` the trend before the change, ``b2`` the jump in
the first period after it (against the extended pre-trend) and ``b3`` the change in
trend. Errors are Newey-West (HAC, Bartlett kernel) scaled by n / (n - k) as Stata's
``newey`` does, with t(n - k) inference.

On short series Newey-West errors are too small: on 8 + 8 weekly periods of the demo
data, placebo changes on untouched queues came out significant at 5% in 15% of cases
(with 2 or 4 lags, 20% and 26%): the fitted residuals of a short series are negatively
autocorrelated, which the kernel turns into a *smaller* variance. ``small_sample=True``
(what the app uses) keeps the estimates and widens each standard error to the larger
of Newey-West and the error under AR(1) residuals whose lag-1 autocorrelation is
corrected for its small-sample bias (see :func:`ar1_covariance`): 3-4% false positives
on the same placebos (``bench/bench_changes.py --placebo``), 7-10% with AR(1) noise of
rho = 0.3 on 16 periods (Newey-West: 20-23%).

The helpers :func:`as_polars`, :func:`period_index` and :func:`coefficient_table` are
shared with the difference-in-differences module.

References
----------
Wagner, A. K., Soumerai, S. B., Zhang, F. and Ross-Degnan, D. (2002). Segmented
    regression analysis of interrupted time series studies in medication use research.
    Journal of Clinical Pharmacy and Therapeutics 27, 299-309.
Linden, A. (2015). Conducting interrupted time-series analysis for single- and
    multiple-group comparisons. The Stata Journal 15(2), 480-500.
Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
    and autocorrelation consistent covariance matrix. Econometrica 55(3), 703-708.
Kendall, M. G. (1954). Note on bias in the estimation of autocorrelation. Biometrika
    41(3/4), 403-404.
Turner, S. L., Forbes, A. B., Karahalios, A., Taljaard, M. and McKenzie, J. E. (2021).
    Evaluation of statistical methods used in the analysis of interrupted time series
    studies: a simulation study. BMC Medical Research Methodology 21, 181.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl
import statsmodels.api as sm
from scipy import stats

from analytics.changes.power import mde_from_se
from analytics.compare import Difference

Term = Literal["intercept", "pre_slope", "level_change", "slope_change"]
Errors = Literal["newey_west", "small_sample"]
TERMS: tuple[Term, ...] = ("intercept", "pre_slope", "level_change", "slope_change")
TimePoint = int | float | dt.date | dt.datetime
# Below this many periods on either side the segment slopes are not estimable with any
# residual degrees of freedom to spare; Wagner et al. (2002) recommend 12 per side.
MIN_PERIODS = 3
RECOMMENDED_PERIODS = 12
TABLE_SCHEMA = {
    "term": pl.String,
    "estimate": pl.Float64,
    "se": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "p": pl.Float64,
}


@dataclass(frozen=True, eq=False)
class ITSResult:
    """Segmented regression estimates, the fitted lines and the series' size.

    ``table`` has the terms ``intercept, pre_slope, level_change, slope_change``.
    ``fit`` has one row per period: ``time, t, post, observed, fitted, counterfactual``
    (the pre-trend extended over all periods; equal to ``fitted`` before the change).
    ``effect`` is the average gap between the post-change fit and the counterfactual
    over the post periods (``level_change + slope_change * mean(t - t_c)``).
    ``residual_autocorrelation`` is the lag-1 autocorrelation of the residuals: well
    above 0.1-0.2, one Newey-West lag understates the errors (consider more lags).
    ``errors`` says how the standard errors were computed (see ``small_sample`` in
    :func:`interrupted_time_series`); ``ar1_rho`` is the bias-corrected residual
    autocorrelation the small-sample errors assumed (NaN with plain Newey-West).
    """

    table: pl.DataFrame
    fit: pl.DataFrame
    effect: Difference
    n_before: int
    n_after: int
    hac_lags: int
    weighted: bool
    df: float
    residual_autocorrelation: float
    errors: Errors = "newey_west"
    ar1_rho: float = float("nan")

    @property
    def mde(self) -> float:
        """Smallest average effect this series detects with 80% power (5%, two-sided)."""
        return mde_from_se(self.effect.se, self.df)

    @property
    def short_series(self) -> bool:
        """Fewer periods on a side than Wagner et al. (2002) recommend (12)."""
        return min(self.n_before, self.n_after) < RECOMMENDED_PERIODS


def interrupted_time_series(
    df: Any,
    time: str,
    value: str,
    change_at: TimePoint,
    weight: str | None = None,
    hac_lags: int = 1,
    *,
    small_sample: bool = False,
) -> ITSResult:
    """Segmented regression of a period series around a change, Newey-West errors.

    Parameters
    ----------
    df : polars or pandas DataFrame, one row per period (rows with a null value dropped).
    time : column with the period (integer such as a year, or a date: weekly, monthly...).
    value : column with the period's metric (NPS, CSAT %, mean CES...).
    change_at : first moment of the change; periods at or after it are "after".
    weight : optional column of responses per period; the fit is then weighted (WLS).
    hac_lags : maximum lag of the Newey-West (Bartlett) covariance.
    small_sample : widen each standard error to the larger of Newey-West and the AR(1)
        error of :func:`ar1_covariance` (same estimates, t(n - k) inference). Newey-West
        alone over-rejects on short series (the module docstring has the figures).

    Returns
    -------
    ITSResult

    Raises
    ------
    ValueError
        Too few periods on either side, change outside the data or in the future,
        duplicate periods, uneven spacing, negative weights.

    References
    ----------
    Linden (2015), Stata Journal 15(2); Wagner et al. (2002); Newey and West (1987);
    Turner et al. (2021) on the small-sample behaviour of these errors.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"year": range(2000, 2010), "y": [5.0, 6, 7, 8, 9, 20, 22, 24, 26, 28]})
    >>> res = interrupted_time_series(df, "year", "y", 2005)
    >>> [round(v, 6) for v in res.table["estimate"]]
    [5.0, 1.0, 10.0, 1.0]
    """
    data = _series(as_polars(df), time, value, weight)
    t, post = period_index(data[time], change_at, "periods")
    _check_sides(post)
    if not 0 <= hac_lags < len(t):
        raise ValueError(f"hac_lags must be between 0 and {len(t) - 1}; got {hac_lags}")
    t_c = float(t[post].min())
    x = np.column_stack([np.ones_like(t), t, post, post * (t - t_c)])
    w = data[weight].to_numpy().astype(float) if weight else None
    res = fit(data[value].to_numpy().astype(float), x, TERMS, w, "HAC", {"maxlags": hac_lags})
    b = res.params
    counterfactual = b[0] + b[1] * t
    frame = pl.DataFrame({"time": data[time], "t": t, "post": post.astype(bool)}).with_columns(
        observed=data[value].cast(pl.Float64),
        fitted=pl.Series(res.fittedvalues),
        counterfactual=pl.Series(counterfactual),
    )
    c = np.array([0.0, 0.0, 1.0, float(np.mean(t[post] - t_c))])
    table, effect = coefficient_table(res, TERMS), linear_combination(res, c)
    rho = float("nan")
    if small_sample:
        ar1, rho = ar1_covariance(res.model.wexog, np.asarray(res.wresid), t)
        table = widened_table(table, np.sqrt(np.diag(ar1)), res.df_resid)
        effect = widened(effect, float(np.sqrt(c @ ar1 @ c)), res.df_resid)
    return ITSResult(
        table,
        frame,
        effect,
        int((~post).sum()),
        int(post.sum()),
        hac_lags,
        weight is not None,
        float(res.df_resid),
        _lag1(np.asarray(res.resid)),
        "small_sample" if small_sample else "newey_west",
        rho,
    )


def ar1_covariance(x: np.ndarray, e: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, float]:
    """Covariance of least-squares coefficients if the errors follow an AR(1) process.

    ``x`` is the (weighted) design, ``e`` its residuals, ``t`` the periods (a gap, such
    as a left-out ramp-up, keeps its length: errors k periods apart correlate by
    ``rho^k``). The lag-1
    autocorrelation of the residuals is biased down on short series (Kendall 1954:
    by about (1 + 3 rho) / n for a mean alone; a fitted segmented regression adds
    about k / n: on i.i.d. 16-period series its mean is -0.31, and (1 + k) / n = 0.31).
    So ``rho = r1 + (1 + k + 3 max(r1, 0)) / n``, kept within [0, 0.95]: negative
    autocorrelation is never used to make an interval narrower. With correlation
    matrix ``R`` (``rho^|t_i - t_j|``) the covariance is the sandwich
    ``s2 (X'X)^-1 X'R X (X'X)^-1`` and ``s2 = e'e / tr(M R)`` (``M`` the residual
    maker) is unbiased for the innovations' variance; with ``rho = 0`` this is the
    classical covariance.

    Returns the covariance and the ``rho`` used.
    """
    n, k = x.shape
    ee = float(e @ e)
    r1 = float(e[1:] @ e[:-1]) / ee if ee > 0 else 0.0
    rho = min(max(r1 + (1 + k + 3 * max(r1, 0.0)) / n, 0.0), 0.95)
    r = rho ** np.abs(np.subtract.outer(t, t))
    bread = np.linalg.inv(x.T @ x)
    resid_maker = np.eye(n) - x @ bread @ x.T
    s2 = ee / float(np.trace(resid_maker @ r))
    return s2 * bread @ x.T @ r @ x @ bread, rho


def widened_table(table: pl.DataFrame, se: np.ndarray, df: float) -> pl.DataFrame:
    """The coefficient table with each standard error the larger of its own and ``se``."""
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


def _lag1(e: np.ndarray) -> float:
    denom = float(e @ e)
    return float(e[1:] @ e[:-1]) / denom if denom > 0 else float("nan")


def as_polars(df: Any) -> pl.DataFrame:
    """Accept polars or pandas (notebook users bring either)."""
    return df if isinstance(df, pl.DataFrame) else pl.from_pandas(df)


def require_columns(df: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(missing)}; found {', '.join(df.columns)}")


def _series(df: pl.DataFrame, time: str, value: str, weight: str | None) -> pl.DataFrame:
    cols = [time, value, *([weight] if weight else [])]
    require_columns(df, cols)
    data = df.select(cols).drop_nulls().sort(time)
    if data[time].is_duplicated().any():
        raise ValueError(f"one row per period expected; {time!r} has duplicate periods")
    if weight:
        if (data[weight] < 0).any():
            raise ValueError(f"weights in {weight!r} must not be negative")
        # A period with no responses carries no information about the level.
        data = data.filter(pl.col(weight) > 0)
    return data


def _check_sides(post: np.ndarray) -> None:
    for side, n in (("before", int((~post).sum())), ("after", int(post.sum()))):
        if n < MIN_PERIODS:
            raise ValueError(
                f"interrupted time series needs at least {MIN_PERIODS} periods {side} the "
                f"change; found {n}"
            )


def period_index(
    times: pl.Series, change_at: TimePoint, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Periods since the first one (0, 1, ...) and whether each is on/after the change.

    Integers and floats count in their own step (years: 1); dates that all fall on the
    first of a month count months (so 28-31 day months are one period each); other
    dates count in the smallest gap between them (7 days for weekly buckets). Gaps in
    the series keep their length. ``what`` names the rows in error messages.
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
    weights: np.ndarray | None,
    cov_type: str,
    cov_kwds: dict[str, Any] | None,
) -> Any:
    """OLS / WLS with the requested covariance and t inference; refuses a singular design."""
    rank = np.linalg.matrix_rank(x)
    if rank < x.shape[1]:
        raise ValueError(
            f"the model cannot be estimated: its terms ({', '.join(names)}) are collinear"
        )
    if x.shape[0] <= x.shape[1]:
        raise ValueError(f"{x.shape[0]} rows are too few for {x.shape[1]} model terms")
    model = sm.WLS(y, x, weights=weights) if weights is not None else sm.OLS(y, x)
    if cov_type == "HAC":
        cov_kwds = {**(cov_kwds or {}), "use_correction": True}  # Stata newey: n / (n - k)
    return model.fit(cov_type=cov_type, cov_kwds=cov_kwds, use_t=True)


def coefficient_table(res: Any, names: Sequence[str]) -> pl.DataFrame:
    """The house table ``term, estimate, se, low, high, p`` (95% intervals)."""
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
    """A linear combination of the coefficients with its interval and p-value."""
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
