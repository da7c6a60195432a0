"""Minimum detectable effects: the smallest change a sample can reliably see.

For a two-sided test at level ``alpha``, the minimum detectable effect (MDE) is the
true difference that would be declared significant with probability ``power``. It is
solved exactly (both rejection tails, not the usual ``(z_a/2 + z_b) * se`` shortcut),
so it matches ``statsmodels.stats.power`` solved for the effect size:

- normal tests (proportions, NPS): ``NormalIndPower``, with effect size ``mde / sd``;
- t tests (means): ``TTestIndPower``, likewise (pooled-variance t, df = n1 + n2 - 2);
- a regression coefficient with standard error ``se`` (ITS, DiD): the normal or t
  test of ``estimate / se``.

The per-response standard deviation comes from the *before* window (the baseline):
``sqrt(p (1 - p))`` for a proportion, ``sqrt(p + d - (p - d)^2)`` for NPS (the +1/0/-1
trinomial score), the sample sd for a mean.

References
----------
Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed.
    Lawrence Erlbaum.
Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the
    statistical power of experimental designs. Evaluation Review 19(5), 547-556.
"""

from __future__ import annotations

import math

from scipy import optimize, stats

from analytics.metrics import ALPHA

POWER = 0.80
NAN = float("nan")


def mde_normal(
    sd: float, n_before: int, n_after: int, alpha: float = ALPHA, power: float = POWER
) -> float:
    """MDE of a two-sample z test of means with per-observation sd ``sd`` (same units)."""
    if n_before <= 0 or n_after <= 0 or not sd > 0:
        return NAN
    return mde_from_se(sd * math.sqrt(1 / n_before + 1 / n_after), None, alpha, power)


def mde_t(
    sd: float, n_before: int, n_after: int, alpha: float = ALPHA, power: float = POWER
) -> float:
    """MDE of a two-sample t test (df = n1 + n2 - 2), as ``TTestIndPower`` solves it."""
    if n_before < 2 or n_after < 2 or not sd > 0:
        return NAN
    se = sd * math.sqrt(1 / n_before + 1 / n_after)
    return mde_from_se(se, n_before + n_after - 2, alpha, power)


def mde_proportion(
    p: float, n_before: int, n_after: int, alpha: float = ALPHA, power: float = POWER
) -> float:
    """MDE of a difference in proportions (fractions), baseline proportion ``p``."""
    return mde_normal(math.sqrt(p * (1 - p)), n_before, n_after, alpha, power)


def mde_nps(
    promoters: float, detractors: float, n_before: int, n_after: int,
    alpha: float = ALPHA, power: float = POWER,
) -> float:  # fmt: skip
    """MDE of an NPS difference on the -1..1 scale; shares of promoters / detractors."""
    var = promoters + detractors - (promoters - detractors) ** 2
    return mde_normal(math.sqrt(max(var, 0.0)), n_before, n_after, alpha, power)


def mde_from_se(
    se: float, df: float | None = None, alpha: float = ALPHA, power: float = POWER
) -> float:
    """The true effect a test of ``estimate / se`` detects with probability ``power``.

    ``df`` None: z test; else t test with ``df`` degrees of freedom (noncentral t).
    About 2.8 standard errors at 80% power and 5% (Bloom 1995).
    """
    if not se > 0 or not 0 < alpha < 1 or not 0 < power < 1:
        return NAN
    if df is not None and df <= 0:
        return NAN
    dist = stats.norm if df is None else stats.t(df)
    crit = float(dist.isf(alpha / 2))
    z = float(stats.norm.ppf(power))
    start = crit + z

    def shortfall(nc: float) -> float:
        return _power(nc, crit, df) - power

    # The power curve is increasing in the noncentrality: bracket it and solve.
    hi = start + 10
    nc = optimize.brentq(shortfall, 0.0, hi, xtol=1e-12) if shortfall(0.0) < 0 else 0.0
    return float(nc * se)


def _power(nc: float, crit: float, df: float | None) -> float:
    """Probability that |T| > crit when T has noncentrality ``nc``."""
    if df is None:
        return float(stats.norm.sf(crit - nc) + stats.norm.cdf(-crit - nc))
    # Far from zero the lower tail underflows (scipy returns NaN): it is 0 there.
    lower = float(stats.nct.cdf(-crit, df, nc))
    return float(stats.nct.sf(crit, df, nc)) + (0.0 if math.isnan(lower) else lower)


def below_mde(observed: float, mde: float) -> bool:
    """The observed change is smaller than the sample can reliably detect."""
    return not math.isnan(observed) and not math.isnan(mde) and abs(observed) < mde
