"""Staggered roll-outs (Callaway and Sant'Anna) against the authors' published results.

Data: ``tests/data/changes/mpdta/mpdta.csv``, the minimum-wage panel ``mpdta`` of the R
package ``did`` (GNU GPL), copied from https://github.com/d2cml-ai/csdid (MIT), path
``data/mpdta.csv``; provenance and checksum in the README beside it.

Which reference each check uses:

- **Point estimates** (ATT(g,t), the simple, group and dynamic aggregates) and the
  parallel-trends pre-test p-value are printed by the authors in the package's README,
  its "Getting Started" vignette and its ``aggte`` reference page (URLs beside each
  number; pages built from https://github.com/bcallaway11/did at commit
  ``71ba8a564eada94d710d65ec0d4f64041351de96``, files ``README.md``,
  ``docs/articles/did-basics.md``, ``docs/reference/aggte.md``). They do not depend on
  how standard errors are computed, and they are matched to the printed digits. The
  pre-test uses the analytic covariance of the influence functions in every run, so its
  printed 0.16812 is matched too.
- **Standard errors**: the printed ones come from the multiplier bootstrap (``att_gt``'s
  default ``bstrap = TRUE``: 0.0119 for the simple ATT on the aggte page, 0.0123 in
  other runs) and change with the random seed, so they are not a reference for analytic
  errors. Those are the R package's own output with ``bstrap = FALSE, cband = FALSE``
  (``did`` 2.5.1), as committed by two independent projects:
  https://github.com/d2cml-ai/csdid ``csdid/test_csdid/r_ref/ref_attgt.csv`` and
  ``ref_aggte.csv`` (commit ``86963b0d6aa388c59677b71ca78511d16440f67d``, made by its
  ``generate_reference.R``; MIT), and https://github.com/simoneSantoni/DrSnow
  ``test/validation/did/r_aggte.csv`` (commit ``ae2671180b9456d37ea6f7c5b2fe2c332fc3d130``,
  R 4.6.1), which agree to 15 digits. Those numbers are quoted below.
- **TWFE**: ``fixest::feols(lemp ~ d | countyreal + year, cluster = ~countyreal)``
  (fixest 0.14.2) as committed in DrSnow's ``test/validation/did/r_twfe.csv``, and an
  independent statsmodels fit with dummy variables.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

from analytics import changes
from analytics.changes import staggered_did

DATA = Path(__file__).parent.parent / "data" / "changes" / "mpdta" / "mpdta.csv"
ARGS = ("lemp", "countyreal", "year", "first.treat")
README = "https://github.com/bcallaway11/did/blob/71ba8a5/README.md"
VIGNETTE = "https://bcallaway11.github.io/did/articles/did-basics.html"
AGGTE_PAGE = "https://bcallaway11.github.io/did/reference/aggte.html"


@pytest.fixture(scope="module")
def mpdta() -> pl.DataFrame:
    return pl.read_csv(DATA)


@pytest.fixture(scope="module")
def never(mpdta: pl.DataFrame) -> changes.StaggeredResult:
    return staggered_did(mpdta, *ARGS)


@pytest.fixture(scope="module")
def not_yet(mpdta: pl.DataFrame) -> changes.StaggeredResult:
    return staggered_did(mpdta, *ARGS, control="not_yet_treated")


def _by(frame: pl.DataFrame, *keys: str) -> dict[tuple[int, ...], dict[str, float]]:
    return {tuple(r[k] for k in keys): r for r in frame.iter_rows(named=True)}


# --- ATT(g,t): printed by the authors ----------------------------------------------------

# VIGNETTE, "The Effect of the Minimum Wage on Youth Employment", summary(mw.attgt); the
# same column in README, summary(out) (est_method = "reg", identical without covariates).
PRINTED_ATT_GT = {
    (2004, 2004): -0.0105, (2004, 2005): -0.0704, (2004, 2006): -0.1373, (2004, 2007): -0.1008,
    (2006, 2004): 0.0065, (2006, 2005): -0.0028, (2006, 2006): -0.0046, (2006, 2007): -0.0412,
    (2007, 2004): 0.0305, (2007, 2005): -0.0027, (2007, 2006): -0.0311, (2007, 2007): -0.0261,
}  # fmt: skip
# R did 2.5.1, bstrap = FALSE: csdid r_ref/ref_attgt.csv, scenario mpdta_nev_dr.
ANALYTIC_SE_ATT_GT = {
    (2004, 2004): 0.0232510363681664, (2004, 2005): 0.0309847667572767,
    (2004, 2006): 0.0364356642876865, (2004, 2007): 0.0343592258346732,
    (2006, 2004): 0.0233268051418047, (2006, 2005): 0.0195585610358817,
    (2006, 2006): 0.0177551966592763, (2006, 2007): 0.0202291807041068,
    (2007, 2004): 0.01503356028013, (2007, 2005): 0.0163958328955344,
    (2007, 2006): 0.0178775113133435, (2007, 2007): 0.0166554353492522,
}  # fmt: skip


def test_group_time_effects_reproduce_the_published_table(never: changes.StaggeredResult) -> None:
    rows = _by(never.group_time, "group", "time")
    assert list(rows) == list(PRINTED_ATT_GT)  # the package's order: by group, then time
    for key, printed in PRINTED_ATT_GT.items():
        assert round(rows[key]["estimate"], 4) == printed, key
        assert rows[key]["se"] == pytest.approx(ANALYTIC_SE_ATT_GT[key], rel=1e-9), key
        assert rows[key]["event_time"] == key[1] - key[0]
    # Cohort sizes: 20, 40 and 131 counties against the 309 never treated.
    sizes = {g: r["n_treated"] for (g, _), r in rows.items()}
    assert sizes == {2004: 20, 2006: 40, 2007: 131}
    assert set(never.group_time["n_control"]) == {309}
    assert (never.n_units, never.n_periods, never.control) == (500, 5, "never_treated")


def test_intervals_are_pointwise_normal(never: changes.StaggeredResult) -> None:
    from scipy import stats

    z = stats.norm.isf(0.025)
    for r in never.group_time.iter_rows(named=True):
        assert r["low"] == pytest.approx(r["estimate"] - z * r["se"], rel=1e-12)
        assert r["high"] == pytest.approx(r["estimate"] + z * r["se"], rel=1e-12)
        assert r["p"] == pytest.approx(2 * stats.norm.sf(abs(r["estimate"] / r["se"])))


def test_varying_base_period_compares_pre_periods_with_the_year_before(
    mpdta: pl.DataFrame, never: changes.StaggeredResult
) -> None:
    """Independent: the 2006 cohort's 2005 placebo is a 2004 -> 2005 change, its 2007
    effect a 2005 -> 2007 change (the last year before its start), against the
    never-treated counties."""
    wide = mpdta.pivot(on="year", index=["countyreal", "first.treat"], values="lemp")

    def gap(g: int, base: str, t: str) -> float:
        diff = wide.select(pl.col("first.treat"), (pl.col(t) - pl.col(base)).alias("d"))
        means = dict(diff.group_by("first.treat").agg(pl.col("d").mean()).iter_rows())
        return means[g] - means[0]

    rows = _by(never.group_time, "group", "time")
    assert rows[(2006, 2005)]["estimate"] == pytest.approx(gap(2006, "2004", "2005"), abs=1e-12)
    assert rows[(2006, 2007)]["estimate"] == pytest.approx(gap(2006, "2005", "2007"), abs=1e-12)
    assert rows[(2007, 2004)]["estimate"] == pytest.approx(gap(2007, "2003", "2004"), abs=1e-12)


def test_pre_trend_test_reproduces_the_published_p_value(never: changes.StaggeredResult) -> None:
    # README and VIGNETTE: "P-value for pre-test of parallel trends assumption: 0.16812".
    assert round(never.pre_trend_p, 5) == 0.16812
    assert never.pre_trend_chi2 > 0


# --- Aggregates: printed by the authors, analytic errors from R ---------------------------


def test_simple_aggregate_reproduces_aggte(never: changes.StaggeredResult) -> None:
    simple = never.effect
    # AGGTE_PAGE, aggte(out, type = "simple"): ATT -0.04 (printed s.e. 0.0119: bootstrap).
    assert round(simple.estimate, 4) == -0.04
    # R did 2.5.1, bstrap = FALSE (csdid ref_aggte.csv and DrSnow r_aggte.csv, scenario S1).
    assert simple.estimate == pytest.approx(-0.039951275155177005, rel=1e-10)
    assert simple.se == pytest.approx(0.012034012770185416, rel=1e-9)
    assert simple.low < simple.estimate < simple.high < 0 and simple.p < 0.01


def test_group_aggregate_reproduces_aggte(never: changes.StaggeredResult) -> None:
    overall = never.table.filter(pl.col("term") == "group").row(0, named=True)
    # README and AGGTE_PAGE, aggte(out, type = "group"): overall ATT -0.031.
    assert round(overall["estimate"], 4) == -0.031
    assert overall["se"] == pytest.approx(0.012446059320997915, rel=1e-9)  # R, bstrap = FALSE
    groups = _by(never.by_group, "group")
    # README and AGGTE_PAGE, "Group Effects": 2004 -0.0797, 2006 -0.0229, 2007 -0.0261.
    printed = {2004: -0.0797, 2006: -0.0229, 2007: -0.0261}
    analytic_se = {2004: 0.026367799435027012, 2006: 0.016703330255162144,
                   2007: 0.016655435349252172}  # fmt: skip
    for g, estimate in printed.items():
        assert round(groups[(g,)]["estimate"], 4) == estimate
        assert groups[(g,)]["se"] == pytest.approx(analytic_se[g], rel=1e-9)


# README and VIGNETTE, aggte(out, type = "dynamic"), "Dynamic Effects"; R did 2.5.1 with
# bstrap = FALSE for the standard errors (csdid ref_aggte.csv, DrSnow r_aggte.csv S1).
PRINTED_DYNAMIC = {-3: 0.0305, -2: -0.0006, -1: -0.0245, 0: -0.0199, 1: -0.0510, 2: -0.1373,
                   3: -0.1008}  # fmt: skip
ANALYTIC_SE_DYNAMIC = {
    -3: 0.015033560280130042, -2: 0.013291644736550005, -1: 0.014236402210519285,
    0: 0.011826364058058189, 1: 0.01689347626867807, 2: 0.036435664287686138,
    3: 0.034359225834673039,
}  # fmt: skip


def test_dynamic_aggregate_reproduces_aggte(never: changes.StaggeredResult) -> None:
    overall = never.table.filter(pl.col("term") == "dynamic").row(0, named=True)
    # README, VIGNETTE and AGGTE_PAGE: overall event-study ATT -0.0772.
    assert round(overall["estimate"], 4) == -0.0772
    assert overall["se"] == pytest.approx(0.019964989061849233, rel=1e-9)
    rows = _by(never.dynamic, "e")
    assert [k[0] for k in rows] == list(PRINTED_DYNAMIC)
    for e, printed in PRINTED_DYNAMIC.items():
        assert round(rows[(e,)]["estimate"], 4) == printed, e
        assert rows[(e,)]["se"] == pytest.approx(ANALYTIC_SE_DYNAMIC[e], rel=1e-9), e
    assert never.table["term"].to_list() == ["simple", "group", "dynamic"]


def test_not_yet_treated_controls_reproduce_r(not_yet: changes.StaggeredResult) -> None:
    """R did 2.5.1, control_group = "notyettreated", bstrap = FALSE (csdid ref_attgt.csv
    and ref_aggte.csv, scenario mpdta_nyt_dr): no printed run uses these controls."""
    rows = _by(not_yet.group_time, "group", "time")
    reference = {
        (2004, 2004): (-0.0193723636759221, 0.0223101128836806),
        (2004, 2005): (-0.0783190990620607, 0.0303902285433973),
        (2006, 2004): (-0.00256255094261098, 0.0225302351453388),
        (2006, 2006): (0.00466087631997615, 0.0163355842468236),
        (2007, 2004): (0.0297593647610311, 0.0145335416386514),
        (2007, 2007): (-0.0260544107191966, 0.0166554353492522),
    }
    for key, (estimate, se) in reference.items():
        assert rows[key]["estimate"] == pytest.approx(estimate, rel=1e-10), key
        assert rows[key]["se"] == pytest.approx(se, rel=1e-9), key
    # The 2004 cohort's 2004 controls: the 309 never treated and 171 later adopters.
    assert rows[(2004, 2004)]["n_control"] == 309 + 40 + 131
    assert rows[(2006, 2006)]["n_control"] == 309 + 131
    overall = _by(not_yet.table, "term")
    assert overall[("simple",)]["estimate"] == pytest.approx(-0.0397636256230437, rel=1e-10)
    assert overall[("simple",)]["se"] == pytest.approx(0.0120524247873419, rel=1e-9)
    assert overall[("group",)]["estimate"] == pytest.approx(-0.030462228112565, rel=1e-10)
    assert overall[("group",)]["se"] == pytest.approx(0.0125751201316818, rel=1e-9)
    assert overall[("dynamic",)]["estimate"] == pytest.approx(-0.0773993139705847, rel=1e-10)
    assert overall[("dynamic",)]["se"] == pytest.approx(0.0195601769463944, rel=1e-9)


# --- TWFE beside it -----------------------------------------------------------------------


def test_twfe_reproduces_fixest_and_statsmodels(
    mpdta: pl.DataFrame, never: changes.StaggeredResult
) -> None:
    # fixest 0.14.2, feols(lemp ~ d | countyreal + year, cluster = ~countyreal)
    # (DrSnow test/validation/did/r_twfe.csv).
    assert never.twfe.estimate == pytest.approx(-0.036548936674066557, rel=1e-10)
    assert never.twfe.se == pytest.approx(0.013265155429338669, rel=1e-9)
    # Independent: OLS on county-demeaned data with year dummies (Frisch-Waugh-Lovell for
    # the county effects), CR1 errors by county (statsmodels).
    data = mpdta.with_columns(
        d=((pl.col("first.treat") > 0) & (pl.col("year") >= pl.col("first.treat"))).cast(float)
    )
    years = data.select(pl.col("year").cast(pl.String)).to_dummies().to_numpy()[:, 1:]
    x = np.column_stack([data["d"].to_numpy(), years]).astype(float)
    county = data["countyreal"].to_numpy()
    demeaned = [
        data.select(pl.lit(v).alias("v"), pl.col("countyreal"))
        .with_columns(pl.col("v") - pl.col("v").mean().over("countyreal"))["v"]
        .to_numpy()
        for v in [data["lemp"].to_numpy(), *x.T]
    ]
    fit = sm.OLS(demeaned[0], np.column_stack(demeaned[1:])).fit(
        cov_type="cluster", cov_kwds={"groups": county}
    )
    assert never.twfe.estimate == pytest.approx(fit.params[0], rel=1e-10)
    # statsmodels' CR1 factor counts k = 5 columns; fixest's K = 6 (d and the 5 year
    # effects; the county effects are nested in the clusters).
    rescale = np.sqrt((2500 - 5) / (2500 - 6))
    assert never.twfe.se == pytest.approx(fit.bse[0] * rescale, rel=1e-9)
    # Here both tell the same story: TWFE lies inside the CS simple interval.
    assert never.effect.low < never.twfe.estimate < never.effect.high
    assert (never.disagree, never.disagree_reason) == (False, None)


# --- Simulation: heterogeneous dynamic effects ------------------------------------------


def _rollout(
    seed: int, n_never: int = 20, n_early: int = 100, n_late: int = 100, noise: float = 0.5
) -> tuple[pl.DataFrame, dict[tuple[int, int], float]]:
    """Ten periods; an early cohort starts in period 2 with an effect that grows by 0.6 a
    period (0.6, 1.2, ...), a late cohort in period 7 with none; unit and period effects."""
    rng = np.random.default_rng(seed)
    cohort = np.repeat([0, 2, 7], [n_never, n_early, n_late])
    periods = np.arange(10)
    event = periods[None, :] - cohort[:, None]
    slope = np.where(cohort == 2, 0.6, 0.0)[:, None]
    effect = np.where((cohort[:, None] > 0) & (event >= 0), slope * (event + 1), 0.0)
    level = rng.normal(0, 1, cohort.size)[:, None] + np.cumsum(rng.normal(0, 0.3, 10))[None, :]
    y = level + effect + rng.normal(0, noise, effect.shape)
    frame = pl.DataFrame(
        {
            "queue": np.repeat(np.arange(cohort.size), 10),
            "week": np.tile(periods, cohort.size),
            "score": y.ravel(),
            "start": np.repeat(cohort, 10),
        }
    )
    truth = {(g, t): (0.6 * (t - g + 1) if g == 2 else 0.0) for g in (2, 7) for t in range(g, 10)}
    return frame, truth


def _simple_truth(truth: dict[tuple[int, int], float], shares: dict[int, float]) -> float:
    weights = {k: shares[k[0]] for k in truth}
    return sum(truth[k] * w for k, w in weights.items()) / sum(weights.values())


def test_twfe_is_badly_biased_where_cs_recovers_the_truth() -> None:
    frame, truth = _rollout(seed=11)
    res = staggered_did(frame, "score", "queue", "week", "start")
    target = _simple_truth(truth, {2: 100 / 220, 7: 100 / 220})
    assert target == pytest.approx(1.9636, abs=1e-4)
    assert res.effect.low < target < res.effect.high
    # Every true effect is >= 0, yet TWFE, using the early cohort (its effect still
    # growing) as a control for the late one, is significantly negative.
    assert min(truth.values()) >= 0
    assert res.twfe.estimate < 0 and res.twfe.high < 0
    assert not res.effect.low <= res.twfe.estimate <= res.effect.high
    assert (res.disagree, res.disagree_reason) == (True, "opposite_sign")
    # Each cohort's and each event time's effect is recovered too.
    groups = _by(res.by_group, "group")
    assert groups[(2,)]["low"] < 0.6 * 4.5 < groups[(2,)]["high"]  # mean of 0.6 * (1..8)
    assert groups[(7,)]["low"] < 0 < groups[(7,)]["high"]
    dynamic = _by(res.dynamic, "e")
    assert dynamic[(5,)]["low"] < 0.6 * 6 < dynamic[(5,)]["high"]  # only the early cohort


def test_simple_interval_covers_the_truth_at_its_nominal_rate() -> None:
    """Over 300 simulated roll-outs, the analytic 95% interval of the simple aggregate
    covers the true value about 95% of the time, with either control group."""
    for control in ("never_treated", "not_yet_treated"):
        covered = []
        for seed in range(300):
            frame, truth = _rollout(seed, n_never=15, n_early=15, n_late=15, noise=1.0)
            res = staggered_did(frame, "score", "queue", "week", "start", control=control)
            target = _simple_truth(truth, {2: 1 / 3, 7: 1 / 3})
            covered.append(res.effect.low <= target <= res.effect.high)
        assert 0.90 <= np.mean(covered) <= 0.99, control


def test_pre_trend_test_rejects_at_its_nominal_rate_under_parallel_trends() -> None:
    """No effect before any start: over 200 roll-outs of 100 units per group, the Wald
    pre-test rejects at 5% about 5% of the time (it is asymptotic: with 15 units per
    group and its 7 pre-period cells it rejected 23% of the time, see the module)."""
    p = [
        staggered_did(_rollout(seed, n_never=100)[0], "score", "queue", "week", "start").pre_trend_p
        for seed in range(200)
    ]
    assert 0.02 <= np.mean(np.array(p) < 0.05) <= 0.09


# --- Data handling ------------------------------------------------------------------------


def test_dates_give_the_same_estimates(mpdta: pl.DataFrame, never: changes.StaggeredResult) -> None:
    dated = mpdta.with_columns(
        pl.date(pl.col("year"), 1, 1).alias("year"),
        pl.when(pl.col("first.treat") > 0)
        .then(pl.date(pl.col("first.treat"), 1, 1))
        .alias("first.treat"),
    )
    res = staggered_did(dated, *ARGS)
    assert res.group_time["estimate"].to_list() == pytest.approx(
        never.group_time["estimate"].to_list(), abs=1e-12
    )
    assert res.group_time["group"][0] == dt.date(2004, 1, 1)
    assert res.table.equals(never.table)
    # A start between two periods counts from the next one: mid-2003 starts are 2004's.
    mid = dated.with_columns(
        pl.when(pl.col("first.treat") == dt.date(2004, 1, 1))
        .then(pl.lit(dt.date(2003, 6, 1)))
        .otherwise(pl.col("first.treat"))
        .alias("first.treat")
    )
    assert staggered_did(mid, *ARGS).table.equals(never.table)


def test_pandas_input_is_accepted(mpdta: pl.DataFrame, never: changes.StaggeredResult) -> None:
    assert staggered_did(mpdta.to_pandas(), *ARGS).table.equals(never.table)


def test_without_never_treated_units_the_last_cohort_is_the_control(
    mpdta: pl.DataFrame,
) -> None:
    """As R's did: 2007 adopters become the controls, and 2007 itself is dropped."""
    treated_only = mpdta.filter(pl.col("first.treat") > 0)
    res = staggered_did(treated_only, *ARGS)
    assert "last_cohort_as_control" in res.notes
    assert sorted(set(res.group_time["group"])) == [2004, 2006]
    assert res.group_time["time"].max() == 2006 and res.n_periods == 4
    wide = treated_only.pivot(on="year", index=["countyreal", "first.treat"], values="lemp")
    change = wide.group_by("first.treat").agg((pl.col("2005") - pl.col("2003")).mean())
    means = dict(change.iter_rows())
    row = _by(res.group_time, "group", "time")[(2004, 2005)]
    assert row["estimate"] == pytest.approx(means[2004] - means[2007], abs=1e-12)
    assert row["n_control"] == 131


def test_always_and_later_treated_units_follow_the_package_rules(mpdta: pl.DataFrame) -> None:
    shifted = mpdta.with_columns(
        pl.when(pl.col("first.treat") == 2006)
        .then(2003)  # treated from the first year: nothing to compare with, dropped
        .when(pl.col("first.treat") == 2007)
        .then(2010)  # starts after the data: never treated within it
        .otherwise(pl.col("first.treat"))
        .alias("first.treat")
    )
    res = staggered_did(shifted, *ARGS)
    assert set(res.notes) == {"always_treated_dropped", "treated_after_panel_as_never"}
    assert res.n_units == 460
    assert set(res.group_time["n_control"]) == {309 + 131}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.filter(~((pl.col("countyreal") == 8001) & (pl.col("year") == 2005))),
         "balanced panel"),
        (lambda d: d.with_columns(
            pl.when(pl.col("countyreal") == 8001).then(None).otherwise(pl.col("lemp"))
            .alias("lemp")), "balanced panel"),
        (lambda d: pl.concat([d, d.head(1)]), "one row per"),
        (lambda d: d.with_columns(
            pl.when((pl.col("countyreal") == 8001) & (pl.col("year") == 2003)).then(2004)
            .otherwise(pl.col("first.treat")).alias("first.treat")), "same on every row"),
        (lambda d: d.filter(pl.col("year") == 2003), "two periods"),
        (lambda d: d.filter(pl.col("first.treat").is_in([0, 2003])), "no cohort"),
    ],
)  # fmt: skip
def test_refuses_what_it_cannot_estimate(mpdta: pl.DataFrame, change: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        staggered_did(change(mpdta), *ARGS)  # type: ignore[operator]


def test_refuses_an_unknown_control_and_missing_columns(mpdta: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="not_yet_treated"):
        staggered_did(mpdta, *ARGS, control="everyone")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="missing column"):
        staggered_did(mpdta, "satisfaction", "countyreal", "year", "first.treat")
