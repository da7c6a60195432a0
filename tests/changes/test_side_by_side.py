"""Every method side by side (issue 17): the engine behind the page's table and verdict.

Stores: the demo generator's 20,000-call store (seed 3), the size the page tests use,
where five queues are too few for difference-in-differences to answer. Roll-out
schedules are explicit frames (``dimension, unit, started_on``), as the registry returns
them.

Independent references: the small-sample t interval against statsmodels' OLS of a
constant on the minimum-wage panel ``mpdta`` of the R package ``did`` (GNU GPL; copied
from https://github.com/d2cml-ai/csdid, MIT, ``data/mpdta.csv``; provenance in
``tests/data/changes/mpdta/README.md``); the structural row (a fixed level on the
default 12 weeks) against statsmodels' OLS prediction for the mean of the post weeks;
the staggered row against
:func:`analytics.changes.staggered_did` run directly on the panel rebuilt from the
store's daily cells; the control choice against numpy's correlation; the pooled
reference against the event study fitted with the single week before the change.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats

from analytics.changes import analysis as ca
from analytics.changes import cells, methods, prepost, registry, report, tables
from analytics.changes.registry import Change
from analytics.compare import Difference
from analytics.store import Store
from tests.conftest import DemoStores

END = dt.date(2026, 6, 28)
MPDTA = Path(__file__).parent.parent / "data" / "changes" / "mpdta" / "mpdta.csv"


@pytest.fixture(scope="module")
def store(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_stores.open(tmp_path_factory.mktemp("side_by_side"), calls=20_000, seed=3, end=END)
    yield s
    s.close()


@pytest.fixture(scope="module")
def ivr(store: Store) -> Change:
    return registry.get_change(store, 1)


@pytest.fixture(scope="module")
def plain(store: Store, ivr: Change) -> ca.Analysis:
    return ca.analyse(store, ivr)


def schedule(*rows: tuple[str, str, dt.date]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"dimension": pl.String, "unit": pl.String, "started_on": pl.Date},
        orient="row",
    )  # fmt: skip


# -- statistics ---------------------------------------------------------------------------------


def test_the_small_sample_interval_is_statsmodels_t_interval() -> None:
    """G units' mean with its standard error: the t interval and p-value on G - 1
    degrees of freedom are those of statsmodels' OLS on a constant (same data)."""
    panel = pl.read_csv(MPDTA)
    change = (
        panel.filter(pl.col("year").is_in([2003, 2007]))
        .sort("countyreal", "year")
        .group_by("countyreal", maintain_order=True)
        .agg(pl.col("lemp").diff().last())
    )["lemp"].to_numpy()[:12]
    fit = sm.OLS(change, np.ones((len(change), 1))).fit()
    mean, se = float(fit.params[0]), float(fit.bse[0])
    shown = methods.small_sample(Difference(mean, math.nan, math.nan, se, math.nan), len(change))
    low, high = fit.conf_int(alpha=0.05)[0]
    assert (shown.low, shown.high) == pytest.approx((low, high), rel=1e-12)
    assert shown.p == pytest.approx(float(fit.pvalues[0]), rel=1e-10)
    # From 30 units on, the normal interval stays as the estimator gave it.
    many = Difference(mean, mean - 1.96 * se, mean + 1.96 * se, se, 0.5)
    assert methods.small_sample(many, 30) is many


def test_the_controls_are_the_complete_series_most_correlated_before_the_change(
    store: Store, plain: ca.Analysis
) -> None:
    fit, win = plain["asa"].structural, plain.windows
    assert fit is not None and win is not None and plain.weekly is not None
    weekly = plain.weekly.filter((pl.col("kpi") == "asa") & (pl.col("window") == "before"))
    treated = (
        methods.weekly_cells(
            cells.read_cells(store, plain.change, plain.settings.filters, ("asa",), win.span, 0, 7),
            win.change_on,
            ("asa",),
        )[0]
        .filter(pl.col("window") == "before")
        .sort("period")
    )
    y = treated["value"].to_numpy()
    r = {}
    for unit in plain.units.control if plain.units else ():
        x = weekly.filter(pl.col("unit") == unit).sort("period")["value"].to_numpy()
        if len(x) == len(y):
            r[unit] = abs(np.corrcoef(y, x)[0, 1])
    expected = sorted(r, key=lambda u: -r[u])[: methods.MAX_CONTROLS]
    assert list(fit.coefficients) == expected


# -- which method is trusted, and why -----------------------------------------------------------


def test_without_a_schedule_the_controls_path_is_trusted(plain: ca.Analysis) -> None:
    """Five queues: DiD cannot reach p < 0.05, the structural counterfactual can."""
    trusted = methods.trust(plain, "asa")
    assert trusted == methods.Trust("structural", "few_units")
    rows = {r.method: r for r in methods.rows(plain, "asa")}
    assert rows["structural"].trusted and rows["did"].agreement == "cannot_answer"
    assert rows["staggered"].finding is None
    assert rows["staggered"].problem.key == "methods.staggered.no_rollout"


def test_roll_out_dates_that_differ_make_the_staggered_estimate_trusted(
    store: Store, ivr: Change, plain: ca.Analysis
) -> None:
    later = ivr.started_on + dt.timedelta(weeks=6)
    frame = schedule(("queue", "billing", ivr.started_on), ("queue", "sales", later))
    a = ca.analyse(store, ivr, rollout=frame)
    assert methods.trust(a, "asa") == methods.Trust("staggered", "rollout_dates_differ")
    # The same as adding the schedule to the cached analysis (what the page does).
    added = methods.with_rollout(plain, frame)
    assert added["asa"].staggered is not None and a["asa"].staggered is not None
    assert added["asa"].staggered.effect == a["asa"].staggered.effect
    # Against staggered_did on the balanced unit x week panel, with the t correction.
    panel = (
        plain.weekly.filter((pl.col("kpi") == "asa") & (pl.col("n") > 0))
        .filter(pl.col("value").is_not_nan())
        .with_columns(
            first=pl.when(pl.col("unit") == "billing").then(pl.lit(ivr.started_on))
            .when(pl.col("unit") == "sales").then(pl.lit(later))
            .otherwise(pl.lit(None, pl.Date))
        )
    )  # fmt: skip
    weeks = panel["period"].n_unique()
    full = panel.group_by("unit").len().filter(pl.col("len") == weeks)["unit"]
    direct = methods.staggered_did(
        panel.filter(pl.col("unit").is_in(full.implode())), "value", "unit", "period", "first"
    )
    g = direct.n_units
    e = direct.effect
    half = stats.t.ppf(0.975, g - 1) * e.se
    (row,) = [r for r in methods.rows(a, "asa") if r.method == "staggered"]
    assert row.trusted and row.finding is not None
    assert (row.finding.estimate, row.finding.low, row.finding.high) == pytest.approx(
        (e.estimate, e.estimate - half, e.estimate + half), rel=1e-12
    )
    assert row.finding.p == pytest.approx(2 * stats.t.sf(abs(e.estimate / e.se), g - 1))
    # The cohorts are the schedule's dates (the weeks holding them).
    assert sorted(a["asa"].staggered.group_time["group"].unique()) == [ivr.started_on, later]


def test_one_start_date_is_not_a_staggered_design(store: Store, ivr: Change) -> None:
    a = ca.analyse(store, ivr, rollout=schedule(("queues", "billing", ivr.started_on)))
    assert a["asa"].staggered is not None  # estimated (it is a DiD here) but not trusted
    assert methods.trust(a, "asa").method == "structural"


def test_a_schedule_of_another_dimension_is_said(store: Store, ivr: Change) -> None:
    a = ca.analyse(store, ivr, rollout=schedule(("region", "North", ivr.started_on)))
    assert a["asa"].problems["staggered"].key == "methods.staggered.other_dimension"
    text = tables.methods_table(a, "asa", "es")["note"].to_list()[-1]
    assert (
        text
        == "El calendario de despliegue nombra unidades de otra dimensión que el alcance del cambio."
    )


def test_without_controls_the_time_series_is_trusted(store: Store, ivr: Change) -> None:
    a = ca.analyse(store, ivr, ca.Settings(control=("billing",)))
    assert methods.trust(a, "asa") == methods.Trust("its", "no_control")
    assert a["asa"].problems["structural"].key == "analysis.did.control_is_treated"


def test_before_after_alone_is_never_trusted(store: Store, ivr: Change) -> None:
    settings = ca.Settings(weeks_before=2, weeks_after=2, control=("billing",))
    a = ca.analyse(store, ivr, settings)
    assert [f.method for f in a.findings("asa")] == ["before_after"]
    assert methods.trust(a, "asa") == methods.Trust(None, "before_after_alone")
    assert report.trust_text(a, "asa", "en").startswith("No method is trusted alone")


# -- one truth per screen -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_each_row_is_the_finding_the_verdict_weighs(
    store: Store, ivr: Change, plain: ca.Analysis, lang: str
) -> None:
    later = ivr.started_on + dt.timedelta(weeks=6)
    staggered = methods.with_rollout(
        plain, schedule(("queue", "billing", ivr.started_on), ("queue", "sales", later))
    )
    for a in (plain, staggered):
        for metric in a.settings.metrics:
            v = report.verdict(a, metric, lang)  # type: ignore[arg-type]
            table = tables.methods_table(a, metric, lang)  # type: ignore[arg-type]
            by_name = {r["method"]: r for r in table.iter_rows(named=True)}
            for f in (*v.findings, *v.left_out):
                row = by_name[report.t(f"verdict.{f.method}", lang)]  # type: ignore[arg-type]
                cells_ = tables.effect_cells(metric, f.estimate, f.low, f.high, lang, f.mde)  # type: ignore[arg-type]
                assert (row["effect"], row["ci"]) == (cells_["change"], cells_["ci"])
                assert row["p"].startswith(report.p_text(f.p, lang))  # type: ignore[arg-type]
            # Never "cannot tell" (or "no clear change") beside an interval excluding zero.
            if any(f.significant for f in v.findings):
                assert v.code not in ("cannot_tell", "no_clear_change")
            trusted = methods.trust(a, metric)
            if v.findings and trusted is not None and trusted.method is not None:
                assert v.findings[0].method == trusted.method


# -- the event study's pooled reference ---------------------------------------------------------


def test_the_event_study_measures_gaps_against_three_pooled_weeks(
    store: Store, plain: ca.Analysis
) -> None:
    event = plain["asa"].event
    assert event is not None
    periods = event.table["relative_period"].to_list()
    assert -1 in periods and -2 not in periods and -3 not in periods and min(periods) == -12
    reference = event.table.filter(pl.col("relative_period") == -1)
    assert reference["estimate"].to_list() == [0.0] and reference["se"].null_count() == 1
    # Against the single week before: the same cells, the single-week reference.
    data = ca._precision_weights(
        ca._usable(_unit_cells(store, plain).filter(pl.col("kpi") == "asa"))
    ).filter(pl.col("window") != "ramp")
    single = prepost.event_study(
        data, "value", "treated", "period", plain.change.started_on, weight="w", unit="unit"
    )
    lags = pl.col("relative_period") >= 0
    pooled_se = event.table.filter(lags)["se"].median()
    single_se = single.table.filter(lags)["se"].median()
    assert pooled_se < single_se  # on this store: about 17% smaller (analysis.py's note)


def _unit_cells(store: Store, a: ca.Analysis) -> pl.DataFrame:
    win = a.windows
    assert win is not None and a.units is not None
    frames = cells.read_cells(
        store, a.change, a.settings.filters, a.settings.metrics, win.span, 0, 7
    )
    cells_ = ca._unit_cells(frames, a.units, a.settings.metrics)
    assert cells_ is not None
    return cells_


def test_the_structural_row_is_the_ols_prediction_interval(plain: ca.Analysis) -> None:
    """Twelve weeks before the change: the regression on the controls with a fixed
    level, whose average effect is statsmodels' OLS prediction for the mean of the
    post weeks (the coefficients' uncertainty plus the post weeks' own noise, Student's
    t on the residual degrees of freedom)."""
    fit, win = plain["asa"].structural, plain.windows
    assert fit is not None and win is not None and plain.weekly is not None
    assert fit.trend == "fixed_level" and fit.n_pre == 12
    controls = list(fit.coefficients)
    wide = (
        plain.weekly.filter((pl.col("kpi") == "asa") & (pl.col("n") > 0))
        .pivot(on="unit", index="period", values="value")
        .sort("period")
    )
    pre = wide.filter(pl.col("period") < win.change_on)
    post = wide.filter(pl.col("period") >= win.after[0])
    ols = sm.OLS(pre["billing"].to_numpy(), sm.add_constant(pre.select(controls).to_numpy())).fit()
    mean_row = np.r_[1.0, post.select(controls).to_numpy().mean(axis=0)][None, :]
    predicted = ols.get_prediction(mean_row)
    estimate = float(post["billing"].mean()) - float(predicted.predicted_mean[0])
    se = math.sqrt(float(predicted.se_mean[0]) ** 2 + ols.scale / post.height)
    half = stats.t.ppf(0.975, ols.df_resid) * se
    e = fit.effect
    assert (e.estimate, e.low, e.high) == pytest.approx(
        (estimate, estimate - half, estimate + half), rel=1e-6
    )
    assert dict(zip(controls, ols.params[1:], strict=True)) == pytest.approx(fit.coefficients)


def test_agreement_says_whether_the_methods_agree_on_a_change_or_on_none(
    plain: ca.Analysis,
) -> None:
    """Two methods that both show no change agree on that, whatever their estimates'
    signs; two that show the same change agree on it; one that shows a change where the
    trusted one shows none differs."""
    for metric in plain.settings.metrics:
        rows = {r.method: r for r in methods.rows(plain, metric)}
        head = next((r.finding for r in rows.values() if r.trusted), None)
        for row in rows.values():
            if row.finding is None or head is None or row.trusted:
                continue
            f = row.finding
            if not f.can_show_a_change:
                assert row.agreement == "cannot_answer"
            elif f.sign == head.sign == 0:
                assert row.agreement == "neither"
            elif f.sign == head.sign:
                assert row.agreement == "agrees"
            else:
                assert row.agreement in ("differs", "opposite")
    # the pairing a reader could misread: estimates of opposite signs, neither a change
    seen = {r.agreement for m in plain.settings.metrics for r in methods.rows(plain, m)}
    assert "neither" in seen
