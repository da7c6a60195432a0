"""The binary logit of promoter, detractor or CSAT top-2-box on drivers.

How each driver moves the odds of a yes: signed, tested effects with an intercept,
fitted by IRLS (statsmodels ``GLM``). Inputs as :mod:`analytics.drivers.models` says
(listwise, booleans 0/1, frequency weights for grouped counts).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import statsmodels.api as sm

from analytics.drivers.model_frames import (
    Fitted,
    model_input,
    numeric_block,
    odds_ratio_table,
    standardise,
    wald_table,
)
from analytics.frames import FrameLike

__all__ = ["LogitResult", "logit_drivers"]


@dataclass(frozen=True, eq=False)  # eq=False: polars frames do not compare to a bool
class LogitResult(Fitted):
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
    frame, freq = model_input(df, outcome, drivers, weights, level)
    y = _binary_outcome(frame[outcome])
    raw = numeric_block(frame, drivers)
    standardise(raw, freq, drivers)  # only its checks: IRLS would fit a singular model
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
