"""Difference-in-differences and the event-study check of parallel pre-trends.

Treated rows are those the change touched (queues, teams...); control rows were left
alone. The effect is the interaction ``treated x post``: how much more the treated
group moved than the control group did over the same dates.

Without a cluster the errors are classical OLS errors, so textbook results reproduce.
With a cluster (the unit the change was assigned to: queue, team) they are
cluster-robust (CR1, Stata's ``vce(cluster)``), with t(G - 1) inference. With few
clusters - fewer than about 30, and especially few *treated* clusters - even these
errors are too small and tests over-reject (Cameron and Miller 2015; Bertrand, Duflo
and Mullainathan 2004; MacKinnon and Webb 2017); :attr:`DiDResult.few_clusters` flags
it, and :mod:`analytics.changes.did_inference` tests the effect by randomization instead.
The fits and covariances are :mod:`analytics.changes.regression`'s.

References
----------
Card, D. and Krueger, A. B. (1994). Minimum wages and employment: a case study of the
    fast-food industry in New Jersey and Pennsylvania. American Economic Review 84(4),
    772-793.
Bertrand, M., Duflo, E. and Mullainathan, S. (2004). How much should we trust
    differences-in-differences estimates? Quarterly Journal of Economics 119(1), 249-275.
Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. Journal of Human Resources 50(2), 317-372.
MacKinnon, J. G. and Webb, M. D. (2017). Wild bootstrap inference for wildly different
    cluster sizes. Journal of Applied Econometrics 32(2), 233-254.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl
from scipy import stats

from analytics.changes.power import mde_from_se
from analytics.changes.regression import (
    TABLE_SCHEMA,
    TimePoint,
    cluster_codes,
    coefficient_table,
    fit,
    inference_df,
    period_index,
)
from analytics.compare import Difference
from analytics.frames import complete_rows
from analytics.metrics import ALPHA

if TYPE_CHECKING:
    from analytics.changes.did_inference import Randomization

CovType = Literal["classical", "cluster"]
# Cameron and Miller (2015): below a few dozen clusters CR1 errors are biased down.
FEW_CLUSTERS = 30


@dataclass(frozen=True, eq=False)
class DiDResult:
    """Difference-in-differences estimates.

    ``table``: ``term, estimate, se, low, high, p`` with terms ``intercept, treated,
    post, effect`` and then the covariates by name. ``cell_means``: ``treated, post,
    mean, n`` for the four cells. ``n_clusters`` is None without a cluster.
    ``randomization`` is set when the effect's p-value comes from randomization
    inference instead (:func:`analytics.changes.did_inference.by_randomization`); the effect
    then has no interval and ``table`` keeps the regression's own errors.
    """

    table: pl.DataFrame
    cell_means: pl.DataFrame
    effect: Difference
    n: int
    n_clusters: int | None
    cov_type: CovType
    df: float
    randomization: Randomization | None = None

    @property
    def mde(self) -> float:
        """Smallest effect this design detects with 80% power (5%, two-sided); NaN
        under randomization inference, which has no standard error to solve it from."""
        if self.randomization is not None:
            return float("nan")
        return mde_from_se(self.effect.se, self.df)

    @property
    def few_clusters(self) -> bool:
        """Cluster-robust errors on fewer than 30 clusters: treat p-values with caution."""
        return self.n_clusters is not None and self.n_clusters < FEW_CLUSTERS


@dataclass(frozen=True, eq=False)
class EventStudyResult:
    """Treated-minus-control gaps by period relative to the change.

    ``table``: ``term, relative_period, estimate, se, low, high, p``; terms are
    ``lead_k`` (k periods before the change) and ``lag_k`` (k periods after; ``lag_0``
    is the first period after). The reference period (``lead_1``, the last one before
    the change) is included with estimate 0 and null se / interval / p.
    ``parallel_pre_trends`` is True when the joint test of all leads does not reject
    at 5%; it is False when the test cannot be computed (``pre_trend_p`` is NaN).
    """

    table: pl.DataFrame
    pre_trend_f: float
    pre_trend_p: float
    parallel_pre_trends: bool
    n_leads: int
    n_lags: int
    n: int
    n_clusters: int | None


def difference_in_differences(
    df: Any,
    outcome: str,
    treated: str,
    post: str,
    cluster: str | None = None,
    covariates: Sequence[str] = (),
    weight: str | None = None,
) -> DiDResult:
    """OLS ``outcome ~ treated + post + treated:post + covariates``; the effect is the interaction.

    Parameters
    ----------
    df : polars or pandas DataFrame; rows with a null in a used column are dropped.
    outcome : numeric outcome (a response's score, or a cell's mean with ``weight``).
    treated, post : 0/1 or boolean columns.
    cluster : optional column naming the unit the change was assigned to (queue, team);
        gives CR1 cluster-robust errors with t(G - 1) inference. Few clusters (< 30)
        make even these unreliable (Cameron and Miller 2015): see ``few_clusters``.
    covariates : extra numeric control columns.
    weight : optional weights (responses per cell when ``outcome`` is a cell mean).

    Returns
    -------
    DiDResult

    Raises
    ------
    ValueError
        Missing columns, non-binary indicators, an empty treated/control x
        before/after cell, a control group identical to the treated group, collinear
        covariates, fewer than 2 clusters.

    References
    ----------
    Card and Krueger (1994); Bertrand, Duflo and Mullainathan (2004); Cameron and
    Miller (2015).
    """
    extra = [c for c in (cluster, weight) if c]
    data = complete_rows(df, [outcome, treated, post, *covariates, *extra], nan_is_missing=False)
    _check_design(data, outcome, treated, post)
    d, p = data[treated].cast(pl.Float64).to_numpy(), data[post].cast(pl.Float64).to_numpy()
    cov = [data[c].cast(pl.Float64).to_numpy() for c in covariates]
    x = np.column_stack([np.ones_like(d), d, p, d * p, *cov])
    names = ["intercept", "treated", "post", "effect", *covariates]
    codes, groups = cluster_codes(data[cluster]) if cluster else (None, None)
    w = data[weight].cast(pl.Float64).to_numpy() if weight else None
    res = fit(data[outcome].cast(pl.Float64).to_numpy(), x, names, w, clusters=codes)
    table = coefficient_table(res, names)
    row = table.row(3, named=True)
    effect = Difference(row["estimate"], row["low"], row["high"], row["se"], row["p"])
    return DiDResult(
        table,
        _cell_means(data, outcome, treated, post),
        effect,
        data.height,
        groups,
        "cluster" if cluster else "classical",
        inference_df(res),
    )


def event_study(
    df: Any,
    outcome: str,
    treated: str,
    time: str,
    change_at: TimePoint,
    cluster: str | None = None,
    weight: str | None = None,
    unit: str | None = None,
) -> EventStudyResult:
    """Leads and lags of the treated-control gap, relative to the last period before the change.

    ``outcome ~ treated + period fixed effects + sum_k treated x 1[period = k]`` for
    every period k except the reference (the last before the change); with ``unit``,
    unit fixed effects take the place of ``treated``, so that control units' different
    levels are not read as noise. Leads should be
    near zero if the groups moved in parallel before the change; the joint test of all
    leads gives ``pre_trend_p`` (classical F without a cluster; with one, the cluster
    Wald statistic with Hotelling's T-squared scaling, F(q, G - q), because the plain
    F(q, G - 1) over-rejects with few clusters). A test that does not reject is weak
    evidence of parallel trends when the leads are imprecise: look at their intervals.

    Parameters
    ----------
    df : polars or pandas DataFrame: responses, or unit x period cells with ``weight``.
    outcome : numeric outcome.
    treated : 0/1 or boolean column, constant within a unit.
    time : the period (numbers or dates, counted as in
        :func:`analytics.changes.regression.period_index`).
    change_at : first moment of the change; the last period before it is the reference.
    cluster : optional unit column (queue, team) for CR1 cluster-robust errors.
    weight : optional weights (responses per cell).
    unit : optional unit column for unit fixed effects (``treated`` constant within it).

    Raises
    ------
    ValueError
        Fewer than 2 periods before the change or none after it, a change outside the
        data or in the future, a treated group missing from the reference period, a
        missing or constant treated indicator.

    References
    ----------
    Bertrand, Duflo and Mullainathan (2004); Cameron and Miller (2015).
    """
    extra = [c for c in (cluster, weight, unit) if c]
    data = complete_rows(df, [outcome, treated, time, *extra], nan_is_missing=False)
    _check_binary(data, treated)
    _check_both_groups(data, treated)
    t, post = period_index(data[time], change_at, "periods")
    rel = (t - t[post].min()).astype(int)
    d = data[treated].cast(pl.Float64).to_numpy()
    x, names, rels = _event_design(d, t, rel, _unit_dummies(data, unit, treated))
    codes, groups = cluster_codes(data[cluster]) if cluster else (None, None)
    w = data[weight].cast(pl.Float64).to_numpy() if weight else None
    res = fit(data[outcome].cast(pl.Float64).to_numpy(), x, names, w, clusters=codes)
    k = len(rels)
    table = coefficient_table(res, names)[-k:].with_columns(relative_period=pl.Series(rels))
    leads = [i for i, r in enumerate(rels) if r < -1]
    f, p = _joint_leads(res, x.shape[1] - k, leads, groups)
    return EventStudyResult(
        _with_reference(table),
        f,
        p,
        bool(p >= ALPHA),
        sum(r < -1 for r in rels),
        sum(r >= 0 for r in rels),
        data.height,
        groups,
    )


def _check_binary(data: pl.DataFrame, column: str) -> None:
    values = set(data[column].cast(pl.Float64).unique().to_list())
    if not values <= {0.0, 1.0}:
        raise ValueError(f"{column!r} must be 0/1 or true/false; found {sorted(values)[:5]}")


def _check_both_groups(data: pl.DataFrame, treated: str) -> None:
    n_treated = int(data[treated].cast(pl.Int64).sum())
    if n_treated == 0:
        raise ValueError(f"no treated rows ({treated!r} is never 1): nothing to evaluate")
    if n_treated == data.height:
        raise ValueError(
            f"no control rows ({treated!r} is always 1): the control group is the treated "
            "group; choose queues or teams the change did not touch"
        )


def _check_design(data: pl.DataFrame, outcome: str, treated: str, post: str) -> None:
    for column in (treated, post):
        _check_binary(data, column)
    _check_both_groups(data, treated)
    cells = data.group_by(treated, post).len()
    empty = [
        f"{'treated' if g else 'control'} {'after' if a else 'before'}"
        for g in (0, 1)
        for a in (0, 1)
        if cells.filter(
            (pl.col(treated).cast(pl.Int64) == g) & (pl.col(post).cast(pl.Int64) == a)
        ).is_empty()
    ]
    if empty:
        raise ValueError(
            f"difference-in-differences needs all four groups; empty: {', '.join(empty)}"
        )
    if _same_outcomes(data, outcome, treated, post):
        raise ValueError(
            "the control group's data are identical to the treated group's; "
            "was the same scope chosen for both?"
        )


def _same_outcomes(data: pl.DataFrame, outcome: str, treated: str, post: str) -> bool:
    """Same multiset of outcomes in both groups, before and after (a duplicated scope)."""

    def values(g: int, a: int) -> pl.Series:
        sel = (pl.col(treated).cast(pl.Int64) == g) & (pl.col(post).cast(pl.Int64) == a)
        return data.filter(sel)[outcome].cast(pl.Float64).sort()

    return all(values(1, a).equals(values(0, a), check_names=False) for a in (0, 1))


def _cell_means(data: pl.DataFrame, outcome: str, treated: str, post: str) -> pl.DataFrame:
    return (
        data.group_by(
            pl.col(treated).cast(pl.Int64).alias("treated"),
            pl.col(post).cast(pl.Int64).alias("post"),
        )
        .agg(mean=pl.col(outcome).cast(pl.Float64).mean(), n=pl.len().cast(pl.Int64))
        .sort("treated", "post")
    )


def _unit_dummies(
    data: pl.DataFrame, unit: str | None, treated: str
) -> tuple[list[np.ndarray], list[str]] | None:
    """Unit dummies (the first unit dropped) for unit fixed effects, or None."""
    if unit is None:
        return None
    if (data.group_by(unit).agg(pl.col(treated).cast(pl.Int8).n_unique())[treated] > 1).any():
        raise ValueError(f"{treated!r} must be constant within each {unit}")
    codes = data[unit].rank("dense").cast(pl.Int64).to_numpy()
    levels = range(2, int(codes.max()) + 1)
    return [(codes == g).astype(float) for g in levels], [f"unit_{g}" for g in levels]


def _event_design(
    d: np.ndarray,
    t: np.ndarray,
    rel: np.ndarray,
    units: tuple[list[np.ndarray], list[str]] | None = None,
) -> tuple[np.ndarray, list[str], list[int]]:
    """Columns: intercept, treated (or unit dummies), period dummies (first dropped),
    treated x period."""
    periods = np.unique(t)
    offset = int(t.min() - rel.min())  # rel = t - offset for every row
    if not (d * (rel == -1)).any():
        raise ValueError("the treated group has no rows in the last period before the change")
    rels = [int(p - offset) for p in periods if p - offset != -1 and (d * (t == p)).any()]
    if not any(r < -1 for r in rels):
        raise ValueError(
            "an event study needs at least 2 periods before the change (one is the "
            "reference); found 1"
        )
    group, group_names = units or ([d], ["treated"])
    fe = [(t == p).astype(float) for p in periods[1:]]
    leads_lags = [d * (rel == r) for r in rels]
    names = ["intercept", *group_names, *[f"period_{int(p)}" for p in periods[1:]]]
    names += [_event_term(r) for r in rels]
    return np.column_stack([np.ones_like(d), *group, *fe, *leads_lags]), names, rels


def _event_term(rel: int) -> str:
    return f"lead_{-rel}" if rel < 0 else f"lag_{rel}"


def _joint_leads(
    res: Any, first: int, leads: list[int], n_clusters: int | None
) -> tuple[float, float]:
    """F test (classical) or Hotelling-scaled Wald test (cluster) that all leads are 0.

    ``first`` is the position of the first lead/lag coefficient. With G clusters and q
    leads the cluster Wald statistic W is used as W (G - q) / (q (G - 1)) ~ F(q, G - q)
    (Hotelling's T-squared scaling). In simulated panels with parallel trends (q = 7
    leads) the plain W / q ~ F(q, G - 1) rejected about 20% of the time at G = 20;
    the scaled test 5% at G = 20 and 40, still 10% at G = 10 (1000 replications).
    """
    nan = float("nan")
    q = len(leads)
    # The cluster-robust covariance has rank at most G - 1: more leads, no valid test.
    if n_clusters is not None and q > n_clusters - 1:
        return nan, nan
    r = np.zeros((q, len(res.params)))
    r[np.arange(q), [first + i for i in leads]] = 1.0
    f = float(np.squeeze(res.f_test(r).fvalue))  # W / q
    if not np.isfinite(f):
        return nan, nan
    if n_clusters is None:
        return f, float(stats.f.sf(f, q, res.df_resid))
    f *= (n_clusters - q) / (n_clusters - 1)
    return f, float(stats.f.sf(f, q, n_clusters - q))


def _with_reference(table: pl.DataFrame) -> pl.DataFrame:
    reference = pl.DataFrame(
        {"term": ["lead_1"], "estimate": [0.0], "se": [None], "low": [None], "high": [None],
         "p": [None], "relative_period": [-1]},
        schema={**TABLE_SCHEMA, "relative_period": pl.Int64},
    )  # fmt: skip
    columns = ["term", "relative_period", "estimate", "se", "low", "high", "p"]
    table = table.with_columns(pl.col("relative_period").cast(pl.Int64))
    return pl.concat([table, reference]).sort("relative_period").select(columns)
