"""What drives satisfaction: relative importance, odds ratios and their guards.

Fitted on the cells of :mod:`analytics.drivers.cells` (counts per combination of driver
levels), never on raw rows: Johnson's relative weights (and the Shapley / LMG split
with dominance analysis when there are few drivers) from the cells' moments, their
bootstrap intervals from resampled cell counts, and the logit / ordinal logit on the
cells as grouped counts.
Also the views built on the same cells: the outcome by call-duration band for resolved
and unresolved calls with a one-line verdict, the importance-performance quadrant, and
the drivers side by side per segment and queue.

Everything here is an association in the data at hand, not a cause; the page says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from analytics.drivers import importance, models, shapley
from analytics.drivers.cells import (
    BINARY,
    SPECS,
    Design,
    Outcome,
    design,
    flat_columns,
    outcome_cells,
    usable,
)
from analytics.metrics import LOW_SAMPLE, mean_from_moments, proportion

MIN_RESPONSES = 200  # below this a driver model is mostly noise: a guard replaces it
MIN_PER_COLUMN = 10  # responses (binary outcomes: the rarer answer) per model column
VIF_WARN = 5.0
N_BOOT = 200
BLOCK = 8192  # cells per block of the bootstrap's matrix product (bounds its memory)
CLEAR_RATIO = 1.5  # one gap this many times the other "matters more"

Direction = Literal["up", "down", "unclear", "by_level"]
GuardCode = Literal[
    "min_sample", "few_per_column", "collinear", "no_variation", "not_converged", "separation"
]
MAX_CI_RATIO = 1e4  # an odds-ratio interval wider than this factor is not an estimate


@dataclass(frozen=True)
class Guard:
    """A reason to read the results with care: a code for the text, and its numbers.

    ``terms``: ``(driver, level, reference)`` of the odds ratios concerned.
    """

    code: GuardCode
    drivers: tuple[str, ...] = ()
    value: float = float("nan")
    terms: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, eq=False)  # eq=False: polars frames do not compare to a bool
class DriverAnalysis:
    """Relative importance, odds ratios and guards for one outcome and set of drivers.

    ``importance``: ``driver, raw_weight, share, share_low, share_high, shapley_share,
    direction`` (shares of the explained variance in percent with 95% bootstrap limits;
    Shapley with each driver's dummies entering together, for at most 12 drivers, else
    NaN). ``dominates``: pairs ``(a, b)`` where driver ``a`` completely dominates ``b``
    (empty past 12 drivers). ``odds_ratios``: ``driver, level, reference, odds_ratio,
    low, high, p, estimable`` from the logit (binary outcomes) or the ordinal logit
    (CSAT 1-5, CES); not estimable: the interval is unbounded or spans more than a
    factor of 10,000 (a level with few responses, nearly all the same answer).
    ``performance``: ``driver, performance``, the % of responses whose call did well on
    the driver. ``mc_error``: Monte Carlo error of the bootstrap limits, in share points.
    """

    outcome: Outcome
    drivers: tuple[str, ...]
    n: int
    r2: float
    importance: pl.DataFrame
    odds_ratios: pl.DataFrame
    vif: pl.DataFrame
    performance: pl.DataFrame
    pseudo_r2: float
    n_boot: int
    mc_error: float
    guards: tuple[Guard, ...]
    dominates: tuple[tuple[str, str], ...] = ()

    @property
    def enough(self) -> bool:
        return not any(g.code == "min_sample" for g in self.guards)

    @property
    def model(self) -> Literal["logit", "ordinal"]:
        return "logit" if self.outcome in BINARY else "ordinal"


def _by_driver(d: Design, per_column: np.ndarray) -> np.ndarray:
    """Sum per-column values (the weights of a driver's dummies) per driver."""
    out = np.zeros(len(d.drivers))
    np.add.at(out, [d.drivers.index(o) for o in d.owners], per_column)
    return out


def _column_weights(names: Sequence[str], m: importance.CrossMoments) -> np.ndarray:
    """Johnson's raw weight of each model column in ``m``; a column that does not vary
    there (a rare level absent from a resample or a group) adds nothing and weighs 0."""
    flat = flat_columns(m)
    keep = [i for i in range(len(names)) if i not in flat]
    out = np.zeros(len(names))
    if keep:
        cols = [names[i] for i in keep]
        table = importance.relative_weights_from_corr(m.corr(["y", *cols]), cols)
        out[keep] = table["raw_weight"].to_numpy()
    return out


def _shares(d: Design, m: importance.CrossMoments) -> np.ndarray:
    raw = _by_driver(d, _column_weights(d.names, m))
    return 100 * raw / raw.sum()


def _bootstrap(d: Design, n_boot: int, seed: int) -> tuple[np.ndarray, float, int]:
    """95% percentile limits of each driver's share, their Monte Carlo error, resamples.

    A Poisson bootstrap on the cells: each cell's count is redrawn as Poisson(count),
    the large-sample equivalent of resampling all N responses with replacement
    (Hanley & MacGibbon 2006; Chamandy et al. 2012), so no sample of raw rows is
    needed and the intervals are for the full data. A rare level missing from a
    resample weighs 0 there (what the estimate is on that resample); dropping such
    resamples would bias the limits towards the resamples that keep every level. The
    Monte Carlo error of a 2.5% limit over B resamples is about
    ``sqrt(.025 * .975 / B) / phi(1.96)`` bootstrap SDs, 0.19 at B = 200 (Efron &
    Tibshirani 1993, ch. 19).
    """
    rng = np.random.default_rng(seed)
    k = d.z.shape[1]
    total, sums, upper = (
        np.zeros(n_boot),
        np.zeros((k, n_boot)),
        np.zeros((k * (k + 1) // 2, n_boot)),
    )
    for start in range(0, len(d.n), BLOCK):
        rows = slice(start, start + BLOCK)
        counts = rng.poisson(d.n[rows, None], size=(len(d.n[rows]), n_boot)).astype(np.float64)
        t, s, u = d.weighted_sums(rows, counts)
        total, sums, upper = total + t, sums + s, upper + u  # blocks add up
    draws = []
    for b in range(n_boot):
        try:
            draws.append(_shares(d, d.moments_from(total[b], sums[:, b], upper[:, b])))
        except ValueError:  # the outcome itself does not vary in this resample
            continue
    boot = np.array(draws).reshape(-1, len(d.drivers))
    limits = np.percentile(boot, [2.5, 97.5], axis=0)
    mc = np.sqrt(0.025 * 0.975 / max(len(boot), 1)) / 0.05844 * boot.std(axis=0).max()
    return limits, float(mc), len(boot)


def _fit(d: Design, outcome: Outcome) -> tuple[pl.DataFrame, float, bool]:
    """Log-odds table of the logit (binary) or ordinal logit on the grouped counts.

    Exactly collinear columns have no odds ratios (the models refuse them, rightly):
    the table is then empty and the collinearity guard says why.
    """
    try:
        if outcome in BINARY:
            fit = models.logit_drivers(d.frame, "y", d.names, weights="n")
            return fit.table, fit.pseudo_r2, fit.converged
        ordinal = models.ordinal_logit(d.frame, "y", d.names, weights="n")
        return ordinal.table, ordinal.pseudo_r2, ordinal.converged
    except ValueError:
        schema = dict.fromkeys(("estimate", "se", "low", "high", "p"), pl.Float64)
        return pl.DataFrame(schema={"term": pl.String, **schema}), float("nan"), True


def _odds(d: Design, table: pl.DataFrame) -> pl.DataFrame:
    """``driver, level, reference, odds_ratio, low, high, p`` (no rows without a fit)."""
    terms = pl.DataFrame(
        {
            "term": list(d.names),
            "driver": list(d.owners),
            "level": list(d.levels),
            "reference": [d.references[o] for o in d.owners],
        }
    )
    exp = [
        pl.col(c).exp().alias(n)
        for c, n in (("estimate", "odds_ratio"), ("low", "low"), ("high", "high"))
    ]
    out = terms.join(table.select("term", *exp, "p"), on="term", maintain_order="right")
    bounded = pl.col("low").is_finite() & pl.col("high").is_finite() & (pl.col("low") > 0)
    return out.drop("term").with_columns(
        estimable=(bounded & (pl.col("high") < MAX_CI_RATIO * pl.col("low"))).fill_null(False)
    )


def _direction(d: Design, odds: pl.DataFrame, driver: str) -> Direction:
    """Up / down when the model's coefficients say so at 5%; nominal drivers by level.

    Flags: the sign of their coefficient. Banded drivers: the sign of the count-weighted
    slope of the band coefficients (the reference band at 0) over the band codes.
    """
    if SPECS[driver].kind == "category":
        return "by_level"
    rows = odds.filter((pl.col("driver") == driver) & pl.col("estimable"))
    if rows.height == 0 or not (rows["p"] < 0.05).any():
        return "unclear"
    coef = dict(zip(rows["level"], np.log(rows["odds_ratio"].to_numpy()), strict=True))
    totals = d.frame.group_by(driver).agg(pl.col("n").sum())
    code = totals[driver].cast(pl.Float64).to_numpy()
    beta = np.array([coef.get(level, 0.0) for level in totals[driver]])
    slope = np.cov(code, beta, aweights=totals["n"].to_numpy().astype(np.float64))[0, 1]
    return "up" if slope > 0 else "down"


def _performance(d: Design) -> pl.DataFrame:
    """% of responses whose call did well on each driver that has a 'good' level."""
    rows = []
    for driver in d.drivers:
        good = SPECS[driver].good
        if good is not None:
            hit = d.frame.filter(pl.col(driver).is_in([str(g) for g in good]))["n"].sum()
            rows.append({"driver": driver, "performance": 100 * hit / d.n.sum()})
    return pl.DataFrame(rows, schema={"driver": pl.String, "performance": pl.Float64})


def _guards(
    d: Design, vif: pl.DataFrame, odds: pl.DataFrame, outcome: Outcome, converged: bool
) -> list[Guard]:
    out = []
    events = min(d.n[d.y == 1].sum(), d.n[d.y == 0].sum()) if outcome in BINARY else d.n.sum()
    if events < MIN_PER_COLUMN * len(d.names):
        out.append(Guard("few_per_column", value=float(events / len(d.names))))
    high = vif.filter(pl.col("vif") > VIF_WARN)
    if high.height:
        out.append(Guard("collinear", tuple(dict.fromkeys(high["driver"])), high["vif"].max()))  # type: ignore[arg-type]
    if not converged:
        out.append(Guard("not_converged"))
    unbounded = odds.filter(~pl.col("estimable"))
    if unbounded.height and odds.height:
        terms = tuple(unbounded.select("driver", "level", "reference").iter_rows())
        out.append(Guard("separation", tuple(dict.fromkeys(unbounded["driver"])), terms=terms))
    return out


def _dominance(d: Design, m: importance.CrossMoments) -> shapley.Dominance | None:
    """Shapley (general dominance) shares and complete dominance, each driver's dummies
    entering together; None past 12 drivers (2^p sub-models)."""
    if len(d.drivers) > shapley.MAX_SHAPLEY_DRIVERS:
        return None
    return shapley.dominance_from_corr(m.corr(["y", *d.names]), d.names, d.owners)


def analyse(
    cells: pl.DataFrame,
    outcome: Outcome,
    drivers: Sequence[str],
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> DriverAnalysis:
    """Relative importance with bootstrap limits, odds ratios and signs, VIF and sample
    guards for one outcome and set of drivers (drivers that do not vary are dropped).

    Runs with one BLAS thread: the matrices are small (cells x model columns), and
    OpenBLAS threads that spin for a core on a busy 2-core machine made the same fit
    three to five times slower.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _analyse(cells, outcome, drivers, n_boot, seed)


def _analyse(
    cells: pl.DataFrame, outcome: Outcome, drivers: Sequence[str], n_boot: int, seed: int
) -> DriverAnalysis:
    d, dead = usable(outcome_cells(cells, outcome), drivers)
    guards = [Guard("no_variation", dead)] if dead else []
    n = int(d.n.sum())
    if n < MIN_RESPONSES or not d.names or np.ptp(d.y) == 0:
        return _empty(outcome, n, (*guards, Guard("min_sample", value=n)))
    m = d.moments()
    raw = _by_driver(
        d, importance.relative_weights_from_moments(m, "y", d.names)["raw_weight"].to_numpy()
    )
    limits, mc, used = _bootstrap(d, n_boot, seed)
    dom = _dominance(d, m)
    shapley = dict(dom.table.select("driver", "share").iter_rows()) if dom else {}
    table, pseudo_r2, converged = _fit(d, outcome)
    odds = _odds(d, table)
    vif = importance.vif_from_corr(m.corr(d.names), d.names).with_columns(
        driver=pl.Series(d.owners)
    )
    shares = pl.DataFrame(
        {
            "driver": list(d.drivers),
            "raw_weight": raw,
            "share": 100 * raw / raw.sum(),
            "share_low": limits[0],
            "share_high": limits[1],
            "shapley_share": [shapley.get(k, np.nan) for k in d.drivers],
            "direction": [_direction(d, odds, k) for k in d.drivers],
        }
    )
    return DriverAnalysis(
        outcome=outcome,
        drivers=d.drivers,
        n=n,
        r2=float(raw.sum()),
        importance=shares.sort("share", descending=True),
        odds_ratios=odds,
        vif=vif,
        performance=_performance(d),
        pseudo_r2=pseudo_r2,
        n_boot=used,
        mc_error=mc,
        guards=(*guards, *_guards(d, vif, odds, outcome, converged)),
        dominates=dom.complete if dom else (),
    )


def _empty(outcome: Outcome, n: int, guards: tuple[Guard, ...]) -> DriverAnalysis:
    none = pl.DataFrame()
    return DriverAnalysis(outcome, (), n, np.nan, none, none, none, none, np.nan, 0, np.nan, guards)


# --- views on the same cells -------------------------------------------------------------


def by_duration(cells: pl.DataFrame, outcome: Outcome) -> pl.DataFrame:
    """The outcome per call-duration band, resolved and unresolved calls apart.

    ``resolved, duration, value, low, high, n, low_sample``: binary outcomes in percent
    with Wilson intervals, CSAT 1-5 and CES as means with t intervals.
    """
    frame = outcome_cells(cells, outcome).drop_nulls(["resolved", "duration"])
    sums = frame.group_by("resolved", "duration").agg(
        n=pl.col("n").sum(),
        s=(pl.col("n") * pl.col("y")).sum(),
        ss=(pl.col("n") * pl.col("y") ** 2).sum(),
    )
    rows = []
    for r in sums.sort("resolved", "duration").iter_rows(named=True):
        if outcome in BINARY:
            e = proportion(round(r["s"]), int(r["n"]))
        else:
            e = mean_from_moments(int(r["n"]), r["s"], r["ss"])
        rows.append(
            dict(resolved=r["resolved"], duration=r["duration"], value=e.value, low=e.low)
            | dict(high=e.high, n=e.n, low_sample=e.low_sample)
        )
    schema = dict(resolved=pl.Int8, duration=pl.Int8, value=pl.Float64, low=pl.Float64)
    return pl.DataFrame(
        rows, schema=schema | dict(high=pl.Float64, n=pl.Int64, low_sample=pl.Boolean)
    )


@dataclass(frozen=True)
class LeverVerdict:
    """Which goes with the larger difference in the outcome: resolution or call length.

    ``resolution_gap``: resolved minus unresolved at equal duration band (averaged over
    the bands, weighted by their responses). ``duration_gap``: the best minus the worst
    duration band at equal resolution (weighted by resolved / unresolved responses).
    Both in the outcome's unit (points); only bands with at least 30 responses count.
    ``code`` names the larger when it is at least 1.5 times the other.
    """

    code: Literal["resolution", "duration", "similar", "unknown"]
    resolution_gap: float
    duration_gap: float

    @property
    def ratio(self) -> float:
        small, large = sorted((abs(self.resolution_gap), abs(self.duration_gap)))
        return large / small if small > 0 else float("inf")


def verdict(bands: pl.DataFrame) -> LeverVerdict:
    """One verdict from :func:`by_duration`'s frame (the page words it)."""
    ok = bands.filter(pl.col("n") >= LOW_SAMPLE)
    wide = ok.pivot("resolved", index="duration", values=["value", "n"]).drop_nulls()
    ranges = ok.group_by("resolved").agg(
        gap=pl.col("value").max() - pl.col("value").min(), n=pl.col("n").sum(), k=pl.len()
    )
    ranges = ranges.filter(pl.col("k") >= 2)
    if wide.height == 0 or ranges.height == 0 or {"value_0", "value_1"} - set(wide.columns):
        return LeverVerdict("unknown", float("nan"), float("nan"))
    gaps = (wide["value_1"] - wide["value_0"]).to_numpy()
    res = float(np.average(gaps, weights=(wide["n_0"] + wide["n_1"]).to_numpy()))
    dur = float(np.average(ranges["gap"].to_numpy(), weights=ranges["n"].to_numpy()))
    if abs(res) >= CLEAR_RATIO * dur:
        return LeverVerdict("resolution", res, dur)
    if dur >= CLEAR_RATIO * abs(res):
        return LeverVerdict("duration", res, dur)
    return LeverVerdict("similar", res, dur)


def quadrant(a: DriverAnalysis) -> pl.DataFrame:
    """Importance-performance: ``driver, performance, importance, quadrant`` and the cut
    lines ``performance_cut, importance_cut`` (the means of the drivers shown).

    ``fix_first``: above-average importance, below-average performance.
    """
    frame = a.performance.join(a.importance.select("driver", importance="share"), on="driver")
    if frame.height == 0:
        return frame.with_columns(quadrant=pl.lit(None, pl.String))
    x_cut, y_cut = frame["performance"].mean(), frame["importance"].mean()
    high, good = pl.col("importance") >= y_cut, pl.col("performance") >= x_cut
    code = (
        pl.when(high & ~good).then(pl.lit("fix_first"))
        .when(high).then(pl.lit("keep_up"))
        .when(~good).then(pl.lit("low_priority"))
        .otherwise(pl.lit("overkill"))
    )  # fmt: skip
    return frame.with_columns(quadrant=code, performance_cut=x_cut, importance_cut=y_cut)


def _group_shares(d: Design, rows: np.ndarray) -> tuple[dict[str, float], int]:
    """Driver shares within the cells ``rows``, on the overall design's columns (the
    same reference levels everywhere, so the groups compare); columns that do not vary
    in the group weigh nothing, and a driver with none left has no share."""
    m = d.moments(rows)
    if m.n < MIN_RESPONSES:
        return {}, int(m.n)
    try:
        raw = _column_weights(d.names, m)
    except ValueError:  # the outcome does not vary in this group
        return {}, int(m.n)
    flat = flat_columns(m)
    varies = {o for i, o in enumerate(d.owners) if i not in flat}
    per_driver = _by_driver(d, raw)
    total = per_driver.sum()
    return {
        k: 100 * w / total for k, w in zip(d.drivers, per_driver, strict=True) if k in varies
    }, int(m.n)


def by_segment(cells: pl.DataFrame, outcome: Outcome, drivers: Sequence[str]) -> pl.DataFrame:
    """Importance shares side by side: all responses, B2B vs B2C, and each queue.

    ``dim, group, driver, share, n, enough``; a driver constant within a group (the
    queue within one queue) has no share there; groups under the minimum sample none.
    """
    d = design(
        outcome_cells(cells, outcome),
        drivers,
        keep=[k for k in ("segment", "queue") if k not in drivers],
    )
    with threadpool_limits(limits=1, user_api="blas"):  # as in analyse()
        return _by_segment(d, drivers)


def _by_segment(d: Design, drivers: Sequence[str]) -> pl.DataFrame:
    groups: list[tuple[str, str, np.ndarray]] = [("all", "", np.ones(len(d.n), bool))]
    for dim in ("segment", "queue"):
        top = (
            d.frame.group_by(dim)
            .agg(pl.col("n").sum())
            .drop_nulls()
            .sort("n", dim, descending=[True, False])
        )
        groups += [(dim, v, (d.frame[dim] == v).to_numpy()) for v in top[dim].head(12)]
    rows = []
    for dim, value, mask in groups:
        shares, n = _group_shares(d, mask)
        rows += [
            dict(dim=dim, group=value, driver=k, share=shares.get(k), n=n, enough=bool(shares))
            for k in drivers
        ]
    schema = dict(dim=pl.String, group=pl.String, driver=pl.String, share=pl.Float64)
    return pl.DataFrame(rows, schema=schema | dict(n=pl.Int64, enough=pl.Boolean))
