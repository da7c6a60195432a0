"""Two-sample differences (after - before) with 95% intervals and p-values.

Used by the KPI tiles (this period vs the previous one) and by the before/after
analysis of a process change.

References
----------
Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17, 873-890
    (method 10, the hybrid score interval).
Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. Biometrika 34, 28-35.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import special  # not scipy.stats: 1 s less at the app's cold start

from analytics.metrics import NAN, Z95, Estimate, wilson

Direction = Literal["up", "down", "none"]


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
        """The interval excludes zero (equivalently p < 0.05 for these tests)."""
        return not math.isnan(self.p) and (self.low > 0 or self.high < 0)

    @property
    def direction(self) -> Direction:
        if not self.significant:
            return "none"
        return "up" if self.estimate > 0 else "down"


UNKNOWN = Difference(NAN, NAN, NAN, NAN, NAN)


def compare_proportions(x_before: int, n_before: int, x_after: int, n_after: int) -> Difference:
    """Difference of proportions (after - before) with Newcombe's hybrid score interval.

    The p-value is the pooled two-proportion z-test. Values are fractions (0..1).
    """
    if n_before <= 0 or n_after <= 0:
        return UNKNOWN
    p1, p2 = x_before / n_before, x_after / n_after
    l1, u1 = wilson(x_before, n_before)
    l2, u2 = wilson(x_after, n_after)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    se = math.sqrt(p1 * (1 - p1) / n_before + p2 * (1 - p2) / n_after)
    pooled = (x_before + x_after) / (n_before + n_after)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_before + 1 / n_after))
    p = 2 * special.ndtr(-abs(d) / se0) if se0 > 0 else (1.0 if d == 0 else 0.0)
    return Difference(d, low, high, se, float(p))


def compare_normal(before: Estimate, after: Estimate) -> Difference:
    """Difference of two independent, approximately normal estimates (e.g. NPS).

    The standard error combines the two: sqrt(se_b^2 + se_a^2); z-test.
    """
    if before.empty or after.empty or math.isnan(before.se) or math.isnan(after.se):
        return UNKNOWN
    d = after.value - before.value
    se = math.hypot(before.se, after.se)
    if se == 0:
        return Difference(d, d, d, 0.0, 1.0 if d == 0 else 0.0)
    p = 2 * special.ndtr(-abs(d) / se)
    return Difference(d, d - Z95 * se, d + Z95 * se, se, float(p))


def compare_means(before: Estimate, after: Estimate) -> Difference:
    """Welch's difference of means, from two t-interval estimates (se = s / sqrt(n))."""
    if before.n < 2 or after.n < 2:
        return UNKNOWN
    v1, v2 = before.se**2, after.se**2
    se = math.sqrt(v1 + v2)
    d = after.value - before.value
    if se == 0:
        return Difference(d, d, d, 0.0, 1.0 if d == 0 else 0.0)
    df = (v1 + v2) ** 2 / (v1**2 / (before.n - 1) + v2**2 / (after.n - 1))
    half = special.stdtrit(df, 0.975) * se
    p = 2 * special.stdtr(df, -abs(d) / se)
    return Difference(d, d - half, d + half, se, float(p))
