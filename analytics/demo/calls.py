"""What the demo's calls are made of: first contacts, their handling, their repeats.

:func:`chunk_calls` draws one chunk's calls as numpy columns (:data:`Columns`): first
contacts over the plan's days, how each was handled (channel, hour, agent, wait and
abandonment, then duration, hold, transfers, escalation and resolution), and the repeat
contacts that an outcome brings, up to :data:`MAX_REPEAT_DEPTH` generations. The "New
IVR menu" acts here: treated :data:`IVR_QUEUE` waits lose :data:`IVR_WAIT_CUT_S` on
average (the untreated wait is kept, for the surveys' response bias).
"""

from __future__ import annotations

import numpy as np

from analytics.demo.plan import N_AGENTS, Plan, draw

Columns = dict[str, np.ndarray]  # a chunk's columns by name, one row per call
QUEUES = ("billing", "technical", "sales", "cancellations", "general")
QUEUE_SHARE = (0.30, 0.28, 0.15, 0.10, 0.17)
QUEUE_WAIT_MEDIAN_S = np.array([25.0, 35.0, 12.0, 20.0, 18.0])
QUEUE_DURATION_MEDIAN_S = np.array([360.0, 600.0, 420.0, 480.0, 300.0])
QUEUE_TRANSFER_RATE = np.array([0.20, 0.35, 0.10, 0.30, 0.25])
QUEUE_ESCALATION = np.array([0.04, 0.07, 0.02, 0.08, 0.03])
QUEUE_RESOLVE_LOGIT = np.array([1.6, 0.8, 1.8, 1.1, 1.7])
CHANNELS = ("voice", "chat", "email", "callback")
CHANNEL_SHARE = (0.60, 0.20, 0.10, 0.10)
CHANNEL_WAIT_MULT = np.array([1.0, 0.7, 1.6, 0.5])
CHANNEL_DURATION_MULT = np.array([1.0, 1.4, 0.6, 0.9])
CHANNEL_ABANDONS = np.array([1.0, 1.0, 0.0, 0.3])  # e-mails are never abandoned
CHANNEL_HOLDS = np.array([1.0, 0.5, 0.0, 1.0])
WEEKDAY_WAIT_MULT = np.array([1.35, 1.10, 1.00, 0.95, 1.00, 0.85, 0.80])
# Relative call volume by hour of day (0-23); e-mails arrive at any hour.
WEEKDAY_HOURS = np.r_[np.zeros(7), 0.1, 0.6, 1, 1.2, 1.1, 0.8, 0.9, 1.1, 1.1, 1, 0.8, 0.6, 0.4]
WEEKDAY_HOURS = np.r_[WEEKDAY_HOURS, 0.1, 0.02, 0, 0]
WEEKEND_HOURS = np.r_[np.zeros(9), 0.6, 1, 1, 0.9, 0.6, 0.3, 0.05, np.zeros(8)]
WAIT_SIGMA = 1.0
DURATION_SIGMA = 0.55
TRANSFER_EXTRA_S = 150.0
HOLD_SHARE = 0.35
HOLD_MEDIAN_S = 60.0
HOLD_SIGMA = 0.7
ABANDON_PATIENCE_S = 800.0  # P(abandon) = 1 - exp(-wait / patience)
ABANDONED_MAX_DURATION_S = 20.0
RESOLVE_PER_TRANSFER = -0.5
RESOLVE_ESCALATED = -0.8
RESOLVE_PER_LOG_DURATION = 0.3  # rushed calls resolve less: duration is confounded
REPEAT_AFTER_UNRESOLVED = 0.40
REPEAT_AFTER_RESOLVED = 0.05
REPEAT_DELAY_WEIGHTS = (0.30, 0.25, 0.15, 0.12, 0.10, 0.08)  # 1..6 days later
REPEAT_SAME_QUEUE = 0.85
MAX_REPEAT_DEPTH = 3
IVR_QUEUE = "billing"
IVR_WAIT_CUT_S = 20.0


def chunk_calls(rng: np.random.Generator, plan: Plan, size: int) -> Columns:
    """``size`` calls: first contacts and their repeat contacts, in time order.

    Whole families (a first contact and its repeats) are kept until ``size`` rows, so
    the repeat behaviour is intact in all but the last family.
    """
    day = np.searchsorted(plan.day_cdf, rng.random(size), side="right")
    first: Columns = {
        "day": np.minimum(day, plan.n_days - 1),
        "customer": rng.integers(0, len(plan.customers), size),
        "queue": draw(rng, QUEUE_SHARE, size),
        "depth": np.zeros(size, np.int8),
        "family": np.arange(size),
    }
    generations = [_handle(rng, plan, first)]
    for _ in range(MAX_REPEAT_DEPTH):
        generations.append(_handle(rng, plan, _repeats(rng, plan, generations[-1])))
    calls = {key: np.concatenate([g[key] for g in generations]) for key in generations[0]}
    keep = np.lexsort((calls["depth"], calls["family"]))[:size]
    keep = keep[np.lexsort((calls["second"][keep], calls["day"][keep]))]
    return {key: column[keep] for key, column in calls.items()}


def _repeats(rng: np.random.Generator, plan: Plan, parent: Columns) -> Columns:
    """The repeat contacts that ``parent`` calls bring, 1-6 days later."""
    again = np.where(parent["resolved"], REPEAT_AFTER_RESOLVED, REPEAT_AFTER_UNRESOLVED)
    idx = np.flatnonzero(rng.random(len(again)) < again)
    day = parent["day"][idx] + 1 + draw(rng, REPEAT_DELAY_WEIGHTS, len(idx))
    idx, day = idx[day < plan.n_days], day[day < plan.n_days]
    same = rng.random(len(idx)) < REPEAT_SAME_QUEUE
    return {
        "day": day,
        "customer": parent["customer"][idx],
        "queue": np.where(same, parent["queue"][idx], draw(rng, QUEUE_SHARE, len(idx))),
        "depth": parent["depth"][idx] + 1,
        "family": parent["family"][idx],
    }


def _handle(rng: np.random.Generator, plan: Plan, calls: Columns) -> Columns:
    """Add channel, time of day, agent, wait and abandonment; then the service."""
    n, queue, dow = len(calls["day"]), calls["queue"], plan.dow[calls["day"]]
    channel = draw(rng, CHANNEL_SHARE, n)
    hour = np.where(dow >= 5, draw(rng, WEEKEND_HOURS, n), draw(rng, WEEKDAY_HOURS, n))
    hour = np.where(channel == CHANNELS.index("email"), rng.integers(0, 24, n), hour)
    median = QUEUE_WAIT_MEDIAN_S[queue] * CHANNEL_WAIT_MULT[channel] * WEEKDAY_WAIT_MULT[dow]
    wait_cf = median * np.exp(rng.normal(0, WAIT_SIGMA, n))
    # The IVR scales each treated wait so that its expectation loses IVR_WAIT_CUT_S:
    # the mean falls by the planted amount whatever the channel and weekday mix.
    treated = (queue == QUEUES.index(IVR_QUEUE)) & (calls["day"] >= plan.ivr_day)
    factor = np.maximum(1 - IVR_WAIT_CUT_S / (median * np.exp(WAIT_SIGMA**2 / 2)), 0.1)
    wait = np.round(wait_cf * np.where(treated, factor, 1.0))
    abandon = CHANNEL_ABANDONS[channel] * (1 - np.exp(-wait / ABANDON_PATIENCE_S))
    calls = calls | {
        "channel": channel,
        "second": hour * 3600 + rng.integers(0, 3600, n),
        "agent": rng.integers(0, N_AGENTS, n),
        "wait": wait,
        "wait_cf": np.round(wait_cf),
        "treated": treated,
        "abandoned": rng.random(n) < abandon,
    }
    return _service(rng, plan, calls)


def _service(rng: np.random.Generator, plan: Plan, calls: Columns) -> Columns:
    """Add duration, hold, transfers, escalation and resolution."""
    n, queue, channel = len(calls["day"]), calls["queue"], calls["channel"]
    answered = ~calls["abandoned"]
    transfers = rng.poisson(QUEUE_TRANSFER_RATE[queue]) * answered
    spread = rng.normal(0, DURATION_SIGMA, n)
    duration = QUEUE_DURATION_MEDIAN_S[queue] * CHANNEL_DURATION_MULT[channel] * np.exp(spread)
    holds = answered & (rng.random(n) < HOLD_SHARE * CHANNEL_HOLDS[channel])
    hold = np.where(holds, np.round(HOLD_MEDIAN_S * np.exp(rng.normal(0, HOLD_SIGMA, n))), 0.0)
    escalated = answered & (rng.random(n) < QUEUE_ESCALATION[queue])
    logit = (
        QUEUE_RESOLVE_LOGIT[queue]
        + plan.agent_skill[calls["agent"]]
        + RESOLVE_PER_TRANSFER * transfers
        + RESOLVE_ESCALATED * escalated
        + RESOLVE_PER_LOG_DURATION * spread
    )
    short = rng.uniform(0, ABANDONED_MAX_DURATION_S, n)
    duration = np.where(answered, duration + TRANSFER_EXTRA_S * transfers, short)
    return calls | {
        "duration": np.round(duration),
        "hold": hold,
        "transfers": transfers,
        "escalated": escalated,
        "resolved": answered & (rng.random(n) < 1 / (1 + np.exp(-logit))),
    }
