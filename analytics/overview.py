"""The executive overview: KPI tiles, trends and breakdowns for the shared filters.

Each function runs one or two aggregate queries through a :class:`Reader` (the DuckDB
store or a Spark store) and does the inference in Python on the returned statistics.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import polars as pl

from analytics import dimensions, kpis, queries, rollups, thresholds
from analytics.compare import Difference
from analytics.i18n import Lang, t
from analytics.metrics import NAN, Estimate
from analytics.queries import Filters, Grain, Reader
from analytics.targets import Gap, Target, for_scope
from analytics.targets import gap as gap_to_target


@dataclass(frozen=True)
class Tile:
    """One KPI for the period, the previous period of equal length, and the change.

    ``reason`` is set when the KPI is not measured in the period (its estimate is
    empty): a tile then shows the reason, not a value. A KPI not measured in either
    period has no change (its difference is NaN, its direction "none").
    ``meaningful`` is the KPI's minimum meaningful change (see :mod:`thresholds`);
    ``target`` the KPI's target holding at the period's end for its scope (see
    :mod:`analytics.targets`), None when it has none.
    """

    kpi: str
    current: Estimate
    previous: Estimate
    change: Difference
    reason: kpis.Reason | None = None
    previous_reason: kpis.Reason | None = None
    meaningful: float = NAN  # unknown: every real change counts as meaningful
    target: Target | None = None

    @property
    def gap(self) -> Gap | None:
        """The value against the target; None without a target or a measured value."""
        if not self.measured:
            return None
        return gap_to_target(self.kpi, self.current, self.target)

    @property
    def practical(self) -> thresholds.Practical:
        """Real and meaningful, real but small, or no real change."""
        return thresholds.classify(self.change, self.meaningful)

    @property
    def measured(self) -> bool:
        return self.reason is None

    @property
    def better(self) -> bool | None:
        """Whether a real change is an improvement (None when there is no real change)."""
        if self.change.direction == "none":
            return None
        return (self.change.direction == "up") == kpis.get(self.kpi).higher_is_better


facts = queries.facts  # the read path's, under its former name here


def window_stats(reader: Reader, filters: Filters, source: kpis.Source) -> pl.DataFrame:
    """Sufficient statistics for the current and previous windows (column ``window``)."""
    f = queries.compare_windows(queries.facts(reader, source, filters), filters, source)
    return reader.read(queries.stats(source, f, ("window",)))


def tiles(
    reader: Reader,
    filters: Filters,
    keys: tuple[str, ...],
    meaningful: Mapping[str, float] | None = None,
    targets: Sequence[Target] = (),
) -> list[Tile]:
    """KPI tiles: value, CI and change vs the previous period of equal length, each
    with its minimum meaningful change (``meaningful``, default
    :data:`thresholds.DEFAULTS`; the store's are :func:`thresholds.read`) and its
    target (from ``targets``: the one holding on the period's last day for the
    filters' scope, :func:`analytics.targets.for_scope`; the latest one without an end)."""
    on = filters.end or dt.date.max
    minimum = {**thresholds.DEFAULTS, **(meaningful or {})}
    by_source = {
        s: window_stats(reader, filters, s)
        for s in ("surveys", "calls")
        if any(kpis.get(k).source == s for k in keys)
    }
    out = []
    for key in keys:
        kpi = kpis.get(key)
        rows = {r["window"]: r for r in by_source[kpi.source].iter_rows(named=True)}
        cur, prev = rows.get("current", _zero()), rows.get("previous", _zero())
        est, before = kpi.estimate(cur), kpi.estimate(prev)
        reasons = kpis.not_measured(key, cur), kpis.not_measured(key, prev)
        change = kpis.change(kpi, prev, cur)
        target = for_scope(targets, key, filters, on)
        out.append(Tile(key, est, before, change, *reasons, minimum[key], target))
    return out


def trend_stats(
    reader: Reader, filters: Filters, source: kpis.Source, grain: Grain
) -> pl.DataFrame:
    f = queries.apply_filters(queries.facts(reader, source, filters), filters, source)
    f = queries.with_period(f, grain)
    return reader.read(queries.stats(source, f, ("period",))).sort("period")


def trend(reader: Reader, filters: Filters, keys: tuple[str, ...], grain: Grain) -> pl.DataFrame:
    """Per-period estimates (``period, kpi, value, low, high, se, n, low_sample, reason,
    partial``); a period in which a KPI is not measured keeps its row, with NaN
    values and the ``reason``, so that charts leave a gap there rather than a line."""
    frames = [
        kpis.estimates(trend_stats(reader, filters, s, grain), ks, ("period",))
        for s, ks in _by_source(keys).items()
    ]
    return mark_partial(pl.concat(frames), filters, grain).sort("kpi", "period")


#: How far back a trend looks, whatever the period: a year of months (13 points, so
#: the same month last year is on the chart), half a year of weeks, eight weeks of days.
TREND_SPAN: dict[Grain, int] = {"month": 13, "week": 26, "day": 56}


def trend_window(filters: Filters, grain: Grain) -> Filters:
    """The filters over the trend's span ending with the period (and never shorter
    than the period and its comparison period): the month grain showed 3 points when
    it spanned only those."""
    if filters.start is None or filters.end is None:
        raise ValueError("a trend needs the period's start and end")
    end = filters.end
    if grain == "month":
        first = end.replace(day=1)
        months = first.year * 12 + first.month - 1 - (TREND_SPAN["month"] - 1)
        start = dt.date(months // 12, months % 12 + 1, 1)
    elif grain == "week":
        start = end - dt.timedelta(days=end.weekday() + 7 * (TREND_SPAN["week"] - 1))
    else:
        start = end - dt.timedelta(days=TREND_SPAN["day"] - 1)
    compared = filters.previous().start
    assert compared is not None  # previous() of a full period has both ends
    return replace(filters, start=min(start, compared, filters.start))


def mark_partial(frame: pl.DataFrame, filters: Filters, grain: Grain) -> pl.DataFrame:
    """Flag periods the date range covers only in part (a week cut by the range's
    start or end): their values are not comparable with full periods."""
    start = pl.col("period")
    end = start.dt.offset_by(queries.GRAIN_OFFSET[grain]) - pl.duration(days=1)
    partial = pl.lit(False)
    if filters.start is not None:
        partial = partial | (start < filters.start)
    if filters.end is not None:
        partial = partial | (end > filters.end)
    return frame.with_columns(partial=partial)


def breakdown_stats(
    reader: Reader, filters: Filters, source: kpis.Source, dimension: str
) -> pl.DataFrame:
    dim = queries.check_dimension(dimension)
    f = queries.apply_filters(queries.facts(reader, source, filters, (dim,)), filters, source)
    return reader.read(queries.stats(source, f, (dim,)))


def breakdown(reader: Reader, filters: Filters, key: str, dimension: str) -> pl.DataFrame:
    """One KPI by a dimension's values, best first.

    A value of the dimension (null included: surveys without a call) in which the KPI
    is not measured is kept, last, with NaN numbers and its ``reason``: "not
    measured" is a finding, and dropping the row would hide it.
    """
    kpi = kpis.get(key)
    est = kpis.estimates(
        breakdown_stats(reader, filters, kpi.source, dimension), (key,), (dimension,)
    )
    measured = pl.col("reason").is_null()
    value = pl.when(measured).then(pl.col("value"))  # NaN would sort as the largest
    return est.sort(
        [measured, value, pl.col(dimension)],
        descending=[True, kpi.higher_is_better, False],
        nulls_last=True,
    )


def not_measured(frame: pl.DataFrame) -> kpis.Reason | None:
    """The reason a KPI's rows (one KPI's trend or breakdown) have no value at all, or
    None when at least one row is measured; the most frequent reason when they differ
    (FCR: not captured in old weeks, too recent in the last one)."""
    if frame.is_empty():
        return "no_data"
    reasons = frame["reason"]
    if reasons.null_count():
        return None
    counts = reasons.value_counts(sort=True)
    return cast(kpis.Reason, counts[reasons.name][0])


def for_display(frame: pl.DataFrame, lang: Lang, dimension: str | None = None) -> pl.DataFrame:
    """Estimates ready for a table: a ``note`` with the reason in words where a KPI is
    not measured, whose numbers become empty cells (a NaN cell would read "NaN"); a
    ``dimension`` value that is missing (surveys without a linked call) named as such,
    as the chart names it, not "None"."""
    if dimension is not None:
        frame = frame.with_columns(pl.col(dimension).fill_null(t("chart.no_call", lang)))
    measured = pl.col("reason").is_null()
    texts = [
        None if r is None else kpis.not_measured_text(k, cast(kpis.Reason, r), lang)
        for k, r in frame.select("kpi", "reason").iter_rows()
    ]
    numbers = ("value", "low", "high", "se", "low_sample")
    return frame.with_columns(
        *(pl.when(measured).then(pl.col(c)).alias(c) for c in numbers if c in frame.columns),
        note=pl.Series(texts, dtype=pl.String),
    )


def dimension_values(
    reader: Reader, dimension: str, within: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> list[str]:
    """The distinct non-null values of a dimension, sorted (filter options): none when
    its table lacks the column. ``within``: (dimension, values) pairs of the same table
    that narrow the list (the agents of the chosen teams)."""
    dim = dimensions.get(dimension)
    rows = reader.table(dim.table)
    if dim.name not in rows.columns:
        return []
    # a day rollup that keeps the dimension (and the narrowing ones) has every value of
    # it in far fewer rows than the table; a reader without one reads the table
    chosen: dict[str, Any] = {dimensions.get(name).name: v for name, v in within}
    narrowed = Filters(**chosen)
    rolled = rollups.table_for(reader, dim.table, narrowed, (dim.name,))
    rows = rows if rolled is None else rolled
    for name, values in within:
        rows = rows.filter(rows[dimensions.get(name).name].isin(values))
    expr = rows.select(dim.name).filter(rows[dim.name].notnull()).distinct()
    return sorted(reader.read(expr)[dim.name].to_list())


def survey_types(reader: Reader, filters: Filters, linked: bool = False) -> dict[str, int]:
    """Answers per survey type (transactional, relational) in the filters, the
    surveys without a known type left out; ``linked``: only the answers whose call is
    in the data, as the pages that read them with their call (drivers, rankings) do."""
    answers = queries.answers(reader)  # kept at load: no join with every call
    if linked:
        answers = answers.filter(answers.linked)
    f = queries.apply_filters(answers.rename(at="responded_at"), filters, "surveys")
    f = f.filter(f.survey_type.notnull())
    counts = reader.read(f.group_by("survey_type").aggregate(n=f.count()))
    return {str(k): int(n) for k, n in counts.sort("survey_type").iter_rows()}


def data_range(reader: Reader) -> tuple[dt.date, dt.date] | None:
    """First and last day with calls or surveys, or None for an empty store."""
    return span(source_ranges(reader))


def source_ranges(reader: Reader) -> dict[dimensions.Source, tuple[dt.date, dt.date]]:
    """First and last day of each source that has rows (from the day rollups when
    current: every row is in one of their days, so the same dates without reading
    every call, 1.1 s of a cold start at 10M calls)."""
    found: dict[dimensions.Source, tuple[dt.date, dt.date]] = {}
    for source, column in (("calls", "started_at"), ("surveys", "responded_at")):
        rows = rollups.table_for(reader, source, Filters(), ())  # type: ignore[arg-type]
        if rows is None:
            rows = reader.table(source).rename(at=column)
        lo, hi = reader.read(rows.aggregate(lo=rows.at.min(), hi=rows.at.max())).row(0)
        if lo is not None:
            found[source] = (lo.date(), hi.date())  # type: ignore[index]
    return found


def span(
    ranges: dict[dimensions.Source, tuple[dt.date, dt.date]],
) -> tuple[dt.date, dt.date] | None:
    """The days from the first source's first to the last source's last (None: no rows)."""
    if not ranges:
        return None
    return min(lo for lo, _ in ranges.values()), max(hi for _, hi in ranges.values())


def outside(
    ranges: dict[dimensions.Source, tuple[dt.date, dt.date]], start: dt.date, end: dt.date
) -> dict[dimensions.Source, tuple[dt.date, dt.date]]:
    """The sources whose rows all fall before ``start`` or after ``end``: a page on that
    period shows none of them, though the store holds some."""
    return {s: (lo, hi) for s, (lo, hi) in ranges.items() if hi < start or lo > end}


def _by_source(keys: tuple[str, ...]) -> dict[kpis.Source, tuple[str, ...]]:
    out: dict[kpis.Source, tuple[str, ...]] = {}
    for key in keys:
        src = kpis.get(key).source
        out[src] = (*out.get(src, ()), key)
    return out


def _zero() -> defaultdict[str, None]:
    """A stats row for a window with no data: every statistic reads as zero."""
    return defaultdict(lambda: None)
