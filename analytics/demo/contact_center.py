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

The parts live beside this module, which runs them chunk by chunk and loads the result:
:mod:`analytics.demo.plan` (the calendar, the customers and the agents),
:mod:`analytics.demo.calls`, :mod:`analytics.demo.surveys` (their comments from
:mod:`analytics.demo.comments`) and :mod:`analytics.demo.tables` (the rows written). The
constants of the planted truths are re-exported here, where the tests read them.
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
from analytics.demo.calls import (
    ABANDONED_MAX_DURATION_S,
    IVR_QUEUE,
    IVR_WAIT_CUT_S,
    QUEUES,
    REPEAT_AFTER_RESOLVED,
    REPEAT_AFTER_UNRESOLVED,
    RESOLVE_PER_LOG_DURATION,
    WEEKDAY_WAIT_MULT,
    Columns,
    chunk_calls,
)
from analytics.demo.comments import COMPLAINTS, PHRASES
from analytics.demo.plan import (
    IVR_WEEKS_BEFORE_END,
    KEYPAD_WEEKS_BEFORE_END,
    N_WEEKS,
    REGIONS,
    SPIKE_WEEKS_BEFORE_END,
    WEEKDAY_VOLUME,
    Plan,
    make_plan,
)
from analytics.demo.surveys import (
    IVR_CES_GAIN,
    KEYPAD_CSAT_GAIN,
    KEYPAD_VERSIONS,
    NPS_TREND_PER_YEAR,
    OTHER_VERSION,
    RELATIONAL_SHARE,
    SAT_PER_DURATION_MIN,
    SAT_RESOLVED,
    SPIKE_REGION,
    SPIKE_SHIFT,
    SPIKE_WEEKS,
    keypad,
    relational,
    transactional,
)
from analytics.demo.tables import calls_frame, surveys_frame
from analytics.store import Store

__all__ = [
    "ABANDONED_MAX_DURATION_S", "CHUNK_CALLS", "COMPLAINTS", "IVR_CES_GAIN", "IVR_QUEUE",
    "IVR_WAIT_CUT_S", "IVR_WEEKS_BEFORE_END", "KEYPAD_CSAT_GAIN", "KEYPAD_VERSIONS",
    "KEYPAD_WEEKS_BEFORE_END", "NPS_TREND_PER_YEAR", "N_WEEKS", "OTHER_VERSION", "PHRASES",
    "QUEUES", "REGIONS", "REPEAT_AFTER_RESOLVED", "REPEAT_AFTER_UNRESOLVED",
    "RESOLVE_PER_LOG_DURATION", "SAT_PER_DURATION_MIN", "SAT_RESOLVED", "SPIKE_REGION",
    "SPIKE_SHIFT", "SPIKE_WEEKS", "SPIKE_WEEKS_BEFORE_END", "WEEKDAY_VOLUME",
    "WEEKDAY_WAIT_MULT", "DemoSummary", "generate",
]  # fmt: skip

CHUNK_CALLS = 250_000  # calls per staged chunk: bounds the generator's memory
KEYPAD_STREAM = 1  # the keypad's own random stream: every other draw stays as it was
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
    plan = make_plan(calls, seed, end or dt.date.today())
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


def _chunk_sizes(calls: int) -> list[int]:
    full, rest = divmod(calls, CHUNK_CALLS)
    return [CHUNK_CALLS] * full + ([rest] if rest else [])


def _require_empty(cur: duckdb.DuckDBPyConnection) -> None:
    query = "select (select count(*) from calls) + (select count(*) from surveys)"
    query += " + (select count(*) from process_changes)"
    if cur.execute(query).fetchall() != [(0,)]:
        raise ValueError("demo data goes into an empty store, but this one has rows")


def _insert_change(cur: duckdb.DuckDBPyConnection, plan: Plan) -> None:
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


def _stage(folder: Path, plan: Plan, calls: int, seed: int) -> tuple[int, int]:
    """Write each chunk's calls and surveys to ``folder``; return the row counts."""
    n_calls = n_surveys = 0
    for number, size in enumerate(_chunk_sizes(calls)):
        rng = np.random.default_rng([seed, number + 1])
        chunk = chunk_calls(rng, plan, size)
        surveys = _surveys(rng, plan, chunk, round(size * RELATIONAL_SHARE))
        surveys = keypad(np.random.default_rng([seed, number + 1, KEYPAD_STREAM]), plan, surveys)
        frames = {
            "calls": calls_frame(plan, chunk, n_calls),
            "surveys": surveys_frame(plan, surveys, n_surveys, n_calls),
        }
        for table, frame in frames.items():
            frame.write_parquet(folder / f"{table}-{number:06d}.parquet", compression="lz4")
        n_calls, n_surveys = n_calls + size, n_surveys + surveys.height
    return n_calls, n_surveys


def _load(cur: duckdb.DuckDBPyConnection, table: str, folder: Path) -> None:
    cur.execute(_LOAD[table], [str(folder / f"{table}-*.parquet")])


def _surveys(
    rng: np.random.Generator, plan: Plan, calls: Columns, n_relational: int
) -> pl.DataFrame:
    """Both survey types for one chunk, in time order, without the not-yet-answered."""
    both = [transactional(rng, plan, calls), relational(rng, plan, n_relational)]
    frame = pl.concat(both, how="vertical_relaxed").filter(pl.col("at") < plan.n_days * 86400)
    return frame.sort("at", "call", maintain_order=True)
