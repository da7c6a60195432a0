"""What one analysis of a process change compares: its settings, windows and units.

:class:`Settings` are the user's choices (metrics, window lengths, ramp-up, period
grain, control group, filters); :func:`windows` turns them and the data's dates into
the :class:`Windows` compared and :func:`choose_units` into the treated and control
:class:`Units`. :mod:`analytics.changes.analysis` runs the methods on them.

Periods are anchored on the change date (period k covers days ``k*L .. k*L + L - 1``
after it), so no period straddles the change. The ``month`` grain is therefore four
weeks, not a calendar month. Problems a user can cause (a change in the future, too
little data, an empty scope, a control group equal to the treated one) come back as
:class:`Problem` (an i18n key and its parameters), never as exceptions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from analytics import kpis, thresholds
from analytics.changes import cells
from analytics.changes.its import RECOMMENDED_PERIODS
from analytics.changes.registry import Change
from analytics.queries import Filters

PeriodGrain = Literal["week", "day", "month"]
GRAINS: tuple[PeriodGrain, ...] = ("week", "day", "month")
GRAIN_DAYS: dict[PeriodGrain, int] = {"day": 1, "week": 7, "month": 28}
METRICS: tuple[str, ...] = tuple(kpis.BY_KEY)
DEFAULT_METRICS = ("nps", "csat", "ces", "resolution", "aht", "asa")
DEFAULT_WEEKS = RECOMMENDED_PERIODS  # weekly periods: the time series is not short
MIN_WEEKS = 2  # per window: fewer full weeks cannot average out the weekly pattern
MAX_WEEKS = 52


@dataclass(frozen=True)
class Settings:
    """What to analyse and how. The default windows give the interrupted time series
    the 12 weekly periods a side that Wagner et al. (2002) recommend."""

    metrics: tuple[str, ...] = DEFAULT_METRICS
    weeks_before: int = DEFAULT_WEEKS
    weeks_after: int = DEFAULT_WEEKS
    ramp_weeks: int = 0
    grain: PeriodGrain = "week"
    control: tuple[str, ...] = ()  # unit labels; empty: every unit outside the scope
    # The sidebar's dimension filters; its dates are ignored (the change sets the windows).
    filters: Filters = field(default_factory=Filters)
    # The minimum meaningful change per metric (``thresholds.read``); unlisted: default.
    meaningful: tuple[tuple[str, float], ...] = ()

    def minimum(self, metric: str) -> float:
        """The minimum meaningful change of ``metric`` the verdict holds a change to."""
        return dict(self.meaningful).get(metric, thresholds.DEFAULTS[metric])

    def __post_init__(self) -> None:
        for m in self.metrics:
            kpis.get(m)
        if not self.metrics:
            raise ValueError("choose at least one metric")
        if self.grain not in GRAIN_DAYS:
            raise ValueError(f"unknown grain {self.grain!r}; expected one of {GRAINS}")
        for weeks in (self.weeks_before, self.weeks_after):
            if not 1 <= weeks <= MAX_WEEKS:
                raise ValueError(f"windows are 1 to {MAX_WEEKS} weeks; got {weeks}")
        if not 0 <= self.ramp_weeks <= MAX_WEEKS:
            raise ValueError(f"the ramp-up is 0 to {MAX_WEEKS} weeks; got {self.ramp_weeks}")
        for metric, value in self.meaningful:
            thresholds.check(metric, value)


@dataclass(frozen=True)
class Problem:
    """Something the user can fix, as an i18n key and its parameters (rendered by the UI)."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, key: str, **params: Any) -> Problem:
        return cls(key, tuple(params.items()))


@dataclass(frozen=True)
class Windows:
    """The inclusive date ranges compared; shorter than asked when the data ends first."""

    change_on: dt.date
    before: tuple[dt.date, dt.date]
    after: tuple[dt.date, dt.date]
    weeks_before: int
    weeks_after: int

    @property
    def span(self) -> tuple[dt.date, dt.date]:
        return self.before[0], self.after[1]

    def shortened(self, settings: Settings) -> bool:
        return (self.weeks_before, self.weeks_after) != (
            settings.weeks_before,
            settings.weeks_after,
        )


@dataclass(frozen=True)
class Units:
    """The treated and control units (labels of the scope's dimension values)."""

    dims: tuple[str, ...]
    treated: tuple[str, ...]
    control: tuple[str, ...]
    problem: Problem | None = None  # why there is no difference-in-differences


def windows(
    change: Change, settings: Settings, bounds: tuple[dt.date, dt.date] | None, today: dt.date
) -> Windows | Problem:
    """Whole-week windows before the change and after its ramp-up, cut to the data
    (and to the change's end, if it ended)."""
    start = change.started_on
    if start > today:
        return Problem.of("analysis.error.future", start=start)
    if bounds is None:
        return Problem.of("analysis.error.no_data")
    first, last = bounds
    after_start = start + dt.timedelta(weeks=settings.ramp_weeks)
    limit = min(last, change.ended_on or last)
    # Whole weeks only: a window ending mid-week over-weights some weekdays.
    after = min(settings.weeks_after, max((limit - after_start).days + 1, 0) // 7)
    before = min(settings.weeks_before, max((start - first).days, 0) // 7)
    if after < MIN_WEEKS:
        return Problem.of(
            "analysis.error.too_little_after", weeks=after, need=MIN_WEEKS, last=limit
        )
    if before < MIN_WEEKS:
        return Problem.of(
            "analysis.error.too_little_before", weeks=before, need=MIN_WEEKS, first=first
        )
    one = dt.timedelta(days=1)
    return Windows(
        start,
        (start - dt.timedelta(weeks=before), start - one),
        (after_start, after_start + dt.timedelta(weeks=after) - one),
        before,
        after,
    )


def empty_scope(change: Change) -> Problem:
    return Problem.of("analysis.error.empty_scope", scope=tuple(change.scope.items()))


def choose_units(
    change: Change, frames: Mapping[kpis.Source, pl.DataFrame], chosen: tuple[str, ...]
) -> Units:
    """Treated units, and the control: ``chosen`` or, by default, every other unit."""
    dims = cells.unit_dims(change)
    seen = pl.concat([f.select("unit", "treated") for f in frames.values()]).unique()
    treated = tuple(sorted(seen.filter(pl.col("treated"))["unit"]))
    others = tuple(sorted(seen.filter(~pl.col("treated"))["unit"]))
    problem = None
    if not dims:
        problem = Problem.of("analysis.did.no_scope")
    elif chosen and set(chosen) == set(treated):
        problem = Problem.of("analysis.did.control_is_treated")
    elif chosen and set(chosen) & set(treated):
        overlap = ", ".join(sorted(set(chosen) & set(treated)))
        problem = Problem.of("analysis.did.control_overlaps", units=overlap)
    control = tuple(u for u in others if u in set(chosen)) if chosen else others
    if problem is None and not control:
        problem = Problem.of("analysis.did.no_control")
    return Units(dims, treated, () if problem else control, problem)
