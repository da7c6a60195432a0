"""Fair rankings of agents and teams: empirical-Bayes shrinkage of CSAT and NPS.

A small agent with 8 answers out of 8 is not the best agent of the center. Each
unit's estimate is pulled toward its group's mean (agents toward their team, teams
toward the center) in proportion to how little data it has; units are ranked by the
shrunk estimate, the raw figure shown beside it, with a rank range and a tier
(:mod:`analytics.review.rank_ranges`) saying how sure that order is. The database returns
per-agent counts (:func:`analytics.queries.survey_stats`); the shrinkage runs here.

Agents are shown by ``agent_id``: the data contract's ``calls`` table has no agent
name column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from scipy import special  # not scipy.stats: 1 s less at the app's cold start

from analytics import queries
from analytics.i18n import Lang, t
from analytics.metrics import Z95, nps_from_counts, proportion
from analytics.queries import Filters, Reader
from analytics.review import rank_ranges

Level = Literal["agent", "team"]
Metric = Literal["csat", "nps"]
METRICS: tuple[Metric, ...] = ("csat", "nps")
LEVELS: tuple[Level, ...] = ("agent", "team")
MIN_N = 30
CENTER = "(center)"


@dataclass(frozen=True)
class BetaPrior:
    """Beta(a, b) prior for unit proportions; ``tau2`` the between-unit variance."""

    a: float
    b: float
    mean: float
    tau2: float


@dataclass(frozen=True)
class NormalPrior:
    mean: float
    tau2: float
    sigma2: float  # per-response variance (pooled)
    mean_var: float  # variance of the estimated mean
    k: int = 0  # units the prior was estimated from (James-Stein factor (k - 3)/(k - 1))


def beta_binomial_mom(x: np.ndarray, n: np.ndarray) -> BetaPrior:
    """Method-of-moments beta prior from successes ``x`` out of ``n`` per unit.

    μ = Σx / Σn; S² = Σ(p_i − μ)² / (k − 1); τ² = S² − μ(1 − μ)·mean(1/n_i) (the
    part of the spread not explained by binomial noise). Then a + b = μ(1 − μ)/τ² − 1,
    a = μ(a + b). When τ² ≤ 0 or fewer than 3 units, or a + b would exceed Σn, the
    prior weight is capped at Σn (the prior never outweighs all the data).

    References
    ----------
    Kleinman, J. C. (1973). Proportions with extraneous variance: single and
    independent samples. JASA 68, 46-54.
    Efron, B. & Morris, C. (1975). Data analysis using Stein's estimator and its
    generalizations. JASA 70, 311-319.
    """
    x, n = np.asarray(x, float), np.asarray(n, float)
    keep = n > 0
    x, n = x[keep], n[keep]
    mu = x.sum() / n.sum() if n.sum() else math.nan
    k = len(n)
    tau2 = (
        float(((x / n - mu) ** 2).sum() / (k - 1) - mu * (1 - mu) * (1 / n).mean())
        if k > 2
        else 0.0
    )
    cap = float(n.sum())
    weight = mu * (1 - mu) / tau2 - 1 if tau2 > 0 else cap
    weight = min(max(weight, 0.0), cap)
    return BetaPrior(mu * weight, (1 - mu) * weight, float(mu), max(tau2, 0.0))


def shrink_proportions(
    x: np.ndarray, n: np.ndarray, prior: BetaPrior
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean (x + a)/(n + a + b) and 95% equal-tailed Beta interval."""
    x, n = np.asarray(x, float), np.asarray(n, float)
    a, b = x + prior.a, n - x + prior.b
    return a / (a + b), special.betaincinv(a, b, 0.025), special.betaincinv(a, b, 0.975)


def normal_mom(promoters: np.ndarray, detractors: np.ndarray, n: np.ndarray) -> NormalPrior:
    """Normal prior for unit NPS (as fractions) by the method of moments.

    Per-response variance from the trinomial: σ² = p + d − (p − d)² with the pooled
    p, d (so a unit with 5 promoters out of 5 does not claim zero variance); unit
    sampling variance v_i = σ²/n_i; τ² = max(S² − mean(v_i), 0) with S² the spread
    of the unit values around the pooled mean (k − 1 in the denominator).

    References
    ----------
    Morris, C. N. (1983). Parametric empirical Bayes inference: theory and
    applications. JASA 78, 47-55.
    """
    p_, d_, n = (np.asarray(v, float) for v in (promoters, detractors, n))
    keep = n > 0
    p_, d_, n = p_[keep], d_[keep], n[keep]
    total = n.sum()
    p, d = p_.sum() / total, d_.sum() / total
    sigma2 = p + d - (p - d) ** 2
    y, mu = (p_ - d_) / n, p - d
    k = len(n)
    s2 = ((y - mu) ** 2).sum() / (k - 1) if k > 2 else 0.0
    tau2 = float(max(s2 - (sigma2 / n).mean(), 0.0))
    return NormalPrior(float(mu), tau2, float(sigma2), float(sigma2 / total), k)


def shrink_normal(
    promoters: np.ndarray, detractors: np.ndarray, n: np.ndarray, prior: NormalPrior
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean μ + (1 − B)(y − μ) with the James-Stein / Morris factor
    B = (k − 3)/(k − 1) · v/(v + τ²); var (1 − B)v + B²·var(μ).

    With equal v this B is (k − 3)v / Σ(y − ȳ)², the James-Stein estimator, so the
    batting averages of Efron & Morris (1975, table 1) are reproduced. Fewer than 4
    units: no shrinkage (too few to estimate the spread between units).

    References
    ----------
    Efron, B. & Morris, C. (1975). Data analysis using Stein's estimator and its
    generalizations. JASA 70, 311-319.
    Morris, C. N. (1983). Parametric empirical Bayes inference. JASA 78, 47-55, sec. 3.
    """
    n = np.asarray(n, float)
    y = (np.asarray(promoters, float) - np.asarray(detractors, float)) / n
    shrink, v = normal_pull(n, prior)
    post = prior.mean + (1 - shrink) * (y - prior.mean)
    sd = np.sqrt((1 - shrink) * v + shrink**2 * prior.mean_var)
    return post, post - Z95 * sd, post + Z95 * sd


def normal_pull(n: np.ndarray, prior: NormalPrior) -> tuple[np.ndarray, np.ndarray]:
    """The shrinkage factor B of :func:`shrink_normal` and the sampling variance v."""
    v = prior.sigma2 / np.asarray(n, float)
    factor = (prior.k - 3) / (prior.k - 1) if prior.k > 3 else 0.0
    return factor * (v / (v + prior.tau2) if prior.tau2 > 0 else np.ones_like(v)), v


def unit_stats(reader: Reader, filters: Filters) -> pl.DataFrame:
    """Per agent (with its team): NPS and CSAT counts in the filters."""
    by = ("team", "agent_id")
    facts = queries.apply_filters(queries.facts(reader, "surveys", filters, by), filters, "surveys")
    facts = facts.filter(facts.agent_id.notnull())
    out = reader.read(queries.stats("surveys", facts, by))
    counts = ("n_nps", "promoters", "detractors", "n_csat", "csat_top2")
    return out.select(
        pl.col("team").fill_null(CENTER),
        "agent_id",
        *(pl.col(c).fill_null(0).cast(pl.Int64) for c in counts),
    )


def rank(stats: pl.DataFrame, metric: Metric, level: Level, min_n: int = MIN_N) -> pl.DataFrame:
    """Shrunk estimates and ranks for agents (prior: their team) or teams (the center).

    Columns ``unit, team, n, raw, raw_low, raw_high, value, low, high, prior, rank,
    rank_low, rank_high, tier`` in percent (CSAT top-2-box) or points (NPS). ``rank``
    orders the shrunk values; ``rank_low`` .. ``rank_high`` is the 95% range of ranks
    the data is compatible with and ``tier`` top / middle / bottom
    (:mod:`analytics.review.rank_ranges`), which is what a reader should be shown. The rank
    columns are null below ``min_n`` answers (shown, not ranked). Sorted by tier (top,
    middle, bottom, then the units not ranked), then by rank: a unit of the top tier
    is never listed below one that cannot be told apart from the middle.
    """
    units = _units(stats, level)
    x_col, n_col = ("csat_top2", "n_csat") if metric == "csat" else ("promoters", "n_nps")
    units = units.filter(pl.col(n_col) > 0)
    parts = [
        _shrink_group(g, metric, n_col)
        for _, g in units.group_by("prior_group", maintain_order=True)
    ]
    if not parts:
        return pl.DataFrame(schema=_RANK_SCHEMA)
    # Sorted by unit first, so that ties (equal estimates) rank and list the same
    # way on every run, whatever order the query returned the units in.
    out = (
        pl.concat(parts)
        .sort("unit")
        .with_columns(n=pl.col(n_col), raw=_raw_value(metric, x_col, n_col))
    )
    ranked = pl.col("n") >= min_n
    out = out.with_columns(
        rank=pl.when(ranked).then(pl.col("value").rank("ordinal", descending=True).over(ranked))
    )
    out = out.with_columns(rank=pl.when(ranked).then(pl.col("rank")).cast(pl.Int64))
    out = out.with_columns(_raw_interval(out, metric, x_col, n_col))
    out = _with_rank_ranges(out, metric)
    tier_order = pl.col("tier").replace_strict(
        {k: i for i, k in enumerate(rank_ranges.TIERS)}, default=len(rank_ranges.TIERS)
    )
    return out.select(list(_RANK_SCHEMA)).sort(
        [tier_order, "rank", "value", "unit"],
        descending=[False, False, True, False],
        nulls_last=True,
    )


_RANK_SCHEMA = {
    "unit": pl.String,
    "team": pl.String,
    "n": pl.Int64,
    "raw": pl.Float64,
    "raw_low": pl.Float64,
    "raw_high": pl.Float64,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "prior": pl.Float64,
    "rank": pl.Int64,
    "rank_low": pl.Int64,
    "rank_high": pl.Int64,
    "tier": pl.String,
}


def _units(stats: pl.DataFrame, level: Level) -> pl.DataFrame:
    if level == "agent":
        return stats.with_columns(unit=pl.col("agent_id"), prior_group=pl.col("team"))
    teams = stats.group_by("team").agg(pl.exclude("agent_id").sum())
    return teams.with_columns(unit=pl.col("team"), prior_group=pl.lit(CENTER))


def _shrink_group(g: pl.DataFrame, metric: Metric, n_col: str) -> pl.DataFrame:
    """Shrunk values and intervals, and each unit's posterior for the rank draws:
    Beta(``post_a``, ``post_b``) for CSAT; for NPS, the shrinkage ``pull`` B, the sd
    given the group mean ``cond_sd`` and the sd of that mean ``group_sd``."""
    n = g[n_col].to_numpy()
    if metric == "csat":
        x = g["csat_top2"].to_numpy()
        prior = beta_binomial_mom(x, n)
        value, low, high = shrink_proportions(x, n, prior)
        mean = prior.mean
        posterior = {"post_a": x + prior.a, "post_b": n - x + prior.b}
    else:
        p, d = g["promoters"].to_numpy(), g["detractors"].to_numpy()
        nprior = normal_mom(p, d, n)
        value, low, high = shrink_normal(p, d, n, nprior)
        mean = nprior.mean
        pull, v = normal_pull(n, nprior)
        posterior = {"pull": pull, "cond_sd": np.sqrt((1 - pull) * v)}
        posterior["group_sd"] = np.full(len(n), math.sqrt(nprior.mean_var))
    return g.with_columns(
        value=pl.Series(100 * value),
        low=pl.Series(100 * low),
        high=pl.Series(100 * high),
        prior=pl.lit(100 * mean),
        **{k: pl.Series(k, np.asarray(v, float)) for k, v in posterior.items()},
    )


def _with_rank_ranges(out: pl.DataFrame, metric: Metric) -> pl.DataFrame:
    """Rank range and tier of each ranked unit, among the ranked units only."""
    out = out.with_row_index("_row")
    ranked = out.filter(pl.col("rank").is_not_null())
    if ranked.is_empty():
        empty = {"rank_low": pl.Int64, "rank_high": pl.Int64, "tier": pl.String}
        return out.with_columns(pl.lit(None, dtype).alias(c) for c, dtype in empty.items())
    low, high = rank_ranges.rank_range(rank_ranges.ranks(_draws(ranked, metric)))
    found = ranked.select(
        "_row",
        rank_low=pl.Series(low, dtype=pl.Int64),
        rank_high=pl.Series(high, dtype=pl.Int64),
        tier=pl.Series(rank_ranges.tiers(low, high, ranked.height), dtype=pl.String),
    )
    return out.join(found, on="_row", how="left").drop("_row")


def _draws(units: pl.DataFrame, metric: Metric) -> np.ndarray:
    if metric == "csat":
        return rank_ranges.beta_draws(units["post_a"].to_numpy(), units["post_b"].to_numpy())
    group = units["prior_group"].rank("dense").cast(pl.Int64).to_numpy() - 1
    return rank_ranges.normal_draws(
        units["value"].to_numpy() / 100,
        units["cond_sd"].to_numpy(),
        units["pull"].to_numpy(),
        group,
        units["group_sd"].to_numpy(),
    )


def _raw_value(metric: Metric, x_col: str, n_col: str) -> pl.Expr:
    n = pl.col(n_col).cast(pl.Float64)
    if metric == "csat":
        return 100 * pl.col(x_col) / n
    return 100 * (pl.col("promoters") - pl.col("detractors")) / n


def _raw_interval(out: pl.DataFrame, metric: Metric, x_col: str, n_col: str) -> list[pl.Series]:
    rows = out.select("promoters", "detractors", "csat_top2", n_col).iter_rows()
    est = [
        proportion(int(t2), int(n)) if metric == "csat" else nps_from_counts(int(p), int(d), int(n))
        for p, d, t2, n in rows
    ]
    return [
        pl.Series("raw_low", [e.low for e in est], pl.Float64),
        pl.Series("raw_high", [e.high for e in est], pl.Float64),
    ]


def ranking(
    reader: Reader, filters: Filters, metric: Metric, level: Level, min_n: int = MIN_N
) -> pl.DataFrame:
    """:func:`rank` on the store's data for the filters."""
    return rank(unit_stats(reader, filters), metric, level, min_n)


def shown(table: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """The table as a reader sees it: the tier in words and the rank range ("3–12",
    one number when the data is sure), "–" for units not ranked; no strict rank."""
    tier = pl.col("tier").replace_strict(
        {k: t(f"rank.tier.{k}", lang) for k in rank_ranges.TIERS}, default="–"
    )
    low, high = (pl.col(c).cast(pl.String) for c in ("rank_low", "rank_high"))
    same = pl.col("rank_low") == pl.col("rank_high")
    span = pl.when(same).then(low).otherwise(pl.concat_str(low, pl.lit("–"), high))
    return table.with_columns(tier=tier, range=span.fill_null("–"))


def tier_counts(table: pl.DataFrame) -> dict[rank_ranges.Tier, int]:
    """How many ranked units each tier holds."""
    counts = table["tier"].drop_nulls().value_counts()
    found = dict(zip(counts["tier"], counts["count"], strict=True))
    return {k: int(found.get(k, 0)) for k in rank_ranges.TIERS}
