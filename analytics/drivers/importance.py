"""Driver analysis: which call features carry satisfaction, as shares of explained variance.

Relative importance splits a regression's R² among correlated drivers so the shares
sum to 100%: Johnson's relative weights for any number of drivers, and the Shapley
(LMG, general dominance) decomposition when there are few (:mod:`analytics.drivers.shapley`).
Both depend on the data
only through the correlation matrix, so the app fits them on sufficient statistics
that SQL returns (count, sums, cross-products: see :class:`CrossMoments`) instead of
pulling a million rows into Python.

Signed effects with significance come from the regression models in
:mod:`analytics.drivers.models`, re-exported here: :func:`ordinal_logit` and
:func:`logit_drivers`.

Inputs are polars (or pandas) frames; rows missing any value used are dropped
(listwise); booleans count as 0/1. Associations, not causes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from analytics.drivers.model_frames import model_rows, numeric_block
from analytics.drivers.models import LogitResult, OrdinalLogitResult, logit_drivers, ordinal_logit
from analytics.frames import FrameLike

__all__ = [
    "BootstrapWeights",
    "CrossMoments",
    "LogitResult",
    "OrdinalLogitResult",
    "bootstrap_relative_weights",
    "corr_from_moments",
    "logit_drivers",
    "moments",
    "ordinal_logit",
    "relative_weights",
    "relative_weights_from_corr",
    "relative_weights_from_moments",
    "vif",
    "vif_from_corr",
]

# eigenvalues below this (relative to the largest) are treated as exact collinearity
RANK_TOL = 1e-12


# --- sufficient statistics ------------------------------------------------------


@dataclass(frozen=True, eq=False)  # eq=False: numpy arrays do not compare to a bool
class CrossMoments:
    """Count, sums and raw cross-products of columns: all a linear fit needs.

    SQL computes them in one pass (``count(*)``, ``sum(x)``, ``sum(x * y)``);
    partitions (segments, Spark tasks, months) combine with ``+``.
    """

    columns: tuple[str, ...]
    n: float
    sums: np.ndarray
    cross_products: np.ndarray

    def __post_init__(self) -> None:
        k = len(self.columns)
        if np.shape(self.sums) != (k,) or np.shape(self.cross_products) != (k, k):
            raise ValueError(f"moments for {k} columns need {k} sums and a {k}x{k} matrix")

    def __add__(self, other: CrossMoments) -> CrossMoments:
        if other.columns != self.columns:
            raise ValueError("cannot add moments of different columns")
        return CrossMoments(
            self.columns,
            self.n + other.n,
            self.sums + other.sums,
            self.cross_products + other.cross_products,
        )

    def corr(self, columns: Sequence[str] | None = None) -> np.ndarray:
        """Pearson correlation matrix of ``columns`` (default: all), in that order."""
        names = list(columns or self.columns)
        idx = [self.columns.index(c) for c in names]
        return corr_from_moments(
            self.n, self.sums[idx], self.cross_products[np.ix_(idx, idx)], names
        )


def moments(df: FrameLike, columns: Sequence[str]) -> CrossMoments:
    """Sufficient statistics of ``columns`` from raw rows (what SQL would return).

    Rows missing a value in any of the columns are dropped, as the models do.
    """
    x = numeric_block(model_rows(df, columns), columns)
    return CrossMoments(tuple(columns), float(len(x)), x.sum(axis=0), x.T @ x)


def corr_from_moments(
    n: float,
    sums: np.ndarray,
    cross_products: np.ndarray,
    columns: Sequence[str] | None = None,
) -> np.ndarray:
    """Pearson correlation matrix from a count, column sums and raw cross-products.

    Parameters
    ----------
    n : float
        Number of rows.
    sums : array, shape (k,)
        ``sum(x_i)`` for each column.
    cross_products : array, shape (k, k)
        ``sum(x_i * x_j)``, uncentred.
    columns : sequence of str, optional
        Names, only for the error message when a column does not vary.

    Notes
    -----
    Uses ``S_ij - s_i s_j / n``, which loses digits when a column's mean is many
    orders of magnitude larger than its spread (not the case for waits, durations,
    scores or 0/1 flags); aggregate in double precision.

    References
    ----------
    .. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). Algorithms for
       computing the sample variance. The American Statistician, 37(3), 242-247.
    """
    sums = np.asarray(sums, dtype=np.float64)
    centred = np.asarray(cross_products, dtype=np.float64) - np.outer(sums, sums) / n
    var = np.diag(centred).copy()
    # relative test: a variance lost in the cancellation of S_ii - s_i^2 / n is noise
    flat = var <= 1e-12 * np.abs(np.diag(cross_products))
    if n < 2 or flat.any():
        names = columns or [str(i) for i in range(len(sums))]
        bad = [c for c, f in zip(names, flat, strict=True) if f] or list(names)
        raise ValueError(f"no variation (or fewer than 2 rows) in: {', '.join(bad)}")
    sd = np.sqrt(var)
    corr = centred / np.outer(sd, sd)
    np.fill_diagonal(corr, 1.0)
    return corr


def _centred(df: FrameLike, columns: Sequence[str]) -> np.ndarray:
    """Complete rows of ``columns``, centred: raw rows need no cancellation-prone sums."""
    x = numeric_block(model_rows(df, columns), columns)
    return x - x.mean(axis=0)


def corr_of(df: FrameLike, columns: Sequence[str]) -> np.ndarray:
    """Correlation matrix of ``columns`` from raw rows."""
    x = _centred(df, columns)
    return corr_from_moments(len(x), np.zeros(len(columns)), x.T @ x, columns)


def split_corr(r: np.ndarray, drivers: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(r, dtype=np.float64)
    p = len(drivers)
    if p == 0:
        raise ValueError("at least one driver is needed")
    if r.shape != (p + 1, p + 1):
        raise ValueError(f"expected a {p + 1}x{p + 1} matrix for {p} drivers + outcome")
    return r[1:, 1:], r[1:, 0]


def shares_table(drivers: Sequence[str], raw: np.ndarray) -> pl.DataFrame:
    r2 = raw.sum()
    share = 100 * raw / r2 if r2 > 0 else np.full_like(raw, np.nan)
    return pl.DataFrame(
        {"driver": list(drivers), "raw_weight": raw, "share": share},
        schema={"driver": pl.String, "raw_weight": pl.Float64, "share": pl.Float64},
    )


# --- Johnson's relative weights ---------------------------------------------------


def _johnson(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Raw relative weights; a pseudo-inverse keeps exact collinearity finite."""
    eigval, eigvec = np.linalg.eigh(rxx)
    keep = eigval > RANK_TOL * eigval.max()
    root = np.sqrt(np.where(keep, eigval, 0.0))
    inv_root = np.divide(1.0, root, out=np.zeros_like(root), where=keep)
    lam = (eigvec * root) @ eigvec.T  # symmetric square root of Rxx
    beta = (eigvec * inv_root) @ eigvec.T @ rxy  # outcome on the orthogonal Z = X Rxx^-1/2
    return (lam**2) @ (beta**2)


def relative_weights_from_corr(r: np.ndarray, drivers: Sequence[str]) -> pl.DataFrame:
    """Johnson's relative weights from the correlation matrix of outcome and drivers.

    Parameters
    ----------
    r : array, shape (p + 1, p + 1)
        Correlation matrix of ``[outcome, *drivers]``, the outcome first.
    drivers : sequence of str
        Names of the p drivers, in the matrix's order.

    Returns
    -------
    polars.DataFrame
        ``driver, raw_weight, share``: raw weights sum to R², shares to 100.

    Notes
    -----
    The drivers are replaced by their closest orthogonal counterparts
    ``Z = X Rxx^(-1/2)``; the outcome's R² on Z is split by Z and attributed back to
    the drivers through the squared loadings ``(Rxx^(1/2))²``. Exactly collinear
    drivers share their weight equally instead of failing.

    References
    ----------
    .. [1] Johnson, J. W. (2000). A heuristic method for estimating the relative
       weight of predictor variables in multiple regression. Multivariate Behavioral
       Research, 35(1), 1-19.
    .. [2] Tonidandel, S. and LeBreton, J. M. (2011). Relative importance analysis: a
       useful supplement to regression analysis. Journal of Business and Psychology,
       26(1), 1-9.
    """
    rxx, rxy = split_corr(r, drivers)
    return shares_table(drivers, _johnson(rxx, rxy))


def relative_weights(df: FrameLike, outcome: str, drivers: Sequence[str]) -> pl.DataFrame:
    """Johnson's relative weights of ``drivers`` for ``outcome`` from raw rows.

    Returns ``driver, raw_weight, share`` (raw weights sum to R², shares to 100);
    see :func:`relative_weights_from_corr` for the method and references, and
    :func:`relative_weights_from_moments` to fit on SQL aggregates.

    References
    ----------
    .. [1] Johnson, J. W. (2000). Multivariate Behavioral Research, 35(1), 1-19.
    """
    return relative_weights_from_corr(corr_of(df, [outcome, *drivers]), drivers)


def relative_weights_from_moments(
    m: CrossMoments, outcome: str, drivers: Sequence[str]
) -> pl.DataFrame:
    """Johnson's relative weights from sufficient statistics (see :class:`CrossMoments`).

    References
    ----------
    .. [1] Johnson, J. W. (2000). Multivariate Behavioral Research, 35(1), 1-19.
    """
    return relative_weights_from_corr(m.corr([outcome, *drivers]), drivers)


# --- bootstrap intervals ------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # eq=False: polars frames do not compare to a bool
class BootstrapWeights:
    """Relative weights with percentile-bootstrap intervals.

    ``table``: ``driver, raw_weight, share, raw_low, raw_high, share_low,
    share_high``. ``n_failed`` resamples were skipped because a driver did not vary
    in them (a rare 0/1 flag can be all zeros in a resample).
    """

    table: pl.DataFrame
    level: float
    n_boot: int
    n_failed: int
    seed: int | None


def _resampled_weights(
    x: np.ndarray, drivers: Sequence[str], n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Raw relative weights for each bootstrap resample of the rows (one per row)."""
    n = len(x)
    out = []
    for _ in range(n_boot):
        # resampling rows == weighting each row by how often it was drawn
        count = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
        try:
            r = corr_from_moments(n, count @ x, (x * count[:, None]).T @ x)
        except ValueError:
            continue
        out.append(_johnson(*split_corr(r, drivers)))
    return np.array(out).reshape(-1, len(drivers))


def bootstrap_relative_weights(
    df: FrameLike,
    outcome: str,
    drivers: Sequence[str],
    n_boot: int = 200,
    seed: int | None = 0,
    level: float = 0.95,
) -> BootstrapWeights:
    """Johnson's relative weights with percentile-bootstrap confidence intervals.

    Parameters
    ----------
    df : polars.DataFrame or pandas.DataFrame
        Raw rows (the bootstrap needs them; aggregates are not enough).
    outcome, drivers : str, sequence of str
        As in :func:`relative_weights`.
    n_boot : int
        Number of resamples; 200 gives stable 95% limits to about one share point,
        use 1,000+ for a report.
    seed : int or None
        Seed of the resampling, so the same data give the same intervals.
    level : float
        Confidence level.

    Returns
    -------
    BootstrapWeights
        Point estimates from the full data and equal-tailed percentile limits.

    References
    ----------
    .. [1] Tonidandel, S., LeBreton, J. M. and Johnson, J. W. (2009). Determining the
       statistical significance of relative weights. Psychological Methods, 14(4),
       387-399.
    .. [2] Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap.
       Chapman & Hall, ch. 13.
    """
    if n_boot < 1 or not 0 < level < 1:
        raise ValueError("n_boot must be >= 1 and level in (0, 1)")
    columns = [outcome, *drivers]
    x = _centred(df, columns)  # centring once keeps every resample's moments accurate
    point = relative_weights_from_corr(
        corr_from_moments(len(x), x.sum(0), x.T @ x, columns), drivers
    )
    raw = _resampled_weights(x, drivers, n_boot, np.random.default_rng(seed))
    if len(raw) < n_boot / 2:
        raise ValueError("most resamples had a driver with no variation; too few rows")
    share = 100 * raw / raw.sum(axis=1, keepdims=True)
    tails = [50 * (1 - level), 50 * (1 + level)]
    raw_lim, share_lim = np.percentile(raw, tails, axis=0), np.percentile(share, tails, axis=0)
    table = point.with_columns(
        raw_low=raw_lim[0], raw_high=raw_lim[1], share_low=share_lim[0], share_high=share_lim[1]
    )
    return BootstrapWeights(table, level, n_boot, n_boot - len(raw), seed)


# --- collinearity guard -----------------------------------------------------------


def vif_from_corr(rxx: np.ndarray, drivers: Sequence[str]) -> pl.DataFrame:
    """Variance inflation factors from the drivers' correlation matrix.

    Parameters
    ----------
    rxx : array, shape (p, p)
        Correlation matrix of the drivers only (no outcome).
    drivers : sequence of str
        Their names.

    Returns
    -------
    polars.DataFrame
        ``driver, vif``: ``1 / (1 - R²_j)`` with ``R²_j`` from regressing driver j on
        the others; ``inf`` for an exact linear combination. Above 5-10 the
        coefficients (not the relative weights) become unstable.

    References
    ----------
    .. [1] Marquardt, D. W. (1970). Generalized inverses, ridge regression, biased
       linear estimation, and nonlinear estimation. Technometrics, 12(3), 591-612.
    """
    rxx = np.asarray(rxx, dtype=np.float64)
    p = len(drivers)
    if rxx.shape != (p, p):
        raise ValueError(f"expected a {p}x{p} correlation matrix")
    out = np.ones(p)
    for j in range(p):
        rest = [i for i in range(p) if i != j]
        if rest:
            coef = np.linalg.lstsq(rxx[np.ix_(rest, rest)], rxx[rest, j], rcond=None)[0]
            tolerance = 1.0 - rxx[j, rest] @ coef
            out[j] = 1.0 / tolerance if tolerance > 1e-12 else np.inf
    return pl.DataFrame({"driver": list(drivers), "vif": out})


def vif(df: FrameLike, drivers: Sequence[str]) -> pl.DataFrame:
    """Variance inflation factors of ``drivers`` from raw rows: ``driver, vif``.

    References
    ----------
    .. [1] Marquardt, D. W. (1970). Technometrics, 12(3), 591-612.
    """
    return vif_from_corr(corr_of(df, drivers), drivers)
