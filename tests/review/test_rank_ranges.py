"""Rank ranges and tiers (Goldstein & Spiegelhalter 1996), checked against an
independent computation: the exact distribution of each unit's rank by numerical
integration, P(rank_i = r) = ∫ f_i(t) · P(exactly r − 1 others exceed t) dt, with
the count of others above t a Poisson-binomial over their survival functions
(scipy.stats, no simulation). Then the same on the ranking page's table."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import stats

from analytics.review import rank_ranges, rankings

GRID = np.linspace(-1.5, 1.5, 30_001)


def exact_rank_probabilities(dists: list[stats.rv_continuous]) -> np.ndarray:
    """K x K: row i the probabilities of ranks 1..K (1 = highest) for independent units."""
    pdf = np.array([d.pdf(GRID) for d in dists])
    above = np.array([d.sf(GRID) for d in dists])
    k = len(dists)
    out = np.zeros((k, k))
    for i in range(k):
        count = np.zeros((len(GRID), k))
        count[:, 0] = 1.0
        for j in (j for j in range(k) if j != i):  # Poisson-binomial, one unit at a time
            count[:, 1:] = (
                count[:, 1:] * (1 - above[j, :, None]) + count[:, :-1] * above[j, :, None]
            )
            count[:, 0] *= 1 - above[j]
        out[i] = np.trapezoid(pdf[i, :, None] * count, GRID, axis=0)
    return out


def exact_range(probs: np.ndarray) -> tuple[list[int], list[int]]:
    """The 2.5% and 97.5% rank quantiles of each row, and a check that no cumulative
    probability sits within Monte-Carlo reach (0.01) of either threshold."""
    cdf = probs.cumsum(axis=1)
    for q in (0.025, 0.975):
        assert (np.abs(cdf - q) > 0.01).all(), "an ambiguous quantile: choose other units"
    low = (cdf >= 0.025).argmax(axis=1) + 1
    high = (cdf >= 0.975 - 1e-12).argmax(axis=1) + 1
    return low.tolist(), high.tolist()


def simulated_probabilities(ranked: np.ndarray) -> np.ndarray:
    k = ranked.shape[1]
    return np.array([[np.mean(ranked[:, i] == r) for r in range(1, k + 1)] for i in range(k)])


# Five CSAT posteriors: a clear leader, two close pairs.
BETAS = [(90, 10), (70, 30), (68, 32), (40, 60), (41, 59)]


def test_beta_rank_ranges_equal_the_exact_rank_distribution() -> None:
    probs = exact_rank_probabilities([stats.beta(a, b) for a, b in BETAS])
    assert probs.sum(axis=1) == pytest.approx(np.ones(5), abs=1e-6)
    a, b = (np.array(v, float) for v in zip(*BETAS, strict=True))
    ranked = rank_ranges.ranks(rank_ranges.beta_draws(a, b))
    assert np.abs(simulated_probabilities(ranked) - probs).max() < 0.03  # ~4 MC s.e.
    low, high = rank_ranges.rank_range(ranked)
    assert (low.tolist(), high.tolist()) == exact_range(probs)
    assert (low.tolist(), high.tolist()) == ([1, 2, 2, 4, 4], [1, 3, 3, 5, 5])


def test_normal_rank_ranges_with_a_shared_group_mean_equal_the_exact_distribution() -> None:
    """Given the group-mean error δ the units are independent normals; the exact rank
    distribution is their integral over δ ~ N(0, s²) (Gauss-Hermite, 40 nodes)."""
    mean = np.array([0.45, 0.30, 0.26, 0.10, 0.05])
    cond_sd, pull = np.array([0.03, 0.04, 0.04, 0.05, 0.03]), np.array([0.2, 0.5, 0.4, 0.6, 0.1])
    s = 0.05
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    probs = sum(
        w
        / np.sqrt(2 * np.pi)
        * exact_rank_probabilities(
            [stats.norm(m + b * s * x, c) for m, b, c in zip(mean, pull, cond_sd, strict=True)]
        )
        for x, w in zip(nodes, weights, strict=True)
    )
    draws = rank_ranges.normal_draws(mean, cond_sd, pull, np.zeros(5, int), np.full(5, s))
    ranked = rank_ranges.ranks(draws)
    assert np.abs(simulated_probabilities(ranked) - probs).max() < 0.03
    low, high = rank_ranges.rank_range(ranked)
    assert (low.tolist(), high.tolist()) == exact_range(probs)


def test_normal_draws_have_the_posterior_variance_and_share_only_their_group_mean() -> None:
    mean, cond_sd = np.array([0.1, 0.2, 0.3]), np.array([0.02, 0.03, 0.04])
    pull, group, s = np.array([0.5, 0.8, 0.6]), np.array([0, 0, 1]), np.array([0.05, 0.05, 0.1])
    draws = rank_ranges.normal_draws(mean, cond_sd, pull, group, s, draws=200_000)
    assert draws.mean(axis=0) == pytest.approx(mean, abs=1e-3)
    # var = (1 - B) v + B^2 var(mu), written as cond_sd^2 + (B s)^2 (rankings.shrink_normal)
    assert draws.var(axis=0) == pytest.approx(cond_sd**2 + (pull * s) ** 2, rel=0.02)
    cov = np.cov(draws, rowvar=False)
    assert cov[0, 1] == pytest.approx(0.5 * 0.8 * 0.05**2, rel=0.05)  # same group
    assert abs(cov[0, 2]) < 2e-5  # different groups: independent


def test_ranks_and_ranges_by_hand() -> None:
    assert rank_ranges.ranks(np.array([[0.3, 0.9, 0.5], [0.1, 0.2, 0.3]])).tolist() == [
        [3, 1, 2],
        [3, 2, 1],
    ]
    # 100 draws: rank 1 three times, 2 ninety-four times, 3 three times.
    # P(rank <= 1) = 0.03 >= 0.025 -> low 1; P(rank <= 2) = 0.97 < 0.975 -> high 3.
    column = np.array([1] * 3 + [2] * 94 + [3] * 3)[:, None]
    low, high = rank_ranges.rank_range(column)
    assert (low.tolist(), high.tolist()) == ([1], [3])
    column = np.array([1] * 2 + [2] * 96 + [3] * 2)[:, None]  # 0.02 and 0.98: both 2
    assert [v.tolist() for v in rank_ranges.rank_range(column)] == [[2], [2]]


@pytest.mark.parametrize(
    ("k", "low", "high", "tier"),
    [
        (8, 1, 4, "top"),
        (8, 1, 5, "middle"),
        (8, 5, 8, "bottom"),
        (8, 4, 5, "middle"),
        (7, 1, 3, "top"),
        (7, 4, 4, "middle"),  # the median rank of 7 is in neither half
        (7, 5, 7, "bottom"),
        (2, 1, 1, "top"),
        (2, 2, 2, "bottom"),
        (1, 1, 1, "middle"),
    ],
)
def test_tiers_are_read_off_the_ranges(k: int, low: int, high: int, tier: str) -> None:
    assert rank_ranges.tiers(np.array([low]), np.array([high]), k) == [tier]


def _stats(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            dict(team=t, agent_id=a, n_nps=n, promoters=x, detractors=0, n_csat=n, csat_top2=x)
            for t, a, n, x in rows
        ]
    )


def test_the_ranking_table_carries_ranges_from_the_shrunk_posteriors() -> None:
    """The page's CSAT table for one team: ranges from its Beta posteriors
    (x + a, n − x + b, the prior by rankings.beta_binomial_mom), computed exactly."""
    rows = [("T", "best", 400, 380), ("T", "near1", 300, 240), ("T", "near2", 300, 237),
            ("T", "low", 400, 240), ("T", "few", 10, 10)]  # fmt: skip
    table = rankings.rank(_stats(rows), "csat", "agent", min_n=30)
    ranked = [r for r in rows if r[2] >= 30]
    x, n = np.array([r[3] for r in ranked]), np.array([r[2] for r in ranked])
    prior = rankings.beta_binomial_mom(
        np.array([r[3] for r in rows]), np.array([r[2] for r in rows])
    )
    probs = exact_rank_probabilities(
        [stats.beta(xi + prior.a, ni - xi + prior.b) for xi, ni in zip(x, n, strict=True)]
    )
    low, high = exact_range(probs)
    got = {r["unit"]: r for r in table.iter_rows(named=True)}
    for unit, lo, hi in zip([r[1] for r in ranked], low, high, strict=True):
        assert (got[unit]["rank_low"], got[unit]["rank_high"]) == (lo, hi)
    assert got["best"]["tier"] == "top" and got["low"]["tier"] == "bottom"
    assert got["near1"]["tier"] == got["near2"]["tier"] == "middle"
    assert got["few"]["rank_low"] is None and got["few"]["tier"] is None  # not ranked


@pytest.mark.parametrize("metric", rankings.METRICS)
def test_tiers_agree_with_the_ranges_shown_and_the_order(metric: str) -> None:
    rng = np.random.default_rng(5)
    rows = [(f"T{i % 3}", f"a{i:02}", int(n), int(rng.binomial(n, 0.7)))
            for i, n in enumerate(rng.integers(20, 300, 40))]  # fmt: skip
    table = rankings.rank(_stats(rows), metric, "agent", min_n=30).filter(
        pl.col("rank").is_not_null()
    )
    k = table.height
    for r in table.iter_rows(named=True):
        assert 1 <= r["rank_low"] <= r["rank_high"] <= k
        assert (r["tier"] == "top") == (r["rank_high"] <= k // 2)
        assert (r["tier"] == "bottom") == (r["rank_low"] > k - k // 2)
    # Listed by tier, then by rank: no top-tier unit below a middle one.
    order = [rank_ranges.TIERS.index(k) for k in table["tier"]]
    assert order == sorted(order) and 0 in order
    for _, part in table.group_by("tier"):
        assert part["rank"].is_sorted()
    again = rankings.rank(_stats(rows), metric, "agent", min_n=30)
    assert again.filter(pl.col("rank").is_not_null()).equals(table)  # seeded


def test_no_ranked_unit_gives_empty_rank_columns() -> None:
    table = rankings.rank(_stats([("T", "a", 5, 4), ("T", "b", 6, 3)]), "csat", "agent", min_n=30)
    assert table["rank_low"].null_count() == table["tier"].null_count() == table.height
