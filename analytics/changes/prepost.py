"""Before and after: two windows of a process change compared, metric by metric.

The package (:mod:`analytics.changes`) re-exports these names as the public API.

- :func:`before_after`: per-metric differences between two windows from sufficient
  statistics (NPS: combined variance; proportions: Newcombe; means: Welch), with
  intervals and p-values adjusted together across the metrics (Bonferroni), and each
  metric's minimum detectable effect. Its inputs, :class:`Counts`, :class:`NpsCounts`
  and :class:`Moments`, are the typed statistics of :mod:`analytics.metrics`.
- :func:`interrupted_time_series` (``analytics.changes.its``): segmented regression with
  Newey-West errors and the counterfactual line.
- :func:`difference_in_differences` and :func:`event_study` (``analytics.changes.did``).
- :func:`minimum_detectable_effect` (``analytics.changes.power``).
- :func:`verdict` and :func:`render_verdict` (``analytics.changes.verdicts``): a plain-language
  summary whose words follow from the numbers.

References
----------
Dunn, O. J. (1961). Multiple comparisons among means. JASA 56(293), 52-64.
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics 6(2), 65-70.
Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17, 873-890.
Linden, A. (2015). Conducting interrupted time-series analysis for single- and
    multiple-group comparisons. The Stata Journal 15(2), 480-500.
Card, D. and Krueger, A. B. (1994). American Economic Review 84(4), 772-793.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from analytics.changes import power as pw
from analytics.changes.did import (
    DiDResult,
    EventStudyResult,
    difference_in_differences,
    event_study,
)
from analytics.changes.its import ITSResult, interrupted_time_series
from analytics.changes.verdicts import (
    Finding,
    Verdict,
    finding,
    p_statement,
    render_parts,
    render_verdict,
    verdict,
)
from analytics.compare import Difference, compare_proportions, difference
from analytics.metrics import (
    ALPHA,
    Counts,
    Estimate,
    Moments,
    NpsCounts,
    StatKind,
    Sufficient,
    estimate,
)

__all__ = [
    "BeforeAfter", "Counts", "DiDResult", "Difference", "EventStudyResult", "Finding",
    "ITSResult", "MetricChange", "Moments", "NpsCounts", "Sufficient", "Verdict", "before_after",
    "bonferroni",
    "compare_proportions", "difference_in_differences", "event_study", "finding", "holm",
    "interrupted_time_series", "minimum_detectable_effect", "p_statement", "render_parts",
    "render_verdict", "verdict",
]  # fmt: skip


@dataclass(frozen=True)
class MetricChange:
    """One metric's before/after comparison, in the metric's display unit.

    Proportions in percent (differences in percentage points), NPS in points, means in
    their own unit. ``difference`` is the metric on its own (95% interval, raw p);
    ``adjusted`` is the same change with the interval and the p-value adjusted for the
    ``m`` metrics compared together (Bonferroni, see :func:`before_after`): what a
    verdict and a table show, as one pair. ``mde`` is at the adjusted level.
    """

    metric: str
    kind: StatKind
    before: Estimate
    after: Estimate
    difference: Difference
    adjusted: Difference
    m: int
    mde: float

    @property
    def significant(self) -> bool:
        """The adjusted interval excludes zero, which is the adjusted p < 0.05."""
        return self.adjusted.significant

    @property
    def below_mde(self) -> bool:
        return pw.below_mde(self.difference.estimate, self.mde)


@dataclass(frozen=True, eq=False)
class BeforeAfter:
    """All metrics' changes; ``table`` is the same as a polars frame."""

    changes: tuple[MetricChange, ...]

    @property
    def m(self) -> int:
        """How many metrics the intervals and p-values are adjusted for."""
        return max((c.m for c in self.changes), default=1)

    @property
    def table(self) -> pl.DataFrame:
        return pl.DataFrame(
            [_row(c) for c in self.changes], schema=BEFORE_AFTER_SCHEMA, orient="row"
        )

    def __getitem__(self, metric: str) -> MetricChange:
        for c in self.changes:
            if c.metric == metric:
                return c
        raise KeyError(metric)


BEFORE_AFTER_SCHEMA = {
    "metric": pl.String, "kind": pl.String, "n_before": pl.Int64, "n_after": pl.Int64,
    "before": pl.Float64, "after": pl.Float64, "estimate": pl.Float64, "low": pl.Float64,
    "high": pl.Float64, "se": pl.Float64, "p": pl.Float64, "low_adjusted": pl.Float64,
    "high_adjusted": pl.Float64, "p_adjusted": pl.Float64, "m": pl.Int64,
    "significant": pl.Boolean, "mde": pl.Float64, "below_mde": pl.Boolean,
}  # fmt: skip


def _row(c: MetricChange) -> tuple[object, ...]:
    d, a = c.difference, c.adjusted
    return (
        c.metric, c.kind, c.before.n, c.after.n, c.before.value, c.after.value, d.estimate,
        d.low, d.high, d.se, d.p, a.low, a.high, a.p, c.m, c.significant, c.mde, c.below_mde,
    )  # fmt: skip


def before_after(
    metrics: Mapping[str, tuple[Sufficient, Sufficient]], alpha: float = ALPHA, power: float = 0.8
) -> BeforeAfter:
    """Compare two windows metric by metric, adjusting for the number of metrics.

    Parameters
    ----------
    metrics : ``{name: (before, after)}`` with :class:`Counts` (a proportion),
        :class:`NpsCounts` or :class:`Moments` (a mean) for each window; both of a
        metric's windows must be of the same kind.
    alpha, power : the family-wise level and the power of the minimum detectable effect.

    Each metric's ``adjusted`` difference is a Bonferroni pair (Dunn 1961): the
    interval at level ``1 - alpha / m`` and the p-value ``min(1, m p)``, ``m`` the
    metrics with data in both windows. The ``m`` intervals cover all the true changes
    together with probability at least ``1 - alpha``, and since every test here is its
    interval's inversion (:mod:`analytics.compare`), an adjusted interval excludes 0
    exactly when its adjusted p is below ``alpha``: no interval can contradict its
    p-value or the verdict. Holm's step-down test (Holm 1979) rejects a little more
    often, but has no intervals to match: its compatible simultaneous bounds
    (Strassburger and Bretz 2008) are 0 for every rejected hypothesis unless all are
    rejected, so they could say "above zero" but not by how much. The minimum
    detectable effect is solved at ``alpha / m``, the level each metric is tested at.

    A metric with no responses in a window gets NaN numbers (and is left out of the
    count ``m``); if no metric has data in both windows, ValueError.

    Returns
    -------
    BeforeAfter

    Examples
    --------
    >>> res = before_after({"csat": (Counts(700, 1000), Counts(760, 1000))})
    >>> round(res["csat"].difference.estimate, 1), res["csat"].significant
    (6.0, True)

    References
    ----------
    Newcombe (1998); Welch (1947); Dunn, O. J. (1961). Multiple comparisons among
    means. JASA 56(293), 52-64; Holm (1979); Strassburger, K. and Bretz, F. (2008).
    Compatible simultaneous lower confidence bounds for the Holm procedure and other
    Bonferroni-based closed tests. Statistics in Medicine 27(24), 4914-4927.
    """
    if not metrics:
        raise ValueError("no metrics to compare")
    for name, (b, a) in metrics.items():
        if type(b) is not type(a):
            raise ValueError(f"{name}: before and after must be the same kind of statistics")
    compared = [name for name, (b, a) in metrics.items() if _has_data(b) and _has_data(a)]
    if not compared:
        raise ValueError("no metric has responses in both the before and the after window")
    m = len(compared)
    return BeforeAfter(
        tuple(_compare(name, b, a, alpha, power, m) for name, (b, a) in metrics.items())
    )


def _compare(
    name: str, b: Sufficient, a: Sufficient, alpha: float, power: float, m: int
) -> MetricChange:
    before, after = estimate(b), estimate(a)
    diff = difference(b, a)
    level = difference(b, a, alpha / m)
    adjusted = Difference(level.estimate, level.low, level.high, level.se, bonferroni(diff.p, m))
    # An empty window gives NaN estimates (left out of m), not an error: the app
    # shows the other metrics and says which one had no responses.
    mde = minimum_detectable_effect(b, after.n, alpha / m, power)
    return MetricChange(name, b.kind, before, after, diff, adjusted, m, mde)


def _has_data(s: Sufficient) -> bool:
    return s.n > 1 if isinstance(s, Moments) else s.n > 0


def bonferroni(p: float, m: int) -> float:
    """Bonferroni's adjusted p-value ``min(1, m p)`` (NaN stays NaN)."""
    return p if math.isnan(p) else min(1.0, m * p)


def minimum_detectable_effect(
    baseline: Sufficient, n_after: int, alpha: float = ALPHA, power: float = 0.8
) -> float:
    """Smallest change detectable with probability ``power`` (two-sided ``alpha``).

    The variance comes from the baseline (before) window; the sizes are the before
    window's and ``n_after``. Units as :class:`MetricChange`: percentage points for
    proportions (normal test, statsmodels ``NormalIndPower``), NPS points (trinomial
    variance), the mean's own unit (t test, ``TTestIndPower``). NaN without data.
    """
    if isinstance(baseline, Counts):
        if baseline.n <= 0:
            return math.nan
        p = baseline.x / baseline.n
        return 100 * pw.mde_proportion(p, baseline.n, n_after, alpha, power)
    if isinstance(baseline, NpsCounts):
        if baseline.n <= 0:
            return math.nan
        pr, de = baseline.promoters / baseline.n, baseline.detractors / baseline.n
        return 100 * pw.mde_nps(pr, de, baseline.n, n_after, alpha, power)
    est = estimate(baseline)
    sd = est.se * math.sqrt(est.n) if est.n > 1 else math.nan
    return pw.mde_t(sd, baseline.n, n_after, alpha, power)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values; NaN (a metric without data) stays NaN.

    Equals ``statsmodels.stats.multitest.multipletests(p, method='holm')[1]`` on the
    non-missing values, which does not accept NaN.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    running = 0.0
    for i, idx in enumerate(order):
        # Step-down: multiply the i-th smallest by (m - i), keep the sequence monotone.
        running = max(running, min(1.0, (m - i) * p[idx]))
        out[idx] = running
    return out.tolist()
