"""Empirical-Bayes shrinkage for fair rankings, against the reference formulas
worked by hand (Kleinman 1973 / Efron & Morris 1975 for proportions, Morris 1983
for the normal model)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analytics.review import rankings


def test_beta_binomial_method_of_moments_by_hand() -> None:
    # x = (2, 9, 12, 30), n = (10, 10, 20, 40)
    # mu = 53 / 80 = 0.6625; p = (0.2, 0.9, 0.6, 0.75)
    # S2 = (0.4625^2 + 0.2375^2 + 0.0625^2 + 0.0875^2) / 3 = 0.281875 / 3 = 0.0939583
    # binomial part = mu (1 - mu) mean(1/n) = 0.22359375 * 0.06875 = 0.0153721
    # tau2 = 0.0939583 - 0.0153721 = 0.0785863
    # a + b = 0.22359375 / 0.0785863 - 1 = 1.84520; a = 0.6625 * 1.84520 = 1.22245
    prior = rankings.beta_binomial_mom(np.array([2, 9, 12, 30]), np.array([10, 10, 20, 40]))
    assert round(prior.mean, 5) == 0.6625
    assert round(prior.tau2, 5) == 0.07859
    assert round(prior.a, 5) == 1.22245
    assert round(prior.b, 5) == 0.62276
    post, low, high = rankings.shrink_proportions(
        np.array([2, 9, 12, 30]), np.array([10, 10, 20, 40]), prior
    )
    # (2 + 1.22245) / (10 + 1.84520) = 0.27205 ... (30 + 1.22245) / (40 + 1.84520) = 0.74614
    assert np.round(post, 5).tolist() == [0.27205, 0.863, 0.60528, 0.74614]
    assert (low < post).all() and (post < high).all()


def test_no_spread_beyond_noise_pools_completely_with_capped_weight() -> None:
    prior = rankings.beta_binomial_mom(np.array([5, 5, 5]), np.array([10, 10, 10]))
    assert prior.tau2 == 0.0
    assert prior.a + prior.b == 30.0  # capped at all the data
    post, _, _ = rankings.shrink_proportions(np.array([5]), np.array([10]), prior)
    assert post[0] == pytest.approx(0.5)


def test_normal_model_for_nps_by_hand() -> None:
    # P = (6, 2, 30, 12), D = (1, 5, 10, 2), n = (10, 10, 50, 20); N = 90
    # p = 50/90, d = 18/90; sigma2 = p + d - (p - d)^2 = 0.62914; mu = p - d = 0.35556
    # y = (0.5, -0.3, 0.4, 0.5); S2 = sum (y - mu)^2 / 3 = 0.15782
    # mean v = sigma2 * mean(1/n) = 0.04247; tau2 = 0.15782 - 0.04247 = 0.11535
    # k = 4: James-Stein factor (k - 3)/(k - 1) = 1/3
    # B1 = 1/3 * (0.62914/10) / (0.062914 + 0.11535) = 0.11764
    # post1 = mu + (1 - B1)(0.5 - mu) = 0.35556 + 0.88236 * 0.14444 = 0.48301
    p, d, n = np.array([6, 2, 30, 12]), np.array([1, 5, 10, 2]), np.array([10, 10, 50, 20])
    prior = rankings.normal_mom(p, d, n)
    assert round(prior.mean, 5) == 0.35556
    assert round(prior.sigma2, 5) == 0.62914
    assert round(prior.tau2, 5) == 0.11535
    post, low, high = rankings.shrink_normal(p, d, n, prior)
    assert np.round(post, 5).tolist() == [0.48301, -0.22288, 0.39854, 0.48968]
    assert (low < post).all() and (post < high).all()


# Efron & Morris (1975), table 1: hits in the first 45 at-bats of 1970 for 18 players
# (Clemente 18 ... Alvis 7) and their James-Stein estimates, ybar + c (y - ybar) with
# c = 1 - (k - 3) sigma2 / sum (y - ybar)^2 = 0.212, as printed in Efron & Morris
# (1977), "Stein's paradox in statistics", Scientific American 236(5), p. 121. The
# paper rounds ybar to .265 and c to .212, so two entries differ in the third decimal.
HITS = [18, 17, 16, 15, 14, 14, 13, 12, 11, 11, 10, 10, 10, 10, 10, 9, 8, 7]
JAMES_STEIN = [
    0.294, 0.289, 0.285, 0.280, 0.275, 0.275, 0.270, 0.265, 0.261,
    0.261, 0.256, 0.256, 0.256, 0.256, 0.256, 0.251, 0.247, 0.242,
]  # fmt: skip


def test_normal_shrinkage_reproduces_efron_and_morris_batting_averages() -> None:
    hits, n = np.array(HITS), np.full(len(HITS), 45)
    prior = rankings.normal_mom(hits, np.zeros_like(hits), n)  # no "detractors"
    assert round(prior.mean, 3) == 0.265
    post, _, _ = rankings.shrink_normal(hits, np.zeros_like(hits), n, prior)
    assert np.abs(post - np.array(JAMES_STEIN)).max() < 0.001
    c = (post[0] - prior.mean) / (HITS[0] / 45 - prior.mean)  # the shrinkage factor
    assert c == pytest.approx(0.2117, abs=1e-4)


def test_fewer_than_four_units_are_not_shrunk() -> None:
    p, d, n = np.array([8, 2, 5]), np.array([1, 5, 2]), np.array([10, 10, 10])
    post, _, _ = rankings.shrink_normal(p, d, n, rankings.normal_mom(p, d, n))
    assert post.tolist() == pytest.approx([0.7, -0.3, 0.3])


def _stats() -> pl.DataFrame:
    rows = [  # team, agent, n, top2
        ("T1", "lucky", 5, 5),
        ("T1", "steady", 200, 170),
        ("T1", "mid", 150, 110),
        ("T1", "weak", 120, 60),
        ("T2", "b1", 100, 60),
        ("T2", "b2", 100, 70),
        ("T2", "b3", 100, 50),
    ]
    return pl.DataFrame(
        [
            dict(team=t, agent_id=a, n_nps=n, promoters=x, detractors=0, n_csat=n, csat_top2=x)
            for t, a, n, x in rows
        ]
    )


def test_a_few_lucky_answers_do_not_top_the_ranking() -> None:
    table = rankings.rank(_stats(), "csat", "agent", min_n=30)
    lucky = table.row(by_predicate=pl.col("unit") == "lucky", named=True)
    assert lucky["raw"] == 100.0
    assert lucky["value"] < lucky["raw"]  # pulled toward the team
    assert lucky["rank"] is None  # shown, not ranked: 5 answers
    assert table["unit"][0] == "steady" and table["rank"][0] == 1
    ranked = table.filter(pl.col("rank").is_not_null())
    assert ranked["value"].is_sorted(descending=True)
    assert ranked["rank"].to_list() == list(range(1, ranked.height + 1))


def test_teams_shrink_toward_the_center() -> None:
    table = rankings.rank(_stats(), "csat", "team", min_n=1)
    assert set(table["unit"]) == {"T1", "T2"}
    center = 100 * (345 + 180) / (475 + 300)
    assert table["prior"].to_list() == pytest.approx([center, center])
    for r in table.iter_rows(named=True):
        assert min(r["raw"], center) - 1e-9 <= r["value"] <= max(r["raw"], center) + 1e-9
