"""The names notebooks and outside checks call keep working, whatever the layout inside.

The numbers behind them are tested where they are computed; this only guards the names
(a module moved into a package must still answer to its old public path).
"""

from __future__ import annotations

import importlib

import pytest

PUBLIC = (
    "analytics.open_store",
    "analytics.metrics.nps",
    "analytics.metrics.csat",
    "analytics.metrics.ces",
    "analytics.changes.compare_proportions",
    "analytics.changes.interrupted_time_series",
    "analytics.changes.difference_in_differences",
    "analytics.changes.staggered_did",
    "analytics.changes.structural_impact",
    "analytics.changes.separate",
    "analytics.drivers.relative_weights",
    "analytics.drivers.shapley_r2",
    "analytics.drivers.ordinal_logit",
    "analytics.overview.tiles",
    "analytics.overview.trend",
    "analytics.overview.breakdown",
    "analytics.queries.Filters",
)


@pytest.mark.parametrize("dotted", PUBLIC)
def test_public_name_resolves_to_a_callable(dotted: str) -> None:
    module, _, name = dotted.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))


def test_the_public_functions_answer_from_their_old_paths() -> None:
    from analytics import changes, drivers, metrics
    from analytics.queries import Filters

    assert metrics.nps([10, 9, 3, 7]).value == pytest.approx(25.0)
    assert changes.compare_proportions(50, 100, 60, 100).estimate == pytest.approx(0.10)
    assert Filters(region=("North",)).region == ("North",)
    assert drivers.relative_weights.__module__ == "analytics.drivers.importance"
