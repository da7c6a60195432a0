"""Two-sample differences (after - before) with 95% intervals and p-values.

Used by the KPI tiles (this period vs the previous one) and by the before/after
analysis of a process change, both through :func:`difference`, which picks the
comparison from the kind of sufficient statistics.

References
----------
Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17, 873-890
    (method 10, the hybrid score interval).
Cox, D. R. and Hinkley, D. V. (1974). Theoretical Statistics. Chapman and Hall
    (section 7.2: confidence sets and tests as one another's inversion).
Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. Biometrika 34, 28-35.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import special  # not scipy.stats: 1 s less at the app's cold start

from analytics.metrics import (
    ALPHA,
    NAN,
    Z95,
    Counts,
    Estimate,
    NpsCounts,
    Sufficient,
    estimate,
    wilson,
)

Direction = Literal["up", "down", "none"]
Z_MAX = 38.0  # 2 * ndtr(-38) is about 3e-316: beyond it a p-value is 0 in floats


@dataclass(frozen=True)
class Difference:
    """after - before, its 95% interval, standard error and two-sided p-value."""

    estimate: float
    low: float
    high: float
    se: float
    p: float

    @property
    def significant(self) -> bool:
        """The interval excludes zero; each test here is its interval's inversion, so
        this is exactly p < alpha (the interval's level being 1 - alpha)."""
        return not math.isnan(self.p) and (self.low > 0 or self.high < 0)

    @property
    def direction(self) -> Direction:
        if not self.significant:
            return "none"
        return "up" if self.estimate > 0 else "down"


UNKNOWN = Difference(NAN, NAN, NAN, NAN, NAN)


def compare_proportions(
    x_before: int, n_before: int, x_after: int, n_after: int, alpha: float = ALPHA
) -> Difference:
    """Difference of proportions (after - before) with Newcombe's hybrid score interval
    at level ``1 - alpha``, and the p-value of the same interval (:func:`newcombe_p`), so
    that p < ``alpha`` exactly when the interval excludes 0. Values are fractions (0..1).
    """
    if n_before <= 0 or n_after <= 0:
        return UNKNOWN
    p1, p2 = x_before / n_before, x_after / n_after
    low, high = _newcombe(x_before, n_before, x_after, n_after, _z(alpha))
    se = math.sqrt(p1 * (1 - p1) / n_before + p2 * (1 - p2) / n_after)
    return Difference(p2 - p1, low, high, se, newcombe_p(x_before, n_before, x_after, n_after))


def newcombe_p(x_before: int, n_before: int, x_after: int, n_after: int) -> float:
    """Two-sided p-value of "no difference" that inverts Newcombe's hybrid score interval.

    The p-value is the ``alpha`` at which the ``1 - alpha`` interval has a bound at 0
    (test inversion: Cox and Hinkley 1974, section 7.2). The usual pooled z-test can
    disagree with Newcombe's interval near the boundary (an interval excluding 0 next
    to p = 0.052); this p cannot. The interval widens steadily with its level, so the
    level is found by bisection. Close to the pooled z-test's p away from the boundary.
    """
    d = x_after / n_after - x_before / n_before
    if d == 0:
        return 1.0

    def gap(z: float) -> float:  # > 0 while the interval at this z excludes zero
        low, high = _newcombe(x_before, n_before, x_after, n_after, z)
        return low if d > 0 else -high

    lo, hi = 0.0, Z_MAX
    if gap(hi) > 0:
        return float(2 * special.ndtr(-hi))
    for _ in range(64):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
    return float(2 * special.ndtr(-(lo + hi) / 2))


def _newcombe(
    x_before: int, n_before: int, x_after: int, n_after: int, z: float
) -> tuple[float, float]:
    """Newcombe's (1998) method 10: Wilson intervals of each proportion combined."""
    p1, p2 = x_before / n_before, x_after / n_after
    l1, u1 = wilson(x_before, n_before, z)
    l2, u2 = wilson(x_after, n_after, z)
    d = p2 - p1
    return d - math.hypot(p2 - l2, u1 - p1), d + math.hypot(u2 - p2, p1 - l1)


def _z(alpha: float) -> float:
    """The two-sided normal quantile of level ``1 - alpha`` (1.96 at 5%)."""
    return Z95 if alpha == ALPHA else float(special.ndtri(1 - alpha / 2))


def compare_normal(before: Estimate, after: Estimate, alpha: float = ALPHA) -> Difference:
    """Difference of two independent, approximately normal estimates (e.g. NPS).

    The standard error combines the two: sqrt(se_b^2 + se_a^2); z-test, and the
    ``1 - alpha`` Wald interval of the same statistic.
    """
    if before.empty or after.empty or math.isnan(before.se) or math.isnan(after.se):
        return UNKNOWN
    d = after.value - before.value
    se = math.hypot(before.se, after.se)
    if se == 0:
        return Difference(d, d, d, 0.0, 1.0 if d == 0 else 0.0)
    p = 2 * special.ndtr(-abs(d) / se)
    z = _z(alpha)
    return Difference(d, d - z * se, d + z * se, se, float(p))


def compare_means(before: Estimate, after: Estimate, alpha: float = ALPHA) -> Difference:
    """Welch's difference of means, from two t-interval estimates (se = s / sqrt(n)),
    with the ``1 - alpha`` interval of the same t statistic."""
    if before.n < 2 or after.n < 2:
        return UNKNOWN
    v1, v2 = before.se**2, after.se**2
    se = math.sqrt(v1 + v2)
    d = after.value - before.value
    if se == 0:
        return Difference(d, d, d, 0.0, 1.0 if d == 0 else 0.0)
    df = (v1 + v2) ** 2 / (v1**2 / (before.n - 1) + v2**2 / (after.n - 1))
    half = special.stdtrit(df, 1 - alpha / 2) * se
    p = 2 * special.stdtr(df, -abs(d) / se)
    return Difference(d, d - half, d + half, se, float(p))


def difference(before: Sufficient, after: Sufficient, alpha: float = ALPHA) -> Difference:
    """after - before from two windows' statistics of one kind, at level ``1 - alpha``,
    in the kind's display unit: percentage points for proportions (Newcombe), NPS points
    (combined normal), the mean's own unit (Welch). Unknown without data."""
    if type(before) is not type(after):
        raise ValueError(f"cannot compare {before.kind} with {after.kind} statistics")
    if isinstance(before, Counts) and isinstance(after, Counts):
        d = compare_proportions(before.x, before.n, after.x, after.n, alpha)
        # Fractions to percentage points; the p-value has no unit.
        return Difference(100 * d.estimate, 100 * d.low, 100 * d.high, 100 * d.se, d.p)
    if isinstance(before, NpsCounts):
        return compare_normal(estimate(before), estimate(after), alpha)
    return compare_means(estimate(before), estimate(after), alpha)
