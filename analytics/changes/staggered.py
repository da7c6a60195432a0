"""Staggered roll-outs: Callaway and Sant'Anna (2021) group-time effects, and naive TWFE beside them.

A change that reaches one queue in March and the others in May is a *staggered*
roll-out. The usual two-way fixed-effects regression (``outcome ~ treated_now + unit +
period``) then compares late adopters with early adopters that are already treated; when
the effect grows or differs between cohorts, those "forbidden comparisons" enter with
negative weights and the estimate can be far from every true effect, even of the wrong
sign (Goodman-Bacon 2021). Callaway and Sant'Anna instead estimate one clean 2x2
difference-in-differences per cohort ``g`` (the units first treated in period ``g``) and
period ``t``, ATT(g, t), against units not treated by then, and average these:

- ``simple``: every post-treatment ATT(g, t), weighted by the cohort's size;
- ``group``: each cohort's average over its post periods, then averaged by cohort size;
- ``dynamic``: by event time ``e = t - g`` (the event study), and their mean for e >= 0.

What is implemented, as the R ``did`` package's defaults (``att_gt`` with ``xformla =
~1``, ``base_period = "varying"``, ``anticipation = 0``; ``aggte``):

- **Unconditional parallel trends**: no covariates. Without covariates the package's
  doubly robust, regression and IPW estimators are all the plain 2x2 difference of mean
  changes, computed here.
- **Varying base period**: a post-treatment cell compares period ``t`` with the last
  period before the cohort's start; a pre-treatment cell (a placebo) compares ``t`` with
  ``t - 1``, so pre-period estimates are short gaps, not cumulative.
- **Controls**: ``"never_treated"`` (units never treated) or ``"not_yet_treated"`` (also
  units whose start is after ``t``). Without never-treated units the last cohort
  serves as the control and periods from its start on are dropped, as the package does.
- **Balanced panels only**: one outcome per unit and period; anything else is refused.
- **Analytic standard errors** from the influence functions (the package's
  ``bstrap = FALSE``), not the multiplier bootstrap, with 95% pointwise normal
  intervals; the aggregations include the estimation of the cohort-size weights.

The inference (influence functions, aggregation, pre-trend test, TWFE) is
:mod:`analytics.changes.staggered_inference`. The tests reproduce the package's
published results on its minimum-wage panel (``mpdta``).

References
----------
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2), 200-230.
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    Journal of Econometrics 225(2), 254-277.
Callaway, B. and Sant'Anna, P. H. C. R package ``did``: ``att_gt``, ``aggte``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from analytics.changes import staggered_inference as inf
from analytics.compare import Difference
from analytics.frames import as_polars, require_columns

Control = Literal["never_treated", "not_yet_treated"]
# Below this many units the influence-function errors rest on too few draws.
FEW_UNITS = 30


@dataclass(frozen=True, eq=False)
class StaggeredResult:
    """Callaway and Sant'Anna estimates and the naive TWFE estimate beside them.

    ``table``: ``term, estimate, se, low, high, p`` with terms ``simple, group,
    dynamic`` (the overall aggregates). ``group_time``: one row per ATT(g, t), ``group,
    time, event_time, estimate, se, low, high, p, n_treated, n_control``; ``group`` and
    ``time`` are values of the time column (a cohort is named by its first treated
    period), ``event_time`` counts periods from it (negative before the start).
    ``by_group``: ``group, estimate, se, low, high, p``. ``dynamic``: ``e, estimate, se,
    low, high, p`` for every event time (e < 0 are placebo gaps).

    ``twfe`` is the two-way fixed-effects coefficient with errors clustered by unit.
    ``disagree`` is True when it lies outside the simple aggregate's interval
    (``disagree_reason = "twfe_outside_interval"``) or when the two have opposite signs
    and either is significant (``"opposite_sign"``). ``pre_trend_p`` is the Wald test
    that every pre-period ATT(g, t) is zero (NaN when there is none, or their
    covariance is singular). ``notes`` holds keys of what was done to the data:
    ``"always_treated_dropped"``, ``"treated_after_panel_as_never"``,
    ``"last_cohort_as_control"``.
    """

    table: pl.DataFrame
    group_time: pl.DataFrame
    by_group: pl.DataFrame
    dynamic: pl.DataFrame
    twfe: Difference
    disagree: bool
    disagree_reason: str | None
    control: Control
    n_units: int
    n_periods: int
    pre_trend_chi2: float
    pre_trend_p: float
    notes: tuple[str, ...] = ()

    @property
    def effect(self) -> Difference:
        """The simple aggregate, the overall ATT, as a :class:`Difference`."""
        row = self.table.filter(pl.col("term") == "simple").row(0, named=True)
        return Difference(row["estimate"], row["low"], row["high"], row["se"], row["p"])

    @property
    def few_units(self) -> bool:
        """Fewer than 30 units: the analytic errors are asymptotic, treat with caution."""
        return self.n_units < FEW_UNITS


@dataclass(frozen=True)
class Panel:
    """A balanced panel as arrays: ``y[i, k]`` is unit i's outcome in period k,
    ``cohort[i]`` the index of its first treated period (-1: never treated)."""

    y: np.ndarray
    cohort: np.ndarray
    periods: pl.Series
    notes: tuple[str, ...]


def staggered_did(
    df: Any,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    control: Control = "never_treated",
) -> StaggeredResult:
    """Callaway and Sant'Anna group-time effects of a staggered roll-out, aggregated.

    Parameters
    ----------
    df : polars or pandas DataFrame, one row per unit and period (a balanced panel).
    outcome : numeric outcome (a queue's weekly mean score, a county's log employment).
    unit : the unit the change was rolled out to (queue, team, region).
    time : the period: numbers (a year) or dates (a week's start), one per row.
    first_treated : the unit's first treated period, in the time column's units, the
        same on every row of a unit; 0 (or null) for units never treated. A start
        between two periods counts from the first period on or after it; a start after
        the last period means not treated within the data (a never-treated unit).
    control : ``"never_treated"`` or ``"not_yet_treated"``.

    Returns
    -------
    StaggeredResult

    Raises
    ------
    ValueError
        Missing columns, an unknown control, an unbalanced panel (a missing or null
        outcome counts as not observed), a start that changes within a unit, fewer
        than two periods, no cohort with a period before its start, no control units.

    References
    ----------
    Callaway and Sant'Anna (2021); R package ``did`` (``att_gt``, ``aggte``).
    """
    if control not in ("never_treated", "not_yet_treated"):
        raise ValueError(f"control must be 'never_treated' or 'not_yet_treated'; got {control!r}")
    panel = balanced_panel(df, outcome, unit, time, first_treated)
    y, cohort, notes = _without_never_treated(panel)
    cells = inf.group_time_cells(y, cohort, control == "not_yet_treated")
    if not cells.group.size:
        raise ValueError("no cohort has a period before its start: nothing to compare with")
    periods = panel.periods[: y.shape[1]]
    aggregates = inf.aggregate(cells, cohort)
    chi2, p = inf.pre_trend_wald(cells)
    twfe = inf.twfe(y, cohort)
    simple = aggregates.overall["simple"]
    disagree, reason = twfe_disagrees(simple, twfe)
    return StaggeredResult(
        table=inf.overall_table(aggregates.overall),
        group_time=_group_time_frame(cells, periods),
        by_group=_labelled(aggregates.by_group, "group", periods),
        dynamic=_labelled(aggregates.dynamic, "e", None),
        twfe=twfe,
        disagree=disagree,
        disagree_reason=reason,
        control=control,
        n_units=int(y.shape[0]),
        n_periods=int(y.shape[1]),
        pre_trend_chi2=chi2,
        pre_trend_p=p,
        notes=panel.notes + notes,
    )


def twfe_disagrees(simple: Difference, twfe: Difference) -> tuple[bool, str | None]:
    """Whether the naive TWFE estimate tells another story than the CS simple ATT.

    It does when it lies outside the simple aggregate's 95% interval, or when the two
    have opposite signs and at least one is significant (two noisy estimates either
    side of zero both say "no effect": they agree). Not comparable (NaN): False.
    """
    if any(np.isnan(v) for v in (simple.low, simple.high, twfe.estimate)):
        return False, None
    if np.sign(simple.estimate) * np.sign(twfe.estimate) < 0 and (
        simple.significant or twfe.significant
    ):
        return True, "opposite_sign"
    if not simple.low <= twfe.estimate <= simple.high:
        return True, "twfe_outside_interval"
    return False, None


def balanced_panel(df: Any, outcome: str, unit: str, time: str, first_treated: str) -> Panel:
    """The outcome as a units x periods matrix and each unit's cohort (see :class:`Panel`).

    Units treated in or before the first period are dropped (there is no period to
    compare them with), and starts after the last period become never treated, as the R
    ``did`` package does; ``notes`` says when either happened.
    """
    frame = as_polars(df)
    require_columns(frame, [outcome, unit, time, first_treated])
    data = frame.select(
        pl.col(unit),
        pl.col(time),
        pl.col(first_treated),
        pl.col(outcome).cast(pl.Float64),
    )
    if data[unit].null_count() or data[time].null_count():
        raise ValueError(f"{unit!r} and {time!r} must not be null")
    _check_balanced(data, outcome, unit, time)
    starts = data.group_by(unit).agg(pl.col(first_treated).n_unique().alias("n"))
    if (starts["n"] > 1).any():
        bad = starts.filter(pl.col("n") > 1)[unit].to_list()[:3]
        raise ValueError(
            f"{first_treated!r} must be the same on every row of a unit; it changes for "
            f"{', '.join(map(str, bad))}"
        )
    data = data.sort(unit, time)
    periods = data[time].unique().sort()
    n_periods = periods.len()
    if n_periods < 2:
        raise ValueError(f"a difference-in-differences needs two periods; found {n_periods}")
    y = data[outcome].to_numpy().reshape(-1, n_periods)
    first = data[first_treated].gather_every(n_periods)
    cohort, notes = _cohorts(first, periods)
    keep = cohort != 0
    return Panel(y[keep], cohort[keep], periods, notes)


def _check_balanced(data: pl.DataFrame, outcome: str, unit: str, time: str) -> None:
    observed = data.filter(pl.col(outcome).is_not_null() & pl.col(outcome).is_not_nan())
    n_units, n_periods = data[unit].n_unique(), data[time].n_unique()
    if data.select(pl.struct(unit, time).is_duplicated().any()).item():
        raise ValueError(
            f"expected one row per {unit!r} and {time!r}; some {unit} have two rows "
            "for a period (aggregate them to the period first)"
        )
    if observed.height == n_units * n_periods:
        return
    counts = observed.group_by(unit).len()
    short = n_units - counts.filter(pl.col("len") == n_periods).height
    raise ValueError(
        f"staggered_did needs a balanced panel: every {unit} with a {outcome} in each of "
        f"the {n_periods} periods; {short} of {n_units} {unit} miss some (a null or NaN "
        f"{outcome} counts as missing). Restrict to units and periods observed throughout."
    )


def _cohorts(first: pl.Series, periods: pl.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Index of each unit's first treated period (-1 never; 0 treated from the start)."""
    if periods.dtype.is_temporal():
        if first.dtype.is_numeric():
            if (first.fill_null(0) != 0).any():
                raise ValueError("with a date time column, the first treated period must be a date")
            first = pl.Series(first.name, [None] * first.len(), dtype=periods.dtype)
        start = first.cast(periods.dtype).cast(pl.Int64).to_numpy().astype(float)
        grid = periods.cast(pl.Int64).to_numpy().astype(float)
        never = np.isnan(start)
    elif periods.dtype.is_numeric():
        start = first.cast(pl.Float64).fill_null(0).to_numpy()
        grid = periods.cast(pl.Float64).to_numpy()
        never = start == 0
    else:
        raise ValueError(f"the time column must hold numbers or dates; got {periods.dtype}")
    after = ~never & (start > grid[-1])
    index = np.searchsorted(grid, np.where(never | after, grid[-1], start), side="left")
    cohort = np.where(never | after, -1, index)
    notes = (("treated_after_panel_as_never",) if after.any() else ()) + (
        ("always_treated_dropped",) if (cohort == 0).any() else ()
    )
    return cohort.astype(np.int64), notes


def _without_never_treated(panel: Panel) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Without never-treated units, the last cohort is the control and periods from its
    start on are dropped (no unit is untreated there); as in the R package, for either
    control, the last cohort then has no ATT of its own."""
    y, cohort = panel.y, panel.cohort
    if (cohort == -1).any():
        return y, cohort, ()
    if not cohort.size:
        raise ValueError("no units left: every unit was treated from the first period on")
    last = int(cohort.max())
    cohort = np.where(cohort == last, -1, cohort)
    if last < 2 or not (cohort >= 0).any():
        raise ValueError(
            "no never-treated units, and too few periods before the last cohort's start "
            "to use it as the control"
        )
    return y[:, :last], cohort, ("last_cohort_as_control",)


def _group_time_frame(cells: inf.Cells, periods: pl.Series) -> pl.DataFrame:
    est = inf.with_inference(cells.estimate, cells.se)
    return pl.DataFrame(
        {
            "group": periods.gather(cells.group),
            "time": periods.gather(cells.time),
            "event_time": cells.time - cells.group,
            **est,
            "n_treated": cells.n_treated,
            "n_control": cells.n_control,
        }
    ).with_columns(pl.col("event_time", "n_treated", "n_control").cast(pl.Int64))


def _labelled(frame: pl.DataFrame, key: str, periods: pl.Series | None) -> pl.DataFrame:
    """Aggregation rows keyed by period index: name a cohort by its period's value."""
    if periods is None:
        return frame.with_columns(pl.col(key).cast(pl.Int64))
    return frame.with_columns(periods.gather(frame[key].cast(pl.Int64)).alias(key))
