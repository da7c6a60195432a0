"""The structural time-series counterfactual against independent computations and real data.

Which reference each check uses:

- **OLS prediction intervals**: with ``trend="fixed_level"`` the model is a linear
  regression on the controls (and weekday dummies when seasonal); its predictions,
  pointwise intervals, average-effect interval and p-value must be the textbook OLS
  ones (statsmodels ``OLS.get_prediction``, and the t interval of the mean of the
  predictions computed here from ``X'X``).
- **Joint covariance**: for a local level without controls, the covariance of the
  h-step predictions has the closed form ``P + (min(i, j) - 1) q + [i = j]`` (noise
  variance 1, ``P`` the predicted level variance); checked against the module's matrix.
- **Coverage by simulation**: a control that is a near random walk (AR(1), 0.98), a
  treated series ``1.5 control + a slowly drifting level + noise``, a known effect. The
  95% interval of the average effect must cover the truth in at least 90% of 200
  series, with the effect and without. ``PULSO_DEEP_SIM=1`` runs 1,000 series per
  design over more designs (no drift, stronger drift, a short pre period, daily
  seasonal data, a local linear trend) and shows the figures as warnings (about 25
  minutes on one core); the figures measured are written beside that test.
- **Real data**: California's Proposition 99 (1989), cigarette sales in packs per
  capita, 39 states 1970-2000. Data: ``tests/data/changes/california_prop99.csv``, an
  unmodified copy (sha256 ``9c163d03...a3ce``, provenance in the README beside it) of
  ``data/california_prop99.csv`` of https://github.com/synth-inference/synthdid
  (licence "GPL (>= 2) | BSD_3_clause + file LICENSE", its ``DESCRIPTION``), from
  Abadie, Diamond and Hainmueller (2010), JASA 105(490), 493-505.

  Published: the synthetic control puts the average effect over 1989-2000 at "almost 20
  packs per capita" (Abadie et al. 2010); Stata's ``sdid`` prints -19.48 for the
  synthetic control, -15.60 for synthetic difference-in-differences and -27.35 for the
  2x2 DiD (https://carlos-mendez.org/post/stata_sdid/slides/; Arkhangelsky et al. 2021,
  AER 111(12), Table 1: -19.6, -15.6, -27.3).

  What this method honestly supports: with 19 pre years, the 38 states cannot all be
  regressors (the function refuses: 38 coefficients from 19 years), and there is no
  spike-and-slab selection as in CausalImpact. The control is the mean of the 38 other
  states, and the local level absorbs California's different trend. Result: -21.1
  packs, 95% interval [-31.1, -11.1], p = 0.0003. The test asserts the sign, an
  interval that excludes zero and contains the published synthetic-control figure, and
  an estimate within 5 packs of it; not the digits, which no other method shares.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.tsa.statespace.structural import UnobservedComponents

from analytics import changes
from analytics.changes import structural_impact
from analytics.changes import structural_model as model

DATA = Path(__file__).parent.parent / "data" / "changes" / "california_prop99.csv"
DEEP = bool(os.environ.get("PULSO_DEEP_SIM"))
SYNTH_CONTROL = -19.48  # Stata sdid, method(sc); Abadie et al. (2010): "almost 20"


def _simulate(
    rng: np.random.Generator,
    effect: float,
    *,
    n: int = 60,
    n_pre: int = 40,
    drift: float = 0.1,
    slope_drift: float = 0.0,
) -> tuple[pl.DataFrame, float]:
    """A near-random-walk control, the treated series following it (noise sd 1), a
    level drifting by ``drift`` a period, and an effect ramping from 0.5 to 1.5 times
    ``effect`` after ``n_pre``. Returns the frame and the true average effect."""
    x = np.empty(n)
    x[0] = rng.normal(0, 3)
    for t in range(1, n):
        x[t] = 0.98 * x[t - 1] + rng.normal()
    slope = np.cumsum(rng.normal(0, slope_drift, n))
    level = np.cumsum(rng.normal(0, drift, n) + slope)
    true = np.zeros(n)
    true[n_pre:] = effect * np.linspace(0.5, 1.5, n - n_pre)
    y = 50 + 1.5 * x + level + rng.normal(0, 1, n) + true
    return pl.DataFrame({"t": np.arange(n), "y": y, "x": x}), float(true[n_pre:].mean())


def _coverage(
    nsim: int, effect: float, seed: int, trend: model.Trend = "local_level", **kw: float
) -> tuple[float, float]:
    """Share of intervals of the average effect covering the truth, and excluding 0."""
    rng = np.random.default_rng(seed)
    covered = rejected = 0
    for _ in range(nsim):
        df, truth = _simulate(rng, effect, **kw)  # type: ignore[arg-type]
        n_pre = int(kw.get("n_pre", 40))
        res = structural_impact(df, "t", "y", n_pre, ["x"], trend=trend).effect
        covered += res.low <= truth <= res.high
        rejected += res.significant
    return covered / nsim, rejected / nsim


@pytest.mark.parametrize(("effect", "seed"), [(0.0, 101), (2.0, 202)])
def test_interval_of_the_average_effect_covers_the_truth(effect: float, seed: int) -> None:
    coverage, rejected = _coverage(200, effect, seed)
    assert coverage >= 0.90
    if effect:
        # An average effect of 2 noise sd over 20 periods is found most of the time.
        assert rejected >= 0.8
    else:
        assert rejected <= 0.10


# Measured (1,000 series each, no effect / effect): no drift 0.995 / 0.991, slow drift
# 0.991 / 0.984, drift 0.974 / 0.962, strong drift 0.923 / 0.894, short pre period
# 0.991 / 0.985; local linear trend (300 series) 0.970 / 0.950; daily seasonal (500,
# below) 0.938. With a strong drift (0.3 noise sd a period) the log-uniform prior pulls
# the drift down and coverage is about 0.91 (the two runs differ by Monte Carlo error:
# adding an effect only shifts every estimate, so coverage is the same quantity); its
# bar is 0.88 on purpose, and the module docstring says so.
@pytest.mark.skipif(not DEEP, reason="deep simulation: set PULSO_DEEP_SIM=1")
@pytest.mark.timeout(3600)
@pytest.mark.parametrize(
    ("design", "trend", "kw", "nsim", "bar"),
    [
        ("no drift", "local_level", {"drift": 0.0}, 1000, 0.90),
        ("slow drift", "local_level", {"drift": 0.05}, 1000, 0.90),
        ("drift", "local_level", {"drift": 0.1}, 1000, 0.90),
        ("strong drift", "local_level", {"drift": 0.3}, 1000, 0.88),
        ("short pre period", "local_level", {"n": 35, "n_pre": 20}, 1000, 0.90),
        ("slope drift", "local_linear_trend", {"drift": 0.1, "slope_drift": 0.02}, 300, 0.90),
    ],
)
def test_deep_coverage(
    design: str, trend: model.Trend, kw: dict[str, float], nsim: int, bar: float
) -> None:
    for effect, seed in ((0.0, 1), (2.0, 2)):
        coverage, rejected = _coverage(nsim, effect, seed, trend, **kw)
        figures = f"{design}, effect {effect}: coverage {coverage:.3f}, rejected {rejected:.3f}"
        warnings.warn(figures, UserWarning, stacklevel=1)  # the figures, shown by pytest
        assert coverage >= bar, figures


@pytest.mark.skipif(not DEEP, reason="deep simulation: set PULSO_DEEP_SIM=1")
def test_deep_coverage_daily_seasonal() -> None:
    rng = np.random.default_rng(3)
    days = [dt.date(2025, 1, 6) + dt.timedelta(days=i) for i in range(112)]
    weekday = np.array([-2.0, 0, 0, 0, 0.5, 1, 3])[[d.weekday() for d in days]]
    covered = 0
    for _ in range(500):
        x = np.cumsum(rng.normal(size=(112, 2)), axis=0)
        y = 70 + x @ [1.0, 0.5] + weekday + np.cumsum(rng.normal(0, 0.1, 112))
        y = y + rng.normal(0, 1, 112)
        df = pl.DataFrame({"day": days, "y": y, "a": x[:, 0], "b": x[:, 1]})
        res = structural_impact(df, "day", "y", days[84], ["a", "b"])
        assert res.seasonal == 7
        covered += res.effect.low <= 0 <= res.effect.high
    figures = f"daily seasonal, no effect: coverage {covered / 500:.3f}"
    warnings.warn(figures, UserWarning, stacklevel=1)
    assert covered / 500 >= 0.90, figures


# --- Independent references ----------------------------------------------------------


def _regression_data(seed: int = 5, n: int = 50, n_pre: int = 35) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.normal(size=(n, 2)), axis=0)
    y = 3 + x @ [2.0, -1.0] + rng.normal(0, 1.5, n)
    y[n_pre:] += 2.0
    return pl.DataFrame({"t": np.arange(2000, 2000 + n), "y": y, "a": x[:, 0], "b": x[:, 1]})


def test_fixed_level_is_ols_with_prediction_intervals() -> None:
    df, n_pre = _regression_data(), 35
    res = structural_impact(df, "t", "y", 2035, ["a", "b"], trend="fixed_level")
    pre, post = df[:n_pre], df[n_pre:]
    exog = sm.add_constant(pre.select("a", "b").to_numpy())
    ols = sm.OLS(pre["y"].to_numpy(), exog).fit()
    x_post = sm.add_constant(post.select("a", "b").to_numpy())
    frame = ols.get_prediction(x_post).summary_frame(alpha=0.05)
    series = res.series.filter(pl.col("post"))
    np.testing.assert_allclose(series["predicted"], frame["mean"], rtol=1e-7)
    np.testing.assert_allclose(series["low"], frame["obs_ci_lower"], rtol=1e-6)
    np.testing.assert_allclose(series["high"], frame["obs_ci_upper"], rtol=1e-6)
    assert res.coefficients == pytest.approx(dict(zip(["a", "b"], ols.params[1:], strict=True)))
    # The average effect: mean(observed - prediction), with the prediction errors'
    # joint covariance s2 (I + X0 (X'X)^-1 X0').
    m = post.height
    cov = ols.scale * (np.eye(m) + x_post @ np.linalg.inv(exog.T @ exog) @ x_post.T)
    estimate = float(np.mean(post["y"].to_numpy() - frame["mean"].to_numpy()))
    se = float(np.sqrt(cov.sum())) / m
    q = stats.t.ppf(0.975, ols.df_resid)
    effect = res.effect
    assert res.df == ols.df_resid == n_pre - 3
    assert effect.estimate == pytest.approx(estimate, rel=1e-7)
    assert (effect.low, effect.high) == pytest.approx((estimate - q * se, estimate + q * se))
    assert effect.p == pytest.approx(2 * stats.t.sf(abs(estimate) / se, ols.df_resid))
    assert effect.se == pytest.approx(se * np.sqrt(ols.df_resid / (ols.df_resid - 2)))
    assert res.cumulative.estimate == pytest.approx(m * estimate)
    assert (res.cumulative.low, res.cumulative.high) == pytest.approx(
        (m * effect.low, m * effect.high)
    )


def test_fixed_level_with_weekly_seasonality_is_ols_with_weekday_dummies() -> None:
    rng = np.random.default_rng(8)
    days = [dt.date(2025, 3, 3) + dt.timedelta(days=i) for i in range(70)]
    weekday = np.array([d.weekday() for d in days])
    x = np.cumsum(rng.normal(size=70))
    y = 60 + 0.8 * x + np.array([0, 1, 1, 1, 2, -3, -4])[weekday] + rng.normal(0, 1, 70)
    df = pl.DataFrame({"day": days, "y": y, "x": x})
    res = structural_impact(df, "day", "y", days[49], ["x"], trend="fixed_level")
    assert res.seasonal == 7 and "seasonal_weekly" in res.notes
    dummies = (weekday[:, None] == np.arange(1, 7)).astype(float)
    design = np.column_stack([np.ones(70), x, dummies])
    ols = sm.OLS(y[:49], design[:49]).fit()
    frame = ols.get_prediction(design[49:]).summary_frame(alpha=0.05)
    series = res.series.filter(pl.col("post"))
    np.testing.assert_allclose(series["predicted"], frame["mean"], rtol=1e-7)
    np.testing.assert_allclose(series["low"], frame["obs_ci_lower"], rtol=1e-6)


def test_joint_covariance_of_a_local_level_has_the_closed_form() -> None:
    rng = np.random.default_rng(2)
    y = np.cumsum(rng.normal(0, 0.5, 30)) + rng.normal(size=30)
    y[20:] = np.nan
    ucm = UnobservedComponents(y, level="local level", use_exact_diffuse=True)
    q = 0.3
    ucm.update(np.array([1.0, q]))
    res = ucm.ssm.filter()
    cov = model._post_cov(res, 20)
    p = res.predicted_state_cov[0, 0, 20]
    i = np.arange(1, 11)
    expected = p + (np.minimum.outer(i, i) - 1) * q + np.eye(10)
    np.testing.assert_allclose(cov, expected, rtol=1e-10)


# --- Behaviour -----------------------------------------------------------------------


def test_the_counterfactual_never_sees_the_outcomes_after_the_change() -> None:
    df = _regression_data()
    base = structural_impact(df, "t", "y", 2035, ["a", "b"])
    shifted = df.with_columns(pl.when(pl.col("t") >= 2035).then(pl.col("y") + 5).otherwise("y"))
    moved = structural_impact(shifted, "t", "y", 2035, ["a", "b"])
    assert moved.series["predicted"].equals(base.series["predicted"])
    assert moved.effect.estimate == pytest.approx(base.effect.estimate + 5)
    assert moved.effect.low == pytest.approx(base.effect.low + 5)
    assert moved.cumulative.high == pytest.approx(base.cumulative.high + 75)


def test_table_series_and_p_tell_one_story() -> None:
    res = structural_impact(_regression_data(), "t", "y", 2035, ["a", "b"])
    post = res.series.filter(pl.col("post"))
    assert res.table["term"].to_list() == ["average_effect", "cumulative_effect"]
    assert res.table.columns == ["term", "estimate", "se", "low", "high", "p"]
    np.testing.assert_allclose(post["effect"], post["observed"] - post["predicted"])
    np.testing.assert_allclose(post["effect_low"], post["observed"] - post["high"])
    np.testing.assert_allclose(post["cumulative"], post["effect"].cum_sum(), rtol=1e-9)
    last = post.row(-1, named=True)
    cum = res.cumulative
    assert (last["cumulative"], last["cumulative_low"], last["cumulative_high"]) == pytest.approx(
        (cum.estimate, cum.low, cum.high)
    )
    assert res.effect.estimate == pytest.approx(cum.estimate / 15)
    assert res.effect.p == cum.p and res.effect.significant == (res.effect.p < 0.05)
    assert res.effect.low <= 2 <= res.effect.high  # the planted +2
    # Before the change: one-step predictions, none during the diffuse start.
    pre = res.series.filter(~pl.col("post"))
    assert pre["predicted"].null_count() == 3 and pre["cumulative"].null_count() == 35


def test_missing_values_are_skipped_not_zero() -> None:
    df = _regression_data()
    holes = df.with_columns(
        pl.when(pl.col("t").is_in([2010, 2040])).then(None).otherwise(pl.col("y")).alias("y")
    )
    res = structural_impact(holes, "t", "y", 2035, ["a", "b"])
    assert {"pre_values_missing", "post_values_missing"} <= set(res.notes)
    post = res.series.filter(pl.col("post"))
    assert post.filter(pl.col("time") == 2040)["effect"].null_count() == 1
    measured = post.filter(pl.col("observed").is_not_null())
    assert res.effect.estimate == pytest.approx(float(measured["effect"].mean()))


def test_pandas_input_and_repeated_runs_agree() -> None:
    df = _regression_data()
    a = structural_impact(df, "t", "y", 2035, ["a", "b"])
    b = structural_impact(df.to_pandas(), "t", "y", 2035, ("a", "b"))
    assert a.table.equals(b.table) and a.series.equals(b.series)
    assert changes.StructuralResult is type(a)


def test_weekly_seasonality_is_automatic_on_daily_data_only() -> None:
    rng = np.random.default_rng(4)
    days = [dt.date(2025, 1, 6) + dt.timedelta(days=i) for i in range(84)]
    weekday = np.array([0, 0, 0, 0, 1, 4, 6.0])[[d.weekday() for d in days]]
    x = np.cumsum(rng.normal(size=84))
    df = pl.DataFrame({"day": days, "y": 50 + x + weekday + rng.normal(0, 0.5, 84), "x": x})
    on = structural_impact(df, "day", "y", days[56], ["x"])
    off = structural_impact(df, "day", "y", days[56], ["x"], seasonal=None)
    assert on.seasonal == 7 and on.notes == ("seasonal_weekly",)
    assert off.seasonal is None and off.notes == ()
    # No effect was planted: both cover 0, and the weekday pattern narrows the interval.
    assert on.effect.low < 0 < on.effect.high
    assert on.effect.high - on.effect.low < 0.6 * (off.effect.high - off.effect.low)
    short = structural_impact(df[:30], "day", "y", days[20], ["x"])
    assert short.seasonal is None and "seasonal_off_few_periods" in short.notes
    weekly = df[::7].with_columns(y=pl.col("y") + pl.int_range(12))
    res = structural_impact(weekly, "day", "y", days[56], ["x"])
    assert res.seasonal is None and "seasonal_off_not_daily" in res.notes


def test_local_linear_trend_and_no_controls_run() -> None:
    df = _regression_data()
    trend = structural_impact(df, "t", "y", 2035, ["a", "b"], trend="local_linear_trend")
    level = structural_impact(df, "t", "y", 2035, ["a", "b"])
    alone = structural_impact(df, "t", "y", 2035)
    # Level, slope and two coefficients start diffuse: 35 - 4 degrees of freedom.
    assert trend.trend == "local_linear_trend" and trend.df == 35 - 4
    assert trend.effect.low <= 2 <= trend.effect.high
    assert "no_controls" in alone.notes and alone.coefficients == {}
    # Without the controls (random walks) the counterfactual is far less certain.
    assert alone.effect.high - alone.effect.low > 2 * (level.effect.high - level.effect.low)


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (2000, {}, "nothing before it"),
        (2050, {}, "nothing after it"),
        (2035, {"controls": ["a", "zz"]}, "missing column"),
        (2035, {"controls": ["a", "a"]}, "distinct"),
        (2035, {"trend": "wiggly"}, "trend must be"),
        (2035, {"seasonal": True}, "seasonal must be"),
        (2035, {"seasonal": 20}, "two cycles"),
        (2005, {}, "at least 8 measured periods"),
    ],
)
def test_bad_input_is_refused(change: int, kwargs: dict[str, object], message: str) -> None:
    kwargs = {"controls": ["a", "b"], **kwargs}
    with pytest.raises(ValueError, match=message):
        structural_impact(_regression_data(), "t", "y", change, **kwargs)  # type: ignore[arg-type]


def test_incomplete_or_flat_controls_and_gaps_are_refused() -> None:
    df = _regression_data()
    nan = df.with_columns(a=pl.when(pl.col("t") == 2040).then(float("nan")).otherwise("a"))
    with pytest.raises(ValueError, match="control 'a' is missing or not finite in 1 period"):
        structural_impact(nan, "t", "y", 2035, ["a", "b"])
    flat = df.with_columns(b=pl.when(pl.col("t") < 2035).then(1.0).otherwise("b"))
    with pytest.raises(ValueError, match="do not vary before the change"):
        structural_impact(flat, "t", "y", 2035, ["a", "b"])
    with pytest.raises(ValueError, match="1 missing"):
        structural_impact(df.filter(pl.col("t") != 2020), "t", "y", 2035, ["a", "b"])
    with pytest.raises(ValueError, match="duplicate"):
        structural_impact(pl.concat([df, df[:1]]), "t", "y", 2035, ["a", "b"])
    twice = df.with_columns(c=2 * pl.col("a") - pl.col("b"))
    with pytest.raises(ValueError, match="collinear"):
        structural_impact(twice, "t", "y", 2035, ["a", "b", "c"])
    exact = df.with_columns(y=3 * pl.col("a") + 1)
    with pytest.raises(ValueError, match="reproduce the value exactly"):
        structural_impact(exact, "t", "y", 2035, ["a"])
    unmeasured = df.with_columns(y=pl.when(pl.col("t") >= 2035).then(None).otherwise("y"))
    with pytest.raises(ValueError, match="not measured in any period after"):
        structural_impact(unmeasured, "t", "y", 2035, ["a", "b"])


# --- Real data: California's Proposition 99 ------------------------------------------


@pytest.fixture(scope="module")
def prop99() -> pl.DataFrame:
    long = pl.read_csv(DATA)
    wide = long.pivot(on="State", index="Year", values="PacksPerCapita").sort("Year")
    others = [c for c in wide.columns if c not in ("Year", "California")]
    assert len(others) == 38 and wide.height == 31
    return wide.with_columns(rest=pl.mean_horizontal(others))


def test_proposition_99_against_the_mean_of_the_other_states(prop99: pl.DataFrame) -> None:
    res = structural_impact(prop99, "Year", "California", 1989, ["rest"])
    effect = res.effect
    assert (res.n_pre, res.n_post, res.df) == (19, 12, 17)
    assert "few_pre_periods" in res.notes
    assert effect.estimate < 0 and effect.high < 0 and effect.p < 0.01
    assert effect.low <= SYNTH_CONTROL <= effect.high
    assert abs(effect.estimate - SYNTH_CONTROL) < 5
    assert (round(effect.estimate, 1), round(effect.low, 1), round(effect.high, 1)) == (
        -21.1,
        -31.1,
        -11.1,
    )


def test_proposition_99_refuses_38_controls_for_19_years(prop99: pl.DataFrame) -> None:
    others = [c for c in prop99.columns if c not in ("Year", "California", "rest")]
    with pytest.raises(ValueError, match=r"at least 44 measured periods .* found 19"):
        structural_impact(prop99, "Year", "California", 1989, others)
