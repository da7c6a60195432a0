"""Metric estimates against published references and independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analytics import metrics


# Newcombe (1998a), Stat Med 17:857-872, Table I, method 3 (Wilson score, no continuity
# correction): published 95% limits, four decimals.
@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_reproduces_newcombe_1998_table_1(x: int, n: int, low: float, high: float) -> None:
    lo, hi = metrics.wilson(x, n)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


@pytest.mark.parametrize(("x", "n"), [(0, 1), (1, 3), (7, 40), (99, 100), (500, 1000)])
def test_wilson_matches_statsmodels(x: int, n: int) -> None:
    # Independent implementation: statsmodels.stats.proportion.proportion_confint(method="wilson").
    expected = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert metrics.wilson(x, n) == pytest.approx(expected, abs=1e-12)


def test_nps_uses_trinomial_variance() -> None:
    # 5 promoters, 3 passives, 2 detractors: p=.5, d=.2, NPS=30; var = .5+.2-.3^2 = .61.
    scores = [10, 9, 9, 10, 9, 7, 8, 7, 3, 0]
    e = metrics.nps(scores)
    assert e.value == pytest.approx(30.0)
    assert e.se == pytest.approx(100 * math.sqrt(0.61 / 10))
    # Same as the population s.d. of the +1/0/-1 codes (numpy, ddof=0) / sqrt(n).
    codes = np.array([1, 1, 1, 1, 1, 0, 0, 0, -1, -1])
    assert e.se == pytest.approx(100 * codes.std(ddof=0) / math.sqrt(10))
    assert (e.low, e.high) == pytest.approx((30 - 1.959964 * e.se, 30 + 1.959964 * e.se))
    assert e.n == 10 and e.low_sample


def test_nps_accepts_zero_and_rejects_out_of_range() -> None:
    assert metrics.nps([0, 0, 10]).value == pytest.approx(-100 / 3)
    with pytest.raises(ValueError, match="between 0 and 10"):
        metrics.nps([11])


def test_csat_is_top_two_box_with_wilson() -> None:
    e = metrics.csat([5, 4, 3, 2, 1, 5, 5, 4])
    assert e.value == pytest.approx(62.5)
    lo, hi = proportion_confint(5, 8, method="wilson")
    assert (e.low, e.high) == pytest.approx((100 * lo, 100 * hi))


def test_ces_mean_t_interval_matches_scipy() -> None:
    scores = [7, 6, 6, 5, 3, 7, 2, 6, 5, 4, 7, 6]
    e = metrics.ces(scores, scale=7)
    ref = stats.t.interval(0.95, len(scores) - 1, loc=np.mean(scores), scale=stats.sem(scores))
    assert e.value == pytest.approx(np.mean(scores))
    assert (e.low, e.high) == pytest.approx(ref)
    with pytest.raises(ValueError, match="between 1 and 5"):
        metrics.ces([6], scale=5)


def test_empty_and_single_observations_do_not_crash() -> None:
    assert metrics.nps([]).empty
    assert math.isnan(metrics.csat([]).value)
    single = metrics.ces([4])
    assert single.value == 4 and math.isnan(single.low)


def test_low_sample_flag_threshold() -> None:
    assert metrics.proportion(10, 29).low_sample
    assert not metrics.proportion(10, 30).low_sample


scores_0_10 = st.lists(st.integers(0, 10), min_size=1, max_size=400)


@given(scores_0_10)
def test_nps_and_its_interval_stay_within_bounds(scores: list[int]) -> None:
    e = metrics.nps(scores)
    assert -100 <= e.low <= e.value <= e.high <= 100


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 10)), min_size=1, max_size=300))
def test_combining_segment_statistics_equals_raw_rows(rows: list[tuple[int, int]]) -> None:
    """Sum of per-segment sufficient statistics gives the same NPS as the raw scores."""
    promoters = detractors = n = 0
    for seg in {s for s, _ in rows}:
        part = [score for s, score in rows if s == seg]
        promoters += sum(x >= 9 for x in part)
        detractors += sum(x <= 6 for x in part)
        n += len(part)
    combined = metrics.nps_from_counts(promoters, detractors, n)
    raw = metrics.nps([score for _, score in rows])
    assert combined == raw


@given(st.lists(st.floats(1, 7, allow_nan=False), min_size=2, max_size=200))
def test_mean_from_moments_equals_direct_mean(values: list[float]) -> None:
    a = np.array(values)
    e = metrics.mean_from_moments(a.size, float(a.sum()), float((a * a).sum()))
    assert e.value == pytest.approx(a.mean())
    assert e.se == pytest.approx(a.std(ddof=1) / math.sqrt(a.size), abs=1e-6)
