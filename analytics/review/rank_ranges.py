"""How sure a league table's order is: rank ranges and tiers from the fair estimates.

Ranking 120 agents 1 to 120 claims an order the data cannot support: most agents'
intervals overlap, so many orders are about as likely as the one shown. Following
Goldstein & Spiegelhalter (1996) and Marshall & Spiegelhalter (1998), the ranking is
simulated: each draw takes every unit's value from its posterior (the shrunk estimate
and its uncertainty, :mod:`analytics.review.rankings`), ranks the units, and the middle 95% of
each unit's ranks over the draws is its *rank range*. A unit is in the *top tier* when
its whole range lies in the better half of the table, in the *bottom tier* when it lies
in the worse half, and in the *middle* otherwise: it cannot be told apart from the
median unit. The tiers are read off the ranges shown, so the two never disagree.

The draws are seeded: the same data gives the same ranges on every run.

References
----------
Goldstein, H. & Spiegelhalter, D. J. (1996). League tables and their limitations:
statistical issues in comparisons of institutional performance. JRSS A 159(3), 385-443.
Marshall, E. C. & Spiegelhalter, D. J. (1998). Reliability of league tables of in vitro
fertilisation clinics: retrospective analysis of live birth rates. BMJ 316, 1701-1705.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Tier = Literal["top", "middle", "bottom"]
TIERS: tuple[Tier, ...] = ("top", "middle", "bottom")
DRAWS = 4000  # Monte-Carlo error of a 2.5% quantile's probability: about 0.25 points
SEED = 20_260_628
LEVEL = 0.95


def beta_draws(a: np.ndarray, b: np.ndarray, draws: int = DRAWS, seed: int = SEED) -> np.ndarray:
    """``draws`` x K values from independent Beta(a_i, b_i) posteriors (CSAT).

    The prior is taken as known (empirical Bayes): its own estimation error is left
    out, as in the posterior intervals shown beside the ranks.
    """
    rng = np.random.default_rng(seed)
    a, b = np.asarray(a, float), np.asarray(b, float)
    return rng.beta(a, b, size=(draws, len(a)))


def normal_draws(
    mean: np.ndarray,
    cond_sd: np.ndarray,
    pull: np.ndarray,
    group: np.ndarray,
    group_sd: np.ndarray,
    draws: int = DRAWS,
    seed: int = SEED,
) -> np.ndarray:
    """``draws`` x K values from the normal posteriors of the NPS model (Morris 1983).

    Unit i's posterior is θ_i = m_i + B_i·δ_g + sqrt((1 − B_i)·v_i)·z_i: ``mean`` m_i
    the shrunk estimate, ``pull`` B_i its shrinkage factor, ``cond_sd`` the posterior
    sd given the group mean, δ_g ~ N(0, var(μ)) the error of the estimated mean of its
    ``group`` (an integer code 0 .. G - 1 per unit; ``group_sd`` its sd, repeated per
    unit), shared by the group's units. Each θ_i has the variance
    (1 − B_i)v_i + B_i²·var(μ) of the interval shown.
    """
    rng = np.random.default_rng(seed)
    mean, cond_sd, pull, group_sd = (np.asarray(v, float) for v in (mean, cond_sd, pull, group_sd))
    group = np.asarray(group, int)
    shift = rng.standard_normal((draws, int(group.max()) + 1))[:, group] * group_sd
    noise = rng.standard_normal((draws, len(mean))) * cond_sd
    return mean + pull * shift + noise


def ranks(draws: np.ndarray) -> np.ndarray:
    """Rank of each unit (column) in each draw (row): 1 for the highest value."""
    order = np.argsort(-draws, axis=1, kind="stable")
    out = np.empty_like(order)
    np.put_along_axis(out, order, np.arange(1, draws.shape[1] + 1), axis=1)
    return out


def rank_range(ranked: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed ``level`` range of each column's ranks: the smallest ranks r with
    P(rank ≤ r) ≥ (1 − level)/2 and ≥ (1 + level)/2 (inverted empirical CDF)."""
    tail = (1 - level) / 2
    low = np.quantile(ranked, tail, axis=0, method="inverted_cdf")
    high = np.quantile(ranked, 1 - tail, axis=0, method="inverted_cdf")
    return low.astype(int), high.astype(int)


def tiers(low: np.ndarray, high: np.ndarray, k: int) -> list[Tier]:
    """Top when the whole range lies in the better half of ``k`` ranks (1 .. k // 2),
    bottom when in the worse half (k - k // 2 + 1 .. k), middle otherwise (with an odd
    ``k``, the median rank belongs to neither half)."""
    half = k // 2
    return [
        "top" if hi <= half else "bottom" if lo > k - half else "middle"
        for lo, hi in zip(low.tolist(), high.tolist(), strict=True)
    ]
