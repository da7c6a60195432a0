"""The read path of a change analysis: sufficient statistics per unit and day.

One Ibis aggregate per source (surveys, calls) over the analysis span, grouped by the
scope's dimensions and the day relative to the change; :func:`read_cells` labels each
row with its ``unit`` (the dimension values, joined), whether the change ``treated``
it, its ``window`` (before / ramp / after) and ``period``. Everything coarser - the
windows, the unit x period cells, the treated series - is a sum of these rows
(:func:`sum_stats`), because counts, sums and sums of squares add up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import ibis
import polars as pl

from analytics import kpis, queries
from analytics.changes import prepost, registry
from analytics.changes.registry import Change
from analytics.queries import Filters

# The registry names a scope by the plural of its call dimension ("queues"); checked
# against the dimension catalog at import.
SCOPE_DIMS = {k: queries.check_dimension(k.removesuffix("s")) for k in registry.SCOPE_FIELDS}
UNIT_SEP = " · "
KEYS = ("unit", "treated", "day", "window", "period")


def unit_dims(change: Change) -> tuple[str, ...]:
    """The call dimensions that define units: those the change's scope restricts."""
    return tuple(SCOPE_DIMS[k] for k in change.scope)


def unit_options(reader: queries.Reader, change: Change, filters: Filters) -> list[str]:
    """Every unit label in the calls (the choices for a hand-picked control group)."""
    dims = unit_dims(change)
    if not dims:
        return []
    calls = queries.apply_filters(reader.table("calls"), dimensions_only(filters), "calls")
    expr = calls.filter([calls[d].notnull() for d in dims]).select(*dims).distinct()
    frame = reader.read(expr).select(unit=_unit_expr(dims))
    return sorted(frame["unit"].to_list())


def read_cells(
    reader: queries.Reader,
    change: Change,
    filters: Filters,
    metrics: tuple[str, ...],
    span: tuple[dt.date, dt.date],
    ramp_days: int,
    period_days: int,
) -> dict[kpis.Source, pl.DataFrame]:
    """Sufficient statistics per unit and day of ``span`` for the sources of ``metrics``.

    ``day`` counts from the change's start (-1: the day before); ``window`` is
    'before' (day < 0), 'ramp' (day < ``ramp_days``) or 'after'; ``period`` is the
    first day of the ``period_days``-long period holding the day, anchored on the
    change so that no period straddles it.
    """
    dims = unit_dims(change)
    f_span = replace(dimensions_only(filters), start=span[0], end=span[1])
    epoch = (change.started_on - dt.date(1970, 1, 1)).days
    out: dict[kpis.Source, pl.DataFrame] = {}
    for source in dict.fromkeys(kpis.get(m).source for m in metrics):
        f = queries.apply_filters(queries.facts(reader, source, f_span, dims), f_span, source)
        if dims:  # surveys without a call cannot be placed in a queue or team
            f = f.filter([f[d].notnull() for d in dims])
        f = f.mutate(day=f.at.date().epoch_days() - ibis.literal(epoch))
        expr = queries.stats(source, f, (*dims, "day"))
        labelled = _label(reader.read(expr), change, dims, ramp_days, period_days)
        out[source] = labelled
    return out


def dimensions_only(f: Filters) -> Filters:
    """The sidebar's dimension filters without its dates (windows come from the change)."""
    return replace(f, start=None, end=None, compare="previous")  # every dimension kept


def _unit_expr(dims: tuple[str, ...]) -> pl.Expr:
    if not dims:
        return pl.lit("all")
    return pl.concat_str([pl.col(d).cast(pl.String) for d in dims], separator=UNIT_SEP)


def _label(
    stats: pl.DataFrame, change: Change, dims: tuple[str, ...], ramp_days: int, length: int
) -> pl.DataFrame:
    in_scope = [pl.col(SCOPE_DIMS[k]).is_in(list(v)) for k, v in change.scope.items()]
    day = pl.col("day").cast(pl.Int64)
    window = (
        pl.when(day < 0).then(pl.lit("before")).when(day < ramp_days).then(pl.lit("ramp"))
    ).otherwise(pl.lit("after"))
    return stats.with_columns(
        unit=_unit_expr(dims),
        treated=pl.all_horizontal(in_scope) if in_scope else pl.lit(True),
        window=window,
        # Floor division: day -1 falls in period -1, the last one before the change.
        period=pl.lit(change.started_on) + pl.duration(days=(day // length) * length),
    ).drop(*dims)


def sum_stats(frame: pl.DataFrame, by: tuple[str, ...]) -> pl.DataFrame:
    """Add up sufficient statistics by ``by`` (integers as Int64: Int32 sums overflow)."""
    stats = [c for c in frame.columns if c not in KEYS]
    exprs = [
        pl.col(c).cast(pl.Int64 if frame.schema[c].is_integer() else pl.Float64).sum()
        for c in stats
    ]
    return frame.group_by(list(by)).agg(exprs) if by else frame.select(exprs)


def estimates(
    frames: Mapping[kpis.Source, pl.DataFrame], by: tuple[str, ...], metrics: tuple[str, ...]
) -> pl.DataFrame:
    """Per-group estimates (``*by, kpi, value, low, high, se, n, low_sample``)."""
    parts = []
    for source, frame in frames.items():
        keys = tuple(m for m in metrics if kpis.get(m).source == source)
        if keys and not frame.is_empty():
            parts.append(kpis.estimates(sum_stats(frame, by), keys, by))
    return pl.concat(parts).sort(*by) if parts else pl.DataFrame()


def sufficient(metric: str, row: Mapping[str, Any]) -> prepost.Sufficient:
    """A stats row as the statistics :func:`changes.before_after` takes for ``metric``:
    the columns its catalog entry names (:attr:`analytics.kpis.Kpi.stat`)."""
    return kpis.get(metric).read(row)
