"""Analyse one registered process change: run the methods and gather their results.

:mod:`analytics.changes.design` sets what is compared (settings, windows, units);
:mod:`analytics.changes.cells` reads sufficient statistics per *unit* (a value, or
combination of values, of the scope's dimensions: the queue ``billing``) and day; here
they are summed into the two windows, the treated group's period series and the unit x
period cells, and :mod:`analytics.changes` does the inference: before/after adjusted
across the metrics (Bonferroni intervals and p-values), interrupted time series,
difference-in-differences with its event study, minimum detectable effects.
:mod:`analytics.changes.report` puts the result into words.

Inference that stays honest on this app's data, which has few units (five queues,
eight teams) and short series (12 + 12 weeks by default), measured by placebo changes
on untouched queues (``python -m bench changes --placebo``; 8 + 8 weeks in brackets):

- interrupted time series: Newey-West errors widened by the small-sample AR(1) rule
  of :func:`analytics.changes.its.ar1_covariance`: 4.4% false positives [4.0%] (Newey-West
  alone: 13% [14%]);
- difference-in-differences: with fewer than :data:`FEW_UNITS` units, or fewer than
  :data:`FEW_SIDE` changed or control units, the p-value comes from randomization
  inference across units and no interval is claimed: 0%, as one changed queue among
  four cannot give p < 1/4 (cluster-robust: 28% [29%]). When the units can never give
  p < 0.05 the method cannot answer, and the verdict leaves it out
  (:func:`analytics.changes.verdicts.verdict`);
- parallel pre-trends: the joint F test of the event study's leads, with unit fixed
  effects and each unit's cells weighted by their responses over the unit's variance,
  against the period-to-period noise of the cells: 4.6% false warnings [4.5%] (Holm
  across per-lead cluster-robust tests: 31%); with many units, the cluster-robust
  joint test;
- before/after: 1.7% [0.9% with Holm], verdicts claiming a change: 0.2% [0.2%].

The structural counterfactual and the staggered roll-out run on weekly cells of the
same read (:mod:`analytics.changes.methods`, which also says which method the verdict
trusts most for the design). The staggered estimator needs the roll-out schedule, an
explicit argument (``rollout``), or :func:`analytics.changes.methods.with_rollout`
on a finished analysis (the app caches the analysis and reads the schedule apart).

The event study measures every gap against three pooled weeks before the change
(:func:`analytics.changes.methods.pooled_reference`, which has the figures).

Problems a user can cause (a change in the future, too little data, an empty scope, a
control group equal to the treated one, data a method refuses) come back as
:class:`~analytics.changes.design.Problem` (an i18n key and its parameters), never as
exceptions.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import polars as pl
from threadpoolctl import threadpool_limits

from analytics import kpis, overview, queries
from analytics.changes import cells, did_inference, methods, prepost
from analytics.changes.design import (
    GRAIN_DAYS,
    Problem,
    Settings,
    Units,
    Windows,
    choose_units,
    empty_scope,
    windows,
)
from analytics.changes.did import FEW_CLUSTERS, DiDResult, EventStudyResult
from analytics.changes.its import MIN_PERIODS, ITSResult
from analytics.changes.registry import Change
from analytics.changes.staggered import StaggeredResult
from analytics.changes.structural import StructuralResult

# Below these, cluster-robust errors over-reject (Cameron and Miller 2015; MacKinnon and
# Webb 2017 for few treated clusters): randomization inference instead.
FEW_UNITS = FEW_CLUSTERS
FEW_SIDE = 10
DEFAULT_SETTINGS = Settings()  # frozen: safe to share as a default


@dataclass(frozen=True, eq=False)
class PreTrend:
    """Parallel pre-trends: the joint test of the leads - against the cells' own noise
    ("classical", few units) or cluster-robust ("cluster") - or, with more leads than
    units allow a cluster-robust joint test (rank G - 1), Holm across the leads' tests."""

    p: float
    method: Literal["classical", "cluster", "holm"]

    @property
    def parallel(self) -> bool:
        return not self.p < prepost.ALPHA


@dataclass(frozen=True)
class NotMeasured:
    """A metric the treated group has no value of in a window, and why: no method
    runs on it and the verdict claims nothing (missing is not "no change")."""

    window: Literal["before", "after"]
    reason: kpis.Reason


@dataclass(frozen=True, eq=False)
class MetricResult:
    """One metric: the treated series per period and each method's result or problem."""

    metric: str
    series: pl.DataFrame  # period, window, value, low, high, se, n, low_sample, reason
    its: ITSResult | None = None
    did: DiDResult | None = None
    event: EventStudyResult | None = None
    problems: dict[str, Problem] = field(default_factory=dict)  # method -> problem
    # The minimum detectable effects, solved once (ITSResult.mde and DiDResult.mde are
    # properties that solve a noncentral-t equation on every access).
    its_mde: float = math.nan
    did_mde: float = math.nan
    not_measured: NotMeasured | None = None
    structural: StructuralResult | None = None
    staggered: StaggeredResult | None = None

    @property
    def pre_trend(self) -> PreTrend | None:
        if self.event is None:
            return None
        if not math.isnan(self.event.pre_trend_p):
            clustered = self.event.n_clusters is not None
            return PreTrend(self.event.pre_trend_p, "cluster" if clustered else "classical")
        leads = self.event.table.filter(pl.col("relative_period") < -1)["p"].drop_nulls()
        if leads.is_empty():
            return None
        return PreTrend(min(prepost.holm(leads.to_list())), "holm")


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything the page and the report show; ``problem`` set means nothing to show."""

    change: Change
    settings: Settings
    windows: Windows | None = None
    units: Units | None = None
    before_after: prepost.BeforeAfter | None = None
    results: tuple[MetricResult, ...] = ()
    problem: Problem | None = None
    # Every unit's weekly cells (methods.weekly_cells): the staggered roll-out's panel.
    weekly: pl.DataFrame | None = None

    def __getitem__(self, metric: str) -> MetricResult:
        for r in self.results:
            if r.metric == metric:
                return r
        raise KeyError(metric)

    def findings(self, metric: str) -> list[prepost.Finding]:
        """Each method's effect and MDE for the verdict (before/after: the interval and
        p-value adjusted together for the metrics compared, as the table shows them);
        none for a metric not measured in a window."""
        out: list[prepost.Finding] = []
        if self[metric].not_measured is not None:
            return out
        if self.before_after is not None:
            mc = self.before_after[metric]
            out.append(prepost.finding("before_after", mc.adjusted, mc.mde, adjusted_for=mc.m))
        r = self[metric]
        if r.its is not None:
            out.append(prepost.finding("its", r.its.effect, r.its_mde))
        if r.did is not None:
            ri = r.did.randomization
            units, smallest = (r.did.n_clusters or 0, ri.smallest_p) if ri else (0, 0.0)
            out.append(
                prepost.finding("did", r.did.effect, r.did_mde, units=units, smallest_p=smallest)
            )
        out += methods.extra_findings(r)
        minimum = self.settings.minimum(metric)
        return [replace(f, meaningful=minimum) for f in out]


def analyse(
    reader: queries.Reader,
    change: Change,
    settings: Settings = DEFAULT_SETTINGS,
    today: dt.date | None = None,
    bounds: tuple[dt.date, dt.date] | None = None,
    rollout: pl.DataFrame | None = None,
) -> Analysis:
    """Before/after, ITS and DiD of ``change`` for every metric of ``settings``.

    Parameters
    ----------
    reader : the store (or a Spark store): anything with ``table`` and ``read``.
    change : the registered change; its scope defines the treated units.
    settings : metrics, windows, ramp-up, period grain, control group, filters.
    today : for the "change in the future" check (default: today).
    bounds : the data's first and last day when the caller knows them (the app caches
        them); read from the store otherwise.
    rollout : the change's roll-out schedule (``dimension, unit, started_on``), for the
        staggered estimator; None or empty: no staggered roll-out.

    Returns
    -------
    Analysis
        With ``problem`` set (and no results) when nothing can be analysed.
    """
    bounds = bounds or overview.data_range(reader)
    win = windows(change, settings, bounds, today or dt.date.today())
    if isinstance(win, Problem):
        return Analysis(change, settings, problem=win)
    ramp_days = (win.after[0] - win.change_on).days
    frames = cells.read_cells(
        reader, change, settings.filters, settings.metrics, win.span, ramp_days,
        GRAIN_DAYS[settings.grain],
    )  # fmt: skip
    treated = {s: f.filter(pl.col("treated")) for s, f in frames.items()}
    if all(f.is_empty() for f in treated.values()):
        return Analysis(change, settings, win, problem=empty_scope(change))
    units = choose_units(change, frames, settings.control)
    series = cells.estimates(treated, ("period", "window"), settings.metrics)
    unit_cells = _unit_cells(frames, units, settings.metrics)
    rows = _window_rows(treated)
    missing = {m: not_measured(m, rows) for m in settings.metrics}
    weekly = methods.weekly_cells(frames, win.change_on, settings.metrics)
    period_days = GRAIN_DAYS[settings.grain]
    # Many small regressions: BLAS threads only contend for the cores (28 s instead
    # of 2 s for a daily-grain analysis on a loaded 2-core machine).
    with threadpool_limits(limits=1, user_api="blas"):
        results = tuple(
            _metric(m, series, unit_cells, units, win, missing[m], weekly, period_days)
            for m in settings.metrics
        )
    ba = _before_after(rows, settings.metrics)
    analysis = Analysis(change, settings, win, units, ba, results, weekly=weekly[1])
    return methods.with_rollout(analysis, rollout)


def _unit_cells(
    frames: Mapping[kpis.Source, pl.DataFrame], units: Units, metrics: tuple[str, ...]
) -> pl.DataFrame | None:
    """Estimates per unit x period x window for the treated and control units."""
    if units.problem is not None:
        return None
    keep = {
        s: f.filter(pl.col("unit").is_in([*units.treated, *units.control]))
        for s, f in frames.items()
    }
    est = cells.estimates(keep, ("unit", "period", "window"), metrics)
    return est.with_columns(treated=pl.col("unit").is_in(list(units.treated)))


WindowRows = dict[str, dict[str, Mapping[str, Any]]]  # source -> window -> stats row


def _window_rows(treated: Mapping[kpis.Source, pl.DataFrame]) -> WindowRows:
    """The treated group's statistics summed over the before and the after window."""
    rows: WindowRows = {}
    for source, frame in treated.items():
        sums = cells.sum_stats(frame.filter(pl.col("window") != "ramp"), ("window",))
        rows[source] = {r["window"]: r for r in sums.iter_rows(named=True)}
    return rows


def not_measured(metric: str, rows: WindowRows) -> NotMeasured | None:
    """The first window (before, then after) in which the treated group has no value of
    ``metric``, with the reason (:func:`analytics.kpis.not_measured`)."""
    by_window = rows.get(kpis.get(metric).source, {})
    for window in ("before", "after"):
        reason = kpis.not_measured(metric, by_window.get(window, {}))
        if reason is not None:
            return NotMeasured(window, reason)
    return None


def _before_after(rows: WindowRows, metrics: tuple[str, ...]) -> prepost.BeforeAfter | None:
    pairs = {}
    for m in metrics:
        by_window = rows.get(kpis.get(m).source, {})
        before, after = by_window.get("before", {}), by_window.get("after", {})
        pairs[m] = (cells.sufficient(m, before), cells.sufficient(m, after))
    try:
        return prepost.before_after(pairs)
    except ValueError:  # no metric has data in both windows: the page says so
        return None


def _usable(frame: pl.DataFrame) -> pl.DataFrame:
    """Periods or cells with an estimate (no responses: no value, no weight)."""
    return frame.filter((pl.col("n") > 0) & pl.col("value").is_not_nan())


def _metric(
    metric: str,
    series: pl.DataFrame,
    unit_cells: pl.DataFrame | None,
    units: Units,
    win: Windows,
    missing: NotMeasured | None = None,
    weekly: tuple[pl.DataFrame, pl.DataFrame] | None = None,
    period_days: int = 7,
) -> MetricResult:
    own = series.filter(pl.col("kpi") == metric).drop("kpi") if not series.is_empty() else series
    if missing is not None:  # nothing to fit: each method would only fail on no data
        return MetricResult(metric, own, not_measured=missing)
    problems: dict[str, Problem] = {}
    its = _its(own, problems)
    did = event = None
    if unit_cells is None:
        problems["did"] = units.problem or Problem.of("analysis.did.no_control")
    else:
        data = _usable(unit_cells.filter(pl.col("kpi") == metric))
        did = _did(data, problems)
        event = _event(data, win.change_on, problems, period_days)
    structural = None
    if weekly is not None:
        fit = methods.structural(metric, *weekly, units, win)
        if isinstance(fit, Problem):
            problems["structural"] = fit
        else:
            structural = fit
    its_mde = its.mde if its is not None else math.nan
    did_mde = did.mde if did is not None else math.nan
    return MetricResult(
        metric, own, its, did, event, problems, its_mde, did_mde, structural=structural
    )


def _its(series: pl.DataFrame, problems: dict[str, Problem]) -> ITSResult | None:
    data = _usable(series).filter(pl.col("window") != "ramp") if not series.is_empty() else series
    n_before = data.filter(pl.col("window") == "before").height if data.height else 0
    n_after = data.height - n_before
    if min(n_before, n_after) < MIN_PERIODS:
        problems["its"] = Problem.of(
            "analysis.its.too_few_periods", before=n_before, after=n_after, need=MIN_PERIODS
        )
        return None
    # The first period with after-window days starts the post segment (the ramp-up,
    # left out, becomes a gap that the pre-trend is extended over).
    change_at = data.filter(pl.col("window") == "after")["period"].min()
    return _attempt(
        "its", problems, prepost.interrupted_time_series, data, "period", "value", change_at,
        weight="n", small_sample=True,
    )  # fmt: skip


def _did(data: pl.DataFrame, problems: dict[str, Problem]) -> DiDResult | None:
    did_data = data.filter(pl.col("window") != "ramp").with_columns(
        post=pl.col("window") == "after"
    )
    did = _attempt(
        "did", problems, prepost.difference_in_differences, did_data, "value", "treated", "post",
        cluster="unit", weight="n",
    )  # fmt: skip
    if did is None or not few_units(did_data):
        return did
    ri = _attempt(
        "did", problems, did_inference.randomization_inference, did_data, "value", "treated",
        "post", "unit", weight="n", se="se",
    )  # fmt: skip
    return did_inference.by_randomization(did, ri) if ri is not None else None


def few_units(data: pl.DataFrame) -> bool:
    """Too few units (or changed or control units) for cluster-robust inference."""
    units = data.group_by("treated").agg(pl.col("unit").n_unique())["unit"].to_list()
    return len(units) < 2 or sum(units) < FEW_UNITS or min(units) < FEW_SIDE


def _event(
    data: pl.DataFrame, change_on: dt.date, problems: dict[str, Problem], period_days: int = 7
) -> EventStudyResult | None:
    cluster = None if few_units(data) else "unit"
    cells_ = methods.pooled_reference(_precision_weights(data), change_on, period_days)
    return _attempt(
        "event", problems, prepost.event_study, cells_, "value", "treated",
        "period", change_on, cluster=cluster, weight="w", unit="unit",
    )  # fmt: skip


def _precision_weights(data: pl.DataFrame) -> pl.DataFrame:
    """Cell weights ``w = n / s2``, ``s2`` the unit's variance per response.

    A cell mean's variance is ``s2 / n``; queues differ in ``s2`` (waits spread with
    their level), and weights of ``n`` alone would let the noisiest unit set the scale
    for all (the pre-trend test then warned on 14% of placebo waits, 7% with these).
    """
    known = pl.col("se").is_not_null() & pl.col("se").is_finite()  # one response: no sd
    n = pl.when(known).then(pl.col("n")).otherwise(0)
    spread = pl.when(known).then(pl.col("se") ** 2 * pl.col("n") ** 2).otherwise(0.0)
    s2 = spread.sum().over("unit") / n.sum().over("unit")
    pooled = spread.sum() / n.sum()
    s2 = pl.when(s2 > 0).then(s2).when(pooled > 0).then(pooled).otherwise(1.0)
    return data.with_columns(w=pl.col("n") / s2)


def _attempt(method: str, problems: dict[str, Problem], fn: Any, *args: Any, **kw: Any) -> Any:
    """Run a method; the data cases it refuses (collinear, empty cells...) become a
    problem shown next to that method, with the statistics module's own explanation."""
    try:
        return fn(*args, **kw)
    except ValueError as exc:
        problems[method] = Problem.of("analysis.method_failed", detail=str(exc))
        return None
