"""Regression models for satisfaction drivers: ordinal logit and binary logit.

The signed, tested side of driver analysis: how each driver moves the odds of a
better CSAT score, of being a promoter, of a top-2-box answer. Importance shares
(how much of the explained variance each driver carries) live in
:mod:`analytics.drivers`, which re-exports these functions.

Inputs are polars (or pandas) frames; rows with a missing value (null or NaN) in any
column used are dropped (listwise, :func:`analytics.frames.complete_rows`), and the
count kept is reported as ``n``. Booleans are 0/1.
A ``weights`` column holds frequency weights, so a model can be fitted on grouped
counts (one row per distinct outcome-and-drivers cell, as SQL returns them) instead
of on every response.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from analytics.frames import FrameLike, complete_rows

__all__ = ["LogitResult", "OrdinalLogitResult", "logit_drivers", "ordinal_logit"]


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


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")


def _frequency_weights(frame: pl.DataFrame, weights: str | None) -> np.ndarray | None:
    if weights is None:
        return None
    w = numeric_block(frame, [weights])[:, 0]
    if (w < 0).any():
        raise ValueError(f"weights column {weights!r} has negative values")
    return w


# --- ordinal logit ------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # eq=False: polars frames do not compare to a bool
class OrdinalLogitResult:
    """Proportional-odds (cumulative logit) fit: ``logit P(Y <= k) = cut_k - x'beta``.

    A positive ``estimate`` means higher values of the driver go with higher
    outcome categories (e.g. better CSAT).
    """

    table: pl.DataFrame
    odds_ratios: pl.DataFrame
    threshold_table: pl.DataFrame
    levels: tuple[Any, ...]
    log_likelihood: float
    log_likelihood_null: float
    n: float
    converged: bool
    level: float

    @property
    def thresholds(self) -> tuple[float, ...]:
        """The cut points on the latent logit scale, ascending."""
        return tuple(self.threshold_table["estimate"].to_list())

    @property
    def pseudo_r2(self) -> float:
        """McFadden's pseudo R-squared, ``1 - llf / llnull``."""
        return 1.0 - self.log_likelihood / self.log_likelihood_null


class _WeightedOrderedLogit(OrderedModel):
    """OrderedModel (logit) with frequency weights and an analytic score and Hessian.

    statsmodels differentiates the log-likelihood numerically: about 2k passes over
    the data per gradient and 4k² for the Hessian. In closed form a million-row fit
    takes one pass per gradient, and the errors are exact.
    """

    def __init__(self, endog: np.ndarray, exog: np.ndarray, freq: np.ndarray | None) -> None:
        super().__init__(endog, exog, distr="logit")
        self.freq = np.ones(len(endog)) if freq is None else freq
        self.rows = [np.flatnonzero(self.endog == c) for c in range(self.k_levels)]

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return special.expit(x)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        p = special.expit(x)
        return p * (1.0 - p)

    def loglikeobs(self, params: np.ndarray) -> np.ndarray:
        return self.freq * super().loglikeobs(params)

    def _terms(self, params: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per row: F and f at the lower and upper bound, and the row's probability."""
        low, upp = self._bounds(params)
        cdf_low, cdf_upp = special.expit(low), special.expit(upp)
        prob = cdf_upp - cdf_low + 1e-20  # the same guard as loglikeobs
        return cdf_low, cdf_upp, cdf_low * (1 - cdf_low), cdf_upp * (1 - cdf_upp), prob

    def _by_cut(self, upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
        """Sum per cut j of ``upper`` over rows in category j, ``lower`` over j + 1."""
        k = self.k_levels
        return (
            np.bincount(self.endog, upper, minlength=k)[:-1]
            + np.bincount(self.endog, lower, minlength=k)[1:]
        )

    def _cut_jacobian(self, params: np.ndarray) -> np.ndarray:
        """d cut / d raw: cut_j = a_1 + sum_{m=2..j} exp(a_m) (statsmodels' thresholds)."""
        raw = params[self.k_vars :]
        jac = np.tril(np.ones((len(raw), len(raw))))
        jac[:, 1:] *= np.exp(raw[1:])
        return jac

    def score_actual(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient with respect to the coefficients and the actual cut points."""
        _, _, f_low, f_upp, prob = self._terms(params)
        a, b = self.freq * f_upp / prob, self.freq * f_low / prob
        return -self.exog.T @ (a - b), self._by_cut(a, -b)

    def score(self, params: np.ndarray) -> np.ndarray:
        g_beta, g_cut = self.score_actual(params)
        return np.concatenate((g_beta, g_cut @ self._cut_jacobian(params)))

    def hessian_actual(self, params: np.ndarray) -> np.ndarray:
        """Hessian with respect to the coefficients and the actual cut points."""
        cdf_low, cdf_upp, f_low, f_upp, prob = self._terms(params)
        a, b, w = f_upp / prob, f_low / prob, self.freq
        # second derivatives of log(F(u) - F(l)) in the bounds u and l; f' = f (1 - 2F)
        h_uu = w * (f_upp * (1 - 2 * cdf_upp) / prob - a * a)
        h_ll = w * (-f_low * (1 - 2 * cdf_low) / prob - b * b)
        h_ul = w * a * b
        x = self.exog
        # u = cut_c - x'beta and l = cut_{c-1} - x'beta
        h_xx = x.T @ (x * (h_uu + 2 * h_ul + h_ll)[:, None])
        eu, el = -(h_uu + h_ul), -(h_ul + h_ll)
        h_xc = np.column_stack(
            [
                x[self.rows[j]].T @ eu[self.rows[j]] + x[self.rows[j + 1]].T @ el[self.rows[j + 1]]
                for j in range(self.k_levels - 1)
            ]
        )
        h_cc = np.diag(self._by_cut(h_uu, h_ll))
        off = np.bincount(self.endog, h_ul, minlength=self.k_levels)[1:-1]
        h_cc += np.diag(off, 1) + np.diag(off, -1)
        return np.block([[h_xx, h_xc], [h_xc.T, h_cc]])

    def hessian(self, params: np.ndarray) -> np.ndarray:
        h, k = self.hessian_actual(params), self.k_vars
        jac = np.eye(len(params))
        jac[k:, k:] = self._cut_jacobian(params)
        _, g_cut = self.score_actual(params)
        # curvature of the exp transform itself: d2 cut_j / d a_m^2 = exp(a_m), m >= 2
        curve = np.cumsum(g_cut[::-1])[::-1] * np.concatenate(([0.0], np.exp(params[k + 1 :])))
        return jac.T @ h @ jac + np.diag(np.concatenate((np.zeros(k), curve)))


def _ordinal_codes(
    column: pl.Series, levels: Sequence[Any] | None
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Integer codes 0..K-1 in outcome order, and the observed levels in that order."""
    if levels is None:
        if isinstance(column.dtype, pl.Enum):
            levels = column.dtype.categories.to_list()
        elif column.dtype.is_numeric() or column.dtype == pl.Boolean:
            levels = column.unique().sort().to_list()
        else:
            raise ValueError(
                f"outcome {column.name!r} is {column.dtype}: pass levels=[...] in ascending "
                "order (the order of text categories is never guessed)"
            )
    coded = column.replace_strict(
        list(levels), list(range(len(levels))), default=None, return_dtype=pl.Int64
    )
    if coded.null_count():
        unknown = column.filter(coded.is_null()).unique().sort().cast(pl.String).to_list()
        raise ValueError(f"outcome values not among the levels: {unknown}")
    codes = coded.to_numpy()
    seen = np.unique(codes)
    if len(seen) < 2:
        raise ValueError(f"outcome {column.name!r} needs at least two observed levels")
    # a level nobody chose has no cut points around it: drop it rather than fail
    return np.searchsorted(seen, codes), tuple(levels[i] for i in seen)


def _standardise(
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


def _on_driver_scale(fit: Any, mean: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, ...]:
    """Coefficients and actual cut points for the unstandardised drivers, and their
    covariance (delta method through statsmodels' exp-increment thresholds)."""
    params, k = fit.params, len(mean)
    # logit P(Y <= j) = cut_j - z'b with z = (x - mean) / sd: beta = b / sd and every
    # cut moves by sum(b * mean / sd)
    cuts = fit.model.transform_threshold_params(params)[1:-1] + params[:k] @ (mean / sd)
    jac = np.zeros((len(params), len(params)))
    jac[:k, :k] = np.diag(1.0 / sd)
    jac[k:, :k] = mean / sd
    jac[k:, k:] = fit.model._cut_jacobian(params)
    cov = jac @ fit.cov_params() @ jac.T
    return np.concatenate((params[:k] / sd, cuts)), np.sqrt(np.diag(cov))


def ordinal_logit(
    df: FrameLike,
    outcome: str,
    drivers: Sequence[str],
    *,
    levels: Sequence[Any] | None = None,
    weights: str | None = None,
    level: float = 0.95,
) -> OrdinalLogitResult:
    """Proportional-odds ordinal logistic regression of an ordered outcome on drivers.

    Parameters
    ----------
    df : polars.DataFrame or pandas.DataFrame
        One row per response (or per cell of grouped counts, with ``weights``).
    outcome : str
        Ordered outcome, e.g. CSAT 1-5. Numeric and boolean outcomes are ordered by
        value, a polars ``Enum`` by its categories; text needs ``levels``.
    drivers : sequence of str
        Numeric or boolean drivers (booleans as 0/1). No intercept: the thresholds
        play its part.
    levels : sequence, optional
        The outcome's categories in ascending order. Levels nobody chose are dropped.
    weights : str, optional
        Column of frequency weights (counts of identical rows).
    level : float
        Confidence level of the Wald intervals.

    Returns
    -------
    OrdinalLogitResult
        ``table`` (``term, estimate, se, low, high, p``: log odds of a higher
        category per unit of the driver), ``odds_ratios``, ``thresholds`` (actual cut
        points, ascending; ``threshold_table`` with their delta-method errors),
        ``log_likelihood``, ``n``.

    Notes
    -----
    Fitted with statsmodels ``OrderedModel(distr="logit")``, whose thresholds after
    the first are log-increments; they are converted to cut points here. Same
    parameterisation as Stata's ``ologit`` and R's ``MASS::polr``.

    References
    ----------
    .. [1] McCullagh, P. (1980). Regression models for ordinal data. Journal of the
       Royal Statistical Society B, 42(2), 109-142.
    .. [2] Agresti, A. (2010). Analysis of Ordinal Categorical Data, 2nd ed. Wiley.
    """
    _check_level(level)
    if not drivers:
        raise ValueError("at least one driver is needed")
    frame = model_rows(df, [outcome, *drivers, *([weights] if weights else [])])
    codes, observed = _ordinal_codes(frame[outcome], levels)
    freq = _frequency_weights(frame, weights)
    z, mean, sd = _standardise(numeric_block(frame, drivers), freq, drivers)
    fit = _fit_ordered(codes, z, freq)
    estimate, se = _on_driver_scale(fit, mean, sd)
    k = len(drivers)
    table = wald_table(drivers, estimate[:k], se[:k], level)
    names = [f"{lo}|{hi}" for lo, hi in itertools.pairwise(observed)]
    return OrdinalLogitResult(
        table=table,
        odds_ratios=odds_ratio_table(table),
        threshold_table=wald_table(names, estimate[k:], se[k:], level).drop("p"),
        levels=observed,
        log_likelihood=float(fit.llf),
        log_likelihood_null=_ordered_llnull(codes, freq),
        n=float(len(codes) if freq is None else freq.sum()),
        converged=bool(fit.mle_retvals.get("converged", False)),
        level=level,
    )


def _fit_ordered(codes: np.ndarray, z: np.ndarray, freq: np.ndarray | None) -> Any:
    model = _WeightedOrderedLogit(codes, z, freq)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is reported on the result instead
        return model.fit(method="bfgs", maxiter=2000, gtol=1e-8, disp=False)


def _ordered_llnull(codes: np.ndarray, freq: np.ndarray | None) -> float:
    """Log-likelihood of the thresholds-only model: the observed category shares."""
    counts = np.bincount(codes, weights=freq)
    counts = counts[counts > 0]
    return float(np.sum(counts * np.log(counts / counts.sum())))


# --- binary logit -------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # eq=False: polars frames do not compare to a bool
class LogitResult:
    """Binary logistic regression of e.g. promoter / detractor / CSAT top-2-box."""

    table: pl.DataFrame
    odds_ratios: pl.DataFrame
    intercept: float
    log_likelihood: float
    log_likelihood_null: float
    n: float
    n_events: float
    converged: bool
    level: float

    @property
    def pseudo_r2(self) -> float:
        """McFadden's pseudo R-squared, ``1 - llf / llnull``."""
        return 1.0 - self.log_likelihood / self.log_likelihood_null


def _binary_outcome(column: pl.Series) -> np.ndarray:
    if column.dtype == pl.Boolean:
        return column.cast(pl.Float64).to_numpy()
    if not column.dtype.is_numeric():
        raise TypeError(f"outcome {column.name!r} is {column.dtype}; expected boolean or 0/1")
    y = column.cast(pl.Float64).to_numpy()
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(
            f"outcome {column.name!r} must be 0/1 or boolean (derive e.g. top-2-box first)"
        )
    return y


def logit_drivers(
    df: FrameLike,
    outcome: str,
    drivers: Sequence[str],
    *,
    weights: str | None = None,
    level: float = 0.95,
) -> LogitResult:
    """Logistic regression of a binary outcome (promoter, detractor, top-2-box) on drivers.

    Parameters
    ----------
    df : polars.DataFrame or pandas.DataFrame
        One row per response (or per cell of grouped counts, with ``weights``).
    outcome : str
        Boolean or 0/1 column.
    drivers : sequence of str
        Numeric or boolean drivers (booleans as 0/1); an intercept is added.
    weights : str, optional
        Column of frequency weights (counts of identical rows).
    level : float
        Confidence level of the Wald intervals.

    Returns
    -------
    LogitResult
        ``table`` (``term, estimate, se, low, high, p`` on the log-odds scale, drivers
        only), ``odds_ratios`` (``term, odds_ratio, low, high``), ``intercept``,
        ``log_likelihood``, ``n``, ``n_events``.

    Notes
    -----
    Maximum likelihood by IRLS (statsmodels ``GLM``, binomial family, logit link),
    which gives the same estimates and model-based errors as ``Logit`` and accepts
    frequency weights.

    References
    ----------
    .. [1] McCullagh, P. and Nelder, J. A. (1989). Generalized Linear Models, 2nd ed.
       Chapman & Hall, ch. 4.
    .. [2] Agresti, A. (2013). Categorical Data Analysis, 3rd ed. Wiley, ch. 5.
    """
    _check_level(level)
    if not drivers:
        raise ValueError("at least one driver is needed")
    frame = model_rows(df, [outcome, *drivers, *([weights] if weights else [])])
    y = _binary_outcome(frame[outcome])
    freq = _frequency_weights(frame, weights)
    raw = numeric_block(frame, drivers)
    _standardise(raw, freq, drivers)  # only its checks: IRLS would fit a singular model
    x = sm.add_constant(raw, has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation shows as converged=False / huge se
        model = sm.GLM(y, x, family=sm.families.Binomial(), freq_weights=freq)
        # IRLS's default tolerance leaves the errors off Stata's in the 6th digit
        fit = model.fit(tol=1e-12, maxiter=200)
    table = wald_table(drivers, fit.params[1:], fit.bse[1:], level)
    w = np.ones_like(y) if freq is None else freq
    return LogitResult(
        table=table,
        odds_ratios=odds_ratio_table(table),
        intercept=float(fit.params[0]),
        log_likelihood=float(fit.llf),
        log_likelihood_null=float(fit.llnull),
        n=float(w.sum()),
        n_events=float(w @ y),
        converged=bool(fit.converged),
        level=level,
    )
