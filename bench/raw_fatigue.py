"""Hand-written DuckDB SQL on the RAW ``surveys`` table doing the survey-fatigue page's
aggregate reads, and Pulso's read of the same numbers, for the ratio pulso/raw: the
last day with a response (the page's ``as_of``), how many customers answered 1, 2,
3... times in the policy's N days up to it (``fatigue.distribution``), and per month
the responses, the active customers and the customers who crossed the limit in some
N-day window ending in the month (``fatigue.frequency_trend``).

The raw SQL knows nothing of the store's ``answers`` table and its per-customer
counts: it counts each response's N days with a range window over every customer's
responses and takes distinct customers per month, as a team without Pulso would. The
policy is the page's default (:class:`analytics.feedback.fatigue.FatiguePolicy`), the
grain the month. The check compares every number of both reads (:func:`same`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from analytics.feedback import fatigue
from analytics.store import Store
from bench.volume_pages import Defaults

if TYPE_CHECKING:
    from bench.volume_raw import Twin

# The N days up to the last day with a response (inclusive): [hi - N days, hi).
DISTRIBUTION = """
with w as (select max(responded_at)::date + 1 as hi from surveys),
per_customer as (
  select customer_id, count(*) as n_surveys
  from surveys, w
  where customer_id is not null and responded_at >= hi - to_days(?) and responded_at < hi
  group by customer_id)
select n_surveys, count(*) as customers from per_customer group by n_surveys
"""
# Each response with its customer's responses in the N days up to it (itself and its
# peers at the same instant included); a customer crossed the limit in a month when
# one of their responses of that month has more than K.
TREND = """
with s as (
  select customer_id, date_trunc('month', responded_at)::date as period,
    count(*) over (partition by customer_id order by responded_at
                   range between interval {days} day preceding and current row) as n_recent
  from surveys where customer_id is not null),
months as (
  select period, count(*) as responses, count(distinct customer_id) as customers,
    count(distinct customer_id) filter (n_recent > ?) as over_limit
  from s group by period)
select period, responses, customers, responses / customers as per_customer, over_limit,
  100 * over_limit / customers as over_share,
  period >= min(period) over () + interval {days} day as full_window
from months
"""
KEYS = {"distribution": ("n_surveys",), "trend": ("period",)}


def raw(store: Store, policy: fatigue.FatiguePolicy) -> dict[str, pl.DataFrame]:
    """The page's aggregate reads as hand-written SQL on ``surveys``."""
    cur = store.cursor()
    days = int(policy.window_days)
    spread = cur.sql(DISTRIBUTION, params=[days]).pl()
    trend = cur.sql(TREND.format(days=days), params=[policy.max_surveys]).pl()
    return {"distribution": spread, "trend": trend}


def pulso(store: Store, policy: fatigue.FatiguePolicy) -> dict[str, pl.DataFrame]:
    """The page's reads through Pulso (fatigue_page without the charts and list)."""
    as_of = fatigue.last_day(store)
    if as_of is None:
        return {"distribution": pl.DataFrame(), "trend": pl.DataFrame()}
    return {
        "distribution": fatigue.distribution(store, policy, as_of),
        "trend": fatigue.frequency_trend(store, policy),
    }


def same(store: Store, policy: fatigue.FatiguePolicy) -> bool:
    """Both reads return the same groups and, in every column, the same values."""
    from bench.volume_raw import _same

    ours, theirs = pulso(store, policy), raw(store, policy)
    return all(
        set(theirs[k].columns) == set(ours[k].columns) and _same(theirs[k], ours[k], keys)
        for k, keys in KEYS.items()
    )


def twin(store: Store, d: Defaults) -> Twin:
    """The survey-fatigue page's twin (the page takes no sidebar period: ``d`` unused)."""
    from bench.volume_raw import Twin

    policy = fatigue.FatiguePolicy()
    return Twin(
        lambda: raw(store, policy),
        lambda: pulso(store, policy),
        f"last day, customers per number of surveys in {policy.window_days} days, "
        "monthly responses, active and over-limit customers",
        lambda: same(store, policy),
    )
