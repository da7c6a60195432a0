"""Shapley (LMG) decomposition of R² and general dominance, for a few drivers.

Each driver's share is its R² increment averaged over every order in which the drivers
can enter the regression (Lindeman, Merenda and Gold 1980; Grömping 2007), computed from
the correlation matrix alone, so that the app fits it on sufficient statistics. 2^p
sub-models: above :data:`MAX_SHAPLEY_DRIVERS` use relative weights
(:mod:`analytics.drivers.importance`), which approximate the same decomposition.

References
----------
Lindeman, R. H., Merenda, P. F. and Gold, R. Z. (1980). Introduction to Bivariate and
    Multivariate Analysis. Scott, Foresman.
Azen, R. and Budescu, D. V. (2003). The dominance analysis approach for comparing
    predictors in multiple regression. Psychological Methods 8(2), 129-148.
Grömping, U. (2007). Estimators of relative importance in linear regression based on
    variance decomposition. The American Statistician 61(2), 139-147.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import factorial

import numpy as np
import polars as pl

from analytics.drivers.importance import corr_of, shares_table, split_corr
from analytics.frames import FrameLike

__all__ = [
    "MAX_SHAPLEY_DRIVERS",
    "Dominance",
    "dominance_from_corr",
    "shapley_r2",
    "shapley_r2_from_corr",
]

# 2^p sub-models: 12 drivers is 4,096 small solves (well under a second); past that
# use relative weights, which approximate the same decomposition in one step.
MAX_SHAPLEY_DRIVERS = 12


# --- Shapley / LMG ------------------------------------------------------------------


def _subset_r2(
    rxx: np.ndarray, rxy: np.ndarray, members: Sequence[Sequence[int]] | None = None
) -> np.ndarray:
    """R² of the outcome on every subset of players, indexed by bit mask.

    A player is one column, or with ``members`` a group of columns that enter and
    leave the model together (the dummies of one categorical driver).
    """
    players = [[j] for j in range(len(rxy))] if members is None else [list(m) for m in members]
    r2 = np.zeros(2 ** len(players))
    for mask in range(1, len(r2)):
        idx = [j for k, cols in enumerate(players) if mask >> k & 1 for j in cols]
        sub, r = rxx[np.ix_(idx, idx)], rxy[idx]
        try:  # LU solve: a fraction of lstsq's SVD, which 4,096 sub-models would pay each
            coef = np.linalg.solve(sub, r)
            exact = bool(np.abs(sub @ coef - r).max() < 1e-9)
        except np.linalg.LinAlgError:
            exact = False
        if not exact:  # exactly collinear columns: the minimum-norm solution
            coef = np.linalg.lstsq(sub, r, rcond=None)[0]
        r2[mask] = r @ coef
    return r2


def _shapley_from_subsets(r2: np.ndarray, p: int) -> np.ndarray:
    """Each player's R² increment averaged over all orders of entry."""
    # weight of a subset S without j, as in the Shapley value: |S|! (p-|S|-1)! / p!
    size_weight = [factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)]
    raw = np.zeros(p)
    for mask in range(2**p - 1):  # the full model has no driver left to add
        w = size_weight[mask.bit_count()]
        for j in range(p):
            if not mask >> j & 1:
                raw[j] += w * (r2[mask | 1 << j] - r2[mask])
    return raw


def _check_players(p: int) -> None:
    if p > MAX_SHAPLEY_DRIVERS:
        raise ValueError(
            f"{p} drivers is too many for the exact Shapley decomposition "
            f"(max {MAX_SHAPLEY_DRIVERS}); use relative_weights"
        )


def shapley_r2_from_corr(r: np.ndarray, drivers: Sequence[str]) -> pl.DataFrame:
    """Shapley decomposition of R² (LMG; general dominance) from a correlation matrix.

    Parameters
    ----------
    r : array, shape (p + 1, p + 1)
        Correlation matrix of ``[outcome, *drivers]``, the outcome first.
    drivers : sequence of str
        Names of the p drivers (at most :data:`MAX_SHAPLEY_DRIVERS`).

    Returns
    -------
    polars.DataFrame
        ``driver, raw_weight, share``: each driver's R² increment averaged over all
        orders of entry; raw weights sum to R², shares to 100.

    References
    ----------
    .. [1] Lindeman, R. H., Merenda, P. F. and Gold, R. Z. (1980). Introduction to
       Bivariate and Multivariate Analysis. Scott, Foresman, pp. 119-127.
    .. [2] Budescu, D. V. (1993). Dominance analysis: a new approach to the problem
       of relative importance of predictors in multiple regression. Psychological
       Bulletin, 114(3), 542-551.
    .. [3] Grömping, U. (2006). Relative importance for linear regression in R: the
       package relaimpo. Journal of Statistical Software, 17(1), 1-27.
    """
    rxx, rxy = split_corr(r, drivers)
    _check_players(len(drivers))
    return shares_table(drivers, _shapley_from_subsets(_subset_r2(rxx, rxy), len(drivers)))


@dataclass(frozen=True, eq=False)  # eq=False: polars frames do not compare to a bool
class Dominance:
    """Dominance analysis of driver groups (Budescu 1993; Azen and Budescu 2003).

    ``table``: ``driver, raw_weight, share``, general dominance (the Shapley / LMG
    value of each group; raw weights sum to R², shares to 100). ``complete``: pairs
    ``(a, b)`` where ``a`` completely dominates ``b``: adding ``a`` raises R² more than
    adding ``b`` to every subset of the other drivers, the empty one included.
    """

    table: pl.DataFrame
    complete: tuple[tuple[str, str], ...]

    def dominated_by(self, driver: str) -> tuple[str, ...]:
        """The drivers that ``driver`` completely dominates."""
        return tuple(b for a, b in self.complete if a == driver)


def dominance_from_corr(
    r: np.ndarray, columns: Sequence[str], groups: Sequence[str] | None = None
) -> Dominance:
    """General and complete dominance of drivers made of one or more model columns.

    Parameters
    ----------
    r : array, shape (k + 1, k + 1)
        Correlation matrix of ``[outcome, *columns]``, the outcome first.
    columns : sequence of str
        Names of the k model columns.
    groups : sequence of str, optional
        The driver each column belongs to (default: each column its own driver). The
        columns of a driver (the dummies of a queue) enter and leave every sub-model
        together, so a categorical driver gets one share, not one per level. At most
        :data:`MAX_SHAPLEY_DRIVERS` drivers.

    Returns
    -------
    Dominance
        ``.table`` (``driver, raw_weight, share``, drivers in order of first column)
        and ``.complete`` (the complete-dominance pairs).

    References
    ----------
    .. [1] Budescu, D. V. (1993). Psychological Bulletin, 114(3), 542-551.
    .. [2] Azen, R. and Budescu, D. V. (2003). The dominance analysis approach for
       comparing predictors in multiple regression. Psychological Methods, 8(2),
       129-148.
    .. [3] Grömping, U. (2006). Journal of Statistical Software, 17(1), 1-27 (groups
       of regressors in relaimpo's ``groups`` argument).
    """
    rxx, rxy = split_corr(r, columns)
    owners = list(columns) if groups is None else list(groups)
    if len(owners) != len(columns):
        raise ValueError("one group name per column is needed")
    names = list(dict.fromkeys(owners))
    _check_players(len(names))
    members = [[i for i, o in enumerate(owners) if o == g] for g in names]
    r2 = _subset_r2(rxx, rxy, members)
    p = len(names)
    table = shares_table(names, _shapley_from_subsets(r2, p))
    masks = np.arange(2**p)
    complete = []
    for a in range(p):
        for b in range(p):
            if a == b:
                continue
            # subsets of the other drivers: neither a nor b in them
            rest = masks[(masks >> a & 1 == 0) & (masks >> b & 1 == 0)]
            gain_a, gain_b = r2[rest | 1 << a] - r2[rest], r2[rest | 1 << b] - r2[rest]
            if np.all(gain_a > gain_b):
                complete.append((names[a], names[b]))
    return Dominance(table, tuple(complete))


def shapley_r2(df: FrameLike, outcome: str, drivers: Sequence[str]) -> pl.DataFrame:
    """Shapley (LMG) decomposition of R² from raw rows: ``driver, raw_weight, share``.

    See :func:`shapley_r2_from_corr` for the method and references.

    References
    ----------
    .. [1] Grömping, U. (2006). Journal of Statistical Software, 17(1), 1-27.
    """
    return shapley_r2_from_corr(corr_of(df, [outcome, *drivers]), drivers)
