"""The KPI catalog: how each KPI is estimated from sufficient statistics.

One table (``KPIS``) drives the tiles, the trend, the breakdown and their tests,
the way datasette's SETTINGS drives its CLI and docs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from analytics.compare import Difference, compare_means, compare_normal, compare_proportions
from analytics.metrics import Estimate, mean_from_moments, nps_from_counts, proportion

Source = Literal["surveys", "calls"]
Kind = Literal["nps", "proportion", "mean"]
Unit = Literal["points", "percent", "seconds", "score"]
Row = Mapping[str, Any]


@dataclass(frozen=True)
class Kpi:
    key: str
    source: Source
    kind: Kind
    unit: Unit
    higher_is_better: bool
    estimate: Callable[[Row], Estimate]
    counts: tuple[str, str] | None = None  # (successes, trials) for proportions


def _prop(x: str, n: str) -> Callable[[Row], Estimate]:
    return lambda r: proportion(_int(r[x]), _int(r[n]))


def _mean(n: str, s: str, ss: str) -> Callable[[Row], Estimate]:
    return lambda r: mean_from_moments(_int(r[n]), _float(r[s]), _float(r[ss]))


def _nps(r: Row) -> Estimate:
    return nps_from_counts(_int(r["promoters"]), _int(r["detractors"]), _int(r["n_nps"]))


KPIS: tuple[Kpi, ...] = (
    Kpi("nps", "surveys", "nps", "points", True, _nps),
    Kpi(
        "csat",
        "surveys",
        "proportion",
        "percent",
        True,
        _prop("csat_top2", "n_csat"),
        ("csat_top2", "n_csat"),
    ),
    Kpi("csat_mean", "surveys", "mean", "score", True, _mean("n_csat", "csat_sum", "csat_sumsq")),
    Kpi("ces", "surveys", "mean", "score", True, _mean("n_ces", "ces_sum", "ces_sumsq")),
    Kpi(
        "ces_easy",
        "surveys",
        "proportion",
        "percent",
        True,
        _prop("ces_easy", "n_ces"),
        ("ces_easy", "n_ces"),
    ),
    Kpi(
        "resolution",
        "calls",
        "proportion",
        "percent",
        True,
        _prop("n_resolved", "n_answered"),
        ("n_resolved", "n_answered"),
    ),
    Kpi(
        "fcr",
        "calls",
        "proportion",
        "percent",
        True,
        _prop("n_fcr", "n_fcr_eligible"),
        ("n_fcr", "n_fcr_eligible"),
    ),
    Kpi("aht", "calls", "mean", "seconds", False, _mean("handle_n", "handle_sum", "handle_sumsq")),
    Kpi("asa", "calls", "mean", "seconds", False, _mean("wait_n", "wait_sum", "wait_sumsq")),
    Kpi(
        "abandonment",
        "calls",
        "proportion",
        "percent",
        False,
        _prop("n_abandoned", "n_calls"),
        ("n_abandoned", "n_calls"),
    ),
    Kpi(
        "service_level",
        "calls",
        "proportion",
        "percent",
        True,
        _prop("n_within_sl", "n_calls"),
        ("n_within_sl", "n_calls"),
    ),
    Kpi(
        "transfer_rate",
        "calls",
        "proportion",
        "percent",
        False,
        _prop("n_transferred", "n_answered"),
        ("n_transferred", "n_answered"),
    ),
    Kpi(
        "response_rate",
        "calls",
        "proportion",
        "percent",
        True,
        _prop("n_surveyed", "n_answered"),
        ("n_surveyed", "n_answered"),
    ),
)
BY_KEY: dict[str, Kpi] = {k.key: k for k in KPIS}


def get(key: str) -> Kpi:
    """Allow-list lookup of a KPI by key."""
    if key not in BY_KEY:
        raise ValueError(f"unknown KPI {key!r}; expected one of {', '.join(BY_KEY)}")
    return BY_KEY[key]


def change(kpi: Kpi, before: Row, after: Row) -> Difference:
    """after - before for one KPI, in the KPI's own unit (points for rates)."""
    if kpi.kind == "proportion" and kpi.counts:
        x, n = kpi.counts
        d = compare_proportions(_int(before[x]), _int(before[n]), _int(after[x]), _int(after[n]))
        return Difference(100 * d.estimate, 100 * d.low, 100 * d.high, 100 * d.se, d.p)
    if kpi.kind == "nps":
        return compare_normal(kpi.estimate(before), kpi.estimate(after))
    return compare_means(kpi.estimate(before), kpi.estimate(after))


def estimates(stats: pl.DataFrame, keys: tuple[str, ...], by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Long frame ``*by, kpi, value, low, high, se, n, low_sample`` from a stats frame."""
    rows = []
    for r in stats.iter_rows(named=True):
        for key in keys:
            e = get(key).estimate(r)
            rows.append(
                {
                    **{c: r[c] for c in by},
                    "kpi": key,
                    "value": e.value,
                    "low": e.low,
                    "high": e.high,
                    "se": e.se,
                    "n": e.n,
                    "low_sample": e.low_sample,
                }
            )
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        **{c: stats.schema[c] for c in by},
        "kpi": pl.String,
        "value": pl.Float64,
        "low": pl.Float64,
        "high": pl.Float64,
        "se": pl.Float64,
        "n": pl.Int64,
        "low_sample": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def _int(v: Any) -> int:
    return 0 if v is None else int(v)


def _float(v: Any) -> float:
    return 0.0 if v is None else float(v)
