"""The sufficient statistics of the KPIs, as Ibis expressions over facts.

Counts, sums and sums of squares per group (:func:`call_stats`, :func:`survey_stats`),
computed from the facts' rows (:mod:`analytics.facts`) or summed from a day rollup's
(:mod:`analytics.rollups`), which keeps the same columns: :func:`stats` picks the one
its frame needs. :mod:`analytics.kpis` does the inference. Like the rest of the read
path (:mod:`analytics.queries`, which re-exports these names), nothing here executes
anything.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from analytics.dimensions import Source
from analytics.filters import DIMENSIONS, SURVEY_DIMENSIONS

SERVICE_LEVEL_S = 20


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
