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

The least-squares machinery (the period index, fits, Newey-West errors, coefficient
tables) is :mod:`analytics.changes.regression`, shared with difference-in-differences.

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

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from analytics.changes.power import mde_from_se
from analytics.changes.regression import (
    TimePoint,
    coefficient_table,
    fit,
    linear_combination,
    period_index,
    widened,
    widened_table,
)
from analytics.compare import Difference
from analytics.frames import complete_rows

Term = Literal["intercept", "pre_slope", "level_change", "slope_change"]
Errors = Literal["newey_west", "small_sample"]
TERMS: tuple[Term, ...] = ("intercept", "pre_slope", "level_change", "slope_change")
# Below this many periods on either side the segment slopes are not estimable with any
# residual degrees of freedom to spare; Wagner et al. (2002) recommend 12 per side.
MIN_PERIODS = 3
RECOMMENDED_PERIODS = 12


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
    data = _series(df, time, value, weight)
    t, post = period_index(data[time], change_at, "periods")
    _check_sides(post)
    if not 0 <= hac_lags < len(t):
        raise ValueError(f"hac_lags must be between 0 and {len(t) - 1}; got {hac_lags}")
    t_c = float(t[post].min())
    x = np.column_stack([np.ones_like(t), t, post, post * (t - t_c)])
    w = data[weight].to_numpy().astype(float) if weight else None
    res = fit(data[value].to_numpy().astype(float), x, TERMS, w, hac_lags=hac_lags)
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


def _lag1(e: np.ndarray) -> float:
    denom = float(e @ e)
    return float(e[1:] @ e[:-1]) / denom if denom > 0 else float("nan")


def _series(df: Any, time: str, value: str, weight: str | None) -> pl.DataFrame:
    cols = [time, value, *([weight] if weight else [])]
    data = complete_rows(df, cols, nan_is_missing=False).sort(time)
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
