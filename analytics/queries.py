"""The analytical read path as Ibis expressions ending in sufficient statistics.

Nothing here executes anything: each function takes unbound Ibis tables (``calls``,
``surveys``) and returns an expression, so the same code runs on DuckDB
(:meth:`Store.read`) and Spark (:class:`analytics.spark.SparkStore`). The results
are counts, sums and sums of squares; :mod:`analytics.kpis` does the inference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, make_dataclass, replace
from typing import TYPE_CHECKING, Literal, Protocol, Self

import ibis
import ibis.expr.types as ir
import polars as pl

from analytics import dimensions, periods
from analytics.dimensions import Source

Grain = Literal["day", "week", "month"]
#: The call attributes (the breakdowns; surveys get them through their call).
DIMENSIONS: tuple[str, ...] = dimensions.columns("calls")
#: The survey attributes (``survey_type``): they filter survey answers only.
SURVEY_DIMENSIONS: tuple[str, ...] = dimensions.columns("surveys")
GRAIN_UNIT = {"day": "D", "week": "W", "month": "M"}
GRAIN_OFFSET = {"day": "1d", "week": "1w", "month": "1mo"}
SERVICE_LEVEL_S = 20
REPEAT_WINDOW_DAYS = 7


class Reader(Protocol):
    """Where reads run: the DuckDB store, or a Spark store (same Ibis expressions)."""

    def table(self, name: str) -> ir.Table: ...
    def read(self, expr: ir.Table) -> pl.DataFrame: ...


@dataclass(frozen=True, kw_only=True)
class _Filters:
    """The shared filters: a date range (inclusive), what it is compared with
    (:mod:`analytics.periods`) and, per dimension of :data:`analytics.dimensions.CATALOG`,
    the allowed values (a field each, added by :class:`Filters`).

    An empty tuple means "all". Keyword-only: the dimension fields follow the catalog,
    so a positional argument would land on whichever field an added dimension put
    there. A call attribute filters surveys through their call (a survey not linked to
    a call is left out); a survey attribute does not filter calls.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    compare: periods.Comparison = "previous"

    def dimension_values(self, source: Source | None = None) -> dict[str, tuple[str, ...]]:
        """The chosen values of the dimensions that have some, in catalog order; with
        ``source``, only those that filter that source's facts."""
        chosen = ((d, getattr(self, d.name)) for d in dimensions.CATALOG)
        return {
            d.name: values
            for d, values in chosen
            if values and (source is None or d.applies_to(source))
        }

    def previous(self) -> Self:
        """The comparison period: the calendar period before (October for a chosen
        November), or the same dates a year earlier (``compare="year"``)."""
        if self.start is None or self.end is None:
            raise ValueError("previous period needs both start and end")
        start, end = periods.compared(self.start, self.end, self.compare)
        return replace(self, start=start, end=end)


if TYPE_CHECKING:

    class Filters(_Filters):
        """What type checkers see: one ``tuple[str, ...]`` per catalog dimension."""

        def __init__(
            self,
            *,
            start: dt.date | None = None,
            end: dt.date | None = None,
            compare: periods.Comparison = "previous",
            **dimensions: tuple[str, ...],
        ) -> None: ...

        def __getattr__(self, name: str) -> tuple[str, ...]: ...

else:
    # A frozen, keyword-only dataclass with a field per catalog dimension: hashable and
    # compared by value, so st.cache_data keys on it (ui/cache.py) as on any dataclass.
    Filters = make_dataclass(
        "Filters",
        [(d.name, tuple[str, ...], field(default=())) for d in dimensions.CATALOG],
        bases=(_Filters,),
        namespace={"__doc__": _Filters.__doc__},
        frozen=True,
        kw_only=True,
    )
    Filters.__module__ = __name__  # pickled and shown as analytics.queries.Filters


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

    With ``filters`` (and the group columns ``by`` that :func:`stats` will use), the
    store's day rollup stands in for the raw rows when it can answer exactly
    (:func:`analytics.rollups.usable`): :func:`stats` sums its statistics instead."""
    if filters is not None:
        from analytics import rollups  # it builds on this module

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


def stats(source: Source, frame: ir.Table, by: tuple[str, ...] = ()) -> ir.Table:
    """The sufficient statistics of ``source``'s KPIs per group of ``by``: computed
    from the rows, or summed from a rollup's (the same columns, so the same result)."""
    if rolled(frame):
        return _sum_rolled(frame, by)
    return survey_stats(frame, by) if source == "surveys" else call_stats(frame, by)


#: Statistics that are ``count()`` on rows: 0, not null, over nothing.
_COUNTS = ("n_responses", "n_nps", "n_csat", "n_ces", "n_calls", "handle_n", "wait_n")
#: The columns of a rollup that are not statistics (see :mod:`analytics.rollups`).
ROLLUP_KEYS = ("at", *DIMENSIONS, *SURVEY_DIMENSIONS)


def rolled(frame: ir.Table) -> bool:
    """Whether ``frame`` is a rollup of statistics (rows of ``n_calls`` or
    ``n_responses``), not facts."""
    return "n_calls" in frame.columns or "n_responses" in frame.columns


def _sum_rolled(frame: ir.Table, by: tuple[str, ...]) -> ir.Table:
    """The statistics of the groups ``by``, as sums of the rollup rows' statistics."""
    metrics: dict[str, ir.Value] = {}
    for name in frame.columns:
        if name in ROLLUP_KEYS or name in by or name in ("window", "period"):
            continue
        total = frame[name].sum()
        metrics[name] = total.fill_null(0) if name in _COUNTS else total
    return _aggregate(frame, by, metrics)


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


def apply_filters(facts: ir.Table, filters: Filters, source: Source) -> ir.Table:
    """Restrict ``source``'s facts (with an ``at`` timestamp column, unless the filters
    have no dates) to the filters: every dimension that applies to ``source``."""
    chosen = filters.dimension_values(source).items()
    preds = [facts[dim].isin(values) for dim, values in chosen]
    if filters.start is not None:
        preds.append(facts.at >= _ts(filters.start))
    if filters.end is not None:
        preds.append(facts.at < _ts(filters.end + dt.timedelta(days=1)))
    return facts.filter(preds) if preds else facts


def compare_windows(facts: ir.Table, filters: Filters, source: Source) -> ir.Table:
    """Facts from the filter period and its comparison period, labelled ``window`` =
    'current' / 'previous', in one scan (the two need not be adjacent: a year apart)."""
    if filters.start is None or filters.end is None:
        raise ValueError("comparing windows needs both start and end")
    both = apply_filters(facts, replace(filters, start=None, end=None), source)
    current = _within(both, filters.start, filters.end)
    before = _within(both, *periods.compared(filters.start, filters.end, filters.compare))
    return both.filter(current | before).mutate(window=ibis.ifelse(current, "current", "previous"))


def _within(facts: ir.Table, start: dt.date, end: dt.date) -> ir.BooleanValue:
    return (facts.at >= _ts(start)) & (facts.at < _ts(end + dt.timedelta(days=1)))


def with_period(facts: ir.Table, grain: Grain) -> ir.Table:
    """Add ``period``: the start of the day / ISO week / month of ``at``."""
    return facts.mutate(period=facts.at.truncate(GRAIN_UNIT[grain]).cast("date"))


def check_dimension(name: str) -> str:
    """Allow-list for call attributes (breakdowns) that come from users or URLs."""
    if name not in DIMENSIONS:
        raise ValueError(f"unknown dimension {name!r}; expected one of {', '.join(DIMENSIONS)}")
    return name


def _ts(day: dt.date) -> ir.Value:
    return ibis.literal(dt.datetime.combine(day, dt.time()), type="timestamp")
