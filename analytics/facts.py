"""The facts the KPIs are computed from, as Ibis expressions: rows, not statistics.

Calls with the flags the call KPIs need (:func:`call_facts`: repeat contact, FCR
horizon, surveyed), survey answers with their call's attributes (:func:`answers_of`,
:func:`survey_facts`), and :func:`facts`, which picks a reader's kept rollup or its raw
rows. :class:`Reader` is where they run: the DuckDB store or a Spark store. Like the
rest of the read path (:mod:`analytics.queries`, which re-exports these names), nothing
here executes anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import ibis
import ibis.expr.types as ir
import polars as pl

from analytics.dimensions import Source
from analytics.filters import DIMENSIONS, SURVEY_DIMENSIONS, Filters

REPEAT_WINDOW_DAYS = 7


class Reader(Protocol):
    """Where reads run: the DuckDB store, or a Spark store (same Ibis expressions)."""

    def table(self, name: str) -> ir.Table: ...
    def read(self, expr: ir.Table) -> pl.DataFrame: ...


@dataclass(frozen=True)
class Derived:
    """What the store keeps up to date at every load (:mod:`analytics.rollups`): the
    calls carry ``repeat_7d``, ``prior_7d`` and ``surveyed``; ``horizon`` (the last call's start less
    the repeat window) and ``linked`` (some survey names its call) are the whole store's,
    whoever reads it: a reader scoped to one region still sees a repeat call made in
    another region, and the same FCR horizon."""

    horizon: dt.datetime | None
    linked: bool


def facts(
    reader: Reader,
    source: Source,
    filters: Filters | None = None,
    by: tuple[str, ...] = (),
) -> ir.Table:
    """The facts of ``source``: surveys with their call's attributes, or calls with
    the flags the call KPIs need.

    With ``filters`` (and the group columns ``by`` that
    :func:`analytics.sufficient_stats.stats` will use), the store's day rollup stands in
    for the raw rows when it can answer exactly (:func:`analytics.rollups.usable`):
    ``stats`` sums its statistics instead."""
    if filters is not None:
        from analytics import rollups  # it builds on the read path

        rolled = rollups.table_for(reader, source, filters, by)
        if rolled is not None:
            return rolled
    if source == "surveys":
        return survey_facts(answers(reader))
    return call_facts(reader.table("calls"), reader.table("surveys"), derived_of(reader))


def derived_of(reader: Reader) -> Derived | None:
    """The reader's materialised flags, when it has them and they are current."""
    derived = getattr(reader, "derived", None)
    return derived() if callable(derived) else None


#: The call's columns each answer carries besides the dimensions (see :func:`answers_of`).
ANSWER_CALL_COLUMNS = (
    "started_at", "wait_s", "duration_s", "hold_s", "transfers", "resolved", "abandoned",
    "escalated",
)  # fmt: skip
#: What an answer leaves in ``surveys``: the free text (the comment pages join it back).
ANSWER_LEFT_OUT = ("comment", "batch_id")


def answers_of(surveys: ir.Table, calls: ir.Table, flags: tuple[str, ...] = ()) -> ir.Table:
    """Every survey answer with its call's columns: the dimensions, when it started, its
    wait, duration, outcome... (null when the call is not in the data: relational
    surveys, or a call not loaded yet), and ``linked``, whether it is. ``flags``: call
    flags to carry too (``prior_7d``, kept at load).

    The store keeps this table (``answers``, :mod:`analytics.rollups`) so that the pages
    that read answers with their call do not join every call on every read."""
    wanted = [c for c in (*ANSWER_CALL_COLUMNS, *DIMENSIONS, *flags) if c in calls.columns]
    c = calls.select("call_id", *wanted).rename(a_call_id="call_id")
    joined = surveys.left_join(c, surveys.call_id == c.a_call_id)
    own = [name for name in surveys.columns if name not in ANSWER_LEFT_OUT]
    return joined.select(*own, *wanted, linked=joined.a_call_id.notnull())


def kept_answers(reader: Reader) -> ir.Table | None:
    """The reader's ``answers`` kept at load (with ``prior_7d``), if current."""
    kept = getattr(reader, "answers", None)
    table: ir.Table | None = kept() if callable(kept) else None
    return table


def answers(reader: Reader) -> ir.Table:
    """The reader's kept ``answers`` when current, else :func:`answers_of` its tables
    (the same rows and columns, ``prior_7d`` aside, which only the kept table has)."""
    table = kept_answers(reader)
    if table is not None:
        return table
    return answers_of(reader.table("surveys"), reader.table("calls"))


def survey_facts(answers: ir.Table, extra: tuple[str, ...] = ()) -> ir.Table:
    """Answers (:func:`answers`) as the survey KPIs read them: the scores and every
    dimension, ``at`` the response time (unlinked answers keep null call attributes);
    ``extra``: more of the answers' columns."""
    own = ("response_id", "responded_at", "survey_type", "nps", "csat", "ces", "ces_scale")
    columns = dict.fromkeys((*own, *SURVEY_DIMENSIONS, *DIMENSIONS, *extra))
    return answers.select(*columns).rename(at="responded_at")


def call_facts(calls: ir.Table, surveys: ir.Table, derived: Derived | None = None) -> ir.Table:
    """Calls with the derived flags the KPIs need.

    ``repeat_7d``: the same customer contacted again within 7 days. ``fcr_observed``:
    the 7-day window lies inside the data, so first-contact resolution is known;
    calls in the last 7 days of data are left out of FCR rather than counted as
    resolved on first contact by default. ``derived``: the flags the store keeps
    (:class:`Derived`); without them (a Spark catalog, an old store) they are computed
    here from the rows the reader sees.
    """
    if derived is not None:
        horizon = ibis.literal(derived.horizon, type="timestamp")
        return calls.mutate(
            at=calls.started_at,
            fcr_observed=calls.started_at <= horizon,
            survey_linked=ibis.literal(derived.linked),
        )
    flags = repeat_flags(calls)
    horizon_now = calls.started_at.max().as_scalar() - ibis.interval(days=REPEAT_WINDOW_DAYS)
    per_call = surveys_of_calls(surveys)
    return calls.mutate(
        at=calls.started_at,
        repeat_7d=flags,
        fcr_observed=calls.started_at <= horizon_now,
        surveyed=calls.call_id.isin(per_call.call_id),
        # Without a single survey that names its call, no call can count as surveyed:
        # the response rate is then not measured, not 0%.
        survey_linked=surveys.call_id.count().as_scalar() > 0,
    )


def repeat_flags(calls: ir.Table) -> ir.BooleanValue:
    """Per call: the same customer called again within :data:`REPEAT_WINDOW_DAYS`."""
    # call_id breaks ties so that two contacts at the same instant have a defined order.
    window = ibis.window(group_by=calls.customer_id, order_by=[calls.started_at, calls.call_id])
    next_at = calls.started_at.lead().over(window)
    soon = next_at.notnull() & (
        next_at <= calls.started_at + ibis.interval(days=REPEAT_WINDOW_DAYS)
    )
    return soon & calls.customer_id.notnull()


def prior_flags(facts: ir.Table, calls: ir.Table) -> ir.BooleanValue:
    """Per row of ``facts`` (with ``customer_id`` and ``started_at``): the customer had
    contacted us in the :data:`REPEAT_WINDOW_DAYS` before (known at call time, unlike
    "called again afterwards", which the call's own outcome causes)."""
    p = calls.select(p_customer=calls.customer_id, p_at=calls.started_at)
    since = facts.started_at - ibis.interval(days=REPEAT_WINDOW_DAYS)
    before = (p.p_customer == facts.customer_id) & (p.p_at < facts.started_at) & (p.p_at >= since)
    return before.any()  # one correlated EXISTS per row, which DuckDB decorrelates


def surveys_of_calls(surveys: ir.Table) -> ir.Table:
    """The surveys that make their call "surveyed" (the response rate's numerator).

    A survey of unknown type may be the call's own: only a known other type
    (relational...) is left out, so an export without the type still counts."""
    return surveys.filter(
        surveys.call_id.notnull()
        & (surveys.survey_type.isnull() | (surveys.survey_type == "transactional"))
    )
