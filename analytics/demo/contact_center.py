"""Demo data: two years of a realistic contact center with known, planted truths.

:func:`generate` fills an empty store's ``calls``, ``surveys`` and ``process_changes``.
It generates numpy-vectorised chunks of :data:`CHUNK_CALLS` calls, stages each as
Parquet in a temporary folder, and moves them into the store in one transaction: a
killed run leaves the store empty, and the generator's own memory does not grow with
the size (DuckDB's key indexes do). The output is a pure function of
``(calls, seed, end)``.

Every response's NPS, CSAT and CES come from one latent satisfaction (plus a little
per-metric noise) cut at fixed thresholds, so the three scores agree with each other.
The planted truths, which ``tests/demo/test_contact_center.py`` checks on the generated data:

1. Resolution dominates: resolving the contact adds :data:`SAT_RESOLVED` to the latent
   (CSAT top-2-box resolved vs unresolved: about 60 points), while each minute of
   handle time costs only :data:`SAT_PER_DURATION_MIN` (resolved calls under 5 vs over
   15 minutes: about 11 points, transfers and holds included). Rushed calls resolve
   less (:data:`RESOLVE_PER_LOG_DURATION`), so raw duration is confounded.
2. "New IVR menu" on queue ``billing``, started the Monday :data:`IVR_WEEKS_BEFORE_END`
   weeks before ``end``: billing's mean wait drops by :data:`IVR_WAIT_CUT_S` and its
   mean CES (1-7) rises by :data:`IVR_CES_GAIN` (total effect, the shorter wait
   included); other queues are untouched. NPS and CSAT move only through the wait.
3. Weekly seasonality (:data:`WEEKDAY_VOLUME`, :data:`WEEKDAY_WAIT_MULT`: Mondays are
   busiest and slowest, weekends quiet) and NPS rising :data:`NPS_TREND_PER_YEAR`.
4. A detractor spike (an outage): region ``South``, :data:`SPIKE_WEEKS` weeks from the
   Monday :data:`SPIKE_WEEKS_BEFORE_END` weeks before ``end``, latent shifted by
   :data:`SPIKE_SHIFT`.
5. Repeat contacts: an unresolved (or abandoned) contact brings the same customer back
   within 1-6 days with probability :data:`REPEAT_AFTER_UNRESOLVED`, a resolved one with
   :data:`REPEAT_AFTER_RESOLVED`, so first-contact resolution sits well below the
   resolution rate. Relational surveys have no call.
6. "IVR keypad order", a survey-design change (no service change): from the Monday
   :data:`KEYPAD_WEEKS_BEFORE_END` weeks before ``end``, the IVR's CSAT question reads
   "press 1 if satisfied" instead of "press 5 if very satisfied". Habit makes callers
   press the first key, which now means the top of the scale: the share of satisfied
   (top-2-box) IVR answers rises by :data:`KEYPAD_CSAT_GAIN` points, while NPS, CES, the
   other survey channels and every call outcome stay as they were. The responses carry
   their instrument's version (``survey_version``: :data:`KEYPAD_VERSIONS` on IVR).

Also: response bias (customers whose contact went far from the usual respond more;
planted period effects do not change who responds, so they are measured undistorted),
comments in Spanish and English that follow the score and the call (wait, transfers,
unresolved, repeat contact, queue...), some of them suggestions; abandoned contacts are
never surveyed. Headline levels at the defaults: resolution 76 %, FCR 70 %, NPS +16,
CSAT 67 %, CES 5.0 of 7, about 32,500 responses.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from analytics import rollups
from analytics.demo import comments as demo_comments
from analytics.store import Store

CHUNK_CALLS = 250_000  # calls per staged chunk: bounds the generator's memory
N_WEEKS = 104
QUEUES = ("billing", "technical", "sales", "cancellations", "general")
QUEUE_SHARE = (0.30, 0.28, 0.15, 0.10, 0.17)
QUEUE_WAIT_MEDIAN_S = np.array([25.0, 35.0, 12.0, 20.0, 18.0])
QUEUE_DURATION_MEDIAN_S = np.array([360.0, 600.0, 420.0, 480.0, 300.0])
QUEUE_TRANSFER_RATE = np.array([0.20, 0.35, 0.10, 0.30, 0.25])
QUEUE_ESCALATION = np.array([0.04, 0.07, 0.02, 0.08, 0.03])
QUEUE_RESOLVE_LOGIT = np.array([1.6, 0.8, 1.8, 1.1, 1.7])
QUEUE_MOOD = np.array([0.0, 0.0, 0.2, -0.4, 0.1])  # latent shift by contact reason
CHANNELS = ("voice", "chat", "email", "callback")
CHANNEL_SHARE = (0.60, 0.20, 0.10, 0.10)
CHANNEL_WAIT_MULT = np.array([1.0, 0.7, 1.6, 0.5])
CHANNEL_DURATION_MULT = np.array([1.0, 1.4, 0.6, 0.9])
CHANNEL_ABANDONS = np.array([1.0, 1.0, 0.0, 0.3])  # e-mails are never abandoned
CHANNEL_HOLDS = np.array([1.0, 0.5, 0.0, 1.0])
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
WEEKDAY_WAIT_MULT = np.array([1.35, 1.10, 1.00, 0.95, 1.00, 0.85, 0.80])
VOLUME_GROWTH_PER_YEAR = 0.08
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
IVR_QUEUE = "billing"
IVR_WEEKS_BEFORE_END = 26
IVR_WAIT_CUT_S = 20.0
IVR_CES_GAIN = 0.6
SPIKE_REGION = "South"
SPIKE_WEEKS_BEFORE_END = 40
SPIKE_WEEKS = 3
SPIKE_SHIFT = -1.0
# The survey-design change: older than the IVR menu (the newest change stays the one the
# analysis page opens on), and 12 weeks either side of it miss the outage.
KEYPAD_WEEKS_BEFORE_END = 52
KEYPAD_CSAT_GAIN = 12.0  # points of IVR CSAT top-2-box, from habit alone
KEYPAD_VERSIONS = ("ivr-1", "ivr-2")  # IVR instrument before / after; others: OTHER_VERSION
OTHER_VERSION = "1"
KEYPAD_STREAM = 1  # the keypad's own random stream: every other draw stays as it was

PHRASES = demo_comments.PHRASES
COMPLAINTS = demo_comments.COMPLAINTS

Columns = dict[str, np.ndarray]
_LOAD = {  # fixed statements; the staged columns are matched by name
    "calls": "insert into calls by name select * from read_parquet(?)",
    "surveys": "insert into surveys by name select * from read_parquet(?)",
}


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate` wrote."""

    calls: int
    surveys: int
    ivr_change_on: dt.date
    start: dt.date
    end: dt.date
    keypad_change_on: dt.date | None = None


@dataclass(frozen=True)
class _Plan:
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


def generate(
    store: Store, calls: int = 150_000, seed: int = 7, end: dt.date | None = None
) -> DemoSummary:
    """Fill an empty store with ``calls`` demo calls and their surveys, atomically.

    Parameters
    ----------
    store : Store
        Must hold no calls, surveys or process changes.
    calls : int
        Exact number of calls; about 0.22 survey responses per call come with them.
    seed : int
        Random seed; the output is a pure function of ``(calls, seed, end)``.
    end : datetime.date, optional
        Last day of the data (default today); the data covers the 104 weeks up to it.

    Returns
    -------
    DemoSummary
        Row counts, the covered dates and the date of the planted IVR change.
    """
    if calls < 1:
        raise ValueError("calls must be positive")
    plan = _plan(calls, seed, end or dt.date.today())
    _require_empty(store.cursor())
    # Chunks are staged as Parquet and moved in one transaction: a killed run leaves the
    # store empty, and DuckDB builds the key indexes once instead of holding a growing
    # transaction (half the peak memory at 10M calls).
    with tempfile.TemporaryDirectory(prefix="pulso-demo-") as folder:
        n_calls, n_surveys = _stage(Path(folder), plan, calls, seed)
        with store.transaction() as cur:
            _require_empty(cur)
            _insert_change(cur, plan)
            for table in ("calls", "surveys"):
                _load(cur, table, Path(folder))
            rollups.rebuild(cur)  # not a load: the flags and rollups are built here
    last = plan.start + dt.timedelta(days=plan.n_days - 1)
    ivr_on = plan.start + dt.timedelta(days=plan.ivr_day)
    keypad_on = plan.start + dt.timedelta(days=plan.keypad_day)
    return DemoSummary(
        n_calls, n_surveys, ivr_on, start=plan.start, end=last, keypad_change_on=keypad_on
    )


def _plan(calls: int, seed: int, end: dt.date) -> _Plan:
    rng = np.random.default_rng([seed, 0])
    start = end - dt.timedelta(weeks=N_WEEKS, days=-1)
    days = np.arange(N_WEEKS * 7)
    dow = (start.weekday() + days) % 7
    volume = np.array(WEEKDAY_VOLUME)[dow] * (1 + VOLUME_GROWTH_PER_YEAR * days / 365.25)
    n_customers = max(100, round(calls * CUSTOMERS_PER_CALL))
    customers = np.column_stack(
        [
            _draw(rng, REGION_SHARE, n_customers),
            _draw(rng, PRODUCT_SHARE, n_customers),
            rng.random(n_customers) < B2B_SHARE,
            rng.random(n_customers) < SPANISH_SHARE,
        ]
    ).astype(np.int8)
    return _Plan(
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


def _chunk_sizes(calls: int) -> list[int]:
    full, rest = divmod(calls, CHUNK_CALLS)
    return [CHUNK_CALLS] * full + ([rest] if rest else [])


def _draw(rng: np.random.Generator, shares: tuple[float, ...] | np.ndarray, n: int) -> np.ndarray:
    """Category codes drawn with the given (unnormalised) shares."""
    cdf = np.cumsum(shares) / np.sum(shares)
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)


def _require_empty(cur: duckdb.DuckDBPyConnection) -> None:
    query = "select (select count(*) from calls) + (select count(*) from surveys)"
    query += " + (select count(*) from process_changes)"
    if cur.execute(query).fetchall() != [(0,)]:
        raise ValueError("demo data goes into an empty store, but this one has rows")


def _insert_change(cur: duckdb.DuckDBPyConnection, plan: _Plan) -> None:
    cur.execute(
        "insert into process_changes (name, description, started_on, scope_queues, owner)"
        " values (?, ?, ?, ?, ?)",
        [
            "New IVR menu",
            "Billing IVR menu redesigned: fewer options, account lookup before routing,"
            " and direct routing of payment questions to the payments desk.",
            plan.start + dt.timedelta(days=plan.ivr_day),
            [IVR_QUEUE],
            "Operations",
        ],
    )
    cur.execute(  # after the menu: the IVR menu keeps change id 1
        "insert into process_changes (name, description, started_on, owner, kind, instruments)"
        " values (?, ?, ?, ?, 'survey_design', ?)",
        [
            "IVR keypad order",
            "The IVR satisfaction question now reads 'press 1 if satisfied' instead of"
            " 'press 5 if very satisfied'. Only the survey changed, not the service.",
            plan.start + dt.timedelta(days=plan.keypad_day),
            "Customer insight",
            ["ivr"],
        ],
    )


def _stage(folder: Path, plan: _Plan, calls: int, seed: int) -> tuple[int, int]:
    """Write each chunk's calls and surveys to ``folder``; return the row counts."""
    n_calls = n_surveys = 0
    for number, size in enumerate(_chunk_sizes(calls)):
        rng = np.random.default_rng([seed, number + 1])
        chunk = _chunk_calls(rng, plan, size)
        surveys = _surveys(rng, plan, chunk, round(size * RELATIONAL_SHARE))
        surveys = _keypad(np.random.default_rng([seed, number + 1, KEYPAD_STREAM]), plan, surveys)
        frames = {
            "calls": _calls_frame(plan, chunk, n_calls),
            "surveys": _surveys_frame(plan, surveys, n_surveys, n_calls),
        }
        for table, frame in frames.items():
            frame.write_parquet(folder / f"{table}-{number:06d}.parquet", compression="lz4")
        n_calls, n_surveys = n_calls + size, n_surveys + surveys.height
    return n_calls, n_surveys


def _load(cur: duckdb.DuckDBPyConnection, table: str, folder: Path) -> None:
    cur.execute(_LOAD[table], [str(folder / f"{table}-*.parquet")])


def _chunk_calls(rng: np.random.Generator, plan: _Plan, size: int) -> Columns:
    """``size`` calls: first contacts and their repeat contacts, in time order.

    Whole families (a first contact and its repeats) are kept until ``size`` rows, so
    the repeat behaviour is intact in all but the last family.
    """
    day = np.searchsorted(plan.day_cdf, rng.random(size), side="right")
    first: Columns = {
        "day": np.minimum(day, plan.n_days - 1),
        "customer": rng.integers(0, len(plan.customers), size),
        "queue": _draw(rng, QUEUE_SHARE, size),
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


def _repeats(rng: np.random.Generator, plan: _Plan, parent: Columns) -> Columns:
    """The repeat contacts that ``parent`` calls bring, 1-6 days later."""
    again = np.where(parent["resolved"], REPEAT_AFTER_RESOLVED, REPEAT_AFTER_UNRESOLVED)
    idx = np.flatnonzero(rng.random(len(again)) < again)
    day = parent["day"][idx] + 1 + _draw(rng, REPEAT_DELAY_WEIGHTS, len(idx))
    idx, day = idx[day < plan.n_days], day[day < plan.n_days]
    same = rng.random(len(idx)) < REPEAT_SAME_QUEUE
    return {
        "day": day,
        "customer": parent["customer"][idx],
        "queue": np.where(same, parent["queue"][idx], _draw(rng, QUEUE_SHARE, len(idx))),
        "depth": parent["depth"][idx] + 1,
        "family": parent["family"][idx],
    }


def _handle(rng: np.random.Generator, plan: _Plan, calls: Columns) -> Columns:
    """Add channel, time of day, agent, wait and abandonment; then the service."""
    n, queue, dow = len(calls["day"]), calls["queue"], plan.dow[calls["day"]]
    channel = _draw(rng, CHANNEL_SHARE, n)
    hour = np.where(dow >= 5, _draw(rng, WEEKEND_HOURS, n), _draw(rng, WEEKDAY_HOURS, n))
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


def _service(rng: np.random.Generator, plan: _Plan, calls: Columns) -> Columns:
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


def _satisfaction(
    rng: np.random.Generator, plan: _Plan, calls: Columns
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


def _transactional(rng: np.random.Generator, plan: _Plan, calls: Columns) -> pl.DataFrame:
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
    rng: np.random.Generator, plan: _Plan, calls: Columns, idx: np.ndarray, nps: np.ndarray
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


def _relational(rng: np.random.Generator, plan: _Plan, n: int) -> pl.DataFrame:
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
    second = _draw(rng, WEEKDAY_HOURS, n) * 3600 + rng.integers(0, 3600, n)
    return pl.DataFrame(
        dict(call=np.full(n, -1), customer=customer, at=day * 86400 + second)
        | dict(channel=_draw(rng, RELATIONAL_SURVEY_CHANNELS, n), nps=nps)
        | dict(csat=np.full(n, -1), ces=np.full(n, -1), comment=demo_comments.scatter(text, picked))
    )


def _keypad(rng: np.random.Generator, plan: _Plan, surveys: pl.DataFrame) -> pl.DataFrame:
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


def _surveys(
    rng: np.random.Generator, plan: _Plan, calls: Columns, n_relational: int
) -> pl.DataFrame:
    """Both survey types for one chunk, in time order, without the not-yet-answered."""
    both = [_transactional(rng, plan, calls), _relational(rng, plan, n_relational)]
    frame = pl.concat(both, how="vertical_relaxed").filter(pl.col("at") < plan.n_days * 86400)
    return frame.sort("at", "call", maintain_order=True)


def _calls_frame(plan: _Plan, calls: Columns, offset: int) -> pl.DataFrame:
    """The chunk as rows of the ``calls`` table; ids continue from ``offset``."""
    customer, agent = plan.customers[calls["customer"]], calls["agent"]
    return pl.DataFrame(
        {
            "call_id": _ids("C", offset + np.arange(len(agent)), plan.id_width),
            "started_at": _timestamps(plan, calls["day"] * 86400 + calls["second"]),
            "channel": _labels(CHANNELS, calls["channel"]),
            "queue": _labels(QUEUES, calls["queue"]),
            "region": _labels(REGIONS, customer[:, 0]),
            "product": _labels(PRODUCTS, customer[:, 1]),
            "segment": _labels(("B2C", "B2B"), customer[:, 2]),
            "agent_id": _ids("A", agent, 3),
            "team": _labels(TEAMS, agent * len(TEAMS) // N_AGENTS),
            "customer_id": _ids("CU", calls["customer"], plan.customer_width),
            "wait_s": calls["wait"],
            "duration_s": calls["duration"],
            "hold_s": calls["hold"],
            "transfers": pl.Series(calls["transfers"], dtype=pl.Int32),
        }
        | {key: calls[key] for key in ("resolved", "abandoned", "escalated")}
    )


def _surveys_frame(
    plan: _Plan, surveys: pl.DataFrame, offset: int, call_offset: int
) -> pl.DataFrame:
    """The chunk's responses as rows of the ``surveys`` table (-1 codes become null)."""
    call, customer = surveys["call"].to_numpy(), surveys["customer"].to_numpy()
    version = surveys["version"].to_numpy()
    frame = pl.DataFrame(
        {
            "response_id": _ids("S", offset + np.arange(surveys.height), plan.id_width),
            "call_id": _ids("C", call_offset + call, plan.id_width),
            "customer_id": _ids("CU", customer, plan.customer_width),
            "responded_at": _timestamps(plan, surveys["at"].to_numpy()),
            "survey_type": _labels(("transactional", "relational"), call < 0),
            "survey_channel": _labels(SURVEY_CHANNELS, surveys["channel"].to_numpy()),
            "survey_version": _labels(
                (*KEYPAD_VERSIONS, OTHER_VERSION), np.where(version < 0, 2, version)
            ),
            "nps": surveys["nps"].cast(pl.Int8),
            "csat": surveys["csat"].cast(pl.Int8),
            "ces": surveys["ces"].cast(pl.Float64),
            "ces_scale": np.full(surveys.height, CES_SCALE, np.int8),
            "comment": surveys["comment"],
            "language": _labels(("en", "es"), plan.customers[customer, 3]),
        }
    )
    return frame.with_columns(
        call_id=pl.when(pl.Series(call >= 0)).then("call_id"),
        csat=pl.when(pl.col("csat") > 0).then("csat"),
        ces=pl.when(pl.col("ces") > 0).then("ces"),
        ces_scale=pl.when(pl.col("ces") > 0).then("ces_scale"),
    )


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """Zero-padded ids from 0-based numbers: ``_ids("A", [0], 3)`` is ``A001``."""
    digits = pl.Series(numbers + 1).cast(pl.String).str.zfill(width)
    return pl.select(pl.lit(prefix) + digits).to_series()


def _labels(names: tuple[str, ...], codes: np.ndarray) -> pl.Series:
    return pl.Series(names, dtype=pl.String).gather(np.asarray(codes, dtype=np.int64))


def _timestamps(plan: _Plan, seconds: np.ndarray) -> np.ndarray:
    origin = np.datetime64(plan.start.isoformat(), "us")
    return origin + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")
