"""Survey fatigue: customers asked too often, and how often customers are asked.

A customer is *over-surveyed* when they answered more than ``max_surveys`` (K) surveys
within ``window_days`` (N) days. The suppression list holds the customers over that
limit in the N days up to a date (don't survey them again yet); the trend gives, per
period, responses per active customer and how many customers crossed the limit in
some N-day window that ended in the period (a range window over each customer's
responses). Everything is an Ibis expression ending in aggregates, run by a
:class:`analytics.queries.Reader` (the DuckDB store or Spark).

Only responses with a ``customer_id`` count: anonymous answers cannot be attributed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import polars as pl

from analytics import queries
from analytics.metrics import Estimate, proportion
from analytics.queries import GRAIN_UNIT, Grain, Reader


@dataclass(frozen=True)
class FatiguePolicy:
    """More than ``max_surveys`` responses within ``window_days`` days is too many."""

    max_surveys: int = 3
    window_days: int = 90

    def __post_init__(self) -> None:
        if self.max_surveys < 1 or self.window_days < 1:
            raise ValueError("max_surveys and window_days must be at least 1")


@dataclass(frozen=True)
class FatigueSummary:
    """Customers active in the window, and the share of them over the limit."""

    start: dt.date
    end: dt.date
    active_customers: int
    over_limit: int
    share: Estimate


def _known(reader: Reader) -> ir.Table:
    surveys = reader.table("surveys")
    return surveys.filter(surveys.customer_id.notnull())


def _window(policy: FatiguePolicy, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The N days that end on ``as_of`` (inclusive)."""
    return as_of - dt.timedelta(days=policy.window_days - 1), as_of


def _in_window(surveys: ir.Table, start: dt.date, end: dt.date) -> ir.Table:
    lo = ibis.literal(dt.datetime.combine(start, dt.time()), type="timestamp")
    hi = ibis.literal(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()), type="timestamp")
    return surveys.filter((surveys.responded_at >= lo) & (surveys.responded_at < hi))


def last_day(reader: Reader) -> dt.date | None:
    """The last day with a response (the default ``as_of``)."""
    surveys = reader.table("surveys")
    value = reader.read(surveys.aggregate(hi=surveys.responded_at.max()))["hi"][0]
    return None if value is None else value.date()


def attributed(reader: Reader) -> int:
    """How many answers name their customer (none: fatigue is not measured, not 0)."""
    known = _known(reader)
    return int(reader.read(known.aggregate(n=known.count()))["n"][0] or 0)


def per_customer(reader: Reader, policy: FatiguePolicy, as_of: dt.date) -> ir.Table:
    """Responses per customer in the N days up to ``as_of``."""
    start, end = _window(policy, as_of)
    s = _in_window(_known(reader), start, end)
    return s.group_by("customer_id").aggregate(
        n_surveys=s.count(), first_at=s.responded_at.min(), last_at=s.responded_at.max()
    )


def suppression_list(reader: Reader, policy: FatiguePolicy, as_of: dt.date) -> pl.DataFrame:
    """Customers over the limit in the N days up to ``as_of``, most surveyed first."""
    counts = per_customer(reader, policy, as_of)
    over = counts.filter(counts.n_surveys > policy.max_surveys)
    return reader.read(over).sort(["n_surveys", "customer_id"], descending=[True, False])


def distribution(reader: Reader, policy: FatiguePolicy, as_of: dt.date) -> pl.DataFrame:
    """``n_surveys, customers``: how many customers answered 1, 2, 3... times in the
    N days up to ``as_of`` (to choose K)."""
    counts = per_customer(reader, policy, as_of)
    expr = counts.group_by("n_surveys").aggregate(customers=counts.count())
    return reader.read(expr).sort("n_surveys")


def summary(reader: Reader, policy: FatiguePolicy, as_of: dt.date) -> FatigueSummary:
    """How many customers answered in the window and how many of them too often."""
    return summarise(distribution(reader, policy, as_of), policy, as_of)


def summarise(spread: pl.DataFrame, policy: FatiguePolicy, as_of: dt.date) -> FatigueSummary:
    """:func:`summary` from the :func:`distribution` already read (one scan for both)."""
    active = int(spread["customers"].sum())
    over = int(spread.filter(pl.col("n_surveys") > policy.max_surveys)["customers"].sum())
    start, end = _window(policy, as_of)
    return FatigueSummary(start, end, active, over, proportion(over, active))


def rolling_counts(reader: Reader, policy: FatiguePolicy) -> ir.Table:
    """Each response with the customer's responses in the N days up to it (itself included).

    A range window: the responses of the same customer within ``window_days`` before.
    """
    s = _known(reader)
    window = ibis.window(
        group_by=s.customer_id,
        order_by=s.responded_at,
        preceding=ibis.interval(days=policy.window_days),
        following=0,
    )
    return s.mutate(n_recent=s.response_id.count().over(window))


def _kept_counts(reader: Reader, grain: Grain) -> ir.Table | None:
    """The answers kept at load with their customer's counts (:mod:`analytics.rollups`),
    when they answer this trend exactly: by month, for a reader who sees every answer
    (a scoped reader's customers may have answered outside the scope first)."""
    from analytics import answers

    kept = queries.kept_answers(reader)
    scoped = getattr(getattr(reader, "actor", None), "scope", ())  # a bound store's actor
    if kept is None or grain != "month" or scoped:
        return None
    return kept if set(answers.CUSTOMER_COLUMNS) <= set(kept.columns) else None


def frequency_stats(reader: Reader, policy: FatiguePolicy, grain: Grain = "month") -> ir.Table:
    """Per period: responses, active customers, and customers who crossed the limit.

    The same numbers as counting :func:`rolling_counts` per period, without its range
    window over every response (2 s at 2.2M responses): a customer with K or fewer
    responses in all can never cross the limit, so only the responses of the others
    go through a window, and there one ``lag`` decides it. With a customer's responses
    in time order, more than K in the N days up to a response means the K-th one
    before it is at most N days older; peers at the same instant are covered by the
    last of them, which has the same period. Distinct customers per period come from
    a group by (period, customer) rather than a distinct count (faster on DuckDB)."""
    kept = _kept_counts(reader, grain)
    if kept is not None:  # the counts kept at load: one scan, no distinct count
        s = kept.filter(kept.customer_id.notnull())
        s = s.mutate(period=s.responded_at.truncate(GRAIN_UNIT[grain]).cast("date"))
        periods = s.group_by("period").aggregate(
            responses=s.count(), customers=s.first_in_month.cast("int64").sum()
        )
        h = s.filter(s.customer_answers > policy.max_surveys)
    else:
        s = _known(reader)
        s = s.mutate(period=s.responded_at.truncate(GRAIN_UNIT[grain]).cast("date"))
        per_pc = s.group_by(["period", "customer_id"]).aggregate(n=s.count())
        periods = per_pc.group_by("period").aggregate(
            responses=per_pc.n.sum(), customers=per_pc.count()
        )
        totals = per_pc.group_by("customer_id").aggregate(total=per_pc.n.sum())
        heavy = totals.filter(totals.total > policy.max_surveys)
        h = s.filter(s.customer_id.isin(heavy.customer_id))
    order = ibis.window(group_by=h.customer_id, order_by=[h.responded_at, h.response_id])
    kth_before = h.responded_at.lag(policy.max_surveys).over(order)
    since = h.responded_at - ibis.interval(days=policy.window_days)
    over = h.mutate(over=(kth_before >= since).fill_null(False)).filter(lambda t: t.over)
    crossed = over.group_by("period").aggregate(over_limit=over.customer_id.nunique())
    joined = periods.left_join(crossed, periods.period == crossed.period)
    return joined.select(
        periods.period,
        periods.responses,
        periods.customers,
        over_limit=joined.over_limit.fill_null(0),
    )


def frequency_trend(
    reader: Reader, policy: FatiguePolicy = FatiguePolicy(), grain: Grain = "month"
) -> pl.DataFrame:
    """``period, responses, customers, per_customer, over_limit, over_share`` (percent),
    ``full_window``: the period starts N days or more after the first response (before
    that, a customer's earlier answers are not in the data and ``over_share`` is low)."""
    frame = reader.read(frequency_stats(reader, policy, grain)).sort("period")
    customers = pl.col("customers").cast(pl.Float64)
    first = frame["period"].min() if frame.height else dt.date.min
    return frame.with_columns(
        per_customer=pl.col("responses").cast(pl.Float64) / customers,
        over_share=100 * pl.col("over_limit").cast(pl.Float64) / customers,
        full_window=pl.col("period") >= pl.lit(first) + pl.duration(days=policy.window_days),
    )
