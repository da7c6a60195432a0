"""Survey-design changes: a measurement shift told apart from a service change.

A change to the survey itself (the IVR's "press 1 if satisfied" instead of "press 5 if
very satisfied", a new scale or wording) moves the scores while nothing about the
service changed. :func:`separate` tells the two apart with two comparisons over the same
surveyed calls and the same weeks, each a 2 x 2 difference-in-differences:

1. **The score** on the changed instruments (the change's survey channels) against the
   unchanged ones, after against before. Every instrument surveys the same service, so a
   service change moves them alike and cancels here; what remains is the instrument's
   own shift. The unchanged instruments' before/after is reported beside it: the
   counterfactual, and a sign that something else moved when it is real.
2. **Behaviour the survey cannot move** (resolution, repeat contact within 7 days, the
   wait before answer) of the calls behind those answers, the same contrast. A new
   keypad order cannot make a call resolved; a service change that reached the calls the
   changed instrument surveys shows here.

The verdict: a real score difference with no behaviour moving is a **measurement
shift**; behaviour moving is a **service change** (with a score difference too:
**both**); neither is **no shift**. A process change (a change of the service, with a
scope) is read the same way with the scope's calls as the changed group: for it the
question is only whether the service moved.

Why this estimator. The 2 x 2 difference of cell means is the saturated regression
``y ~ changed * after``; its standard error is cluster-robust by week (CR1, the
small-sample factor ``G/(G-1) (N-1)/(N-K)``) with Student-t(G - 1) intervals, as
statsmodels' ``OLS(...).fit(cov_type="cluster", use_t=True)`` gives it (the tests
compare the two on the same rows). Weeks, not days or answers, are the clusters: the
answers of one week share its staffing and its incidents whatever the instrument, and a
week never straddles the change (weeks are counted from its start). The database returns
counts and sums per week and cell, and the estimate and its variance are exact functions
of them. Behaviour is judged with a Bonferroni correction over its outcomes (three tests
at 5% would find a "change" one time in seven). Caveat shown with the result: a new
instrument that changes *who* answers changes the answering calls' behaviour too.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from typing import Literal

import ibis
import ibis.expr.types as ir
import polars as pl
from scipy import special

from analytics import queries
from analytics.changes.cells import SCOPE_DIMS
from analytics.changes.design import DEFAULT_WEEKS
from analytics.changes.registry import Change
from analytics.queries import Filters, Reader

Metric = Literal["csat", "nps", "ces"]
Verdict = Literal["measurement_shift", "service_change", "both", "no_shift", "not_measured"]
METRICS: tuple[Metric, ...] = ("csat", "nps", "ces")
#: Outcomes of the call that a survey cannot move, in their own units.
BEHAVIOUR = ("resolution", "repeat", "wait")
UNITS = {"csat": "pp", "nps": "points", "ces": "score", "resolution": "pp", "repeat": "pp",
         "wait": "seconds"}  # fmt: skip
GROUPS = ("changed", "unchanged", "difference")
ALPHA = 0.05
K = 4  # parameters of the saturated 2 x 2 regression


@dataclass(frozen=True)
class Contrast:
    """One outcome's after - before for each group and their difference, with 95%
    intervals; ``reason`` says why it is not measured (then the numbers are NaN)."""

    outcome: str
    means: dict[tuple[bool, bool], float]  # (changed?, after?) -> mean
    rows: pl.DataFrame  # group, estimate, se, low, high, p
    n: int
    clusters: int
    reason: str | None = None

    def of(self, group: str) -> dict[str, float]:
        found = self.rows.filter(pl.col("group") == group)
        return found.row(0, named=True) if found.height else {}

    @property
    def real(self) -> bool:
        d = self.of("difference")
        return bool(d) and not math.isnan(d["low"]) and (d["low"] > 0 or d["high"] < 0)


@dataclass(frozen=True)
class SurveyDesignResult:
    """What :func:`separate` found: the score contrast, the behaviour contrasts, the
    score distributions and the verdict (``reason``: why it could not be measured)."""

    kind: str
    metric: Metric
    changed: tuple[str, ...]  # survey channels (survey design) or scope values
    before: tuple[dt.date, dt.date]
    after: tuple[dt.date, dt.date]
    score: Contrast
    behaviour: tuple[Contrast, ...]
    distribution: pl.DataFrame  # changed, after, value, n, share
    verdict: Verdict
    reason: str | None = None

    @property
    def table(self) -> pl.DataFrame:
        """One row per outcome and group: ``outcome, group, estimate, se, low, high, p``
        (behaviour's ``p_adjusted`` is Bonferroni over :data:`BEHAVIOUR`)."""
        frames = [
            c.rows.with_columns(outcome=pl.lit(c.outcome)) for c in (self.score, *self.behaviour)
        ]
        out = pl.concat(frames).select("outcome", *GROUP_COLUMNS)
        m = len(BEHAVIOUR)
        adjust = pl.when(pl.col("outcome") == self.metric).then(pl.col("p"))
        return out.with_columns(p_adjusted=adjust.otherwise((pl.col("p") * m).clip(0, 1)))

    @property
    def behaviour_moved(self) -> bool:
        return any(moved(c) for c in self.behaviour)

    @property
    def elsewhere(self) -> bool:
        """The score also moved where the instrument did not change (real before/after
        of the unchanged group): something besides the survey changed, or the season."""
        u = self.score.of("unchanged")
        return bool(u) and not math.isnan(u["low"]) and (u["low"] > 0 or u["high"] < 0)


GROUP_COLUMNS = ("group", "estimate", "se", "low", "high", "p")


def separate(
    reader: Reader,
    change: Change,
    metric: Metric = "csat",
    weeks: int = DEFAULT_WEEKS,
    filters: Filters | None = None,
) -> SurveyDesignResult:
    """Measurement shift or service change, for ``change`` on ``metric``.

    Parameters
    ----------
    reader : Reader
        The store (or any reader of ``calls`` and ``surveys``); a scoped store reads
        only its user's rows.
    change : Change
        A survey-design change (its ``instruments`` are the changed survey channels,
        within its scope if it has one) or a process change (its scope's calls are the
        changed group).
    metric : {"csat", "nps", "ces"}
        The score: CSAT top-2-box (percentage points), NPS (points) or mean CES (1-7).
    weeks : int
        Weeks before and after the change's start compared (weeks the data does not
        reach hold no answers). A roll-out schedule is read from the change's start:
        the staggered analysis, not this check, follows each unit's own date.
    filters : Filters, optional
        Dimension filters (their dates are ignored: the window comes from the change).

    Returns
    -------
    SurveyDesignResult
        ``.table`` with each outcome's before/after per group and the difference,
        ``.verdict`` and the score ``.distribution``.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {METRICS}")
    start = change.started_on
    before = (start - dt.timedelta(weeks=weeks), start - dt.timedelta(days=1))
    after = (start, start + dt.timedelta(weeks=weeks, days=-1))
    rows = _rows(reader, change, metric, before[0], after[1], filters)
    cells = reader.read(_cells(rows, metric))
    dist = reader.read(_distribution(rows))
    score = replace(contrast(cells, "score"), outcome=metric)
    behaviour = tuple(contrast(cells, o) for o in BEHAVIOUR)
    verdict, reason = _verdict(change, score, behaviour)
    return SurveyDesignResult(
        change.kind, metric, _changed_names(change), before, after, score, behaviour,
        _shares(dist), verdict, reason,
    )  # fmt: skip


def _changed_names(change: Change) -> tuple[str, ...]:
    if change.kind == "survey_design":
        return change.instruments
    return tuple(v for values in change.scope.values() for v in values)


def _verdict(
    change: Change, score: Contrast, behaviour: tuple[Contrast, ...]
) -> tuple[Verdict, str | None]:
    if change.kind != "survey_design" and not change.scope:
        return "not_measured", "no_scope"
    if score.reason is not None:
        return "not_measured", score.reason
    if all(c.reason is not None for c in behaviour):  # answers not linked to their calls
        return "not_measured", "no_behaviour"
    service = any(moved(c) for c in behaviour)
    if service and score.real and change.kind == "survey_design":
        return "both", None
    if service or (score.real and change.kind != "survey_design"):
        return "service_change", None
    return ("measurement_shift" if score.real else "no_shift"), None


def moved(c: Contrast) -> bool:
    """A behaviour difference real at the Bonferroni level over :data:`BEHAVIOUR`."""
    d = c.of("difference")
    return c.reason is None and bool(d) and d["p"] < ALPHA / len(BEHAVIOUR)


# -- the read path: one aggregate of the answers and their calls ----------------------


def _rows(
    reader: Reader,
    change: Change,
    metric: Metric,
    first: dt.date,
    last: dt.date,
    filters: Filters | None,
) -> ir.Table:
    """Per answer in [first, last]: changed?, after?, week (from the change), the score
    and the behaviour of its call (null where not known)."""
    surveys, calls = reader.table("surveys"), reader.table("calls")
    cf = queries.call_facts(calls, surveys, queries.derived_of(reader))
    c = cf.select(
        *queries.DIMENSIONS,
        c_id=cf.call_id,
        answered=~cf.abandoned.fill_null(False),
        resolved=cf.resolved,
        repeat_7d=cf.repeat_7d,
        observed=cf.fcr_observed & cf.customer_id.notnull(),
        wait_s=cf.wait_s,
    )
    within = (surveys.responded_at >= _ts(first)) & (surveys.responded_at < _ts(last, 1))
    # One questionnaire's answers: a relationship survey is another instrument altogether.
    kept = surveys.survey_type.isnull() | (surveys.survey_type != "relational")
    s = surveys.filter(within & kept)
    f = s.left_join(c, s.call_id == c.c_id)
    if filters is not None:
        f = queries.apply_filters(f, replace(filters, start=None, end=None), "surveys")
    in_scope = [f[SCOPE_DIMS[field]].isin(values) for field, values in change.scope.items()]
    if change.kind == "survey_design":  # within its scope: its instruments or the others
        f = f.filter([f.survey_channel.notnull(), *in_scope])
        changed = f.survey_channel.isin(change.instruments)
    else:  # the scope's calls against every other answered call
        f = f.filter(f.c_id.notnull())
        changed = ibis.literal(True)
        for field, values in change.scope.items():
            changed &= f[SCOPE_DIMS[field]].isin(values)
    days = f.responded_at.date().epoch_days() - (change.started_on - dt.date(1970, 1, 1)).days
    answered = f.answered.fill_null(False)
    return f.mutate(
        changed=changed.fill_null(False),
        after=days >= 0,
        week=(days.cast("float64") / 7).floor().cast("int64"),
        score=_score(f, metric),
        answer=_answer(f, metric),
        resolution=ibis.ifelse(answered & f.resolved.notnull(), f.resolved.cast("float64") * 100, None),
        repeat=ibis.ifelse(answered & f.observed.fill_null(False), f.repeat_7d.cast("float64") * 100, None),
        wait=ibis.ifelse(answered, f.wait_s, None),
    )  # fmt: skip


def _score(f: ir.Table, metric: Metric) -> ir.Value:
    """Each answer's contribution to the KPI, whose mean is the KPI."""
    if metric == "csat":
        return (f.csat >= 4).cast("float64") * 100
    if metric == "nps":
        return (f.nps >= 9).cast("float64") * 100 - (f.nps <= 6).cast("float64") * 100
    ces = f.ces.cast("float64")
    return (f.ces_scale == 5).ifelse(1 + (ces - 1) * 1.5, ces)


def _answer(f: ir.Table, metric: Metric) -> ir.Value:
    """The answer on its own scale (CSAT 1-5, NPS 0-10, CES 1-7), for the distribution."""
    if metric == "ces":
        ces = f.ces.cast("float64")
        return (f.ces_scale == 5).ifelse(1 + (ces - 1) * 1.5, ces)
    return f[metric].cast("float64")


def _cells(rows: ir.Table, metric: Metric) -> ir.Table:
    """Count and sum of each outcome per week and cell (changed, after)."""
    stats = {}
    for name in ("score", *BEHAVIOUR):
        stats[f"n_{name}"] = rows[name].count()
        stats[f"s_{name}"] = rows[name].sum()
    return rows.group_by("week", "changed", "after").aggregate(**stats)


def _distribution(rows: ir.Table) -> ir.Table:
    known = rows.filter(rows.answer.notnull())
    return known.group_by("changed", "after", value=known.answer).aggregate(n=known.count())


def _shares(dist: pl.DataFrame) -> pl.DataFrame:
    total = pl.col("n").sum().over("changed", "after")
    return dist.with_columns(share=pl.col("n") / total).sort("changed", "after", "value")


def _ts(day: dt.date, plus: int = 0) -> ir.Value:
    return ibis.literal(dt.datetime.combine(day + dt.timedelta(days=plus), dt.time()))


# -- the estimator --------------------------------------------------------------------

#: Each contrast as weights on the four cell means (changed?, after?).
WEIGHTS = {
    "changed": {(True, True): 1, (True, False): -1},
    "unchanged": {(False, True): 1, (False, False): -1},
    "difference": {(True, True): 1, (True, False): -1, (False, True): -1, (False, False): 1},
}


def contrast(cells: pl.DataFrame, outcome: str) -> Contrast:
    """The 2 x 2 contrasts of ``outcome`` from per-cluster cell statistics.

    ``cells`` has one row per cluster (``week``) and cell (``changed``, ``after``) with
    ``n_<outcome>`` (known values) and ``s_<outcome>`` (their sum). A contrast
    ``sum_c w_c mean_c`` has the per-cluster score ``S_g = sum_c w_c (s_gc - n_gc
    mean_c) / n_c``; its CR1 variance is ``G/(G-1) (N-1)/(N-K) sum_g S_g^2``, with
    t(G-1) intervals: statsmodels' cluster-robust OLS of ``y ~ changed * after``.
    """
    n_col, s_col = f"n_{outcome}", f"s_{outcome}"
    data = cells.select("week", "changed", "after", n=pl.col(n_col), s=pl.col(s_col).fill_null(0))
    data = data.filter(pl.col("n") > 0)
    sums = data.group_by("changed", "after").agg(pl.col("n").sum(), pl.col("s").sum())
    totals = {(r["changed"], r["after"]): (r["n"], r["s"]) for r in sums.iter_rows(named=True)}
    means = {cell: s / n for cell, (n, s) in totals.items()}
    n_total, clusters = int(data["n"].sum() or 0), data["week"].n_unique()
    order = ((True, False), (True, True), (False, False), (False, True))
    missing = [cell for cell in order if cell not in means]
    reason = _missing_reason(missing, clusters)
    if reason is not None:
        return Contrast(outcome, means, _nan_rows(), n_total, clusters, reason)
    factor = clusters / (clusters - 1) * (n_total - 1) / (n_total - K)
    out = []
    for group, weights in WEIGHTS.items():
        estimate = sum(w * means[cell] for cell, w in weights.items())
        score = pl.lit(0.0)
        for (changed, after), w in weights.items():
            n_c = totals[changed, after][0]
            here = (pl.col("changed") == changed) & (pl.col("after") == after)
            term = (pl.col("s") - pl.col("n") * means[changed, after]) * w / n_c
            score = score + pl.when(here).then(term).otherwise(0.0)
        per_cluster = data.group_by("week").agg(score.sum().alias("g"))
        se = math.sqrt(factor * float((per_cluster["g"] ** 2).sum()))
        out.append({"group": group, **_interval(estimate, se, clusters - 1)})
    return Contrast(outcome, means, pl.DataFrame(out), n_total, clusters)


def _missing_reason(missing: list[tuple[bool, bool]], clusters: int) -> str | None:
    if missing:
        changed, after = missing[0]
        return f"no_{'changed' if changed else 'unchanged'}_{'after' if after else 'before'}"
    if clusters < 3:
        return "too_few_weeks"
    return None


def _interval(estimate: float, se: float, df: int) -> dict[str, float]:
    if se == 0 or math.isnan(se):
        return {"estimate": estimate, "se": se, "low": math.nan, "high": math.nan, "p": math.nan}
    q = float(special.stdtrit(df, 1 - ALPHA / 2))
    p = float(2 * special.stdtr(df, -abs(estimate / se)))
    return {"estimate": estimate, "se": se, "low": estimate - q * se, "high": estimate + q * se,
            "p": p}  # fmt: skip


def _nan_rows() -> pl.DataFrame:
    nan = {"estimate": math.nan, "se": math.nan, "low": math.nan, "high": math.nan, "p": math.nan}
    return pl.DataFrame([{"group": g, **nan} for g in GROUPS])
