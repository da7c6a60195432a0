"""Randomization inference for DiD with few treated units."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analytics import changes
from analytics.changes.did_inference import by_randomization, randomization_inference


def panel(n_units: int, effect: float, seed: int, periods: int = 16) -> pl.DataFrame:
    """Unit x period cell means; unit 0 treated from period 8; unit-level shocks."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_units):
        level, drift = rng.normal(0, 2), rng.normal(0, 0.3)
        shock = rng.normal(0, 1)  # a unit-wide shift after the change date: cluster noise
        for t in range(periods):
            post = t >= 8
            y = level + drift * t + (shock if post else 0) + rng.normal(0, 0.5)
            y += effect if (u == 0 and post) else 0
            rows.append({"unit": f"u{u}", "treated": u == 0, "post": post, "value": y, "n": 50})
    return pl.DataFrame(rows)


def test_one_treated_unit_p_is_its_rank_among_units() -> None:
    r = randomization_inference(panel(5, 0.0, 1), "value", "treated", "post", "unit", weight="n")
    assert r.n_assignments == 5 and r.smallest_p == pytest.approx(0.2)
    rank = sum(abs(e) >= abs(r.effect) - 1e-12 for e in r.placebo_effects)
    assert r.p == pytest.approx(rank / 5)
    assert r.effect in r.placebo_effects


def test_a_large_effect_is_found_with_enough_units() -> None:
    r = randomization_inference(panel(25, 15.0, 2), "value", "treated", "post", "unit", weight="n")
    assert r.p == pytest.approx(1 / 25)


def test_placebo_rejection_rate_is_nominal() -> None:
    """No effect, unit-level shocks: p < 0.05 in about 5% of replications, not 30%."""
    rejections = [
        randomization_inference(panel(20, 0.0, s), "value", "treated", "post", "unit").p < 0.05
        for s in range(200)
    ]
    assert np.mean(rejections) <= 0.09  # binomial(200, 0.05): 0.09 is > 3 s.e. above 5%


def test_treatment_must_be_constant_within_units() -> None:
    df = panel(4, 0.0, 3).with_columns(treated=pl.col("post") & (pl.col("unit") == "u0"))
    with pytest.raises(ValueError, match="constant within each unit"):
        randomization_inference(df, "value", "treated", "post", "unit")


def test_each_assignments_effect_is_the_regressions() -> None:
    """The per-unit sums give difference_in_differences' weighted effect exactly."""
    df = panel(6, 1.0, 4).with_columns(n=(pl.col("value").abs() * 10).cast(pl.Int64) + 1)
    r = randomization_inference(df, "value", "treated", "post", "unit", weight="n")
    for i, effect in enumerate(r.placebo_effects):  # one treated unit: assignment i is u{i}
        relabelled = df.with_columns(treated=pl.col("unit") == f"u{i}")
        want = changes.difference_in_differences(relabelled, "value", "treated", "post", weight="n")
        assert effect == pytest.approx(want.effect.estimate, abs=1e-10)
    assert r.effect == r.placebo_effects[0]


def test_studentized_statistic_divides_by_the_sampling_error() -> None:
    df = panel(5, 0.0, 5).with_columns(se=pl.lit(0.5), n=pl.lit(1))
    r = randomization_inference(df, "value", "treated", "post", "unit", weight="n", se="se")
    # Equal weights and errors: the treated group's two window means average 8 cells
    # each (variance 0.25 / 8), the control's 32: var = 2 (0.25/8 + 0.25/32).
    scale = (2 * (0.25 / 8 + 0.25 / 32)) ** 0.5
    assert r.statistics == pytest.approx([e / scale for e in r.placebo_effects])
    plain = randomization_inference(df, "value", "treated", "post", "unit")
    assert plain.statistics == plain.placebo_effects


def test_a_small_noisy_unit_does_not_set_the_p_value_when_studentized() -> None:
    """Unit u4 has one response a cell (its mean noisy), the others 400: by raw effects
    u4's noise is the most extreme placebo; divided by their errors, it is not."""
    rng = np.random.default_rng(12)
    rows = []
    for u, n in enumerate([400, 400, 400, 400, 1]):
        for t in range(16):
            post = t >= 8
            y = rng.normal(0, 1 / n**0.5) + (0.3 if u == 0 and post else 0.0)
            rows.append({"unit": f"u{u}", "treated": u == 0, "post": post, "value": y,
                         "n": n, "se": 1 / n**0.5})  # fmt: skip
    df = pl.DataFrame(rows)
    raw = randomization_inference(df, "value", "treated", "post", "unit", weight="n")
    student = randomization_inference(df, "value", "treated", "post", "unit", "n", se="se")
    assert raw.p > 0.2 and student.p == pytest.approx(0.2)


def test_by_randomization_claims_no_interval() -> None:
    df = panel(5, 3.0, 6)
    did = changes.difference_in_differences(df, "value", "treated", "post", cluster="unit")
    ri = randomization_inference(df, "value", "treated", "post", "unit")
    res = by_randomization(did, ri)
    assert res.effect.estimate == pytest.approx(did.effect.estimate)
    assert res.effect.p == ri.p and res.randomization is ri
    assert np.isnan([res.effect.low, res.effect.high, res.effect.se, res.mde]).all()
    assert res.table.equals(did.table)  # the regression's own numbers stay for reference
