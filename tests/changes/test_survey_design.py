"""Survey-design changes: the estimator against statsmodels, and the demo's planted truths.

Reference: statsmodels' ``OLS(y ~ changed * after).fit(cov_type="cluster",
cov_kwds={"groups": week}, use_t=True)`` (statsmodels 0.15, CR1 with the small-sample
factor G/(G-1) (N-1)/(N-K) and t(G-1) inference) on the same rows, computed here from the
raw answers rather than from the engine's per-week sums. The demo store is the default
size (150k calls, seed 7, fixed end), as in tests/demo/test_contact_center.py, whose
planted constants (``analytics.demo.contact_center``) are the truths.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.formula.api as smf

from analytics.changes import registry
from analytics.changes import survey_design as sd
from analytics.changes.registry import Change
from analytics.demo import contact_center
from analytics.store import Store
from tests.conftest import DemoStores

END = dt.date(2025, 6, 30)
IVR_MENU, KEYPAD = 1, 2


def reference(rows: pd.DataFrame) -> dict[str, tuple[float, float, float, float, float]]:
    """statsmodels' (estimate, se, low, high, p) of each contrast of ``y ~ changed * after``."""
    fit = smf.ols("y ~ changed * after", rows).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(rows["week"])[0]}, use_t=True
    )
    names = list(fit.params.index)  # Intercept, changed, after, changed:after
    vectors = {
        "unchanged": {"after": 1.0},
        "changed": {"after": 1.0, "changed:after": 1.0},
        "difference": {"changed:after": 1.0},
    }
    out = {}
    for group, weights in vectors.items():
        test = fit.t_test(np.array([[weights.get(n, 0.0) for n in names]]))
        low, high = test.conf_int(alpha=0.05)[0]
        out[group] = (
            float(test.effect[0]), float(test.sd[0, 0]), float(low), float(high), float(test.pvalue)
        )  # fmt: skip
    return out


def cells_of(rows: pd.DataFrame) -> pl.DataFrame:
    """The per-week sums the read path returns, built from the rows."""
    frame = pl.from_pandas(rows).with_columns(pl.col("changed", "after").cast(pl.Boolean))
    return frame.group_by("week", "changed", "after").agg(
        n_score=pl.col("y").count(), s_score=pl.col("y").sum()
    )


def simulated(seed: int, binary: bool) -> pd.DataFrame:
    """Answers in 16 weeks (8 before), a week shock shared by both groups, a shift."""
    rng = np.random.default_rng(seed)
    n = 3_000
    week = rng.integers(-8, 8, n)
    changed = rng.random(n) < 0.35
    after = week >= 0
    shock = rng.normal(0, 0.4, 16)[week + 8]
    latent = 0.2 + shock + 0.5 * (changed & after) + rng.normal(0, 1, n)
    y = (latent > 0.5).astype(float) * 100 if binary else latent
    return pd.DataFrame({"y": y, "changed": changed.astype(int), "after": after.astype(int),
                         "week": week})  # fmt: skip


@pytest.mark.parametrize(("seed", "binary"), [(1, True), (2, False), (3, True)])
def test_contrasts_match_statsmodels_cluster_robust_ols(seed: int, binary: bool) -> None:
    rows = simulated(seed, binary)
    got = sd.contrast(cells_of(rows), "score")
    want = reference(rows)
    assert got.reason is None and got.clusters == 16 and got.n == len(rows)
    for group, (estimate, se, low, high, p) in want.items():
        r = got.of(group)
        assert r["estimate"] == pytest.approx(estimate, rel=1e-9, abs=1e-9)
        assert r["se"] == pytest.approx(se, rel=1e-9)
        assert (r["low"], r["high"]) == pytest.approx((low, high), rel=1e-9)
        assert r["p"] == pytest.approx(p, rel=1e-6, abs=1e-12)


def test_a_missing_cell_is_not_measured_rather_than_zero() -> None:
    rows = simulated(4, True)
    rows = rows[~((rows["changed"] == 1) & (rows["after"] == 0))]
    got = sd.contrast(cells_of(rows), "score")
    assert got.reason == "no_changed_before" and not got.real
    assert got.rows["estimate"].is_nan().all()


# -- the demo's planted truths -----------------------------------------------------------


@pytest.fixture(scope="module")
def store(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_stores.open(tmp_path_factory.mktemp("survey_design"), calls=150_000, seed=7, end=END)
    yield s
    s.close()


def test_the_keypad_change_is_a_measurement_shift(store: Store) -> None:
    change = registry.get_change(store, KEYPAD)
    assert (change.name, change.kind, change.instruments) == (
        "IVR keypad order", "survey_design", ("ivr",)
    )  # fmt: skip
    result = sd.separate(store, change, "csat")
    assert result.verdict == "measurement_shift", result.table
    d = result.score.of("difference")
    # The planted inflation (points of IVR CSAT top-2-box) is inside the 95% interval
    # (which misses 5% of the time by construction; the seed is fixed).
    assert d["low"] <= contact_center.KEYPAD_CSAT_GAIN <= d["high"] and d["low"] > 0
    assert not result.behaviour_moved
    for c in result.behaviour:  # no service change: each behaviour interval holds zero
        assert c.of("difference")["low"] <= 0 <= c.of("difference")["high"], c.outcome
    # The keypad moved the top of the scale on IVR: share of 5s up, of 1-3s down.
    dist = result.distribution.filter(pl.col("changed"))
    share = {(r["after"], r["value"]): r["share"] for r in dist.iter_rows(named=True)}
    assert share[True, 5.0] > share[False, 5.0] + 0.05
    assert sum(share[True, v] for v in (1.0, 2.0, 3.0)) < sum(
        share[False, v] for v in (1.0, 2.0, 3.0)
    )


def test_the_keypad_did_not_touch_nps_or_ces(store: Store) -> None:
    change = registry.get_change(store, KEYPAD)
    for metric in ("nps", "ces"):
        result = sd.separate(store, change, metric)
        assert result.verdict == "no_shift", (metric, result.table)


def test_the_new_ivr_menu_is_a_service_change(store: Store) -> None:
    change = registry.get_change(store, IVR_MENU)
    assert change.kind == "process" and change.queues == (contact_center.IVR_QUEUE,)
    result = sd.separate(store, change, "csat")
    assert result.verdict == "service_change"
    wait = next(c for c in result.behaviour if c.outcome == "wait")
    d = wait.of("difference")
    assert sd.moved(wait) and d["low"] <= -contact_center.IVR_WAIT_CUT_S <= d["high"]
    # The CES gain (the menu's planted effect on the score) is in its interval too.
    ces = sd.separate(store, change, "ces").score.of("difference")
    assert ces["low"] <= contact_center.IVR_CES_GAIN <= ces["high"]


def test_the_engine_matches_statsmodels_on_the_stores_own_rows(store: Store) -> None:
    """The read path end to end: the keypad's CSAT rows read with plain SQL, then fitted
    by statsmodels, give the engine's numbers."""
    change = registry.get_change(store, KEYPAD)
    result = sd.separate(store, change, "csat")
    start = change.started_on
    rows = (
        store.cursor()
        .execute(
            "select 100.0 * (csat >= 4)::int as y, (survey_channel = 'ivr')::int as changed,"
            " (responded_at >= ?)::int as after,"
            " floor(datediff('day', ?::date, responded_at::date) / 7)::int as week"
            " from surveys where csat is not null and survey_channel is not null"
            " and coalesce(survey_type, '') <> 'relational'"
            " and responded_at >= ?::date - interval 84 day and responded_at < ?::date + interval 84 day",
            [start, start, start, start],
        )
        .df()
    )
    want = reference(rows)
    for group, (estimate, se, low, high, _) in want.items():
        r = result.score.of(group)
        assert (r["estimate"], r["se"]) == pytest.approx((estimate, se), rel=1e-9)
        assert (r["low"], r["high"]) == pytest.approx((low, high), rel=1e-9)


def test_what_cannot_be_measured_says_why(store: Store) -> None:
    keypad = registry.get_change(store, KEYPAD)
    nowhere = dataclasses.replace(keypad, instruments=("app",))  # no answers through an app
    assert sd.separate(store, nowhere, "csat").reason == "no_changed_before"
    everywhere = Change("Everything", keypad.started_on)  # a process change with no scope
    result = sd.separate(store, everywhere, "csat")
    assert (result.verdict, result.reason) == ("not_measured", "no_scope")
    with pytest.raises(ValueError, match="unknown metric"):
        sd.separate(store, keypad, "aht")  # type: ignore[arg-type]


def test_answers_without_their_calls_cannot_rule_out_a_service_change(empty_store: Store) -> None:
    """Missing is not zero: with no answer linked to a call, behaviour is not measured,
    so the verdict does not claim a measurement shift, whatever the scores did."""
    from tests.conftest import insert, survey

    rng = np.random.default_rng(5)
    start = dt.datetime(2026, 3, 2, 10)
    rows = [
        survey(i, start + dt.timedelta(days=int(d)), survey_channel=ch,
               csat=int(rng.integers(4, 6) if ch == "ivr" and d >= 0 else rng.integers(1, 6)))
        for i, (d, ch) in enumerate(
            zip(rng.integers(-42, 42, 600), rng.choice(["ivr", "email"], 600), strict=True)
        )
    ]  # fmt: skip
    insert(empty_store, "surveys", rows)
    change = Change("Keypad", start.date(), kind="survey_design", instruments=("ivr",))
    result = sd.separate(empty_store, change, "csat", weeks=6)
    assert result.score.reason is None and result.score.real  # the score did move
    assert (result.verdict, result.reason) == ("not_measured", "no_behaviour")
    assert all(c.reason == "no_changed_before" for c in result.behaviour)
