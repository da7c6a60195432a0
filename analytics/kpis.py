"""The KPI catalog: which sufficient statistics each KPI is estimated from.

One table (``KPIS``) drives the tiles, the trend, the breakdown, the change analysis
and their tests, the way datasette's SETTINGS drives its CLI and docs. Each entry
declares the stats row's columns that hold its statistics (:class:`CountsOf`,
:class:`NpsCountsOf`, :class:`MomentsOf`); reading them gives the typed statistics of
:mod:`analytics.metrics`, whose one ``estimate`` and :func:`analytics.compare.difference`
do the inference for every KPI.

Missing is not zero: a KPI whose input was not captured has an empty estimate (NaN,
n = 0), and :func:`not_measured` says why - no rows at all, rows without the input,
or rows none of which qualifies - so that no page shows it as 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

import polars as pl

from analytics import metrics
from analytics.compare import UNKNOWN, Difference, difference
from analytics.dimensions import Source
from analytics.i18n import Lang, t
from analytics.metrics import EMPTY, Counts, Estimate, Moments, NpsCounts, StatKind, Sufficient

Unit = Literal["points", "percent", "seconds", "score"]
# Why a KPI has no value: no rows in the source; rows, but the input is null on all
# of them; or rows with the input, none of which qualifies (every call abandoned;
# for FCR, every call too recent for the 7-day repeat check).
Reason = Literal["no_data", "not_captured", "all_abandoned", "too_recent", "no_wait"]
REASONS: tuple[Reason, ...] = get_args(Reason)  # every reason, so none goes untested
Row = Mapping[str, Any]
# The stats column counting a source's rows (queries.survey_stats / call_stats).
ROWS: dict[Source, str] = {"surveys": "n_responses", "calls": "n_calls"}
ANSWERED: tuple[tuple[str, Reason], ...] = (("n_answered", "all_abandoned"),)


# --- which columns of a stats row hold a KPI's statistics ------------------------------
# Statistics are read with .get: a window or group with no rows comes as an empty row.


@dataclass(frozen=True)
class CountsOf:
    """The columns of a proportion's :class:`~analytics.metrics.Counts`."""

    x: str
    n: str
    kind: ClassVar[StatKind] = Counts.kind

    def read(self, row: Row) -> Counts:
        return Counts(_int(row.get(self.x)), _int(row.get(self.n)))


@dataclass(frozen=True)
class NpsCountsOf:
    """The columns of NPS's :class:`~analytics.metrics.NpsCounts`."""

    promoters: str
    detractors: str
    n: str
    kind: ClassVar[StatKind] = NpsCounts.kind

    def read(self, row: Row) -> NpsCounts:
        return NpsCounts(
            _int(row.get(self.promoters)), _int(row.get(self.detractors)), _int(row.get(self.n))
        )


@dataclass(frozen=True)
class MomentsOf:
    """The columns of a mean's :class:`~analytics.metrics.Moments`."""

    n: str
    total: str
    sum_sq: str
    kind: ClassVar[StatKind] = Moments.kind

    def read(self, row: Row) -> Moments:
        return Moments(
            _int(row.get(self.n)), _float(row.get(self.total)), _float(row.get(self.sum_sq))
        )


Stat = CountsOf | NpsCountsOf | MomentsOf


@dataclass(frozen=True)
class Captured:
    """No value where ``among`` counts rows but ``column`` none: the input was captured
    on none of them, and what the statistics hold without it would be a number of
    nothing (service level: with answered calls and no wait for any of them, only the
    abandoned calls would be left in the denominator, and 0% was seen on a PBX log)."""

    column: str
    among: str
    reason: Reason = "not_captured"  # what the KPI's row then says

    def missing(self, row: Row) -> bool:
        return _int(row.get(self.among)) > 0 and _int(row.get(self.column)) == 0


@dataclass(frozen=True)
class Kpi:
    """One KPI: where its statistics are, and what it needs to be measured at all.

    ``stat`` names the stats row's columns that hold the KPI's sufficient statistics,
    and so its kind. ``needs`` names the input columns (``kpi.<key>.not_measured``
    says it in words); ``base`` lists the counts of rows that qualify before the input
    is looked at, each with the reason to give when it is zero (checked in order, after
    ``no_data``); ``captured``, when set, leaves the KPI without a value where its input
    is missing in a way its own counts do not show.
    """

    key: str
    source: Source
    stat: Stat
    unit: Unit
    higher_is_better: bool
    needs: tuple[str, ...] = ()
    base: tuple[tuple[str, Reason], ...] = ()
    captured: Captured | None = None

    @property
    def kind(self) -> StatKind:
        return self.stat.kind

    def read(self, row: Row) -> Sufficient:
        """The stats row's sufficient statistics for this KPI (what before/after takes);
        empty (n = 0) where its input was not captured, so that a change analysis leaves
        it out as the tiles show it "not measured", rather than comparing a number of
        nothing."""
        if self.captured is not None and self.captured.missing(row):
            return self.stat.read({})
        return self.stat.read(row)

    def estimate(self, row: Row) -> Estimate:
        """The KPI's estimate on a stats row; empty when it is not measured there."""
        stat = self.read(row)
        return EMPTY if stat.n == 0 else metrics.estimate(stat)


KPIS: tuple[Kpi, ...] = (
    Kpi("nps", "surveys", NpsCountsOf("promoters", "detractors", "n_nps"), "points", True,
        needs=("nps",)),
    Kpi("csat", "surveys", CountsOf("csat_top2", "n_csat"), "percent", True, needs=("csat",)),
    Kpi("csat_mean", "surveys", MomentsOf("n_csat", "csat_sum", "csat_sumsq"), "score", True,
        needs=("csat",)),
    Kpi("ces", "surveys", MomentsOf("n_ces", "ces_sum", "ces_sumsq"), "score", True,
        needs=("ces",)),
    Kpi("ces_easy", "surveys", CountsOf("ces_easy", "n_ces"), "percent", True, needs=("ces",)),
    Kpi("resolution", "calls", CountsOf("n_resolved", "n_resolved_known"), "percent", True,
        needs=("resolved",), base=ANSWERED),
    Kpi("fcr", "calls", CountsOf("n_fcr", "n_fcr_eligible"), "percent", True,
        needs=("resolved", "customer_id"),
        # Not captured at all is said before "too recent": it is the reason that stays.
        base=(*ANSWERED, ("n_resolved_known", "not_captured"), ("n_fcr_observed", "too_recent"))),
    Kpi("aht", "calls", MomentsOf("handle_n", "handle_sum", "handle_sumsq"), "seconds", False,
        needs=("duration_s",), base=ANSWERED),
    Kpi("asa", "calls", MomentsOf("wait_n", "wait_sum", "wait_sumsq"), "seconds", False,
        needs=("wait_s",), base=ANSWERED),
    Kpi("abandonment", "calls", CountsOf("n_abandoned", "n_abandon_known"), "percent", False,
        needs=("abandoned",)),
    # Answered within 20 s over offered calls, but only where waits were captured.
    # Without the outcome, neither input is there; with it, the wait is what is missing.
    Kpi("service_level", "calls", CountsOf("n_within_sl", "n_sl_known"), "percent", True,
        needs=("abandoned", "wait_s"), base=(("n_abandon_known", "not_captured"),),
        captured=Captured("wait_n", among="n_answered", reason="no_wait")),
    Kpi("transfer_rate", "calls", CountsOf("n_transferred", "n_transfers_known"), "percent",
        False, needs=("transfers",), base=ANSWERED),
    Kpi("response_rate", "calls", CountsOf("n_surveyed", "n_response_base"), "percent", True,
        needs=("surveys.call_id",), base=ANSWERED),
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
    no row qualifies (see :attr:`Kpi.base`); "no_wait": the calls' outcomes are known
    but no answered call has its wait (the service level).
    """
    kpi = get(key)
    if not kpi.estimate(row).empty:
        return None
    if _int(row.get(ROWS[kpi.source])) == 0:
        return "no_data"
    for column, reason in kpi.base:
        if _int(row.get(column)) == 0:
            return reason
    if kpi.captured is not None and kpi.captured.missing(row):
        return kpi.captured.reason
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
    return difference(kpi.read(before), kpi.read(after))


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
