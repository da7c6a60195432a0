"""The proportional-odds (ordinal) logit of an ordered outcome on drivers.

How each driver moves the odds of a better CSAT score: signed, tested effects on
the outcome's own categories. The likelihood is
:class:`~analytics.drivers.ordinal_model.WeightedOrderedLogit`, fitted on standardised
drivers; the estimates are reported on the drivers' own scale. Inputs as
:mod:`analytics.drivers.models` says (listwise, booleans 0/1, frequency weights for
grouped counts).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from analytics.drivers.model_frames import (
    Fitted,
    model_input,
    numeric_block,
    odds_ratio_table,
    standardise,
    wald_table,
)
from analytics.drivers.ordinal_model import WeightedOrderedLogit
from analytics.frames import FrameLike

__all__ = ["OrdinalLogitResult", "ordinal_logit"]


@dataclass(frozen=True, eq=False)  # eq=False: polars frames do not compare to a bool
class OrdinalLogitResult(Fitted):
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
    jac[k:, k:] = fit.model.cut_jacobian(params)
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
    frame, freq = model_input(df, outcome, drivers, weights, level)
    codes, observed = _ordinal_codes(frame[outcome], levels)
    z, mean, sd = standardise(numeric_block(frame, drivers), freq, drivers)
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
    model = WeightedOrderedLogit(codes, z, freq)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is reported on the result instead
        return model.fit(method="bfgs", maxiter=2000, gtol=1e-8, disp=False)


def _ordered_llnull(codes: np.ndarray, freq: np.ndarray | None) -> float:
    """Log-likelihood of the thresholds-only model: the observed category shares."""
    counts = np.bincount(codes, weights=freq)
    counts = counts[counts > 0]
    return float(np.sum(counts * np.log(counts / counts.sum())))
