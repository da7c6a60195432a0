"""Randomization inference for DiD with few treated units."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analytics.did_inference import randomization_inference


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
