"""Two-sample differences against published tables and statsmodels / scipy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.proportion import test_proportions_2indep as sm_test_2indep

from analytics import compare, metrics


# Newcombe (1998b), Stat Med 17:873-890, Table II, method 10 (hybrid score interval,
# no continuity correction). Examples (a), (b), (d), (e), (f); written as after=first.
@pytest.mark.parametrize(
    ("x_after", "n_after", "x_before", "n_before", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
    ],
)
def test_newcombe_hybrid_score_reproduces_table_2(
    x_after: int, n_after: int, x_before: int, n_before: int, low: float, high: float
) -> None:
    d = compare.compare_proportions(x_before, n_before, x_after, n_after)
    assert (round(d.low, 4), round(d.high, 4)) == (low, high)


@pytest.mark.parametrize(
    ("xb", "nb", "xa", "na"), [(2, 7, 6, 7), (120, 400, 150, 410), (3, 50, 0, 60)]
)
def test_newcombe_matches_statsmodels(xb: int, nb: int, xa: int, na: int) -> None:
    ref = confint_proportions_2indep(xa, na, xb, nb, method="newcomb")
    d = compare.compare_proportions(xb, nb, xa, na)
    assert (d.low, d.high) == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize(
    ("xb", "nb", "xa", "na"),
    [(48, 80, 56, 70), (120, 400, 150, 410), (3, 10, 9, 10), (0, 29, 5, 56), (5, 5, 0, 7)],
)
def test_proportion_p_value_inverts_newcombes_interval(xb: int, nb: int, xa: int, na: int) -> None:
    d = compare.compare_proportions(xb, nb, xa, na)
    # statsmodels confint_proportions_2indep(xa, na, xb, nb, method="newcomb", alpha=p):
    # the interval at level 1 - p has its bound nearest zero at zero.
    low, high = confint_proportions_2indep(xa, na, xb, nb, method="newcomb", alpha=d.p)
    assert min(abs(low), abs(high)) == pytest.approx(0, abs=1e-9)
    # Away from the boundary it is close to the pooled score test (statsmodels
    # test_proportions_2indep(..., method="score", correction=False): 0.04684 here).
    if (xb, nb, xa, na) == (120, 400, 150, 410):
        ref = sm_test_2indep(xa, na, xb, nb, method="score", correction=False)
        assert (round(ref.pvalue, 5), round(d.p, 5)) == (0.04684, 0.04683)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from([0.05, 0.05 / 3, 0.05 / 6, 0.01]),
)
def test_proportion_interval_excludes_zero_exactly_when_p_is_below_its_level(
    before: tuple[int, int], after: tuple[int, int], alpha: float
) -> None:
    d = compare.compare_proportions(*before, *after, alpha=alpha)
    assert (d.low > 0 or d.high < 0) == (d.p < alpha) or abs(d.p - alpha) < 1e-9


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(5, 1, 40), rng.normal(5.6, 2, 25)
    before = metrics.mean_from_moments(a.size, a.sum(), (a * a).sum())
    after = metrics.mean_from_moments(b.size, b.sum(), (b * b).sum())
    d = compare.compare_means(before, after)
    ref = stats.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert d.p == pytest.approx(ref.pvalue)
    assert (d.low, d.high) == pytest.approx((ci.low, ci.high))


def test_nps_difference_combines_variances() -> None:
    before = metrics.nps_from_counts(300, 200, 1000)
    after = metrics.nps_from_counts(380, 150, 1000)
    d = compare.compare_normal(before, after)
    assert d.estimate == pytest.approx(13.0)  # 23 - 10
    assert d.se == pytest.approx(np.hypot(before.se, after.se))
    assert d.direction == "up" and d.significant


def test_no_real_change_when_interval_crosses_zero() -> None:
    d = compare.compare_proportions(50, 100, 53, 100)
    assert d.low < 0 < d.high
    assert d.direction == "none" and not d.significant


def test_empty_windows_give_unknown_not_errors() -> None:
    assert compare.compare_proportions(0, 0, 5, 10).direction == "none"
    assert compare.compare_means(metrics.EMPTY, metrics.EMPTY).direction == "none"
