"""Response bias: who answers the survey, how extreme they are, and what the
satisfaction of *all* calls would be.

The database returns counts per group (answered calls, responses, promoters...);
Wilson intervals and the post-stratified estimate are computed here on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir
import polars as pl

from analytics import overview, queries
from analytics.i18n import Lang, kpi_value, number, t
from analytics.metrics import NAN, Z95, Estimate, nps_from_counts, proportion
from analytics.queries import Filters, Reader

Outcome = Literal["resolved", "wait_band", "channel", "queue"]
OUTCOMES: tuple[Outcome, ...] = ("resolved", "wait_band", "channel", "queue")
WAIT_BANDS = ((20, "w0_20s"), (60, "w1_1m"), (180, "w2_3m"), (600, "w3_10m"))
CELL: tuple[str, ...] = ("resolved", "channel", "queue")
Metric = Literal["nps", "csat"]


def check_outcome(name: str) -> Outcome:
    """Allow-list for the response-rate breakdown."""
    if name not in OUTCOMES:
        raise ValueError(f"unknown outcome {name!r}; expected one of {', '.join(OUTCOMES)}")
    return name


def _answered(reader: Reader, filters: Filters) -> ir.Table:
    """Answered calls (not known to be abandoned, as the KPI tiles count them) with
    their wait band and outcome as codes. An unknown outcome or wait is its own level,
    "unknown", not "unresolved" or "over 10 min": missing is not a value, and a null
    would neither group nor join (post-stratification joins cells on these keys)."""
    calls, surveys = reader.table("calls"), reader.table("surveys")
    facts = queries.apply_filters(
        queries.call_facts(calls, surveys, queries.derived_of(reader)), filters, "calls"
    )
    return _coded(facts)


def _coded(facts: ir.Table) -> ir.Table:
    """:func:`_answered`'s codes on rows with the call's ``abandoned``, ``wait_s`` and
    ``resolved`` (calls, or answers kept with their call)."""
    facts = facts.filter(~facts.abandoned.fill_null(False))
    bands = ((facts.wait_s < s, code) for s, code in WAIT_BANDS)
    band = ibis.cases((facts.wait_s.isnull(), "unknown"), *bands, else_="w4_more")
    outcome = ibis.cases(
        (facts.resolved.isnull(), "unknown"), (facts.resolved, "true"), else_="false"
    )
    return facts.mutate(wait_band=band, resolved=outcome)


def response_rates(reader: Reader, filters: Filters, outcome: str) -> pl.DataFrame:
    """Response rate of answered calls by ``outcome``: ``group, calls, responses, rate,
    low, high`` in percent with Wilson intervals.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22, 209-212.
    """
    dim = check_outcome(outcome)
    facts = _answered(reader, filters)
    stats = reader.read(
        facts.group_by(facts[dim].cast("string").name("group")).aggregate(
            calls=facts.count(), responses=facts.surveyed.cast("int64").sum()
        )
    )
    rows = []
    for r in stats.sort("group").iter_rows(named=True):
        e = proportion(int(r["responses"] or 0), int(r["calls"]))
        rows.append({**r, "rate": e.value, "low": e.low, "high": e.high})
    return pl.DataFrame(rows, schema=_RATE_SCHEMA)


_RATE_SCHEMA = {
    "group": pl.String,
    "calls": pl.Int64,
    "responses": pl.Int64,
    "rate": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
}


def polarisation(reader: Reader, filters: Filters) -> pl.DataFrame:
    """Share of extreme answers: NPS 0-1 and 9-10, CSAT 1 and 5 (percent, Wilson)."""
    f = queries.apply_filters(queries.survey_facts(queries.answers(reader)), filters, "surveys")
    row = reader.read(
        f.aggregate(
            n_nps=f.nps.count(),
            nps_low=(f.nps <= 1).cast("int64").sum(),
            nps_high=(f.nps >= 9).cast("int64").sum(),
            n_csat=f.csat.count(),
            csat_low=(f.csat == 1).cast("int64").sum(),
            csat_high=(f.csat == 5).cast("int64").sum(),
        )
    ).row(0, named=True)
    rows = []
    for band in ("nps_low", "nps_high", "csat_low", "csat_high"):
        n = int(row[f"n_{band.split('_')[0]}"] or 0)
        e = proportion(int(row[band] or 0), n)
        rows.append({"band": band, "x": int(row[band] or 0), "n": n} | _pct(e))
    return pl.DataFrame(rows)


def _pct(e: Estimate) -> dict[str, float]:
    return {"share": e.value, "low": e.low, "high": e.high}


# --- post-stratification ---------------------------------------------------------------


def cell_stats(reader: Reader, filters: Filters) -> pl.DataFrame:
    """Per resolved x channel x queue cell: answered calls and response counts."""
    facts = _answered(reader, filters)
    population = facts.group_by(list(CELL)).aggregate(calls=facts.count())
    kept = queries.kept_answers(reader)
    surveys = reader.table("surveys") if kept is None else kept.filter(kept.linked)
    # The surveys that count a call as surveyed (queries.call_facts): of unknown type too.
    tx = surveys.filter(surveys.survey_type.isnull() | (surveys.survey_type == "transactional"))
    if kept is None:
        joined = facts.select("call_id", *CELL).join(tx, "call_id")
    else:  # the answers carry their call: the same filters and codes, no join
        joined = _coded(queries.apply_filters(tx.mutate(at=tx.started_at), filters, "calls"))
    sample = joined.group_by(list(CELL)).aggregate(
        n_nps=joined.nps.count(),
        promoters=(joined.nps >= 9).cast("int64").sum(),
        detractors=(joined.nps <= 6).cast("int64").sum(),
        n_csat=joined.csat.count(),
        csat_top2=(joined.csat >= 4).cast("int64").sum(),
    )
    out = reader.read(population.left_join(sample, list(CELL)).select(population, *_COUNTS))
    return out.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in ("calls", *_COUNTS))


_COUNTS = ("n_nps", "promoters", "detractors", "n_csat", "csat_top2")


@dataclass(frozen=True)
class Reweighted:
    """A KPI as answered (raw) and post-stratified to the answered calls (weighted).

    ``cells``: non-empty population cells; ``collapsed``: cells without responses
    whose stratum was merged with its neighbours (see :func:`strata`);
    ``uncovered``: share of calls in strata left without any response (dropped).
    """

    metric: Metric
    raw: Estimate
    weighted: Estimate
    cells: int
    collapsed: int
    strata: int
    uncovered: float
    table: pl.DataFrame  # stratum-level: stratum, calls, n, value, call_share, resp_share


def strata(cells: pl.DataFrame, n_col: str) -> pl.DataFrame:
    """Assign each cell to a stratum, collapsing where a cell has no responses.

    Rule: if any channel of a resolved x queue group has no responses, the group's
    channels are merged (stratum resolved x queue); if a resolved x queue stratum is
    still empty, all queues of that resolved value are merged (stratum resolved).
    A resolved stratum with no responses at all is dropped and its calls reported as
    uncovered. Strata never overlap, so the stratified variance stays valid.
    """
    c = cells.with_columns(pl.col("resolved").cast(pl.String))
    empty_rq = (pl.col(n_col) == 0).any().over("resolved", "queue")
    c = c.with_columns(
        stratum=pl.when(empty_rq)
        .then(pl.concat_str("resolved", pl.lit("*"), "queue", separator="|"))
        .otherwise(pl.concat_str("resolved", "channel", "queue", separator="|"))
    )
    empty_r = (pl.col(n_col).sum().over("stratum") == 0).any().over("resolved")
    c = c.with_columns(
        stratum=pl.when(empty_r)
        .then(pl.concat_str("resolved", pl.lit("*|*"), separator="|"))
        .otherwise("stratum"),
        collapsed=empty_rq,
    )
    return c


def reweight(cells: pl.DataFrame, metric: Metric) -> Reweighted:
    """Post-stratified NPS (points) or CSAT top-2-box (percent) over answered calls.

    Each stratum h gets its share of answered calls W_h; the estimate is Σ W_h p_h
    with variance Σ W_h² v_h / n_h, v_h the per-response variance (p(1-p) for CSAT,
    p + d - (p - d)² for NPS). Cells without responses are collapsed (see
    :func:`strata`).

    References
    ----------
    Holt, D. & Smith, T. M. F. (1979). Post stratification. JRSS A 142(1), 23-31.
    Lohr, S. L. (2019). Sampling: Design and Analysis, 2nd ed., sec. 4.4 (post-
    stratification) and 3.2 (stratified variance).
    """
    n_col = "n_nps" if metric == "nps" else "n_csat"
    st = strata(cells, n_col)
    by = st.group_by("stratum").agg(
        pl.col("calls").sum(),
        pl.col(n_col).sum().alias("n"),
        *(pl.col(c).sum() for c in ("promoters", "detractors", "csat_top2")),
    )
    by = by.with_columns(_value_var(metric)).sort("stratum")
    covered = by.filter(pl.col("n") > 0)
    total, kept, n = int(by["calls"].sum()), int(covered["calls"].sum()), int(by["n"].sum())
    table = by.with_columns(
        call_share=pl.col("calls") / max(total, 1), resp_share=pl.col("n") / max(n, 1)
    )
    return Reweighted(
        metric,
        _raw(by, metric),
        _stratified(covered, metric),
        cells=int((st["calls"] > 0).sum()),
        collapsed=int(st["collapsed"].sum()),
        strata=covered.height,
        uncovered=(total - kept) / total if total else 0.0,
        table=table,
    )


def _stratified(covered: pl.DataFrame, metric: Metric) -> Estimate:
    """Σ W_h p_h and its normal interval over the strata with responses (percent/points)."""
    n = int(covered["n"].sum())
    if not n:
        return Estimate(NAN, NAN, NAN, NAN, 0)
    w = covered["calls"].cast(pl.Float64) / covered["calls"].sum()
    value = float((w * covered["value"]).sum())
    se = math.sqrt(float((w * w * covered["var"] / covered["n"]).sum()))
    lo = -1.0 if metric == "nps" else 0.0
    low, high = max(value - Z95 * se, lo), min(value + Z95 * se, 1.0)
    return Estimate(100 * value, 100 * low, 100 * high, 100 * se, n)


def _value_var(metric: Metric) -> list[pl.Expr]:
    n = pl.col("n").cast(pl.Float64)
    if metric == "nps":
        p, d = pl.col("promoters") / n, pl.col("detractors") / n
        return [(p - d).alias("value"), (p + d - (p - d) ** 2).alias("var")]
    p = pl.col("csat_top2") / n
    return [p.alias("value"), (p * (1 - p)).alias("var")]


def _raw(by: pl.DataFrame, metric: Metric) -> Estimate:
    n = int(by["n"].sum())
    if metric == "nps":
        return nps_from_counts(int(by["promoters"].sum()), int(by["detractors"].sum()), n)
    return proportion(int(by["csat_top2"].sum()), n)


@dataclass(frozen=True)
class Driver:
    """The cell dimension level whose over/under-representation moves the raw figure most."""

    dimension: str
    level: str
    call_share: float
    resp_share: float
    value: float  # the metric among that level's respondents, in the metric's unit


def main_driver(cells: pl.DataFrame, metric: Metric) -> Driver | None:
    """Raw − weighted = Σ_h (r_h − W_h)(p_h − p̄): the marginal level with the largest term."""
    n_col = "n_nps" if metric == "nps" else "n_csat"
    c = cells.with_columns(pl.col(d).cast(pl.String) for d in CELL)
    total, n = int(c["calls"].sum()), int(c[n_col].sum())
    if not total or not n:
        return None
    raw = _raw(c.rename({n_col: "n"}), metric).value / 100
    best: tuple[float, Driver] | None = None
    for dim in CELL:
        g = c.group_by(dim).agg(
            pl.col("calls", n_col, "promoters", "detractors", "csat_top2").sum()
        )
        g = g.rename({n_col: "n"}).filter(pl.col("n") > 0).with_columns(_value_var(metric))
        for r in g.iter_rows(named=True):
            term = (r["n"] / n - r["calls"] / total) * (r["value"] - raw)
            driver = Driver(dim, r[dim], r["calls"] / total, r["n"] / n, 100 * r["value"])
            if best is None or abs(term) > best[0]:
                best = (abs(term), driver)
    return best[1] if best else None


def explain(result: Reweighted, driver: Driver | None, lang: Lang) -> str:
    """One sentence, in ``lang``, on how and why the weighted figure differs from the raw."""
    unit = "points" if result.metric == "nps" else "percent"
    diff = result.weighted.value - result.raw.value
    points = t("bias.unit.points", lang)
    params = dict(
        metric=t(f"kpi.{result.metric}", lang),
        raw=_in_unit(result.raw.value, unit, lang),
        weighted=_in_unit(result.weighted.value, unit, lang),
        diff=f"{number(diff, lang, 1, sign=True)} {points}",  # CSAT: percentage points
    )
    half = Z95 * result.raw.se
    if driver is None or math.isnan(diff) or abs(diff) < half / 2:
        return t("bias.explain.same", lang, **params)
    dim = t(f"bias.outcome.{driver.dimension}", lang).lower()
    who = (
        t(f"bias.who.{driver.level}", lang)
        if driver.dimension == "resolved"
        else t("bias.who.other", lang, dim=dim, level=driver.level)
    )
    return t(
        "bias.explain.diff",
        lang,
        **params,
        who=who,
        resp=number(100 * driver.resp_share, lang, 0),
        calls=number(100 * driver.call_share, lang, 0),
    )


def _in_unit(value: float, unit: str, lang: Lang) -> str:
    """'29.3 points' (NPS) or '73.7%' / '73,7 %' (CSAT), as the tiles write them."""
    if unit == "percent":
        return kpi_value(unit, value, lang)
    return f"{number(value, lang, 1)} {t('bias.unit.points', lang)}"


def reweighted(reader: Reader, filters: Filters, lang: Lang) -> list[tuple[Reweighted, str]]:
    """NPS and CSAT raw vs post-stratified, each with its explaining sentence."""
    cells = cell_stats(reader, filters)
    out = []
    metrics: tuple[Metric, ...] = ("nps", "csat")
    for metric in metrics:
        result = reweight(cells, metric)
        out.append((result, explain(result, main_driver(cells, metric), lang)))
    return out


@dataclass(frozen=True)
class Reconciled:
    """The overview's figure for the same filters beside the page's "as answered" one:
    the overview counts every response, the reweighting only those whose answered call
    is known (it weights each by its call); ``left_out`` is the difference in answers."""

    metric: Metric
    overview: Estimate
    here: Estimate

    @property
    def left_out(self) -> int:
        return max(self.overview.n - self.here.n, 0)


def overview_figures(reader: Reader, filters: Filters) -> dict[str, Estimate]:
    """NPS and CSAT as the overview's tiles show them for the same filters."""
    return {tile.kpi: tile.current for tile in overview.tiles(reader, filters, ("nps", "csat"))}


def reconcile_text(found: Reconciled, lang: Lang) -> str:
    """Why "as answered" here is not the overview's number (or that it is the same)."""
    unit = "points" if found.metric == "nps" else "percent"
    params = dict(
        metric=t(f"kpi.{found.metric}", lang),
        value=_in_unit(found.overview.value, unit, lang),
        n=number(found.overview.n, lang, 0),
        here=number(found.here.n, lang, 0),
        left=number(found.left_out, lang, 0),
    )
    if found.overview.n == 0 or not found.left_out:
        return t("bias.reconcile.same", lang, **params)
    return t("bias.reconcile.diff", lang, **params)
