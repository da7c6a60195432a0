"""Every method side by side: the structural counterfactual and the staggered roll-out
beside before/after, ITS and DiD, and which of them this design lets us trust most.

:mod:`analytics.changes.analysis` runs before/after, the interrupted time series and
difference-in-differences; this module adds, on the same cells:

- **structural counterfactual** (:func:`analytics.changes.structural_impact`): the
  changed group's weekly series predicted from the untouched units' (the control
  group), fitted before the change. Weekly whatever the page's grain (a daily fit took
  0.2-0.5 s per metric on the 1M-call store, a weekly one 0.05 s), with at most
  :data:`MAX_CONTROLS` controls, the complete ones most correlated with the changed
  series before the change (each control costs a pre period). A drifting level cannot
  be learned from the 12 weeks the default windows give: below 20 measured weeks the
  model is the regression on the controls with a fixed level (OLS prediction
  intervals), from 20 on a local level. In the placebo sweep (``python -m bench changes
  --placebo``: 1,320 changes that never happened) the fixed level called 5.4%
  significant; the local level 0.0%, its intervals resting on the drift's prior and so
  wide that the demo's planted 20-second cut in billing's wait went unconfirmed on a
  20,000-call store;
- **staggered roll-out** (:func:`analytics.changes.staggered_did`): with a roll-out
  schedule (a start per queue, region or team), Callaway and Sant'Anna group-time
  effects over the balanced unit x week panel, against never-treated units (or
  not-yet-treated ones when every unit is treated in the end). With fewer than 30
  units the interval and p-value shown and weighed use Student's t with G - 1 degrees
  of freedom (G units), the usual few-clusters correction (Cameron and Miller 2015),
  and the page says so.

Each method enters the verdict as a :class:`~analytics.changes.verdicts.Finding`: the
table's row, the verdict and the summary read the same object, so a row's number,
interval, p-value and sentence come from one computation.

:func:`trust` names the method this design lets us trust most, and why: staggered when
the roll-out dates differ (one start date misplaces the later units), DiD when clean
controls exist and its test can answer, the structural counterfactual when controls
exist but DiD cannot answer (too few units) or its pre-trends are not parallel, ITS
when there is no control, and never before/after alone (it cannot separate the change
from anything else that moved at the same time).

References
----------
Brodersen, K. H. et al. (2015). Inferring causal impact using Bayesian structural
    time-series models. Annals of Applied Statistics 9(1), 247-274.
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple
    time periods. Journal of Econometrics 225(2), 200-230.
Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. Journal of Human Resources 50(2), 317-372.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import polars as pl
from scipy import stats

from analytics import kpis
from analytics.changes import cells
from analytics.changes.design import Problem, Units, Windows
from analytics.changes.registry import Change
from analytics.changes.staggered import Control, StaggeredResult, staggered_did
from analytics.changes.structural import FEW_PRE, StructuralResult, structural_impact
from analytics.changes.structural_model import Trend
from analytics.changes.verdicts import Finding
from analytics.compare import Difference

if TYPE_CHECKING:
    from analytics.changes.analysis import Analysis, MetricResult

METHODS = ("before_after", "its", "did", "structural", "staggered")
MAX_CONTROLS = 3
WEEK = 7
FEW_UNITS = 30  # as analytics.changes.staggered.FEW_UNITS


@dataclass(frozen=True)
class Trust:
    """The method the verdict trusts most for this design (None: none alone) and why:
    the last part of a ``methods.trust.*`` i18n key."""

    method: str | None
    reason: str


@dataclass(frozen=True)
class Row:
    """One method's line in the side-by-side table: its finding (None: it did not run,
    ``problem`` says why), whether it is the trusted one and how it compares with it:
    ``agreement`` is ``trusted``, ``agrees``, ``differs`` (one significant, the other
    not), ``opposite`` (significant both ways), ``cannot_answer`` (randomization over
    too few units) or ``none`` (nothing to compare)."""

    method: str
    finding: Finding | None
    problem: Problem | None
    trusted: bool
    agreement: str


# -- the weekly cells ---------------------------------------------------------------------


def weekly_cells(
    frames: Mapping[kpis.Source, pl.DataFrame], change_on: dt.date, metrics: tuple[str, ...]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The changed group's weekly series and every unit's weekly cells, with weeks
    anchored on the change (``period``: the week's first day) whatever the page's grain.

    Returns ``(series, units)``: ``period, window, kpi, value, se, n`` for the changed
    group, and ``unit, treated, period, window, kpi, value, se, n`` per unit.
    """
    week = {
        s: f.with_columns(
            period=pl.lit(change_on)
            + pl.duration(days=(pl.col("day").cast(pl.Int64) // WEEK) * WEEK)
        )
        for s, f in frames.items()
    }
    treated = {s: f.filter(pl.col("treated")) for s, f in week.items()}
    series = cells.estimates(treated, ("period", "window"), metrics)
    units = cells.estimates(week, ("unit", "treated", "period", "window"), metrics)
    return series, units


def _weeks(win: Windows) -> pl.Series:
    """Every week of the span, none left out (a week without data is a null row)."""
    first = win.change_on - dt.timedelta(weeks=win.weeks_before)
    return pl.date_range(first, win.after[1], dt.timedelta(days=WEEK), eager=True).alias("period")


def _usable(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter((pl.col("n") > 0) & pl.col("value").is_not_nan())


# -- structural counterfactual ----------------------------------------------------------------


def structural(
    metric: str, series: pl.DataFrame, units: pl.DataFrame, control: Units, win: Windows
) -> StructuralResult | Problem:
    """The changed group's weekly series against a counterfactual from the controls."""
    if control.problem is not None or not control.control:
        return control.problem or Problem.of("analysis.did.no_control")
    weeks = pl.DataFrame(_weeks(win))
    own = _usable(series.filter((pl.col("kpi") == metric) & (pl.col("window") != "ramp")))
    frame = weeks.join(own.select("period", y="value"), on="period", how="left")
    wide = _usable(
        units.filter((pl.col("kpi") == metric) & pl.col("unit").is_in(control.control))
    ).pivot(on="unit", index="period", values="value", aggregate_function="first")
    frame = frame.join(wide, on="period", how="left")
    chosen = _controls(frame, [c for c in wide.columns if c not in ("period", "y")], win.change_on)
    if not chosen:
        return Problem.of("methods.structural.no_complete_control")
    measured = frame.filter(pl.col("period") < win.change_on)["y"].drop_nulls().len()
    trend: Trend = "local_level" if measured >= FEW_PRE else "fixed_level"
    try:
        return structural_impact(
            frame.select("period", "y", *chosen), "period", "y", win.after[0],
            controls=tuple(chosen), trend=trend, seasonal=None,
        )  # fmt: skip
    except ValueError as exc:
        return Problem.of("analysis.method_failed", detail=str(exc))


def _controls(frame: pl.DataFrame, candidates: list[str], change_on: dt.date) -> list[str]:
    """Up to :data:`MAX_CONTROLS` control series measured in every week that vary
    before the change, the most correlated with the changed series there first."""
    pre = frame.filter(pl.col("period") < change_on)
    scored = []
    for c in candidates:
        values = frame[c]
        if values.null_count() or not values.is_finite().all() or pre[c].std() in (None, 0.0):
            continue
        both = pre.select("y", c).drop_nulls()
        r = both.select(pl.corr("y", c)).item() if both.height > 2 else None
        r = 0.0 if r is None or not math.isfinite(r) else abs(r)
        scored.append((-r, c))
    return [c for _, c in sorted(scored)[:MAX_CONTROLS]]


# -- staggered roll-out ------------------------------------------------------------------------


def starts(
    change: Change, dims: tuple[str, ...], labels: list[str], rollout: pl.DataFrame | None
) -> dict[str, dt.date] | Problem:
    """Each unit's start: its roll-out date (the latest of its dimension values' rows,
    as the change reaches a unit when all of them have it), else the change's start
    for a unit in the change's scope; units neither scheduled nor in scope are absent
    (never treated). ``rollout``: ``dimension, unit, started_on``; a dimension is a
    scope field (``queues``) or a call dimension (``queue``)."""
    if rollout is None or rollout.is_empty():
        return Problem.of("methods.staggered.no_rollout")
    wanted = {d: i for i, d in enumerate(dims)}
    by_dim: dict[int, dict[str, dt.date]] = {}
    for r in rollout.iter_rows(named=True):
        dim = str(r["dimension"])
        dim = cells.SCOPE_DIMS.get(dim, dim)
        if dim in wanted and r["started_on"] is not None:
            by_dim.setdefault(wanted[dim], {})[str(r["unit"])] = r["started_on"]
    if not by_dim:
        return Problem.of("methods.staggered.other_dimension")
    out: dict[str, dt.date] = {}
    for label in labels:
        parts = label.split(cells.UNIT_SEP)
        found = [by_dim[i][parts[i]] for i in by_dim if i < len(parts) and parts[i] in by_dim[i]]
        if found:
            out[label] = max(found)
    return out


def staggered(
    metric: str, units: pl.DataFrame, change: Change, chosen: Units | None,
    rollout: pl.DataFrame | None,
) -> StaggeredResult | Problem:  # fmt: skip
    """Callaway and Sant'Anna on the balanced unit x week panel of ``metric``: the
    changed units, the control group (the user's choice, if any) and the scheduled
    units."""
    own = units.filter((pl.col("kpi") == metric) & (pl.col("window") != "ramp"))
    if own.is_empty():
        return Problem.of("methods.staggered.no_panel")
    dims = chosen.dims if chosen is not None else ()
    scheduled = starts(change, dims, sorted(set(own["unit"])), rollout)
    if isinstance(scheduled, Problem):
        return scheduled
    if chosen is not None:
        keep = {*chosen.treated, *chosen.control, *scheduled}
        own = own.filter(pl.col("unit").is_in(sorted(keep)))
    in_scope = set(own.filter(pl.col("treated"))["unit"])
    first = {u: change.started_on for u in in_scope} | scheduled
    periods = own["period"].n_unique()
    complete = _usable(own).group_by("unit").agg(pl.len()).filter(pl.col("len") == periods)
    panel = _usable(own).filter(pl.col("unit").is_in(complete["unit"].implode()))
    if panel.is_empty():
        return Problem.of("methods.staggered.no_panel")
    starts_of = pl.DataFrame(
        {"unit": list(first), "first": list(first.values())},
        schema={"unit": pl.String, "first": pl.Date},
    )
    panel = panel.join(starts_of, on="unit", how="left")
    never = panel.filter(pl.col("first").is_null() | (pl.col("first") > pl.col("period").max()))
    control: Control = "never_treated" if not never.is_empty() else "not_yet_treated"
    try:
        return staggered_did(panel, "value", "unit", "period", "first", control=control)
    except ValueError as exc:
        return Problem.of("analysis.method_failed", detail=str(exc))


def small_sample(effect: Difference, n_units: int) -> Difference:
    """The interval and p-value with Student's t on G - 1 degrees of freedom when the
    panel has fewer than :data:`FEW_UNITS` units (as is: the normal ones otherwise)."""
    if n_units >= FEW_UNITS or n_units < 2 or not math.isfinite(effect.se) or effect.se <= 0:
        return effect
    df = n_units - 1
    crit = float(stats.t.ppf(0.975, df))
    p = float(2 * stats.t.sf(abs(effect.estimate / effect.se), df))
    half = crit * effect.se
    return Difference(effect.estimate, effect.estimate - half, effect.estimate + half, effect.se, p)


def staggered_effect(result: StaggeredResult) -> Difference:
    """The overall ATT as shown and weighed (see :func:`small_sample`)."""
    return small_sample(result.effect, result.n_units)


def rollout_dates_differ(result: StaggeredResult) -> bool:
    """More than one cohort: the units really started on different dates."""
    return result.group_time["group"].n_unique() > 1


def with_rollout(analysis: Analysis, rollout: pl.DataFrame | None) -> Analysis:
    """``analysis`` with the staggered roll-out estimated for every metric (cheap: the
    weekly panel is kept), or as it is without a schedule. The app caches the analysis
    and adds the schedule, read separately, with this."""
    if rollout is None or rollout.is_empty() or analysis.weekly is None:
        return analysis
    results = []
    for r in analysis.results:
        if r.not_measured is not None:
            results.append(r)
            continue
        out = staggered(r.metric, analysis.weekly, analysis.change, analysis.units, rollout)
        if isinstance(out, Problem):
            results.append(replace(r, problems={**r.problems, "staggered": out}))
        else:
            results.append(replace(r, staggered=out))
    return replace(analysis, results=tuple(results))


# -- findings, trust and the table ----------------------------------------------------------------


def extra_findings(result: MetricResult) -> list[Finding]:
    """The structural and staggered findings of one metric (those that ran)."""
    out = []
    if result.structural is not None:
        out.append(_finding("structural", result.structural.effect))
    if result.staggered is not None:
        out.append(_finding("staggered", staggered_effect(result.staggered)))
    return out


def _finding(method: Any, d: Difference) -> Finding:
    return Finding(method, d.estimate, d.low, d.high, d.p)


def trust(analysis: Analysis, metric: str) -> Trust | None:
    """The method this design lets us trust most for ``metric``, and why (None: no
    method has numbers)."""
    result = analysis[metric]
    found: dict[str, Finding] = {f.method: f for f in analysis.findings(metric)}
    if not found:
        return None
    if result.staggered is not None and rollout_dates_differ(result.staggered):
        return Trust("staggered", "rollout_dates_differ")
    did, trend = found.get("did"), result.pre_trend
    parallel = trend is None or trend.parallel
    if did is not None and did.can_show_a_change and parallel:
        return Trust("did", "clean_controls")
    if "structural" in found:
        reason = "few_units" if did is not None and parallel else "controls"
        return Trust("structural", "not_parallel" if not parallel else reason)
    if did is not None and did.can_show_a_change:
        return Trust("did", "did_only")
    if "its" in found:
        return Trust("its", "no_control")
    if "staggered" in found:
        return Trust("staggered", "one_date")
    return Trust(None, "before_after_alone")


def ordered(findings: list[Finding], trusted: Trust | None) -> list[Finding]:
    """The trusted method's finding first (the verdict quotes the first significant
    one), the others in :data:`METHODS` order."""
    first = trusted.method if trusted else None
    return sorted(findings, key=lambda f: (f.method != first, METHODS.index(f.method)))


def rows(analysis: Analysis, metric: str) -> list[Row]:
    """One row per method, in :data:`METHODS` order: its finding as the verdict weighs
    it, or the problem that kept it from running, and its agreement with the trusted one."""
    result = analysis[metric]
    found: dict[str, Finding] = {f.method: f for f in analysis.findings(metric)}
    trusted = trust(analysis, metric)
    head = found.get(trusted.method) if trusted and trusted.method else None
    out = []
    for method in METHODS:
        f = found.get(method)
        problem = None if f is not None else _why_not(analysis, result, method)
        is_trusted = f is not None and f is head
        out.append(Row(method, f, problem, is_trusted, _agreement(f, head, is_trusted)))
    return out


def _agreement(f: Finding | None, head: Finding | None, is_trusted: bool) -> str:
    if f is None or head is None:
        return "none"
    if is_trusted:
        return "trusted"
    if not f.can_show_a_change:
        return "cannot_answer"
    if f.sign == head.sign == 0:  # opposite estimates can both show no change
        return "neither"
    if f.sign == head.sign:
        return "agrees"
    return "opposite" if f.sign * head.sign < 0 else "differs"


def _why_not(analysis: Analysis, result: MetricResult, method: str) -> Problem:
    if result.not_measured is not None:
        return Problem.of("methods.not_measured")
    if method == "before_after":
        return Problem.of("analysis.before_after.none")
    if method in result.problems:
        return result.problems[method]
    if method == "did" and analysis.units is not None and analysis.units.problem is not None:
        return analysis.units.problem
    if method == "staggered":
        return Problem.of("methods.staggered.no_rollout")
    return Problem.of("methods.did_not_run")


def pooled_reference(data: pl.DataFrame, change_on: dt.date, period_days: int) -> pl.DataFrame:
    """The event study's reference as the last :data:`REFERENCE_DAYS` before the change
    (three weeks; one period at the month grain) instead of the single last period:
    the cells of those periods get the last period's label, so that every lag is
    measured against three weeks of responses, not one. At least one lead is kept for
    the pre-trend test.

    On the 20,000-call demo store (seed 3, the IVR change, default windows) the median
    standard error of the lags fell by 13-17% at the weekly grain (ASA 10.8 -> 8.9 s,
    NPS 47.6 -> 41.6, CSAT 21.5 -> 18.4 pp) and by about half at the daily grain (ASA
    41.0 -> 21.4 s, AHT 284 -> 125 s, resolution 37.0 -> 17.8 pp)."""
    pre = sorted(set(data.filter(pl.col("period") < change_on)["period"]))
    pooled = max(1, min(REFERENCE_DAYS // period_days, len(pre) - 2))
    if pooled < 2:
        return data
    last, members = pre[-1], pre[-pooled:]
    return data.with_columns(
        period=pl.when(pl.col("period").is_in(members))
        .then(pl.lit(last))
        .otherwise(pl.col("period"))
    )


REFERENCE_DAYS = 21
