"""What drives satisfaction: relative importance, odds ratios and their guards.

Fitted on the cells of :mod:`analytics.drivers.cells` (counts per combination of driver
levels), never on raw rows: Johnson's relative weights (and the Shapley / LMG split
with dominance analysis when there are few drivers) from the cells' moments, their
bootstrap intervals from resampled cell counts (:mod:`analytics.drivers.shares`), and
the logit / ordinal logit on the cells as grouped counts (:mod:`analytics.drivers.odds`),
with the guards of :mod:`analytics.drivers.guards`. Here they are gathered into one
:class:`DriverAnalysis`, with the importance-performance quadrant built on it.
The other views on the same cells have their own modules and answer here too: the
outcome by call-duration band for resolved and unresolved calls with a one-line verdict
(:mod:`analytics.drivers.levers`), and the drivers side by side per segment and queue
(:mod:`analytics.drivers.segments`).

Everything here is an association in the data at hand, not a cause; the page says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from analytics.drivers import importance, shapley
from analytics.drivers.cells import BINARY, SPECS, Design, Outcome, outcome_cells, usable

# The guards' thresholds and the views on the same cells answer here too (the app's
# cache, the benches and the tests call them through this module): re-exported.
from analytics.drivers.guards import MIN_RESPONSES, VIF_WARN, Guard, model_guards  # noqa: F401
from analytics.drivers.levers import LeverVerdict, by_duration, verdict  # noqa: F401
from analytics.drivers.odds import direction, fit_table, odds_ratios
from analytics.drivers.segments import by_segment  # noqa: F401
from analytics.drivers.shares import bootstrap_limits, by_driver

N_BOOT = 200


@dataclass(frozen=True, eq=False)  # eq=False: polars frames do not compare to a bool
class DriverAnalysis:
    """Relative importance, odds ratios and guards for one outcome and set of drivers.

    ``importance``: ``driver, raw_weight, share, share_low, share_high, shapley_share,
    direction`` (shares of the explained variance in percent with 95% bootstrap limits;
    Shapley with each driver's dummies entering together, for at most 12 drivers, else
    NaN). ``dominates``: pairs ``(a, b)`` where driver ``a`` completely dominates ``b``
    (empty past 12 drivers). ``odds_ratios``: ``driver, level, reference, odds_ratio,
    low, high, p, estimable`` from the logit (binary outcomes) or the ordinal logit
    (CSAT 1-5, CES); not estimable: the interval is unbounded or spans more than a
    factor of 10,000 (a level with few responses, nearly all the same answer).
    ``performance``: ``driver, performance``, the % of responses whose call did well on
    the driver. ``mc_error``: Monte Carlo error of the bootstrap limits, in share points.
    """

    outcome: Outcome
    drivers: tuple[str, ...]
    n: int
    r2: float
    importance: pl.DataFrame
    odds_ratios: pl.DataFrame
    vif: pl.DataFrame
    performance: pl.DataFrame
    pseudo_r2: float
    n_boot: int
    mc_error: float
    guards: tuple[Guard, ...]
    dominates: tuple[tuple[str, str], ...] = ()

    @property
    def enough(self) -> bool:
        return not any(g.code == "min_sample" for g in self.guards)

    @property
    def model(self) -> Literal["logit", "ordinal"]:
        return "logit" if self.outcome in BINARY else "ordinal"


def _performance(d: Design) -> pl.DataFrame:
    """% of responses whose call did well on each driver that has a 'good' level."""
    rows = []
    for driver in d.drivers:
        good = SPECS[driver].good
        if good is not None:
            hit = d.frame.filter(pl.col(driver).is_in([str(g) for g in good]))["n"].sum()
            rows.append({"driver": driver, "performance": 100 * hit / d.n.sum()})
    return pl.DataFrame(rows, schema={"driver": pl.String, "performance": pl.Float64})


def _dominance(d: Design, m: importance.CrossMoments) -> shapley.Dominance | None:
    """Shapley (general dominance) shares and complete dominance, each driver's dummies
    entering together; None past 12 drivers (2^p sub-models)."""
    if len(d.drivers) > shapley.MAX_SHAPLEY_DRIVERS:
        return None
    return shapley.dominance_from_corr(m.corr(["y", *d.names]), d.names, d.owners)


def analyse(
    cells: pl.DataFrame,
    outcome: Outcome,
    drivers: Sequence[str],
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> DriverAnalysis:
    """Relative importance with bootstrap limits, odds ratios and signs, VIF and sample
    guards for one outcome and set of drivers (drivers that do not vary are dropped).

    Runs with one BLAS thread: the matrices are small (cells x model columns), and
    OpenBLAS threads that spin for a core on a busy 2-core machine made the same fit
    three to five times slower.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _analyse(cells, outcome, drivers, n_boot, seed)


def _analyse(
    cells: pl.DataFrame, outcome: Outcome, drivers: Sequence[str], n_boot: int, seed: int
) -> DriverAnalysis:
    d, dead = usable(outcome_cells(cells, outcome), drivers)
    guards = [Guard("no_variation", dead)] if dead else []
    n = int(d.n.sum())
    if n < MIN_RESPONSES or not d.names or np.ptp(d.y) == 0:
        return _empty(outcome, n, (*guards, Guard("min_sample", value=n)))
    m = d.moments()
    raw = by_driver(
        d, importance.relative_weights_from_moments(m, "y", d.names)["raw_weight"].to_numpy()
    )
    limits, mc, used = bootstrap_limits(d, n_boot, seed)
    dom = _dominance(d, m)
    shapley = dict(dom.table.select("driver", "share").iter_rows()) if dom else {}
    table, pseudo_r2, converged = fit_table(d, outcome)
    odds = odds_ratios(d, table)
    vif = importance.vif_from_corr(m.corr(d.names), d.names).with_columns(
        driver=pl.Series(d.owners)
    )
    shares = pl.DataFrame(
        {
            "driver": list(d.drivers),
            "raw_weight": raw,
            "share": 100 * raw / raw.sum(),
            "share_low": limits[0],
            "share_high": limits[1],
            "shapley_share": [shapley.get(k, np.nan) for k in d.drivers],
            "direction": [direction(d, odds, k) for k in d.drivers],
        }
    )
    return DriverAnalysis(
        outcome=outcome,
        drivers=d.drivers,
        n=n,
        r2=float(raw.sum()),
        importance=shares.sort("share", descending=True),
        odds_ratios=odds,
        vif=vif,
        performance=_performance(d),
        pseudo_r2=pseudo_r2,
        n_boot=used,
        mc_error=mc,
        guards=(*guards, *model_guards(d, vif, odds, outcome, converged)),
        dominates=dom.complete if dom else (),
    )


def _empty(outcome: Outcome, n: int, guards: tuple[Guard, ...]) -> DriverAnalysis:
    none = pl.DataFrame()
    return DriverAnalysis(outcome, (), n, np.nan, none, none, none, none, np.nan, 0, np.nan, guards)


def quadrant(a: DriverAnalysis) -> pl.DataFrame:
    """Importance-performance: ``driver, performance, importance, quadrant`` and the cut
    lines ``performance_cut, importance_cut`` (the means of the drivers shown).

    ``fix_first``: above-average importance, below-average performance.
    """
    frame = a.performance.join(a.importance.select("driver", importance="share"), on="driver")
    if frame.height == 0:
        return frame.with_columns(quadrant=pl.lit(None, pl.String))
    x_cut, y_cut = frame["performance"].mean(), frame["importance"].mean()
    high, good = pl.col("importance") >= y_cut, pl.col("performance") >= x_cut
    code = (
        pl.when(high & ~good).then(pl.lit("fix_first"))
        .when(high).then(pl.lit("keep_up"))
        .when(~good).then(pl.lit("low_priority"))
        .otherwise(pl.lit("overkill"))
    )  # fmt: skip
    return frame.with_columns(quadrant=code, performance_cut=x_cut, importance_cut=y_cut)
