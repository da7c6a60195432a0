"""Randomization inference for a difference-in-differences with few treated units.

With one changed queue among five, cluster-robust errors ignore the treated unit's
own noise and over-reject badly (a placebo sweep on the demo data rejected 30% of
the time at 5%). Randomization inference asks instead: had the change been applied
to another unit, how large would the "effect" have been? The p-value is the share of
such placebo assignments whose effect is at least as large as the observed one. It
is exact under the sharp null, needs no variance estimate, and is honest about how
little few units can show: with five units the smallest possible p is 1/5.

References
----------
Fisher, R. A. (1935). The Design of Experiments. Oliver and Boyd.
Conley, T. G. and Taber, C. R. (2011). Inference with "difference in differences" with
    a small number of policy changes. Review of Economics and Statistics 93(1), 113-125.
MacKinnon, J. G. and Webb, M. D. (2020). Randomization inference for difference-in-
    differences with few treated clusters. Journal of Econometrics 218(2), 435-450.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from analytics.did import difference_in_differences
from analytics.its import as_polars

MAX_ASSIGNMENTS = 999


@dataclass(frozen=True)
class Randomization:
    """Observed effect, placebo effects of every (or a sample of) reassignment, p-value."""

    effect: float
    placebo_effects: tuple[float, ...]  # includes the observed assignment
    p: float

    @property
    def n_assignments(self) -> int:
        return len(self.placebo_effects)

    @property
    def smallest_p(self) -> float:
        """The smallest p-value this many units can give (1 / assignments)."""
        return 1 / self.n_assignments


def randomization_inference(
    df: Any,
    outcome: str,
    treated: str,
    post: str,
    unit: str,
    weight: str | None = None,
    seed: int = 0,
) -> Randomization:
    """Two-sided randomization p-value of the DiD effect, reassigning treatment across units.

    Treatment must be constant within each ``unit``. Every way of choosing as many
    units as were treated is tried (a random sample of :data:`MAX_ASSIGNMENTS` when
    there are more); the observed assignment is one of them.
    """
    data = as_polars(df)
    units = data.group_by(unit).agg(
        pl.col(treated).cast(pl.Int8).max().alias("t"),
        pl.col(treated).cast(pl.Int8).min().alias("t_min"),
    )
    if (units["t"] != units["t_min"]).any():
        raise ValueError(f"treatment must be constant within each {unit}")
    names = sorted(units[unit].to_list())
    observed = tuple(sorted(units.filter(pl.col("t") == 1)[unit].to_list()))
    effects = [
        _effect(data, outcome, post, unit, weight, set(a))
        for a in _assignments(names, observed, seed)
    ]
    actual = _effect(data, outcome, post, unit, weight, set(observed))
    # A tolerance so that the observed assignment always counts against itself.
    extreme = sum(abs(e) >= abs(actual) - 1e-12 for e in effects)
    return Randomization(actual, tuple(effects), extreme / len(effects))


def _assignments(names: list[Any], observed: tuple[Any, ...], seed: int) -> list[tuple[Any, ...]]:
    k = len(observed)
    if math.comb(len(names), k) <= MAX_ASSIGNMENTS + 1:
        return list(itertools.combinations(names, k))
    rng = np.random.default_rng(seed)
    drawn = {
        tuple(sorted(rng.choice(names, k, replace=False).tolist())) for _ in range(MAX_ASSIGNMENTS)
    }
    return [observed, *(a for a in drawn if a != observed)]


def _effect(
    data: pl.DataFrame,
    outcome: str,
    post: str,
    unit: str,
    weight: str | None,
    treated_units: set[Any],
) -> float:
    relabelled = data.with_columns(_ri_treated=pl.col(unit).is_in(list(treated_units)))
    res = difference_in_differences(relabelled, outcome, "_ri_treated", post, weight=weight)
    return float(res.effect.estimate)
