"""The state-space arithmetic behind :mod:`analytics.changes.structural`.

One structural time-series model of the (standardized) treated series, in statsmodels'
:class:`~statsmodels.tsa.statespace.structural.UnobservedComponents`::

    y_t = level_t [+ seasonal_t] + x_t' beta_t + e_t,      e_t ~ N(0, s2)
    level_{t+1} = level_t [+ slope_t] + u_t,               u_t ~ N(0, q_level s2)
    [slope_{t+1} = slope_t + w_t,                          w_t ~ N(0, q_slope s2)]

with the regression coefficients ``beta`` and a deterministic seasonal pattern in the
state vector (constant over time, exactly diffuse at the start). The post periods are
given as missing, so the Kalman filter runs over the pre period and then predicts: the
predicted state of a post period is its distribution given the pre period only.

Why not plug in maximum likelihood: on 40 pre periods the estimated level variance is
often 0 (a boundary), and the forecast intervals then ignore the drift of the level:
in simulations with a slowly drifting level, the 95% intervals of the average effect
covered the truth 87% of the time. Instead the unknowns are integrated out, as
CausalImpact does with MCMC, but on a deterministic grid (no random draws):

- ``s2`` with the reference prior ``p(s2) ~ 1/s2``: given the ratios, the predictive
  distribution of the post period is then exactly multivariate Student t with ``df`` =
  measured pre periods after the diffuse start, and scale ``S / df`` times the filter's
  covariance (``S`` the sum of squared standardized one-step errors);
- ``beta``, the seasonal pattern and the initial level by the exact diffuse
  initialization (flat priors), so their uncertainty is in every interval;
- the ratio ``sqrt(q_level)`` (level step over noise, in standard deviations) on a grid
  of 20 points log-uniform over [0.01, 10]; for the local linear trend, 10 x 6 points
  with ``sqrt(q_slope)`` over [0.001, 1]. Each point is weighted by its marginal
  likelihood (the diffuse likelihood with ``s2`` integrated out). The grid's upper end
  hardly matters: as the ratio grows the model tends to a random walk plus a vanishing
  noise, whose predictions no longer change (the data of a random walk give similar
  weights to 3, 6 and 8). Its lower end does: 0.01 is a level that moves by a tenth of
  the noise over a hundred periods; log-uniform keeps stable series from looking more
  uncertain than they are (a uniform prior on the ratio doubled the intervals and
  covered 100%).

With a fixed level there is no ratio and the model is a linear regression: the
predictions, their intervals and the average's interval are then the textbook OLS
prediction intervals with t(n - k) quantiles (the tests check this).

The joint covariance of the post predictions is analytic: ``Cov(y_s, y_t) = Z_s T^(s-t)
P_t Z_t'`` for ``s > t`` (``P_t`` the predicted state covariance, ``Z`` the design with
the controls, ``T`` the transition), plus the noise variance on the diagonal.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import special, stats
from statsmodels.tsa.statespace.structural import UnobservedComponents

ALPHA = 0.05
Trend = Literal["local_level", "local_linear_trend", "fixed_level"]
SPECS: dict[str, str] = {
    "local_level": "local level",
    "local_linear_trend": "local linear trend",
    "fixed_level": "deterministic constant",
}
LEVEL_RATIOS = (0.01, 10.0)
SLOPE_RATIOS = (0.001, 1.0)
# Grid points per ratio: (level, slope).
GRID_POINTS: dict[str, tuple[int, int]] = {
    "local_level": (20, 0),
    "local_linear_trend": (10, 6),
    "fixed_level": (0, 0),
}
# Mixture components lighter than this are left out of quantiles (no visible change).
TINY_WEIGHT = 1e-12
# Mean squared standardized one-step error below which the fit is exact (data in units
# of its standard deviation).
EXACT_FIT = 1e-20


@dataclass(frozen=True)
class Posterior:
    """The predictive distribution as a mixture over the grid's K points.

    ``weights`` (K,). ``loc`` and ``scale`` (K, n): each period's prediction (one-step
    ahead before the change, from the pre period only after it) and its t scale; NaN
    scale during the diffuse start. ``run_var`` (K, m): the squared t scale of the
    running sum of the post predictions over the measured post periods (from the joint
    covariance of the m predictions). ``coefficients`` (K, k): the regression coefficients given
    the pre period. ``df``: the t degrees of freedom.
    """

    weights: np.ndarray
    loc: np.ndarray
    scale: np.ndarray
    run_var: np.ndarray
    coefficients: np.ndarray
    df: int
    n_diffuse: int


def n_states(trend: Trend, period: int | None, n_controls: int) -> int:
    """How many states start diffuse: level (and slope), seasonal, coefficients."""
    return (2 if trend == "local_linear_trend" else 1) + (period - 1 if period else 0) + n_controls


def posterior(
    y: np.ndarray,
    x: np.ndarray | None,
    n_pre: int,
    measured: np.ndarray,
    trend: Trend,
    period: int | None,
) -> Posterior:
    """Filter ``y`` (NaN after ``n_pre`` and where not measured) at every grid point.

    ``x`` is the (n, k) matrix of controls, or None; both should be standardized.
    ``measured`` (m,) says which post periods have an observed value.
    """
    model = UnobservedComponents(
        y,
        level=SPECS[trend],
        exog=x,
        seasonal=period,
        stochastic_seasonal=False,
        mle_regression=False,
        use_exact_diffuse=True,
    )
    grid, log_prior = _grid(trend)
    k_exog = 0 if x is None else x.shape[1]
    mask = measured.astype(float)
    terms = [_term(model, np.concatenate([[1.0], g]), n_pre, k_exog, mask) for g in grid]
    log_ml = np.array([t[0] for t in terms]) + log_prior
    weights = np.exp(log_ml - log_ml.max())
    weights /= weights.sum()
    return Posterior(
        weights=weights,
        loc=np.stack([t[1] for t in terms]),
        scale=np.stack([t[2] for t in terms]),
        run_var=np.stack([t[3] for t in terms]),
        coefficients=np.stack([t[4] for t in terms]),
        df=terms[0][5],
        n_diffuse=terms[0][6],
    )


def _grid(trend: Trend) -> tuple[list[np.ndarray], np.ndarray]:
    """Variance ratios (q_level[, q_slope]) of each grid point and their log prior
    weights: midpoints of a log-uniform prior on the standard-deviation ratios."""
    n_level, n_slope = GRID_POINTS[trend]
    if not n_level:
        return [np.array([])], np.zeros(1)
    level = _log_midpoints(*LEVEL_RATIOS, n_level) ** 2
    if not n_slope:
        return [np.array([q]) for q in level], np.zeros(n_level)
    slope = _log_midpoints(*SLOPE_RATIOS, n_slope) ** 2
    points = [np.array([ql, qs]) for ql in level for qs in slope]
    return points, np.zeros(len(points))


def _log_midpoints(low: float, high: float, n: int) -> np.ndarray:
    u = (np.arange(n) + 0.5) / n
    return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))


def _term(
    model: UnobservedComponents, params: np.ndarray, n_pre: int, k_exog: int, mask: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """One grid point: log marginal likelihood, predictions, their scales, the squared
    scales of their running sum over measured post periods, the coefficients given the
    pre period, df and diffuse periods."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' notes on the diffuse start
        model.update(params)
        res = model.ssm.filter()
    d = int(res.nobs_diffuse)
    err = res.forecasts_error[0, d:n_pre]
    var = res.forecasts_error_cov[0, 0, d:n_pre]
    seen = np.isfinite(err)
    df = int(seen.sum())
    ssq = float(np.sum(err[seen] ** 2 / var[seen]))
    if ssq <= EXACT_FIT * df:
        raise ValueError(
            "the controls reproduce the value exactly before the change: there is no noise "
            "left to measure the uncertainty of the counterfactual"
        )
    log_ml = -0.5 * float(np.sum(np.log(var[seen]))) - 0.5 * df * np.log(ssq)
    s2 = ssq / df
    loc = np.asarray(res.forecasts[0], dtype=float).copy()
    scale = np.sqrt(np.asarray(res.forecasts_error_cov[0, 0], dtype=float) * s2)
    scale[:d] = np.nan
    # Variance of the running sum over measured periods: the diagonal of the double
    # cumulative sum of their covariance.
    cov = _post_cov(res, n_pre) * np.outer(mask, mask)
    run_var = np.diagonal(np.cumsum(np.cumsum(cov, axis=0), axis=1)) * s2
    beta = np.asarray(res.predicted_state[-k_exog:, n_pre] if k_exog else np.zeros(0), float)
    return log_ml, loc, scale, run_var, beta.copy(), df, d


def _post_cov(res: Any, n_pre: int) -> np.ndarray:
    """Joint covariance of the post-period observations given the pre period (unit s2)."""
    design = np.asarray(res.design)[0]
    nobs = int(res.nobs)
    m = nobs - n_pre
    z = design[:, n_pre:nobs] if design.shape[1] > 1 else np.repeat(design, m, axis=1)
    p = np.asarray(res.predicted_state_cov)[:, :, n_pre:nobs]
    t = np.asarray(res.transition)[:, :, 0]
    h = float(np.asarray(res.obs_cov)[0, 0, 0])
    g = np.einsum("abi,bi->ai", p, z)  # P_t Z_t' for each post period t
    cov = np.zeros((m, m))
    cov[np.arange(m), np.arange(m)] = np.einsum("ai,ai->i", z, g) + h
    for lag in range(1, m):
        g = t @ g[:, :-1]
        c = np.einsum("ai,ai->i", z[:, lag:], g)
        idx = np.arange(m - lag)
        cov[idx + lag, idx] = c
        cov[idx, idx + lag] = c
    return cov


def mixture_quantiles(
    weights: np.ndarray, loc: np.ndarray, scale: np.ndarray, df: int, prob: float
) -> np.ndarray:
    """Quantile ``prob`` of each column's mixture of t(df) laws (loc, scale: (K, n)).

    Bisection between the smallest and largest of the components' own quantiles (the
    mixture's lies between them), to a millionth of the smallest scale; components of
    negligible weight are left out.
    """
    keep = weights > TINY_WEIGHT
    w, loc, scale = weights[keep, None], loc[keep], scale[keep]
    own = loc + float(stats.t.ppf(prob, df)) * scale
    lo, hi = own.min(axis=0), own.max(axis=0)
    tol = 1e-6 * scale.min(axis=0)
    for _ in range(60):
        if np.all(hi - lo <= tol):
            break
        mid = (lo + hi) / 2
        below = np.sum(w * special.stdtr(df, (mid - loc) / scale), axis=0) < prob
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def mixture_cdf(
    weights: np.ndarray, loc: np.ndarray, scale: np.ndarray, df: int, at: float
) -> float:
    """P(X <= at) for one mixture of t(df) laws (loc, scale: (K,))."""
    return float(np.sum(weights * special.stdtr(df, (at - loc) / scale)))


def mixture_sd(weights: np.ndarray, loc: np.ndarray, scale: np.ndarray, df: int) -> np.ndarray:
    """Standard deviation of each column's mixture (t variance: scale^2 df / (df - 2))."""
    w = weights[:, None] if loc.ndim == 2 else weights
    mean = np.sum(w * loc, axis=0)
    second = np.sum(w * (scale**2 * df / (df - 2) + loc**2), axis=0)
    return np.sqrt(np.maximum(second - mean**2, 0.0))


def effects(
    post: Posterior, loc: np.ndarray, run_var: np.ndarray, observed: np.ndarray
) -> tuple[pl.DataFrame, dict[str, np.ndarray]]:
    """The table and the cumulative effect per post period (over measured periods).

    ``loc`` (K, m) are the post predictions and ``run_var`` (K, m) the squared scales of
    their running sum, in the data's units.
    """
    seen = np.isfinite(observed)
    mask = seen.astype(float)
    run_loc = np.cumsum(loc * mask, axis=1)
    run_scale = np.sqrt(run_var)
    run_obs = np.cumsum(np.where(seen, observed, 0.0))
    w, nu = post.weights, post.df
    # Before the first measured post period there is nothing to add up.
    on = np.cumsum(mask) > 0
    low, high, se = (np.full(len(observed), np.nan) for _ in range(3))
    low[on] = run_obs[on] - mixture_quantiles(
        w, run_loc[:, on], run_scale[:, on], nu, 1 - ALPHA / 2
    )
    high[on] = run_obs[on] - mixture_quantiles(w, run_loc[:, on], run_scale[:, on], nu, ALPHA / 2)
    se[on] = mixture_sd(w, run_loc[:, on], run_scale[:, on], nu)
    estimate = np.where(on, run_obs - w @ run_loc, np.nan)
    below = mixture_cdf(w, run_loc[:, -1], run_scale[:, -1], nu, float(run_obs[-1]))
    p = min(1.0, 2 * min(below, 1 - below))
    n = int(seen.sum())
    table = pl.DataFrame(
        {
            "term": ["average_effect", "cumulative_effect"],
            "estimate": [estimate[-1] / n, estimate[-1]],
            "se": [se[-1] / n, se[-1]],
            "low": [low[-1] / n, low[-1]],
            "high": [high[-1] / n, high[-1]],
            "p": [p, p],
        }
    )
    return table, {"cumulative": estimate, "cumulative_low": low, "cumulative_high": high}
