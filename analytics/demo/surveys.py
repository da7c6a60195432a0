"""What the demo's surveys are made of: one latent satisfaction, cut into scores.

A call's NPS, CSAT and CES come from one latent satisfaction (how the contact went,
plus the planted period effects: the NPS trend and the outage spike) cut at fixed
thresholds, with a little per-metric noise. :func:`transactional` picks who responds
(the extremes more often), scores them and writes their comments; :func:`relational`
adds relationship surveys with no call behind them; :func:`keypad` applies the IVR
keypad-order survey-design change on its own random stream. The "New IVR menu"'s CES
gain (:data:`IVR_CES_GAIN`) is planted here.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.demo import comments as demo_comments
from analytics.demo.calls import QUEUES, WEEKDAY_HOURS, Columns
from analytics.demo.plan import REGIONS, Plan, draw

QUEUE_MOOD = np.array([0.0, 0.0, 0.2, -0.4, 0.1])  # latent shift by contact reason
SAT_BASE = -0.15
SAT_RESOLVED = 1.4
SAT_PER_WAIT_MIN = -0.08
WAIT_EFFECT_CAP_S = 1200.0  # beyond 20 minutes, waiting longer hurts no more
SAT_PER_DURATION_MIN = -0.012
SAT_PER_TRANSFER = -0.3
SAT_PER_HOLD_MIN = -0.05
SAT_ESCALATED = -0.3
SAT_B2B = -0.1
SAT_NOISE_SD = 1.0
METRIC_NOISE_SD = 0.35
RELATIONAL_BASE = 0.2
NPS_CUTS = np.array([-2.4, -2.0, -1.6, -1.25, -0.95, -0.65, -0.35, 0.0, 0.45, 1.0])
CSAT_CUTS = np.array([-1.9, -1.1, -0.45, 0.6])
CES_CUTS = np.array([-2.0, -1.3, -0.7, -0.2, 0.4, 1.1])
CES_SCALE = 7
NPS_TREND_PER_YEAR = 3.0
NPS_PER_LATENT = 40.0  # d NPS / d latent for this mix, measured at 1M calls
RESPONSE_RATE = 0.20  # of answered calls
RESPONSE_EXTREMES_BIAS = 0.5  # response weight 1 + bias * (z - mean z)^2
CSAT_SHARE = 0.90
CES_SHARE = 0.60
RELATIONAL_SHARE = 0.03  # relational responses per call
RESPONSE_DELAY_MEAN_S = 8 * 3600.0
MAX_RESPONSE_DELAY_S = 2 * 86400.0  # from the start of the call
IVR_SURVEY_DELAY_S = (10.0, 120.0)  # IVR surveys run right after the call
TRANSACTIONAL_SURVEY_CHANNELS = np.array(
    [[0.45, 0.25, 0.20, 0.10], [0, 0.1, 0.3, 0.6], [0, 0, 0.8, 0.2], [0.3, 0.4, 0.2, 0.1]]
)  # rows: call channel; columns: SURVEY_CHANNELS
SURVEY_CHANNELS = ("ivr", "sms", "email", "web")
RELATIONAL_SURVEY_CHANNELS = np.array([0, 0, 0.7, 0.3])
IVR_CES_GAIN = 0.6
SPIKE_REGION = "South"
SPIKE_WEEKS = 3
SPIKE_SHIFT = -1.0
KEYPAD_CSAT_GAIN = 12.0  # points of IVR CSAT top-2-box, from habit alone
KEYPAD_VERSIONS = ("ivr-1", "ivr-2")  # IVR instrument before / after; others: OTHER_VERSION
OTHER_VERSION = "1"


def _satisfaction(
    rng: np.random.Generator, plan: Plan, calls: Columns
) -> tuple[np.ndarray, np.ndarray]:
    """The latent satisfaction behind a call's scores, and its planted period part."""
    customer, day = plan.customers[calls["customer"]], calls["day"]
    spike = (customer[:, 0] == REGIONS.index(SPIKE_REGION)) & (day >= plan.spike_day)
    spike &= day < plan.spike_day + 7 * SPIKE_WEEKS
    period = _trend(day) + SPIKE_SHIFT * spike
    contact = (
        SAT_BASE
        + SAT_RESOLVED * calls["resolved"]
        + SAT_PER_WAIT_MIN * np.minimum(calls["wait"], WAIT_EFFECT_CAP_S) / 60
        + SAT_PER_DURATION_MIN * calls["duration"] / 60
        + SAT_PER_TRANSFER * calls["transfers"]
        + SAT_PER_HOLD_MIN * calls["hold"] / 60
        + SAT_ESCALATED * calls["escalated"]
        + QUEUE_MOOD[calls["queue"]]
        + SAT_B2B * customer[:, 2]
        + plan.agent_warmth[calls["agent"]]
        + rng.normal(0, SAT_NOISE_SD, len(day))
    )
    return contact + period, period


def _trend(day: np.ndarray) -> np.ndarray:
    return NPS_TREND_PER_YEAR / NPS_PER_LATENT * day / 365.25


def _cut(rng: np.random.Generator, latent: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """A score 0..len(cuts) from the latent plus a little metric-specific noise."""
    noisy = latent + rng.normal(0, METRIC_NOISE_SD, len(latent))
    return np.searchsorted(cuts, noisy, side="right")


def _ivr_ease_shift(ease: np.ndarray) -> float:
    """The latent shift that raises the mean CES of ``ease`` by ``IVR_CES_GAIN``.

    Solved on the chunk's own responses (bisection): the 1-7 ceiling makes the gain per
    latent unit depend on where the responses sit.
    """
    before = np.searchsorted(CES_CUTS, ease, side="right").mean()
    low, high = 0.0, 4.0
    for _ in range(30):
        mid = (low + high) / 2
        gain = np.searchsorted(CES_CUTS, ease + mid, side="right").mean() - before
        low, high = (mid, high) if gain < IVR_CES_GAIN else (low, mid)
    return high


def transactional(rng: np.random.Generator, plan: Plan, calls: Columns) -> pl.DataFrame:
    """Responses to answered calls, the extremes more likely to respond."""
    (z, period), answered = _satisfaction(rng, plan, calls), ~calls["abandoned"]
    capped = np.minimum(calls["wait_cf"], WAIT_EFFECT_CAP_S) - np.minimum(
        calls["wait"], WAIT_EFFECT_CAP_S
    )
    undone = SAT_PER_WAIT_MIN * capped / 60  # the IVR's shorter wait, taken back
    # Response bias acts on how the contact itself went: the planted period effects
    # (trend, spike, the IVR's shorter wait) move everyone and must not change who
    # answers, or the bias would distort the planted amounts.
    own = z - period + undone
    weight = 1 + RESPONSE_EXTREMES_BIAS * (own - own[answered].mean()) ** 2
    chance = RESPONSE_RATE * weight / weight[answered].mean()
    idx = np.flatnonzero(answered & (rng.random(len(z)) < chance))
    n, z = len(idx), z[idx]
    # CES from the latent without the IVR, shifted where treated: the planted gain is
    # then the whole effect, the shorter wait included.
    ease = z + undone[idx] + rng.normal(0, METRIC_NOISE_SD, n)
    has_ces, treated = rng.random(n) < CES_SHARE, calls["treated"][idx]
    if (has_ces & treated).any():
        ease[has_ces & treated] += _ivr_ease_shift(ease[has_ces & treated])
    ces = np.where(has_ces, np.searchsorted(CES_CUTS, ease, side="right") + 1, -1)
    csat = np.where(rng.random(n) < CSAT_SHARE, _cut(rng, z, CSAT_CUTS) + 1, -1)
    cdf = np.cumsum(TRANSACTIONAL_SURVEY_CHANNELS, axis=1)[calls["channel"][idx]]
    channel = np.minimum((rng.random((n, 1)) > cdf).sum(axis=1), len(SURVEY_CHANNELS) - 1)
    ended = calls["wait"][idx] + calls["duration"][idx]
    later = np.minimum(rng.exponential(RESPONSE_DELAY_MEAN_S, n), MAX_RESPONSE_DELAY_S - ended)
    delay = np.where(
        channel == SURVEY_CHANNELS.index("ivr"), rng.uniform(*IVR_SURVEY_DELAY_S, n), later
    )
    at = calls["day"][idx] * 86400 + calls["second"][idx] + np.round(ended + delay.clip(0))
    nps = _cut(rng, z, NPS_CUTS)
    comment = _call_comments(rng, plan, calls, idx, nps)
    columns = dict(call=idx, customer=calls["customer"][idx], at=at, channel=channel)
    return pl.DataFrame(columns | dict(nps=nps, csat=csat, ces=ces, comment=comment))


def _call_comments(
    rng: np.random.Generator, plan: Plan, calls: Columns, idx: np.ndarray, nps: np.ndarray
) -> pl.Series:
    """Comments on about COMMENT_SHARE of the responses, about what happened on the call."""
    picked = rng.random(len(idx)) < demo_comments.COMMENT_SHARE
    rows, nps = idx[picked], nps[picked]
    wait, queue = calls["wait"][rows], calls["queue"][rows]
    applicable = {
        "wait": wait > demo_comments.LONG_WAIT_S,
        "unresolved": ~calls["resolved"][rows],
        "transfer": calls["transfers"][rows] > 0,
        "hold": calls["hold"][rows] > demo_comments.LONG_HOLD_S,
        "repeat": calls["depth"][rows] > 0,
        "escalated": calls["escalated"][rows],
        "fast": wait < demo_comments.FAST_ANSWER_S,
        "solved": calls["resolved"][rows],
        "new_menu": calls["treated"][rows],
    } | {f"q_{name}": queue == code for code, name in enumerate(QUEUES)}
    applicable |= dict.fromkeys(("rude", "friendly", "expert"), np.ones(len(rows), bool))
    spanish = plan.customers[calls["customer"][rows], 3]
    values = {"m": np.round(wait / 60), "t": calls["transfers"][rows] + 1}
    return demo_comments.scatter(
        demo_comments.compose(rng, nps, spanish, applicable, values), picked
    )


def relational(rng: np.random.Generator, plan: Plan, n: int) -> pl.DataFrame:
    """Relationship surveys: NPS and maybe a comment, no call behind them."""
    day = np.minimum(np.searchsorted(plan.day_cdf, rng.random(n)), plan.n_days - 1)
    customer = rng.integers(0, len(plan.customers), n)
    noise = rng.normal(0, SAT_NOISE_SD, n)
    nps = _cut(
        rng, RELATIONAL_BASE + _trend(day) + SAT_B2B * plan.customers[customer, 2] + noise, NPS_CUTS
    )
    picked = rng.random(n) < demo_comments.COMMENT_SHARE
    topics = ("price", "coverage", "rude", "loyal", "friendly")
    applicable = dict.fromkeys(topics, np.ones(picked.sum(), bool))
    spanish = plan.customers[customer[picked], 3]
    text = demo_comments.compose(rng, nps[picked], spanish, applicable, {})
    second = draw(rng, WEEKDAY_HOURS, n) * 3600 + rng.integers(0, 3600, n)
    return pl.DataFrame(
        dict(call=np.full(n, -1), customer=customer, at=day * 86400 + second)
        | dict(channel=draw(rng, RELATIONAL_SURVEY_CHANNELS, n), nps=nps)
        | dict(csat=np.full(n, -1), ces=np.full(n, -1), comment=demo_comments.scatter(text, picked))
    )


def keypad(rng: np.random.Generator, plan: Plan, surveys: pl.DataFrame) -> pl.DataFrame:
    """The survey-design change: IVR CSAT answers from the keypad change on, a share of
    the not-satisfied ones pressed the first key (now "satisfied", read as 5).

    The share is solved on the chunk's own answers so that the expected top-2-box gain is
    :data:`KEYPAD_CSAT_GAIN` points whatever the level; adds ``version``, the instrument
    (0: before, 1: after on IVR; -1 elsewhere). Draws only from ``rng``, its own stream.
    """
    at, csat = surveys["at"].to_numpy(), surveys["csat"].to_numpy()
    ivr = surveys["channel"].to_numpy() == SURVEY_CHANNELS.index("ivr")
    after = ivr & (at >= plan.keypad_day * 86400)
    low = after & (csat > 0) & (csat <= 3)
    answered = after & (csat > 0)
    habit = rng.random(len(csat))  # drawn for every row: independent of the chunk's mix
    if low.any():
        share = min(1.0, KEYPAD_CSAT_GAIN / 100 * answered.sum() / low.sum())
        csat = np.where(low & (habit < share), 5, csat)
    version = np.where(ivr, after.astype(np.int8), -1)
    return surveys.with_columns(csat=pl.Series(csat), version=pl.Series(version))
