"""The KPI catalog: how each KPI is estimated from sufficient statistics.

One table (``KPIS``) drives the tiles, the trend, the breakdown and their tests,
the way datasette's SETTINGS drives its CLI and docs.

Missing is not zero: a KPI whose input was not captured has an empty estimate (NaN,
n = 0), and :func:`not_measured` says why - no rows at all, rows without the input,
or rows none of which qualifies - so that no page shows it as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from analytics.compare import (
    UNKNOWN,
    Difference,
    compare_means,
    compare_normal,
    compare_proportions,
)
from analytics.i18n import Lang, t
from analytics.metrics import (
    EMPTY,
    Estimate,
    StatKind,
    mean_from_moments,
    nps_from_counts,
    proportion,
)

Source = Literal["surveys", "calls"]
Unit = Literal["points", "percent", "seconds", "score"]
# Why a KPI has no value: no rows in the source; rows, but the input is null on all
# of them; or rows with the input, none of which qualifies (every call abandoned;
# for FCR, every call too recent for the 7-day repeat check).
Reason = Literal["no_data", "not_captured", "all_abandoned", "too_recent"]
REASONS: tuple[Reason, ...] = ("no_data", "not_captured", "all_abandoned", "too_recent")
Row = Mapping[str, Any]
# The stats column counting a source's rows (queries.survey_stats / call_stats).
ROWS: dict[Source, str] = {"surveys": "n_responses", "calls": "n_calls"}
ANSWERED: tuple[tuple[str, Reason], ...] = (("n_answered", "all_abandoned"),)


@dataclass(frozen=True)
class Kpi:
    """One KPI: how to estimate it, and what it needs to be measured at all.

    ``needs`` names the input columns (``kpi.<key>.not_measured`` says it in words);
    ``base`` lists the counts of rows that qualify before the input is looked at, each
    with the reason to give when it is zero (checked in order, after ``no_data``).
    """

    key: str
    source: Source
    kind: StatKind
    unit: Unit
    higher_is_better: bool
    estimate: Callable[[Row], Estimate]
    counts: tuple[str, str] | None = None  # (successes, trials) for proportions
    needs: tuple[str, ...] = ()
    base: tuple[tuple[str, Reason], ...] = ()


# Statistics are read with .get: a window or group with no rows comes as an empty row.
def _prop(x: str, n: str) -> Callable[[Row], Estimate]:
    return lambda r: proportion(_int(r.get(x)), _int(r.get(n)))


def _service_level(r: Row) -> Estimate:
    """Answered within 20 s over offered calls, but only where waits were captured: with
    answered calls and no wait for any of them, only the abandoned calls would be left
    in the denominator, and 0% would be a number of nothing (seen on a PBX log)."""
    if _int(r.get("n_answered")) > 0 and _int(r.get("wait_n")) == 0:
        return EMPTY
    return proportion(_int(r.get("n_within_sl")), _int(r.get("n_sl_known")))


def _mean(n: str, s: str, ss: str) -> Callable[[Row], Estimate]:
    return lambda r: mean_from_moments(_int(r.get(n)), _float(r.get(s)), _float(r.get(ss)))


def _nps(r: Row) -> Estimate:
    return nps_from_counts(
        _int(r.get("promoters")), _int(r.get("detractors")), _int(r.get("n_nps"))
    )


KPIS: tuple[Kpi, ...] = (
    Kpi("nps", "surveys", "nps", "points", True, _nps, needs=("nps",)),
    Kpi(
        "csat", "surveys", "proportion", "percent", True, _prop("csat_top2", "n_csat"),
        ("csat_top2", "n_csat"), needs=("csat",),
    ),
    Kpi(
        "csat_mean", "surveys", "mean", "score", True, _mean("n_csat", "csat_sum", "csat_sumsq"),
        needs=("csat",),
    ),
    Kpi(
        "ces", "surveys", "mean", "score", True, _mean("n_ces", "ces_sum", "ces_sumsq"),
        needs=("ces",),
    ),
    Kpi(
        "ces_easy", "surveys", "proportion", "percent", True, _prop("ces_easy", "n_ces"),
        ("ces_easy", "n_ces"), needs=("ces",),
    ),
    Kpi(
        "resolution", "calls", "proportion", "percent", True,
        _prop("n_resolved", "n_resolved_known"), ("n_resolved", "n_resolved_known"),
        needs=("resolved",), base=ANSWERED,
    ),
    Kpi(
        "fcr", "calls", "proportion", "percent", True, _prop("n_fcr", "n_fcr_eligible"),
        ("n_fcr", "n_fcr_eligible"), needs=("resolved", "customer_id"),
        # Not captured at all is said before "too recent": it is the reason that stays.
        base=(*ANSWERED, ("n_resolved_known", "not_captured"), ("n_fcr_observed", "too_recent")),
    ),
    Kpi(
        "aht", "calls", "mean", "seconds", False, _mean("handle_n", "handle_sum", "handle_sumsq"),
        needs=("duration_s",), base=ANSWERED,
    ),
    Kpi(
        "asa", "calls", "mean", "seconds", False, _mean("wait_n", "wait_sum", "wait_sumsq"),
        needs=("wait_s",), base=ANSWERED,
    ),
    Kpi(
        "abandonment", "calls", "proportion", "percent", False,
        _prop("n_abandoned", "n_abandon_known"), ("n_abandoned", "n_abandon_known"),
        needs=("abandoned",),
    ),
    Kpi(
        "service_level", "calls", "proportion", "percent", True,
        _service_level, ("n_within_sl", "n_sl_known"),
        needs=("abandoned", "wait_s"),
    ),
    Kpi(
        "transfer_rate", "calls", "proportion", "percent", False,
        _prop("n_transferred", "n_transfers_known"), ("n_transferred", "n_transfers_known"),
        needs=("transfers",), base=ANSWERED,
    ),
    Kpi(
        "response_rate", "calls", "proportion", "percent", True,
        _prop("n_surveyed", "n_response_base"), ("n_surveyed", "n_response_base"),
        needs=("surveys.call_id",), base=ANSWERED,
    ),
)  # fmt: skip
BY_KEY: dict[str, Kpi] = {k.key: k for k in KPIS}


def get(key: str) -> Kpi:
    """Allow-list lookup of a KPI by key."""
    if key not in BY_KEY:
        raise ValueError(f"unknown KPI {key!r}; expected one of {', '.join(BY_KEY)}")
    return BY_KEY[key]


def not_measured(key: str, row: Row) -> Reason | None:
    """Why ``key`` has no estimate on this stats row, or None when it has one.

    "no_data": the source has no rows here; "not_captured": it has rows, but the
    KPI's input is null on every row that qualifies; "all_abandoned" / "too_recent":
    no row qualifies (see :attr:`Kpi.base`).
    """
    kpi = get(key)
    if not kpi.estimate(row).empty:
        return None
    if _int(row.get(ROWS[kpi.source])) == 0:
        return "no_data"
    for column, reason in kpi.base:
        if _int(row.get(column)) == 0:
            return reason
    return "not_captured"


def reason_text(key: str, reason: Reason, lang: Lang) -> str:
    """The reason as one sentence: which input is missing, or why no row qualifies."""
    if reason == "not_captured":
        return t(f"kpi.{key}.not_measured", lang)
    if reason == "no_data":
        return t(f"reason.no_data.{get(key).source}", lang)
    return t(f"reason.{reason}", lang)


def not_measured_text(key: str, reason: Reason, lang: Lang) -> str:
    """ "Not measured. <the reason>" """
    return t("kpi.not_measured_because", lang, reason=reason_text(key, reason, lang))


def change(kpi: Kpi, before: Row, after: Row) -> Difference:
    """after - before for one KPI, in the KPI's own unit (points for rates); unknown
    when either side is not measured (no change is claimed from a number of nothing)."""
    if kpi.estimate(before).empty or kpi.estimate(after).empty:
        return UNKNOWN
    if kpi.kind == "proportion" and kpi.counts:
        x, n = kpi.counts
        d = compare_proportions(_int(before[x]), _int(before[n]), _int(after[x]), _int(after[n]))
        return Difference(100 * d.estimate, 100 * d.low, 100 * d.high, 100 * d.se, d.p)
    if kpi.kind == "nps":
        return compare_normal(kpi.estimate(before), kpi.estimate(after))
    return compare_means(kpi.estimate(before), kpi.estimate(after))


def estimates(stats: pl.DataFrame, keys: tuple[str, ...], by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Long frame ``*by, kpi, value, low, high, se, n, low_sample, reason`` from a stats
    frame; ``reason`` is null when the KPI is measured (see :func:`not_measured`)."""
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
                    "reason": not_measured(key, r),
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
        "reason": pl.String,
    }
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def _int(v: Any) -> int:
    return 0 if v is None else int(v)


def _float(v: Any) -> float:
    return 0.0 if v is None else float(v)
