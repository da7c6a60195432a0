"""Process-change statistics against published results and independent computations.

Reference data: tests/data/changes/ (provenance and checksums in its README.md).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import confint_proportions_2indep

from analytics import changes, compare, metrics
from analytics.changes import Counts, Moments, NpsCounts, its, power
from analytics.changes.its import TimePoint

DATA = Path(__file__).parent.parent / "data" / "changes"


@pytest.fixture(scope="module")
def njmin3() -> pl.DataFrame:
    return pl.read_csv(DATA / "njmin3_card_krueger.csv", null_values=["NA"])


@pytest.fixture(scope="module")
def california() -> pl.DataFrame:
    df = pl.read_csv(DATA / "california_prop99.csv")
    return df.filter(pl.col("State") == "California").sort("Year")


# --- Difference-in-differences: Card and Krueger (1994) ------------------------------

CHAINS = ["kfc", "roys", "wendys", "co_owned"]


# Hill, Griffiths and Lim, Principles of Econometrics 4e, ch. 7 (njmin3), OLS on the
# 794 restaurants with fte: DiD coefficient on d_nj and its (classical) s.e.
@pytest.mark.parametrize(
    ("covariates", "effect", "se"),
    [
        ((), 2.7536, 1.6884),
        (CHAINS, 2.8451, 1.5233),
        ([*CHAINS, "southj", "centralj", "pa1"], 2.8149, 1.5024),
    ],
)
def test_did_reproduces_card_krueger(
    njmin3: pl.DataFrame, covariates: list[str], effect: float, se: float
) -> None:
    res = changes.difference_in_differences(njmin3, "fte", "nj", "d", covariates=covariates)
    row = res.table.filter(pl.col("term") == "effect").row(0, named=True)
    assert (round(row["estimate"], 4), round(row["se"], 4)) == (effect, se)
    assert res.n == 794  # 820 rows, 26 without fte, dropped as the textbook does
    assert res.table["term"].to_list()[:4] == ["intercept", "treated", "post", "effect"]
    assert res.cov_type == "classical" and res.n_clusters is None


def test_did_cell_means_match_card_krueger(njmin3: pl.DataFrame) -> None:
    # Principles of Econometrics 4e, ch. 7: PA 23.33 / 21.17, NJ 20.44 / 21.03.
    res = changes.difference_in_differences(njmin3, "fte", "nj", "d")
    cells = {
        (r["treated"], r["post"]): round(r["mean"], 2) for r in res.cell_means.iter_rows(named=True)
    }
    assert cells == {(0, 0): 23.33, (0, 1): 21.17, (1, 0): 20.44, (1, 1): 21.03}
    # Without covariates the effect is exactly the difference of the differences.
    m = res.cell_means["mean"].to_list()
    assert res.effect.estimate == pytest.approx((m[3] - m[2]) - (m[1] - m[0]), abs=1e-10)


def _panel(
    rng: np.random.Generator, units: int = 12, effect: float = 4.0, pre_gap_slope: float = 0.0
) -> pl.DataFrame:
    """Queues x 10 weeks; half of the queues treated from week 6; queue effects."""
    rows = []
    for u in range(units):
        treated = u < units // 2
        level = 50 + rng.normal(0, 1)
        for w in range(10):
            gap = effect * (treated and w >= 6) + pre_gap_slope * treated * (w - 6)
            y = level + 0.3 * w + gap + rng.normal(0, 1)
            rows.append((f"q{u}", int(treated), w, int(w >= 6), y))
    return pl.DataFrame(rows, schema=["queue", "treated", "week", "post", "y"], orient="row")


def test_did_cluster_errors_are_cr1() -> None:
    """CR1 as Stata's vce(cluster): G/(G-1) * (N-1)/(N-K) * sandwich; t(G - 1)."""
    df = _panel(np.random.default_rng(5))
    res = changes.difference_in_differences(df, "y", "treated", "post", cluster="queue")
    d, p = df["treated"].to_numpy(), df["post"].to_numpy()
    x = np.column_stack([np.ones(len(d)), d, p, d * p])
    y = df["y"].to_numpy()
    xtx_inv = np.linalg.inv(x.T @ x)
    e = y - x @ (xtx_inv @ x.T @ y)
    queue = df["queue"].to_numpy()
    scores = [x[queue == q].T @ e[queue == q] for q in np.unique(queue)]
    meat = sum(np.outer(s, s) for s in scores)
    n, k, g = len(y), x.shape[1], df["queue"].n_unique()
    v = g / (g - 1) * (n - 1) / (n - k) * xtx_inv @ meat @ xtx_inv
    assert res.table["se"].to_list() == pytest.approx(np.sqrt(np.diag(v)).tolist(), rel=1e-10)
    assert res.n_clusters == 12 and res.df == 11 and res.few_clusters
    half = res.effect.high - res.effect.estimate
    assert half == pytest.approx(res.effect.se * 2.200985160082949)  # t(11) 97.5%


def test_did_weighted_cells_equal_statsmodels_wls() -> None:
    df = _panel(np.random.default_rng(9)).with_columns(n=pl.Series(np.arange(120) % 7 + 1))
    res = changes.difference_in_differences(df, "y", "treated", "post", weight="n")
    d, p = df["treated"].to_numpy(), df["post"].to_numpy()
    x = np.column_stack([np.ones(len(d)), d, p, d * p])
    ref = sm.WLS(df["y"].to_numpy(), x, weights=df["n"].to_numpy()).fit()
    assert res.table["estimate"].to_list() == pytest.approx(ref.params.tolist())
    assert res.table["se"].to_list() == pytest.approx(ref.bse.tolist())


# --- Event study -----------------------------------------------------------------------


def test_event_study_equals_differences_of_cell_means() -> None:
    """Saturated in group x period, each lead/lag is the gap's change since period -1."""
    df = _panel(np.random.default_rng(1))
    res = changes.event_study(df, "y", "treated", "week", 6)
    means = df.group_by("treated", "week").agg(pl.col("y").mean())
    gap = {w: _cell(means, 1, w) - _cell(means, 0, w) for w in range(10)}
    got = dict(zip(res.table["relative_period"], res.table["estimate"], strict=True))
    assert got == pytest.approx({w - 6: gap[w] - gap[5] for w in range(10)})
    ref = res.table.filter(pl.col("relative_period") == -1).row(0, named=True)
    assert ref["term"] == "lead_1" and ref["estimate"] == 0 and ref["se"] is None
    assert (res.n_leads, res.n_lags) == (5, 4)


def _cell(means: pl.DataFrame, treated: int, week: int) -> float:
    return means.filter((pl.col("treated") == treated) & (pl.col("week") == week))["y"].item()


def test_event_study_finds_planted_effect_and_parallel_trends() -> None:
    df = _panel(np.random.default_rng(2), units=40)
    res = changes.event_study(df, "y", "treated", "week", 6, cluster="queue")
    lags = res.table.filter(pl.col("relative_period") >= 0)
    assert ((lags["low"] < 4) & (lags["high"] > 4)).all()
    assert res.parallel_pre_trends and res.pre_trend_p > 0.05 and res.n_clusters == 40


def test_event_study_flags_diverging_pre_trends() -> None:
    df = _panel(np.random.default_rng(3), units=40, pre_gap_slope=0.8)
    res = changes.event_study(df, "y", "treated", "week", 6, cluster="queue")
    assert not res.parallel_pre_trends and res.pre_trend_p < 0.001


def test_event_study_pre_trend_test_without_cluster_is_the_classical_f() -> None:
    df = _panel(np.random.default_rng(4))
    res = changes.event_study(df, "y", "treated", "week", 6)
    # Restricted model: no leads (treated x pre-period dummies); nested-model F test.
    full = _event_ols(df, with_leads=True)
    restricted = _event_ols(df, with_leads=False)
    f, p, _ = full.compare_f_test(restricted)
    assert (res.pre_trend_f, res.pre_trend_p) == pytest.approx((f, p))


def _event_ols(df: pl.DataFrame, with_leads: bool) -> sm.regression.linear_model.RegressionResults:
    d, w = df["treated"].to_numpy(), df["week"].to_numpy()
    fe = [(w == k).astype(float) for k in range(1, 10)]
    keep = [k for k in range(10) if k != 5 and (with_leads or k >= 6)]
    x = np.column_stack([np.ones(len(d)), d, *fe, *[d * (w == k) for k in keep]])
    return sm.OLS(df["y"].to_numpy(), x).fit()


def test_event_study_unit_fixed_effects_keep_the_gaps_and_shrink_the_noise() -> None:
    """Balanced panel: unit fixed effects leave each lead/lag as it was (the gaps of
    group means), but no longer count the units' different levels as noise."""
    df = _panel(np.random.default_rng(6)).with_columns(
        y=pl.col("y") + pl.col("queue").str.slice(1).cast(pl.Int64) * 3.0  # levels 0..33
    )
    pooled = changes.event_study(df, "y", "treated", "week", 6)
    fixed = changes.event_study(df, "y", "treated", "week", 6, unit="queue")
    assert fixed.table["estimate"].to_list() == pytest.approx(pooled.table["estimate"].to_list())
    ses = zip(fixed.table["se"].drop_nulls(), pooled.table["se"].drop_nulls(), strict=True)
    assert all(a < b / 3 for a, b in ses)
    # The classical F test of the leads, as a nested-model comparison with unit dummies.
    d, w, q = df["treated"].to_numpy(), df["week"].to_numpy(), df["queue"].to_numpy()
    units = [(q == u).astype(float) for u in sorted(set(q))[1:]]
    fe = [(w == k).astype(float) for k in range(1, 10)]

    def ols(keep: list[int]) -> sm.regression.linear_model.RegressionResults:
        x = np.column_stack([np.ones(len(d)), *units, *fe, *[d * (w == k) for k in keep]])
        return sm.OLS(df["y"].to_numpy(), x).fit()

    f, p, _ = ols([0, 1, 2, 3, 4, 6, 7, 8, 9]).compare_f_test(ols([6, 7, 8, 9]))
    assert (fixed.pre_trend_f, fixed.pre_trend_p) == pytest.approx((f, p))


def test_event_study_unit_effects_need_treatment_constant_within_units() -> None:
    df = _panel(np.random.default_rng(0)).with_columns(
        treated=pl.when(pl.col("week") == 0).then(1 - pl.col("treated")).otherwise("treated")
    )
    with pytest.raises(ValueError, match="constant within each queue"):
        changes.event_study(df, "y", "treated", "week", 6, unit="queue")


# --- Interrupted time series: Linden (2015), California Proposition 99 ------------------


def test_its_reproduces_linden_2015_california(california: pl.DataFrame) -> None:
    """``itsa cigsale, single trperiod(1989) lag(1) posttrend`` (Linden 2015).

    Printed by Linden in the ``power itsa`` help file, which restates this model:
    tint(132.2258) tpre(-1.779474) tstep(-20.0581) tpost(-3.274126), and the 1989
    counterfactual 98.416.
    """
    res = changes.interrupted_time_series(california, "Year", "PacksPerCapita", 1989)
    b = dict(zip(res.table["term"], res.table["estimate"], strict=True))
    assert round(b["intercept"], 4) == 132.2258
    assert round(b["pre_slope"], 6) == -1.779474
    assert round(b["level_change"], 4) == -20.0581
    assert round(b["pre_slope"] + b["slope_change"], 6) == -3.274126  # post trend
    assert round(b["slope_change"], 3) == -1.495
    cf_1989 = res.fit.filter(pl.col("time") == 1989)["counterfactual"].item()
    assert round(cf_1989, 3) == 98.416
    assert (res.n_before, res.n_after, res.df) == (19, 12, 27)


def test_its_newey_west_errors_match_an_independent_sandwich(california: pl.DataFrame) -> None:
    """Bartlett lag-1 sandwich scaled by n / (n - k), as Stata's ``newey`` does."""
    res = changes.interrupted_time_series(california, "Year", "PacksPerCapita", 1989)
    y = california["PacksPerCapita"].to_numpy()
    t = california["Year"].to_numpy() - 1970.0
    post = (t >= 19).astype(float)
    x = np.column_stack([np.ones_like(t), t, post, post * (t - 19)])
    bread = np.linalg.inv(x.T @ x)
    u = x * (y - x @ bread @ x.T @ y)[:, None]
    lag1 = u[1:].T @ u[:-1]
    meat = u.T @ u + 0.5 * (lag1 + lag1.T)  # Bartlett weight 1 - 1/(1+1)
    n, k = x.shape
    se = np.sqrt(np.diag(bread @ meat @ bread) * n / (n - k))
    assert res.table["se"].to_list() == pytest.approx(se.tolist(), rel=1e-10)
    # Our numbers, for the record (not printed in a source we could check):
    assert res.table["se"].round(4).to_list() == [4.2531, 0.3834, 4.7244, 0.4368]


def test_its_fit_frame_has_counterfactual_and_post_fit(california: pl.DataFrame) -> None:
    res = changes.interrupted_time_series(california, "Year", "PacksPerCapita", 1989)
    pre, post = res.fit.filter(~pl.col("post")), res.fit.filter(pl.col("post"))
    assert pre["fitted"].to_list() == pytest.approx(pre["counterfactual"].to_list())
    b = res.table["estimate"].to_list()
    assert post["counterfactual"].to_list() == pytest.approx((b[0] + b[1] * post["t"]).to_list())
    gap = (post["fitted"] - post["counterfactual"]).mean()
    assert res.effect.estimate == pytest.approx(gap)


def test_its_weights_give_statsmodels_wls_hac() -> None:
    rng = np.random.default_rng(11)
    n = np.arange(20) % 5 + 10
    y = 60 + 0.2 * np.arange(20) + 3 * (np.arange(20) >= 10) + rng.normal(0, 1, 20)
    df = pl.DataFrame({"week": np.arange(20), "nps": y, "n": n})
    res = changes.interrupted_time_series(df, "week", "nps", 10, weight="n", hac_lags=2)
    t = np.arange(20.0)
    x = np.column_stack([np.ones(20), t, t >= 10, (t >= 10) * (t - 10)])
    ref = sm.WLS(y, x, weights=n).fit(
        cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True}, use_t=True
    )
    assert res.table["estimate"].to_list() == pytest.approx(ref.params.tolist())
    assert res.table["se"].to_list() == pytest.approx(ref.bse.tolist())
    assert res.weighted


MONDAYS = [dt.date(2025, 1, 6) + dt.timedelta(weeks=i) for i in range(8)]
FIRSTS = [dt.date(2024, m, 1) for m in (1, 2, 3, 4, 6, 7, 8, 9)]


@pytest.mark.parametrize(
    ("times", "change_at", "t", "n_before"),
    [
        # Weekly buckets, change on a Wednesday: that week counts as before.
        (MONDAYS, dt.date(2025, 1, 29), [0, 1, 2, 3, 4, 5, 6, 7], 4),
        # Monthly buckets: months are one period whatever their length; a gap keeps its size.
        (FIRSTS, dt.date(2024, 6, 1), [0, 1, 2, 3, 5, 6, 7, 8], 4),
        # Years as integers.
        ([2001, 2002, 2003, 2004, 2005, 2006, 2007], 2004, [0, 1, 2, 3, 4, 5, 6], 3),
    ],
)
def test_its_counts_periods(times: list, change_at: TimePoint, t: list[int], n_before: int) -> None:
    y = np.arange(len(times), dtype=float) ** 1.5
    res = changes.interrupted_time_series(pl.DataFrame({"p": times, "y": y}), "p", "y", change_at)
    assert res.fit["t"].to_list() == t
    assert res.n_before == n_before


def _ar1(rng: np.random.Generator, n: int, rho: float) -> np.ndarray:
    e = np.empty(n)
    e[0] = rng.normal() / math.sqrt(1 - rho**2)
    for i in range(1, n):
        e[i] = rho * e[i - 1] + rng.normal()
    return e


def test_its_interval_coverage_and_placebo_with_autocorrelated_noise() -> None:
    """200 series, 100 periods each side, AR(1) noise (rho = 0.1), one Newey-West lag.

    Planted level change 3 and slope change 0.2 should fall in the 95% intervals of
    most series; a placebo change (same noise, no effect) should rarely be significant.
    Newey-West with one lag is itself a little anti-conservative here: over 1000-2000
    series its coverage is 0.92-0.93 (level) and 0.91-0.93 (slope), false alarms 7%.
    So the bounds are 0.88-0.99 and <= 12%, which a 200-series run meets for almost any
    seed, while halved standard errors (coverage ~0.65) or a wrong effect fail them.
    NW(1) under-covers more with stronger autocorrelation or shorter series (rho 0.4,
    52 periods a side: 0.85).
    """
    rng = np.random.default_rng(2024)
    t = np.arange(200)
    post = t >= 100
    covered = {"level_change": 0, "slope_change": 0}
    false_alarms = 0
    for _ in range(200):
        noise = 2 * _ar1(rng, 200, 0.1)
        y = 70 + 0.1 * t + 3 * post + 0.2 * post * (t - 100) + noise
        tab = changes.interrupted_time_series(pl.DataFrame({"w": t, "y": y}), "w", "y", 100).table
        for term, truth in (("level_change", 3.0), ("slope_change", 0.2)):
            row = tab.filter(pl.col("term") == term).row(0, named=True)
            covered[term] += row["low"] <= truth <= row["high"]
        placebo = pl.DataFrame({"w": t, "y": 70 + 0.1 * t + noise})
        false_alarms += changes.interrupted_time_series(placebo, "w", "y", 100).effect.significant
    assert all(0.88 <= c / 200 <= 0.99 for c in covered.values()), covered
    assert false_alarms / 200 <= 0.12, false_alarms


def test_its_small_sample_errors_are_never_narrower_than_newey_west(
    california: pl.DataFrame,
) -> None:
    nw = changes.interrupted_time_series(california, "Year", "PacksPerCapita", 1989)
    small = changes.interrupted_time_series(
        california, "Year", "PacksPerCapita", 1989, small_sample=True
    )
    assert small.table["estimate"].to_list() == nw.table["estimate"].to_list()
    assert all(a >= b for a, b in zip(small.table["se"], nw.table["se"], strict=True))
    assert small.effect.estimate == nw.effect.estimate and small.effect.se >= nw.effect.se
    # Cigarette sales are smooth: residual r1 = 0.67, corrected to 0.67 + (1 + 4 + 2.0) / 31.
    assert small.residual_autocorrelation == pytest.approx(0.673, abs=1e-3)
    assert small.ar1_rho == pytest.approx(0.900, abs=1e-3)
    assert (nw.errors, small.errors) == ("newey_west", "small_sample")
    row = small.table.row(2, named=True)  # level change: t(27) interval around the estimate
    assert row["high"] - row["estimate"] == pytest.approx(2.0518305 * row["se"])


def test_ar1_covariance_is_classical_without_autocorrelation() -> None:
    """rho clipped to 0 (negative residual autocorrelation): s2 (X'X)^-1, s2 = e'e/(n-k)."""
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(16), np.arange(16.0), np.arange(16) >= 8])
    e = np.resize([1.0, -1.0], 16) + rng.normal(0, 0.1, 16)  # alternating: r1 near -1
    cov, rho = its.ar1_covariance(x, e, np.arange(16.0))
    assert rho == 0
    assert cov == pytest.approx(e @ e / 13 * np.linalg.inv(x.T @ x))


def test_ar1_covariance_matches_the_sandwich_with_known_rho() -> None:
    # Residuals whose corrected rho is 0.5 exactly: the sandwich with R = 0.5^|i-j|.
    n, k = 20, 2
    x = np.column_stack([np.ones(n), np.arange(n, dtype=float)])
    t = np.arange(n, dtype=float)
    rng = np.random.default_rng(8)
    e = rng.normal(size=n)
    e -= x @ np.linalg.lstsq(x, e, rcond=None)[0]  # residuals of this design
    cov, rho = its.ar1_covariance(x, e, t)
    r1 = e[1:] @ e[:-1] / (e @ e)
    assert rho == pytest.approx(min(max(r1 + (1 + k + 3 * max(r1, 0)) / n, 0), 0.95))
    r = rho ** np.abs(np.subtract.outer(t, t))
    bread = np.linalg.inv(x.T @ x)
    m = np.eye(n) - x @ bread @ x.T
    want = (e @ e) / np.trace(m @ r) * bread @ x.T @ r @ x @ bread
    assert cov == pytest.approx(want)


def _its_false_positive_rate(rho: float, side: int, series: int, **kw: object) -> float:
    rng = np.random.default_rng(99)
    t = np.arange(2 * side)
    hits = 0
    for _ in range(series):
        df = pl.DataFrame({"w": t, "y": 50 + 0.2 * t + _ar1(rng, 2 * side, rho)})
        hits += changes.interrupted_time_series(df, "w", "y", side, **kw).effect.p < 0.05  # type: ignore[arg-type]
    return hits / series


def test_its_small_sample_errors_keep_placebos_near_five_percent() -> None:
    """Placebo changes on short series (8 + 8 periods, like 8 weeks either side).

    400 series each: the binomial s.e. at 5% is 1.1 points, so <= 8.5% is more than 3
    s.e. above nominal. Over 1,500 series: Newey-West 15% (i.i.d.) and 23% (AR(1) noise,
    rho 0.3); small-sample errors 3% and 10%. With autocorrelation and 16 periods no
    method tried (Prais-Winsten, more lags) stays at 5%; on 12 + 12 periods the small-
    sample errors give 7%. The demo placebo sweep (bench_changes --placebo): 15% -> 3%.
    """
    assert _its_false_positive_rate(0.0, 8, 400) >= 0.11  # the problem: Newey-West alone
    assert _its_false_positive_rate(0.0, 8, 400, small_sample=True) <= 0.085
    assert _its_false_positive_rate(0.3, 8, 400, small_sample=True) <= 0.14
    assert _its_false_positive_rate(0.3, 12, 400, small_sample=True) <= 0.105


# --- Before/after on sufficient statistics ----------------------------------------------


def test_before_after_uses_the_comparisons_of_compare_py() -> None:
    windows: dict[str, tuple[changes.Sufficient, changes.Sufficient]] = {
        "nps": (NpsCounts(300, 200, 1000), NpsCounts(380, 150, 1000)),
        "csat": (Counts(700, 1000), Counts(760, 1000)),
        "ces": (Moments(400, 2000.0, 10_800.0), Moments(420, 2184.0, 11_900.0)),
    }
    res = changes.before_after(windows)
    nps_b, nps_a = metrics.nps_from_counts(300, 200, 1000), metrics.nps_from_counts(380, 150, 1000)
    nps = compare.compare_normal(nps_b, nps_a)
    csat = compare.compare_proportions(700, 1000, 760, 1000)
    ces_b = metrics.mean_from_moments(400, 2000.0, 10_800.0)
    ces = compare.compare_means(ces_b, metrics.mean_from_moments(420, 2184.0, 11_900.0))
    assert res["nps"].difference == nps
    assert res["csat"].difference.estimate == pytest.approx(100 * csat.estimate)  # points
    assert (res["csat"].difference.low, res["csat"].difference.high) == pytest.approx(
        (100 * csat.low, 100 * csat.high)
    )
    assert res["ces"].difference == ces
    expected = multipletests([nps.p, csat.p, ces.p], method="bonferroni")[1]
    assert res.table["p_adjusted"].to_list() == pytest.approx(expected.tolist())
    assert res.table.columns[:4] == ["metric", "kind", "n_before", "n_after"]
    assert res.m == 3 and res.table["m"].to_list() == [3, 3, 3]


def test_before_after_intervals_are_bonferroni_simultaneous_intervals() -> None:
    """Each adjusted interval is the metric's interval at level 1 - 0.05 / m, computed
    by independent code: scipy's Welch interval, statsmodels' Newcombe interval, and the
    normal quantile for the NPS difference."""
    rng = np.random.default_rng(12)
    b, a = rng.integers(1, 8, 300).astype(float), rng.integers(2, 8, 280).astype(float)
    windows: dict[str, tuple[changes.Sufficient, changes.Sufficient]] = {
        "ces": (Moments(b.size, b.sum(), (b * b).sum()), Moments(a.size, a.sum(), (a * a).sum())),
        "csat": (Counts(700, 1000), Counts(745, 1000)),
        "nps": (NpsCounts(300, 200, 1000), NpsCounts(330, 180, 1000)),
    }
    res = changes.before_after(windows)
    level = 1 - 0.05 / 3
    # scipy.stats.ttest_ind(a, b, equal_var=False).confidence_interval(1 - 0.05 / 3)
    welch = stats.ttest_ind(a, b, equal_var=False).confidence_interval(level)
    assert (res["ces"].adjusted.low, res["ces"].adjusted.high) == pytest.approx(welch)
    # statsmodels confint_proportions_2indep(745, 1000, 700, 1000, "newcomb", alpha=0.05/3)
    newcombe = confint_proportions_2indep(745, 1000, 700, 1000, method="newcomb", alpha=0.05 / 3)
    assert (res["csat"].adjusted.low, res["csat"].adjusted.high) == pytest.approx(
        tuple(100 * v for v in newcombe)
    )
    d = res["nps"].difference
    half = stats.norm.ppf(1 - 0.05 / 6) * d.se
    assert (res["nps"].adjusted.low, res["nps"].adjusted.high) == pytest.approx(
        (d.estimate - half, d.estimate + half)
    )
    for c in res.changes:  # one decision: the adjusted interval excludes 0 iff m p < 0.05
        assert c.adjusted.estimate == c.difference.estimate
        assert c.significant == (c.adjusted.p < 0.05) == (min(1, 3 * c.difference.p) < 0.05)
        # The MDE is solved at the level each metric is tested at: larger than at 5%.
        alone = changes.minimum_detectable_effect(windows[c.metric][0], c.after.n)
        assert c.mde > alone


def test_before_after_skips_a_metric_without_data() -> None:
    windows: dict[str, tuple[changes.Sufficient, changes.Sufficient]] = {
        "csat": (Counts(70, 100), Counts(80, 100)),
        "ces": (Moments(0, 0.0, 0.0), Moments(50, 250.0, 1300.0)),
    }
    res = changes.before_after(windows)
    assert math.isnan(res["ces"].adjusted.p) and not res["ces"].significant
    assert res["csat"].m == 1 and res["csat"].adjusted == res["csat"].difference  # no adjustment


@st.composite
def _window_pair(draw: st.DrawFn) -> tuple[changes.Sufficient, changes.Sufficient]:
    """Before and after statistics of one metric of any kind, from small to large."""
    kind = draw(st.sampled_from(["proportion", "nps", "mean"]))
    pair = []
    for _ in range(2):
        n = draw(st.integers(1, 400))
        if kind == "proportion":
            pair.append(Counts(draw(st.integers(0, n)), n))
        elif kind == "nps":
            promoters = draw(st.integers(0, n))
            pair.append(NpsCounts(promoters, draw(st.integers(0, n - promoters)), n))
        else:  # a 1-7 score: how many answers gave each score
            counts = draw(st.lists(st.integers(0, 60), min_size=7, max_size=7))
            scores = range(1, 8)
            total, sum_sq = (
                sum(c * k**e for c, k in zip(counts, scores, strict=True)) for e in (1, 2)
            )
            pair.append(Moments(sum(counts), float(total), float(sum_sq)))
    return pair[0], pair[1]


@settings(max_examples=300, deadline=None)
@given(st.lists(_window_pair(), min_size=1, max_size=6))
def test_every_before_after_pair_says_significant_exactly_when_its_interval_excludes_zero(
    pairs: list[tuple[changes.Sufficient, changes.Sufficient]],
) -> None:
    """Over simulated changes of 1 to 6 metrics of every kind: the adjusted pair (what
    the verdict and the table show) and the unadjusted one never contradict."""
    try:
        res = changes.before_after({f"m{i}": p for i, p in enumerate(pairs)})
    except ValueError:  # no metric with data in both windows
        return
    for c in res.changes:
        for d in (c.adjusted, c.difference):
            if math.isnan(d.p):
                continue
            excludes = d.low > 0 or d.high < 0
            assert excludes == (d.p < 0.05) == d.significant, (c.metric, d)
        f = changes.finding("before_after", c.adjusted, c.mde, adjusted_for=c.m)
        assert f.significant == c.significant


# multipletests runs gc.collect() on every call (~70 ms): keep the examples few.
@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.just(math.nan)), min_size=1, max_size=12))
def test_holm_equals_statsmodels_multipletests(pvalues: list[float]) -> None:
    got = changes.holm(pvalues)
    ok = [p for p in pvalues if not math.isnan(p)]
    expected = iter(multipletests(ok, method="holm")[1].tolist() if ok else [])
    for p, g in zip(pvalues, got, strict=True):
        assert math.isnan(g) if math.isnan(p) else g == pytest.approx(next(expected))


# --- Minimum detectable effect ------------------------------------------------------------


@pytest.mark.parametrize(("n1", "n2", "p"), [(200, 250, 0.7), (50, 40, 0.3), (5000, 5000, 0.85)])
def test_mde_proportion_solves_normal_ind_power(n1: int, n2: int, p: float) -> None:
    mde = changes.minimum_detectable_effect(Counts(round(p * n1), n1), n2)  # points
    p = round(p * n1) / n1
    es = mde / 100 / math.sqrt(p * (1 - p))
    assert NormalIndPower().power(es, n1, 0.05, ratio=n2 / n1) == pytest.approx(0.8, abs=1e-9)
    ref = NormalIndPower().solve_power(None, n1, 0.05, 0.8, ratio=n2 / n1)
    assert es == pytest.approx(ref, rel=1e-4)  # solve_power stops at ~1e-5


@pytest.mark.parametrize(("n1", "n2"), [(10, 12), (40, 60), (300, 200), (3, 3)])
def test_mde_mean_solves_t_test_ind_power(n1: int, n2: int) -> None:
    values = np.linspace(1, 7, n1)
    baseline = Moments(n1, float(values.sum()), float((values**2).sum()))
    mde = changes.minimum_detectable_effect(baseline, n2)
    es = mde / values.std(ddof=1)
    assert TTestIndPower().power(es, n1, 0.05, ratio=n2 / n1) == pytest.approx(0.8, abs=1e-9)
    assert es == pytest.approx(TTestIndPower().solve_power(None, n1, 0.05, 0.8, n2 / n1), rel=1e-4)


def test_mde_nps_uses_the_trinomial_variance() -> None:
    mde = changes.minimum_detectable_effect(NpsCounts(400, 200, 1000), 800)
    sd = math.sqrt(0.4 + 0.2 - 0.2**2)
    es = NormalIndPower().solve_power(None, 1000, 0.05, 0.8, ratio=0.8)
    assert mde == pytest.approx(100 * sd * es, rel=1e-4)


def test_mde_from_se_is_about_2_8_standard_errors() -> None:
    # Bloom (1995): 2.80 SE for 80% power at 5% two-sided (normal), more with few df.
    assert power.mde_from_se(1.0) == pytest.approx(2.8016, abs=1e-4)
    assert power.mde_from_se(1.0, df=10) > power.mde_from_se(1.0, df=100) > 2.8


def test_observed_change_below_mde_is_flagged() -> None:
    res = changes.before_after({"csat": (Counts(70, 100), Counts(73, 100))})
    row = res["csat"]
    assert row.mde > abs(row.difference.estimate) and row.below_mde and not row.significant


# --- Verdict from the methods' results (the rules: tests/changes/test_verdict.py) ----------


def test_verdict_from_method_results(njmin3: pl.DataFrame, california: pl.DataFrame) -> None:
    did = changes.difference_in_differences(njmin3, "fte", "nj", "d")
    its = changes.interrupted_time_series(california, "Year", "PacksPerCapita", 1989)
    # Card-Krueger: +2.75 FTE, 95% CI crosses zero, below its MDE (4.7): cannot tell.
    v = changes.verdict("FTE", [changes.finding("did", did.effect, did.mde)])
    assert v.code == "cannot_tell" and did.mde == pytest.approx(4.736, abs=1e-3)
    v = changes.verdict("Sales", [changes.finding("its", its.effect, its.mde)], False)
    assert v.code == "improved"  # sales fell, and lower is the goal


# --- Guards -----------------------------------------------------------------------------


def _series(n: int = 10) -> pl.DataFrame:
    return pl.DataFrame({"w": range(n), "y": np.linspace(1, 2, n) ** 2})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"change_at": 8}, "at least 3 periods after the change; found 2"),
        ({"change_at": 2}, "at least 3 periods before the change; found 2"),
        ({"change_at": 0}, "on or before the first"),
        ({"change_at": 12}, "after the last"),
        ({"change_at": 5, "hac_lags": 10}, "hac_lags must be between 0 and 9"),
        ({"change_at": dt.date(2020, 1, 1)}, "must be a number"),
    ],
)
def test_its_guards(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        changes.interrupted_time_series(_series(), "w", "y", **kwargs)


def test_its_guards_on_the_data() -> None:
    weeks = [dt.date(2025, 1, 6) + dt.timedelta(weeks=i) for i in range(10)]
    df = pl.DataFrame({"week": weeks, "y": np.arange(10.0) ** 1.5, "n": [5] * 9 + [-1]})
    with pytest.raises(ValueError, match="in the future"):
        changes.interrupted_time_series(df, "week", "y", dt.date(2999, 1, 1))
    with pytest.raises(ValueError, match="must not be negative"):
        changes.interrupted_time_series(df, "week", "y", weeks[5], weight="n")
    with pytest.raises(ValueError, match="duplicate periods"):
        changes.interrupted_time_series(pl.concat([df, df]), "week", "y", weeks[5])
    with pytest.raises(ValueError, match="missing column"):
        changes.interrupted_time_series(df, "week", "nps", weeks[5])
    # Weekly buckets with one stray mid-week date: 4 days does not divide 7.
    odd = df.with_columns(week=pl.Series([*weeks[:2], dt.date(2025, 1, 17), *weeks[3:]]))
    with pytest.raises(ValueError, match="not evenly spaced"):
        changes.interrupted_time_series(odd, "week", "y", weeks[5])


@pytest.mark.parametrize(
    ("edit", "kwargs", "message"),
    [
        (pl.col("treated") * 0 + 1, {}, "no control rows"),
        (pl.col("treated") * 0, {}, "no treated rows"),
        (pl.col("treated") * 2, {}, "must be 0/1"),
        (None, {"covariates": ["treated_copy"]}, "collinear"),
        (None, {"cluster": "one"}, "at least 2 clusters"),
    ],
)
def test_did_guards(edit: pl.Expr | None, kwargs: dict, message: str) -> None:
    df = _panel(np.random.default_rng(0)).with_columns(
        treated_copy=pl.col("treated"), one=pl.lit("all")
    )
    if edit is not None:
        df = df.with_columns(edit.alias("treated"))
    with pytest.raises(ValueError, match=message):
        changes.difference_in_differences(df, "y", "treated", "post", **kwargs)


def test_did_guards_empty_cell_and_identical_control() -> None:
    df = _panel(np.random.default_rng(0))
    no_treated_after = df.filter(~((pl.col("treated") == 1) & (pl.col("post") == 1)))
    with pytest.raises(ValueError, match="empty: treated after"):
        changes.difference_in_differences(no_treated_after, "y", "treated", "post")
    treated = df.filter(pl.col("treated") == 1)
    copy = pl.concat([treated, treated.with_columns(treated=pl.lit(0, pl.Int64))])
    with pytest.raises(ValueError, match="identical to the treated group"):
        changes.difference_in_differences(copy, "y", "treated", "post")


def test_event_study_needs_two_periods_before() -> None:
    df = _panel(np.random.default_rng(0)).filter(pl.col("week") >= 5)
    with pytest.raises(ValueError, match="at least 2 periods before the change"):
        changes.event_study(df, "y", "treated", "week", 6)


def test_before_after_guards() -> None:
    with pytest.raises(ValueError, match="no metric has responses"):
        changes.before_after({"csat": (Counts(0, 0), Counts(5, 10))})
    with pytest.raises(ValueError, match="same kind"):
        changes.before_after({"csat": (Counts(5, 10), Moments(10, 40.0, 170.0))})


def test_compare_proportions_is_the_compare_module_function() -> None:
    assert changes.compare_proportions is compare.compare_proportions
