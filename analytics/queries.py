"""The analytical read path as Ibis expressions ending in sufficient statistics.

Nothing here executes anything: each function takes unbound Ibis tables (``calls``,
``surveys``) and returns an expression, so the same code runs on DuckDB
(:meth:`Store.read`) and Spark (:class:`analytics.spark..SparkStore`). The results
are counts, sums and sums of squares; :mod:`analytics.kpis` does the inference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal, Protocol, cast

import ibis
import ibis.expr.types as ir
import polars as pl

from analytics import periods

Grain = Literal["day", "week", "month"]
Dimension = Literal["region", "channel", "queue", "product", "team", "segment", "agent_id"]
DIMENSIONS: tuple[Dimension, ...] = (
    "region",
    "channel",
    "queue",
    "product",
    "team",
    "segment",
    "agent_id",
)
GRAIN_UNIT = {"day": "D", "week": "W", "month": "M"}
GRAIN_OFFSET = {"day": "1d", "week": "1w", "month": "1mo"}
SERVICE_LEVEL_S = 20
REPEAT_WINDOW_DAYS = 7


class Reader(Protocol):
    """Where reads run: the DuckDB store, or a Spark store (same Ibis expressions)."""

    def table(self, name: str) -> ir.Table: ...
    def read(self, expr: ir.Table) -> pl.DataFrame: ...


@dataclass(frozen=True)
class Filters:
    """The shared filters: a date range (inclusive) and allowed values per dimension,
    and what the range is compared with (:mod:`analytics.periods`).

    An empty tuple means "all". Surveys are filtered through their call's
    attributes, so a dimension filter leaves out surveys not linked to a call.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    region: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    queue: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    compare: periods.Comparison = "previous"

    def dimension_values(self) -> dict[str, tuple[str, ...]]:
        pairs = {
            "region": self.region,
            "channel": self.channel,
            "queue": self.queue,
            "segment": self.segment,
        }
        return {k: v for k, v in pairs.items() if v}

    def previous(self) -> Filters:
        """The comparison period: the calendar period before (October for a chosen
        November), or the same dates a year earlier (``compare="year"``)."""
        if self.start is None or self.end is None:
            raise ValueError("previous period needs both start and end")
        start, end = periods.compared(self.start, self.end, self.compare)
        return replace(self, start=start, end=end)


def survey_facts(surveys: ir.Table, calls: ir.Table) -> ir.Table:
    """Surveys with their call's attributes (left join: relational surveys keep nulls)."""
    dims = calls.select("call_id", *DIMENSIONS)
    joined = surveys.left_join(dims, surveys.call_id == dims.call_id)
    return joined.select(
        "response_id",
        "responded_at",
        "survey_type",
        "nps",
        "csat",
        "ces",
        "ces_scale",
        *DIMENSIONS,
    ).rename(at="responded_at")


def call_facts(calls: ir.Table, surveys: ir.Table) -> ir.Table:
    """Calls with the derived flags the KPIs need.

    ``repeat_7d``: the same customer contacted again within 7 days. ``fcr_observed``:
    the 7-day window lies inside the data, so first-contact resolution is known;
    calls in the last 7 days of data are left out of FCR rather than counted as
    resolved on first contact by default.
    """
    # call_id breaks ties so that two contacts at the same instant have a defined order.
    window = ibis.window(group_by=calls.customer_id, order_by=[calls.started_at, calls.call_id])
    next_at = calls.started_at.lead().over(window)
    horizon = calls.started_at.max().as_scalar() - ibis.interval(days=REPEAT_WINDOW_DAYS)
    # A survey of unknown type may be the call's own: only a known other type
    # (relational...) is left out, so an export without the type still counts.
    per_call = surveys.filter(
        surveys.call_id.notnull()
        & (surveys.survey_type.isnull() | (surveys.survey_type == "transactional"))
    )
    return calls.mutate(
        at=calls.started_at,
        repeat_7d=(next_at.notnull() & (next_at <= calls.started_at + ibis.interval(days=7)))
        & calls.customer_id.notnull(),
        fcr_observed=calls.started_at <= horizon,
        surveyed=calls.call_id.isin(per_call.call_id),
        # Without a single survey that names its call, no call can count as surveyed:
        # the response rate is then not measured, not 0%.
        survey_linked=surveys.call_id.count().as_scalar() > 0,
    )


def survey_stats(facts: ir.Table, by: tuple[str, ...] = ()) -> ir.Table:
    """NPS / CSAT / CES sufficient statistics per group of ``by``."""
    nps, csat, ces = facts.nps, facts.csat, _ces_1_to_7(facts)
    return _aggregate(
        facts,
        by,
        dict(
            n_responses=facts.count(),
            n_nps=nps.count(),
            promoters=(nps >= 9).sum(),
            detractors=(nps <= 6).sum(),
            n_csat=csat.count(),
            csat_top2=(csat >= 4).sum(),
            csat_sum=csat.cast("int64").sum(),
            csat_sumsq=(csat.cast("int64") * csat.cast("int64")).sum(),
            n_ces=ces.count(),
            ces_sum=ces.sum(),
            ces_sumsq=(ces * ces).sum(),
            ces_easy=(ces >= 5.5).sum(),  # top-2-box: 6-7 of 7, or 4-5 of 5 (rescaled 5.5-7)
        ),
    )


def call_stats(facts: ir.Table, by: tuple[str, ...] = ()) -> ir.Table:
    """Call KPI sufficient statistics per group of ``by``.

    Missing is not zero: each rate counts only the calls on which its input was
    captured, and its denominator (``n_abandon_known``, ``n_resolved_known``...) says
    how many those are; an unknown value is never counted as a "no".

    - ``answered``: not known to be abandoned. A call whose ``abandoned`` is null counts
      as answered for the KPIs of answered calls (resolution, FCR, transfers, handle
      time, speed of answer, response rate): files without the flag usually hold the
      handled calls only, and each of those KPIs also needs its own input, which an
      abandoned call lacks. Abandonment and service level need the flag itself.
    - abandonment: abandoned / calls with ``abandoned`` known.
    - service level: answered within 20 s / calls with ``abandoned`` known and, unless
      abandoned (which misses the target whatever the wait), ``wait_s`` known.
    - resolution and transfers: over answered calls with ``resolved`` / ``transfers``
      known; FCR also needs the customer (the repeat check) and the 7 days after.
    - handle time and speed of answer: the answered calls' non-null values (``*_n``).
    - response rate: answered calls, but none when no survey names its call.

    ``n_calls`` (rows), ``n_answered`` and ``n_fcr_observed`` tell "no data" from "not
    captured" from "none qualifies" (:func:`analytics.kpis.not_measured`).
    """
    abandoned = facts.abandoned.fill_null(False)  # true only when known
    abandon_known = facts.abandoned.notnull()
    answered = ~abandoned
    resolved_known = answered & facts.resolved.notnull()
    resolved = resolved_known & facts.resolved.fill_null(False)
    observed = answered & facts.fcr_observed
    eligible = observed & facts.resolved.notnull() & facts.customer_id.notnull()
    quick = facts.wait_s.notnull() & (facts.wait_s <= SERVICE_LEVEL_S).fill_null(False)
    transfers_known = answered & facts.transfers.notnull()
    duration = answered.ifelse(facts.duration_s, ibis.null("float64"))
    wait = answered.ifelse(facts.wait_s, ibis.null("float64"))
    return _aggregate(
        facts,
        by,
        dict(
            n_calls=facts.count(),
            n_answered=_count(answered),
            n_abandon_known=_count(abandon_known),
            n_abandoned=_count(abandoned),
            n_resolved_known=_count(resolved_known),
            n_resolved=_count(resolved),
            n_fcr_observed=_count(observed),
            n_fcr_eligible=_count(eligible),
            n_fcr=_count(eligible & facts.resolved.fill_null(False) & ~facts.repeat_7d),
            handle_n=duration.count(),
            handle_sum=duration.sum(),
            handle_sumsq=(duration * duration).sum(),
            wait_n=wait.count(),
            wait_sum=wait.sum(),
            wait_sumsq=(wait * wait).sum(),
            n_sl_known=_count(abandon_known & (abandoned | facts.wait_s.notnull())),
            n_within_sl=_count(abandon_known & answered & quick),
            n_transfers_known=_count(transfers_known),
            n_transferred=_count(transfers_known & (facts.transfers > 0).fill_null(False)),
            n_response_base=_count(answered & facts.survey_linked),
            n_surveyed=_count(answered & facts.surveyed.fill_null(False)),
        ),
    )


def _count(flag: ir.BooleanValue) -> ir.Value:
    """How many rows ``flag`` holds for (an int64 on every engine)."""
    return flag.cast("int64").sum()


def _ces_1_to_7(facts: ir.Table) -> ir.Value:
    """CES on one 1-7 scale: 5-point answers are rescaled linearly (1->1, 5->7),
    so stores that mix scales still have one mean and one 'easy' threshold."""
    ces = facts.ces.cast("float64")
    return (facts.ces_scale == 5).ifelse(1 + (ces - 1) * 1.5, ces)


def _aggregate(facts: ir.Table, by: tuple[str, ...], metrics: dict[str, ir.Value]) -> ir.Table:
    return facts.group_by(list(by)).aggregate(**metrics) if by else facts.aggregate(**metrics)


def apply_filters(facts: ir.Table, filters: Filters) -> ir.Table:
    """Restrict facts (with an ``at`` timestamp column) to the filters."""
    preds = [getattr(facts, dim).isin(values) for dim, values in filters.dimension_values().items()]
    if filters.start is not None:
        preds.append(facts.at >= _ts(filters.start))
    if filters.end is not None:
        preds.append(facts.at < _ts(filters.end + dt.timedelta(days=1)))
    return facts.filter(preds) if preds else facts


def compare_windows(facts: ir.Table, filters: Filters) -> ir.Table:
    """Facts from the filter period and its comparison period, labelled ``window`` =
    'current' / 'previous', in one scan (the two need not be adjacent: a year apart)."""
    if filters.start is None or filters.end is None:
        raise ValueError("comparing windows needs both start and end")
    both = apply_filters(facts, replace(filters, start=None, end=None))
    current = _within(both, filters.start, filters.end)
    before = _within(both, *periods.compared(filters.start, filters.end, filters.compare))
    return both.filter(current | before).mutate(window=ibis.ifelse(current, "current", "previous"))


def _within(facts: ir.Table, start: dt.date, end: dt.date) -> ir.BooleanValue:
    return (facts.at >= _ts(start)) & (facts.at < _ts(end + dt.timedelta(days=1)))


def with_period(facts: ir.Table, grain: Grain) -> ir.Table:
    """Add ``period``: the start of the day / ISO week / month of ``at``."""
    return facts.mutate(period=facts.at.truncate(GRAIN_UNIT[grain]).cast("date"))


def check_dimension(name: str) -> Dimension:
    """Allow-list for identifiers that come from users or URLs."""
    if name not in DIMENSIONS:
        raise ValueError(f"unknown dimension {name!r}; expected one of {', '.join(DIMENSIONS)}")
    return cast(Dimension, name)


def _ts(day: dt.date) -> ir.Value:
    return ibis.literal(dt.datetime.combine(day, dt.time()), type="timestamp")
