"""Resolution or call length: which goes with the larger difference in the outcome.

The outcome per call-duration band, resolved and unresolved calls apart
(:func:`by_duration`, on the same cells as the drivers), and the one-line verdict the
page words (:func:`verdict`). An association in the data at hand, not a cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from analytics.drivers.cells import BINARY, Outcome, outcome_cells
from analytics.metrics import LOW_SAMPLE, mean_from_moments, proportion

CLEAR_RATIO = 1.5  # one gap this many times the other "matters more"


def by_duration(cells: pl.DataFrame, outcome: Outcome) -> pl.DataFrame:
    """The outcome per call-duration band, resolved and unresolved calls apart.

    ``resolved, duration, value, low, high, n, low_sample``: binary outcomes in percent
    with Wilson intervals, CSAT 1-5 and CES as means with t intervals.
    """
    frame = outcome_cells(cells, outcome).drop_nulls(["resolved", "duration"])
    sums = frame.group_by("resolved", "duration").agg(
        n=pl.col("n").sum(),
        s=(pl.col("n") * pl.col("y")).sum(),
        ss=(pl.col("n") * pl.col("y") ** 2).sum(),
    )
    rows = []
    for r in sums.sort("resolved", "duration").iter_rows(named=True):
        if outcome in BINARY:
            e = proportion(round(r["s"]), int(r["n"]))
        else:
            e = mean_from_moments(int(r["n"]), r["s"], r["ss"])
        rows.append(
            dict(resolved=r["resolved"], duration=r["duration"], value=e.value, low=e.low)
            | dict(high=e.high, n=e.n, low_sample=e.low_sample)
        )
    schema = dict(resolved=pl.Int8, duration=pl.Int8, value=pl.Float64, low=pl.Float64)
    return pl.DataFrame(
        rows, schema=schema | dict(high=pl.Float64, n=pl.Int64, low_sample=pl.Boolean)
    )


@dataclass(frozen=True)
class LeverVerdict:
    """Which goes with the larger difference in the outcome: resolution or call length.

    ``resolution_gap``: resolved minus unresolved at equal duration band (averaged over
    the bands, weighted by their responses). ``duration_gap``: the best minus the worst
    duration band at equal resolution (weighted by resolved / unresolved responses).
    Both in the outcome's unit (points); only bands with at least 30 responses count.
    ``code`` names the larger when it is at least 1.5 times the other.
    """

    code: Literal["resolution", "duration", "similar", "unknown"]
    resolution_gap: float
    duration_gap: float

    @property
    def ratio(self) -> float:
        small, large = sorted((abs(self.resolution_gap), abs(self.duration_gap)))
        return large / small if small > 0 else float("inf")


def verdict(bands: pl.DataFrame) -> LeverVerdict:
    """One verdict from :func:`by_duration`'s frame (the page words it)."""
    ok = bands.filter(pl.col("n") >= LOW_SAMPLE)
    wide = ok.pivot("resolved", index="duration", values=["value", "n"]).drop_nulls()
    ranges = ok.group_by("resolved").agg(
        gap=pl.col("value").max() - pl.col("value").min(), n=pl.col("n").sum(), k=pl.len()
    )
    ranges = ranges.filter(pl.col("k") >= 2)
    if wide.height == 0 or ranges.height == 0 or {"value_0", "value_1"} - set(wide.columns):
        return LeverVerdict("unknown", float("nan"), float("nan"))
    gaps = (wide["value_1"] - wide["value_0"]).to_numpy()
    res = float(np.average(gaps, weights=(wide["n_0"] + wide["n_1"]).to_numpy()))
    dur = float(np.average(ranges["gap"].to_numpy(), weights=ranges["n"].to_numpy()))
    if abs(res) >= CLEAR_RATIO * dur:
        return LeverVerdict("resolution", res, dur)
    if dur >= CLEAR_RATIO * abs(res):
        return LeverVerdict("duration", res, dur)
    return LeverVerdict("similar", res, dur)
