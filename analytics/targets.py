"""Targets per KPI: the value a KPI should reach, for the whole center or one segment,
from a date on (table ``targets``, store version 11).

A target is in the KPI's display unit, as its tiles show it: NPS points (-100..100),
percent for rates (0..100), seconds for durations, points of the scale for means
(CSAT mean 1..5, CES 1..7). It holds from ``valid_from`` until the next target of the
same KPI and scope starts, so that a new target for next quarter does not rewrite how
last quarter is judged.

Which target holds for a view (:func:`for_scope`): the scope's own when the filters
pick exactly one value of a dimension that has a target for it (an agent's before its
team's: the later catalog dimension, the finer one, first), else the whole center's.
A breakdown's bar is held against its segment's target, else the center's
(:func:`for_segment`).

A :class:`Gap` says how far a measured value is from its target, whether it is on the
good side (``meets``; exactly on target meets) and whether the estimate's whole 95%
interval is on that side (``sure``): a gap inside the interval's noise is not coloured
as a miss. A KPI that is not measured has no gap: "not measured" stays so.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace

import polars as pl

from analytics import access, audit, dimensions, kpis
from analytics.changes.formatting import change_text, decimals
from analytics.i18n import Lang, day, kpi_value, number, t
from analytics.metrics import Estimate
from analytics.queries import Filters
from analytics.settings import Invalid
from analytics.store import Store

#: The values a target can take, per unit (durations: up to four hours, longer than any
#: handle-time target; a larger number is a typo, minutes typed as seconds at worst).
RANGES: dict[kpis.Unit, tuple[float, float]] = {
    "points": (-100.0, 100.0),
    "percent": (0.0, 100.0),
    "seconds": (0.0, 4 * 3600.0),
    "score": (1.0, 7.0),
}
#: Scores whose scale is not the widest one.
SCALES: dict[str, tuple[float, float]] = {"csat_mean": (1.0, 5.0), "ces": (1.0, 7.0)}


@dataclass(frozen=True)
class Target:
    """``target`` for ``kpi`` from ``valid_from`` on; ``dimension``/``segment`` None =
    the whole center, else one value of a catalog dimension (``region`` = "North")."""

    kpi: str
    target: float
    valid_from: dt.date
    dimension: str | None = None
    segment: str | None = None
    target_id: int | None = None

    @property
    def center(self) -> bool:
        return self.dimension is None


def bounds(kpi: str) -> tuple[float, float]:
    """The lowest and highest value ``kpi`` can take, in its display unit."""
    return SCALES.get(kpi, RANGES[kpis.get(kpi).unit])


def check(target: Target) -> Target:
    """``target`` tidied (segment stripped, value a float), or :class:`Invalid` saying
    what is wrong with it."""
    if target.kpi not in kpis.BY_KEY:
        raise Invalid("targets.error.kpi", kpi=str(target.kpi))
    dimension = target.dimension or None
    segment = (target.segment or "").strip() or None
    if dimension is not None:
        if dimension not in dimensions.BY_NAME:
            raise Invalid("targets.error.dimension", dimension=str(dimension))
        if not dimensions.get(dimension).applies_to(kpis.get(target.kpi).source):
            raise Invalid("targets.error.not_applied")
        if segment is None:
            raise Invalid("targets.error.segment_missing")
    elif segment is not None:
        raise Invalid("targets.error.segment_alone")
    value = target.target
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid("targets.error.number")
    low, high = bounds(target.kpi)
    if not low <= value <= high:
        unit = kpis.get(target.kpi).unit
        raise Invalid(f"targets.error.range.{unit}", low=low, high=high)
    if not isinstance(target.valid_from, dt.date):
        raise Invalid("targets.error.date")
    return replace(target, dimension=dimension, segment=segment, target=float(value))


# -- the store -------------------------------------------------------------------------------


def read(store: Store) -> list[Target]:
    """Every stored target, by KPI, the center's first, oldest first; a row that no
    longer passes :func:`check` (a hand edit) is left out rather than break a page."""
    rows = (
        store.cursor()
        .execute(
            "select target_id, kpi, dimension, segment, target, valid_from from targets"
            " order by kpi, dimension nulls first, segment, valid_from, target_id"
        )
        .fetchall()
    )
    out = []
    for target_id, kpi, dimension, segment, value, valid_from in rows:
        try:
            out.append(check(Target(kpi, value, valid_from, dimension, segment, target_id)))
        except Invalid:
            continue
    return out


def save(store: Store, target: Target, by: str | None = None) -> Target:
    """Insert ``target``, or update the stored one when ``target_id`` is set; returns it
    with its id. A second target for the same KPI, scope and start date is refused
    (:class:`Invalid`), not stored beside the first; an unknown id is a KeyError."""
    actor = access.require(store, "targets")
    t = check(target)
    with store.transaction() as cur:
        clash = cur.execute(
            "select 1 from targets where kpi = ? and dimension is not distinct from ?"
            " and segment is not distinct from ? and valid_from = ?"
            " and target_id is distinct from ?",
            [t.kpi, t.dimension, t.segment, t.valid_from, t.target_id],
        ).fetchone()
        if clash is not None:
            raise Invalid("targets.error.duplicate")
        values = [t.kpi, t.dimension, t.segment, t.target, t.valid_from, by or actor.user]
        after = {k: v for k, v in asdict(t).items() if k != "target_id"}
        if t.target_id is None:
            row = cur.execute(
                "insert into targets (kpi, dimension, segment, target, valid_from, updated_by)"
                " values (?, ?, ?, ?, ?, ?) returning target_id",
                values,
            ).fetchone()
            assert row is not None  # insert ... returning gives the new row
            audit.record(cur, actor, "targets.create", row[0], None, after)
            return replace(t, target_id=int(row[0]))
        before = audit.row(cur, _ONE, [t.target_id])
        row = cur.execute(
            "update targets set kpi = ?, dimension = ?, segment = ?, target = ?,"
            " valid_from = ?, updated_by = ?, updated_at = current_timestamp"
            " where target_id = ? returning target_id",
            [*values, t.target_id],
        ).fetchone()
        if row is None:
            raise KeyError(f"no target with id {t.target_id}")
        audit.record(cur, actor, "targets.edit", t.target_id, before, after)
    return t


def delete(store: Store, target_id: int) -> None:
    """Remove one target (an unknown id is a KeyError)."""
    actor = access.require(store, "targets")
    with store.transaction() as cur:
        before = audit.row(cur, _ONE, [target_id])
        row = cur.execute(
            "delete from targets where target_id = ? returning target_id", [target_id]
        ).fetchone()
        if row is None:
            raise KeyError(f"no target with id {target_id}")
        audit.record(cur, actor, "targets.delete", target_id, before, None)


_ONE = "select kpi, dimension, segment, target, valid_from from targets where target_id = ?"


def version(store: Store) -> str:
    """Changes whenever a target is added, edited or deleted (for caches)."""
    query = "select count(*), max(target_id), max(updated_at) from targets"
    return repr(store.cursor().execute(query).fetchone())


# -- which target holds ----------------------------------------------------------------------


def _holding(
    targets: Iterable[Target], kpi: str, dimension: str | None, segment: str | None, on: dt.date
) -> Target | None:
    """The target of exactly this KPI and scope that holds on ``on``: the latest start
    on or before it."""
    found = [
        x
        for x in targets
        if x.kpi == kpi and x.dimension == dimension and x.segment == segment and x.valid_from <= on
    ]
    return max(found, key=lambda x: x.valid_from) if found else None


def for_scope(targets: Iterable[Target], kpi: str, filters: Filters, on: dt.date) -> Target | None:
    """The target that holds on ``on`` for the view the ``filters`` select.

    Rule: for each dimension that filters the KPI's source, finest first (reverse
    catalog order: agent, team, segment, product, queue, channel, region), when the
    filters pick exactly one value and that value has a target, it is the one; else
    the whole center's (also when several values of a dimension are picked: no
    segment's target is the target of their sum).
    """
    held = list(targets)
    source = kpis.get(kpi).source
    for dim in reversed(dimensions.CATALOG):
        picked: tuple[str, ...] = getattr(filters, dim.name)
        if len(picked) == 1 and dim.applies_to(source):
            found = _holding(held, kpi, dim.name, picked[0], on)
            if found is not None:
                return found
    return _holding(held, kpi, None, None, on)


def for_segment(
    targets: Iterable[Target], kpi: str, dimension: str, segment: str | None, on: dt.date
) -> Target | None:
    """The segment's target on ``on``, falling back to the whole center's."""
    held = list(targets)
    own = None if segment is None else _holding(held, kpi, dimension, segment, on)
    return own if own is not None else _holding(held, kpi, None, None, on)


def steps(
    targets: Iterable[Target], kpi: str, filters: Filters, periods: Sequence[dt.date]
) -> list[float | None]:
    """Per period, the target holding on its first day (None: no target yet), for a
    trend's step line."""
    held = list(targets)
    out: list[float | None] = []
    for start in periods:
        found = for_scope(held, kpi, filters, start)
        out.append(None if found is None else found.target)
    return out


# -- the gap -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A measured value against its target: ``gap`` = value - target in the KPI's unit;
    ``meets``: on the good side (exactly on target meets); ``sure``: the whole 95%
    interval lies on that same side."""

    target: Target
    gap: float
    meets: bool
    sure: bool


def gap(kpi: str, estimate: Estimate, target: Target | None) -> Gap | None:
    """``estimate`` against ``target``; None without a target or a measured value."""
    if target is None or math.isnan(estimate.value):
        return None
    goal = target.target
    diff = estimate.value - goal
    if kpis.get(kpi).higher_is_better:
        meets = diff >= 0
        sure = estimate.low >= goal if meets else estimate.high < goal
    else:
        meets = diff <= 0
        sure = estimate.high <= goal if meets else estimate.low > goal
    return Gap(target, diff, meets, bool(sure))  # NaN bounds compare False: not sure


def against(
    frame: pl.DataFrame, kpi: str, dimension: str, targets: Iterable[Target], on: dt.date
) -> pl.DataFrame:
    """A breakdown (``overview.breakdown``) with each segment's target (its own, else
    the center's), the gap, ``meets`` and ``sure``; nulls where there is no target or
    no measured value."""
    held = list(targets)
    rows = []
    columns = (dimension, "value", "low", "high", "se", "n")
    for seg, *numbers, n in frame.select(columns).rows():
        value, low, high, se = (math.nan if v is None else float(v) for v in numbers)
        target = for_segment(held, kpi, dimension, seg, on)
        g = gap(kpi, Estimate(value, low, high, se, int(n or 0)), target)
        rows.append(
            (
                None if target is None else target.target,
                None if target is None or target.center else target.segment,
                None if g is None else g.gap,
                None if g is None else g.meets,
                None if g is None else g.sure,
            )
        )
    names = ("target", "target_segment", "gap", "meets", "sure")
    types = (pl.Float64, pl.String, pl.Float64, pl.Boolean, pl.Boolean)
    return frame.with_columns(
        pl.Series(name, [r[i] for r in rows], dtype=dtype)
        for i, (name, dtype) in enumerate(zip(names, types, strict=True))
    )


# -- in words (the overview's tiles and the weekly review say a gap alike) -------------------


def scope_text(target: Target, lang: Lang) -> str:
    """Whose target it is: "Whole center", "Region: North"."""
    if target.dimension is None:
        return t("targets.scope.center", lang)
    return f"{t(f'dim.{target.dimension}', lang)}: {target.segment}"


def target_text(kpi: str, value: float, lang: Lang) -> str:
    """A target as people set it: 35, 80%, 5.5, 0:20 (no ".0" a tile has no room for)."""
    unit = kpis.get(kpi).unit
    if unit == "seconds" or not float(value).is_integer():
        return kpi_value(unit, value, lang)
    whole = number(value, lang, 0)
    return t("targets.percent", lang, value=whole) if unit == "percent" else whole


def gap_text(kpi: str, gap: Gap, lang: Lang) -> str:
    """The gap in a tile's words, without colour: "Target 35 · -3.2", "Target 80% ·
    +1.5 pp", "Target 0:20 · on target": signed, in the KPI's unit (rates in points),
    short enough for a quarter-width tile in Spanish too (the help says it in words)."""
    target = target_text(kpi, gap.target.target, lang)
    if gap.gap == 0:
        return t("targets.tile.on", lang, target=target)
    signed = change_text(kpi, gap.gap, lang, decimals(kpi, gap.gap))
    return t("targets.tile", lang, target=target, gap=signed)


def help_text(kpi: str, gap: Gap | None, lang: Lang) -> str:
    """The target, whose it is and from when, and what the 95% interval says of the
    gap ("" without a gap)."""
    if gap is None:
        return ""
    target = gap.target
    text = t(
        "targets.help",
        lang,
        target=target_text(kpi, target.target, lang),
        scope=scope_text(target, lang),
        since=day(target.valid_from, lang),
    )
    side = "on" if gap.gap == 0 else "above" if gap.gap > 0 else "below"
    size = change_text(kpi, abs(gap.gap), lang, decimals(kpi, gap.gap), sign=False)
    verdict = ("meets" if gap.meets else "misses") + (".sure" if gap.sure else ".unsure")
    sentences = (
        text,
        t(f"targets.help.{side}", lang, gap=size),
        t(f"targets.help.{verdict}", lang),
    )
    return " ".join(sentences)
