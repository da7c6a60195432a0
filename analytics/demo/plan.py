"""The demo's plan: the calendar, the customer base and the agents every chunk shares.

:func:`make_plan` draws it once per run, from its own random stream (``[seed, 0]``): the
days of the :data:`N_WEEKS` weeks up to ``end`` and their share of the call volume
(weekly seasonality and growth), the customers (region, product, segment, language),
the agents' skill and warmth, and the Monday each planted change starts on. The chunks
of :mod:`analytics.demo.contact_center` draw their calls and surveys against it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

N_WEEKS = 104
REGIONS = ("North", "South", "East", "West", "Central")
REGION_SHARE = (0.22, 0.20, 0.20, 0.18, 0.20)
PRODUCTS = ("mobile", "internet", "tv", "bundle")
PRODUCT_SHARE = (0.35, 0.30, 0.12, 0.23)
B2B_SHARE = 0.25
SPANISH_SHARE = 0.45
CUSTOMERS_PER_CALL = 1 / 3
N_AGENTS = 120
TEAMS = tuple(f"Team {letter}" for letter in "ABCDEFGH")  # 15 agents each
AGENT_SKILL_SD = 0.3  # resolution logit
AGENT_WARMTH_SD = 0.15  # satisfaction latent
WEEKDAY_VOLUME = (1.30, 1.10, 1.00, 0.95, 0.90, 0.35, 0.20)  # Monday first
VOLUME_GROWTH_PER_YEAR = 0.08
IVR_WEEKS_BEFORE_END = 26
SPIKE_WEEKS_BEFORE_END = 40
# The survey-design change: older than the IVR menu (the newest change stays the one the
# analysis page opens on), and 12 weeks either side of it miss the outage.
KEYPAD_WEEKS_BEFORE_END = 52


@dataclass(frozen=True)
class Plan:
    """What every chunk shares: the calendar, the customer base and the agents."""

    start: dt.date
    ivr_day: int  # day index (0 = start) of the IVR change
    spike_day: int
    keypad_day: int  # day index of the IVR keypad-order (survey-design) change
    day_cdf: np.ndarray  # cumulative call volume by day index
    dow: np.ndarray  # weekday (0 = Monday) by day index
    customers: np.ndarray  # (n, 4) int8: region, product, is B2B, speaks Spanish
    agent_skill: np.ndarray
    agent_warmth: np.ndarray
    id_width: int  # digits in call and response ids
    customer_width: int

    @property
    def n_days(self) -> int:
        return len(self.dow)


def make_plan(calls: int, seed: int, end: dt.date) -> Plan:
    """The plan of ``calls`` calls up to ``end``, from the random stream ``[seed, 0]``."""
    rng = np.random.default_rng([seed, 0])
    start = end - dt.timedelta(weeks=N_WEEKS, days=-1)
    days = np.arange(N_WEEKS * 7)
    dow = (start.weekday() + days) % 7
    volume = np.array(WEEKDAY_VOLUME)[dow] * (1 + VOLUME_GROWTH_PER_YEAR * days / 365.25)
    n_customers = max(100, round(calls * CUSTOMERS_PER_CALL))
    customers = np.column_stack(
        [
            draw(rng, REGION_SHARE, n_customers),
            draw(rng, PRODUCT_SHARE, n_customers),
            rng.random(n_customers) < B2B_SHARE,
            rng.random(n_customers) < SPANISH_SHARE,
        ]
    ).astype(np.int8)
    return Plan(
        start=start,
        ivr_day=(_monday(end - dt.timedelta(weeks=IVR_WEEKS_BEFORE_END)) - start).days,
        spike_day=(_monday(end - dt.timedelta(weeks=SPIKE_WEEKS_BEFORE_END)) - start).days,
        keypad_day=(_monday(end - dt.timedelta(weeks=KEYPAD_WEEKS_BEFORE_END)) - start).days,
        day_cdf=np.cumsum(volume) / volume.sum(),
        dow=dow,
        customers=customers,
        agent_skill=rng.normal(0, AGENT_SKILL_SD, N_AGENTS),
        agent_warmth=rng.normal(0, AGENT_WARMTH_SD, N_AGENTS),
        id_width=max(7, len(str(calls))),
        customer_width=len(str(n_customers)),
    )


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def draw(rng: np.random.Generator, shares: tuple[float, ...] | np.ndarray, n: int) -> np.ndarray:
    """Category codes drawn with the given (unnormalised) shares."""
    cdf = np.cumsum(shares) / np.sum(shares)
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)
