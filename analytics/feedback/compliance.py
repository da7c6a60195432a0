"""Deadline compliance and recovery per week or month of the response.

Compliance means the first contact came by the due time (its complement is
*overdue*, :mod:`analytics.feedback.queue`); recovery means a closed item ended
``recovered``. Both come with Wilson intervals from :func:`analytics.metrics.proportion`.
The sidebar's dimensions select items through their response (or its call), and the
period bounds the responses (the page passes the weeks or months it charts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import ibis
import ibis.expr.types as ir
import polars as pl

from analytics import queries
from analytics.metrics import proportion
from analytics.queries import GRAIN_OFFSET, GRAIN_UNIT, Filters, Grain, Reader


def scoped_items(reader: Reader, scope: Filters) -> ir.Table:
    """Follow-up items whose response is in the period and, when a dimension is
    chosen, has those values: its own (survey type) or its call's (region...)."""
    items = reader.table("followup_items")
    preds = []
    if scope.start is not None:
        preds.append(items.responded_at >= _ts(dt.datetime.combine(scope.start, dt.time())))
    if scope.end is not None:
        end = dt.datetime.combine(scope.end + dt.timedelta(days=1), dt.time())
        preds.append(items.responded_at < _ts(end))
    if scope.dimension_values():
        facts = queries.survey_facts(queries.answers(reader))
        chosen = queries.apply_filters(facts, replace(scope, start=None, end=None), "surveys")
        preds.append(items.response_id.isin(chosen.response_id))
    return items.filter(preds) if preds else items


def compliance_stats(reader: Reader, grain: Grain, now: dt.datetime, scope: Filters) -> ir.Table:
    """Per period of the response: items whose deadline is decided, those contacted
    in time, closed items and recovered ones (sufficient statistics)."""
    items = scoped_items(reader, scope)
    period = items.responded_at.truncate(GRAIN_UNIT[grain]).cast("date")
    on_time = items.contacted_at.notnull() & (items.contacted_at <= items.due_at)
    decided = items.contacted_at.notnull() | (items.due_at < _ts(now))
    closed = items.status.isin(("recovered", "not_recovered"))
    return (
        items.mutate(period=period)
        .group_by("period")
        .aggregate(
            n_due=decided.sum(),
            n_on_time=(decided & on_time).sum(),
            n_closed=closed.sum(),
            n_recovered=(items.status == "recovered").sum(),
        )
    )


def compliance(
    reader: Reader,
    grain: Grain = "week",
    now: dt.datetime | None = None,
    scope: Filters | None = None,
) -> pl.DataFrame:
    """Deadline compliance and recovery rate per period, in percent with Wilson CIs.

    Columns ``period, kpi ('compliance' | 'recovery'), value, low, high, se, n,
    low_sample, partial`` (the shape :func:`analytics.charts.trend` draws). Periods with
    no decided item have ``n = 0`` and NaN values.
    """
    at = now or dt.datetime.now().replace(microsecond=0)
    scope = scope or Filters()
    stats = reader.read(compliance_stats(reader, grain, at, scope)).sort("period")
    rows = []
    for r in stats.iter_rows(named=True):
        end = _period_end(r["period"], grain)
        partial = end > at.date() or _cut(r["period"], end, scope)
        for kpi, x, n in (
            ("compliance", r["n_on_time"], r["n_due"]),
            ("recovery", r["n_recovered"], r["n_closed"]),
        ):
            e = proportion(int(x or 0), int(n or 0))
            rows.append(
                dict(period=r["period"], kpi=kpi, value=e.value, low=e.low, high=e.high)
                | dict(se=e.se, n=e.n, low_sample=e.low_sample, partial=partial)
            )
    return pl.DataFrame(rows, schema=_RATE_SCHEMA)


def _cut(start: dt.date, end: dt.date, scope: Filters) -> bool:
    """The period is cut by the chosen dates (its rate is not comparable)."""
    return (scope.start is not None and start < scope.start) or (
        scope.end is not None and end > scope.end
    )


_F, _B = pl.Float64, pl.Boolean
_RATE_SCHEMA = dict(period=pl.Date, kpi=pl.String, value=_F, low=_F, high=_F, se=_F, n=pl.Int64)
_RATE_SCHEMA |= dict(low_sample=_B, partial=_B)


def _period_end(start: dt.date, grain: Grain) -> dt.date:
    end = pl.Series([start]).dt.offset_by(GRAIN_OFFSET[grain]).item()
    return end - dt.timedelta(days=1)


def _ts(at: dt.datetime) -> ir.Value:
    return ibis.literal(at, type="timestamp")
