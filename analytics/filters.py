"""What a read is restricted to and grouped by, as Ibis expressions.

:class:`Filters` (the shared filters: dates, their comparison and the chosen values of
each dimension), the dimensions they name, and what restricts facts to them
(:func:`apply_filters`, :func:`compare_windows`) or groups them by period
(:func:`with_period`). Like the rest of the read path (:mod:`analytics.queries`, which
re-exports these names), nothing here executes anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, make_dataclass, replace
from typing import TYPE_CHECKING, Literal, Self

import ibis
import ibis.expr.types as ir

from analytics import dimensions, periods
from analytics.dimensions import Source

Grain = Literal["day", "week", "month"]
#: The call attributes (the breakdowns; surveys get them through their call).
DIMENSIONS: tuple[str, ...] = dimensions.columns("calls")
#: The survey attributes (``survey_type``): they filter survey answers only.
SURVEY_DIMENSIONS: tuple[str, ...] = dimensions.columns("surveys")
GRAIN_UNIT = {"day": "D", "week": "W", "month": "M"}
GRAIN_OFFSET = {"day": "1d", "week": "1w", "month": "1mo"}


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
    # make_dataclass names the module "types" (Python 3.11), which pickle cannot find.
    # The public path, where queries re-exports it: analytics.queries.Filters.
    Filters.__module__ = "analytics.queries"


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
