"""Driver cells: survey responses joined to their calls, reduced to counts in SQL.

One Ibis aggregate (:func:`cells`) turns the filtered responses into counts per *cell*:
a combination of driver levels (resolved, duration band, wait band, queue...) with the
count of every outcome level (CSAT 1-5, promoters, detractors, CES in half points).
Continuous drivers are banded, so every driver is discrete and the cells are exact
sufficient statistics for every model the drivers page fits: the relative-weight
moments (``X'WX``), the grouped counts of the logits, the per-band estimates and the
bootstrap, for all five outcomes, from one scan and without raw rows in Python.

:func:`design` turns cells into model columns (0/1 flags and dummies);
:mod:`analytics.drivers.analysis` fits them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import polars as pl
from scipy import sparse

from analytics import queries
from analytics.drivers import importance
from analytics.queries import Filters, Reader, apply_filters

Outcome = Literal["csat_top2", "promoter", "detractor", "csat", "ces"]
OUTCOMES: tuple[Outcome, ...] = ("csat_top2", "promoter", "detractor", "csat", "ces")
BINARY: frozenset[Outcome] = frozenset({"csat_top2", "promoter", "detractor"})
LOWER_IS_BETTER: frozenset[Outcome] = frozenset({"detractor"})
DriverKind = Literal["flag", "banded", "category"]

MAX_LEVELS = 12  # category levels kept; rarer ones are pooled into OTHER
OTHER = "(other)"
REPEAT_WINDOW_DAYS = 7


@dataclass(frozen=True)
class DriverSpec:
    """A driver: how it is coded from the call, and what counts as doing well on it.

    ``source`` is the calls column it comes from; ``edges`` the lower bounds of bands
    1, 2, ... (band 0 lies below the first); ``good`` the codes counted as doing well,
    for the importance-performance view (None: not a performance measure, e.g. the
    queue). A driver whose source column the calls table lacks is left out.
    """

    key: str
    kind: DriverKind
    source: str
    edges: tuple[float, ...] = ()
    good: tuple[int, ...] | None = None


DRIVERS: tuple[DriverSpec, ...] = (
    DriverSpec("resolved", "flag", "resolved", good=(1,)),
    DriverSpec("duration", "banded", "duration_s", (180, 300, 600, 900, 1200), good=(0, 1, 2)),
    DriverSpec("wait", "banded", "wait_s", (60, 120, 300, 600), good=(0, 1)),
    DriverSpec("hold", "banded", "hold_s", (1, 120), good=(0,)),
    DriverSpec("transfers", "banded", "transfers", (1, 2), good=(0,)),
    DriverSpec("escalated", "flag", "escalated", good=(0,)),
    DriverSpec("repeat", "flag", "customer_id", good=(0,)),
    DriverSpec("channel", "category", "channel"),
    DriverSpec("queue", "category", "queue"),
    DriverSpec("segment", "category", "segment"),
    # not in the data contract yet: used when a calls table carries it
    DriverSpec("tenure", "banded", "agent_tenure_months", (3, 12, 36)),
)
SPECS = {d.key: d for d in DRIVERS}
CES_HALF_POINTS = range(2, 15)  # CES on 1-7 in half points (5-point answers land on .5)


# --- the one query ------------------------------------------------------------------


def _joined(reader: Reader) -> ir.Table:
    """Responses with their call (inner join: relational surveys have no call), with
    the drivers' columns and every filter dimension's; ``prior_7d`` when the store keeps
    it (:mod:`analytics.rollups`: the customer's calls in every region count); the
    store's kept answers when current (the same rows, no join with every call)."""
    kept = queries.kept_answers(reader)
    if kept is not None:
        return kept.filter(kept.linked).rename(at="responded_at")
    calls, surveys = reader.table("calls"), reader.table("surveys")
    sources = {d.source for d in DRIVERS if d.source in calls.columns}
    kept = ("prior_7d",) if queries.derived_of(reader) is not None else ()
    c = calls.select("call_id", "started_at", *kept, *sorted(sources | set(queries.DIMENSIONS)))
    own = ("response_id", "call_id", "responded_at", "nps", "csat", "ces", "ces_scale")
    s = surveys.filter(surveys.call_id.notnull()).select(
        *dict.fromkeys((*own, *queries.SURVEY_DIMENSIONS))
    )
    return s.join(c, "call_id").rename(at="responded_at")


def _repeat(facts: ir.Table, calls: ir.Table) -> ir.Value:
    """The customer had contacted us in the 7 days before this call (known at call time,
    unlike 'called again afterwards', which the call's own outcome causes)."""
    if "prior_7d" in facts.columns:
        return facts.prior_7d
    return queries.prior_flags(facts, calls)


def _band(x: ir.NumericValue, edges: Sequence[float]) -> ir.Value:
    """Band code 0..len(edges): how many lower edges ``x`` reaches (null stays null)."""
    return sum(((x >= e).cast("int8") for e in edges), ibis.literal(0, "int8"))


def _driver_columns(facts: ir.Table, calls: ir.Table) -> dict[str, ir.Value]:
    out: dict[str, ir.Value] = {}
    for d in DRIVERS:
        if d.source not in facts.columns:
            continue
        col = facts[d.source]
        if d.key == "repeat":
            out[d.key] = _repeat(facts, calls).cast("int8")
        elif d.kind == "flag":
            out[d.key] = col.cast("int8")
        elif d.kind == "banded":
            out[d.key] = _band(col, d.edges)
        else:
            out[d.key] = col
    return out


def _outcome_counts(f: ir.Table) -> dict[str, ir.Value]:
    """Per cell, the count of each outcome level (one column per level)."""
    out: dict[str, ir.Value] = {f"csat_{k}": (f.csat == k).sum() for k in range(1, 6)}
    out |= dict(nps_n=f.nps.count(), promoters=(f.nps >= 9).sum(), detractors=(f.nps <= 6).sum())
    # CES on one 1-7 scale, 5-point answers rescaled linearly (as the KPI tiles do)
    ces = f.ces.cast("float64")
    ces7 = (f.ces_scale == 5).ifelse(1 + (ces - 1) * 1.5, ces)
    half = (ces7 * 2).round().cast("int64")
    out |= {f"ces_{h}": (half == h).sum() for h in CES_HALF_POINTS}
    return out


def cells_expr(reader: Reader, filters: Filters) -> ir.Table:
    """The Ibis aggregate behind :func:`cells` (for inspection and other engines)."""
    calls = reader.table("calls")
    f = apply_filters(_joined(reader), filters, "surveys")
    keys = _driver_columns(f, calls)
    return f.mutate(**keys).group_by(list(keys)).aggregate(**_outcome_counts(f))


def cells(reader: Reader, filters: Filters) -> pl.DataFrame:
    """Outcome counts per combination of driver levels, for the filtered responses.

    Sorted by the driver levels: engines return groups in any order, and a fixed order
    keeps every later step (the bootstrap's draws included) reproducible.
    """
    out = reader.read(cells_expr(reader, filters))
    return out.sort(available(out), nulls_last=True)


def available(cells: pl.DataFrame) -> tuple[str, ...]:
    """Drivers the data can show: agent tenure only when the calls table has it, and
    no driver whose column is null in every cell (not captured: the models drop rows
    with a missing driver, so choosing it would leave no response at all)."""
    return tuple(
        d.key
        for d in DRIVERS
        if d.key in cells.columns and (cells.is_empty() or cells[d.key].null_count() < cells.height)
    )


def answered(cells: pl.DataFrame) -> tuple[Outcome, ...]:
    """The outcomes that some response in ``cells`` answers, in :data:`OUTCOMES`' order
    (a survey without CSAT has no CSAT outcome to explain)."""
    if cells.is_empty():
        return ()
    counts = {
        "csat": cells.select(pl.sum_horizontal("^csat_[1-5]$").sum()).item(),
        "nps": cells["nps_n"].sum(),
        "ces": cells.select(pl.sum_horizontal("^ces_[0-9]+$").sum()).item(),
    }
    question = {"csat_top2": "csat", "promoter": "nps", "detractor": "nps", "csat": "csat",
                "ces": "ces"}  # fmt: skip
    return tuple(o for o in OUTCOMES if counts[question[o]] > 0)


def outcome_cells(cells: pl.DataFrame, outcome: Outcome) -> pl.DataFrame:
    """Long frame: driver levels, ``y`` (the outcome level) and ``n`` (responses)."""
    keys = list(available(cells))
    levels: list[tuple[float, pl.Expr]]
    if outcome == "csat_top2":
        levels = [(1, pl.col("csat_4") + pl.col("csat_5")), (0, pl.sum_horizontal("^csat_[123]$"))]
    elif outcome in ("promoter", "detractor"):
        hit = pl.col("promoters" if outcome == "promoter" else "detractors")
        levels = [(1, hit), (0, pl.col("nps_n") - hit)]
    elif outcome == "csat":
        levels = [(k, pl.col(f"csat_{k}")) for k in range(1, 6)]
    else:
        levels = [(h / 2, pl.col(f"ces_{h}")) for h in CES_HALF_POINTS]
    parts = [cells.select(*keys, y=pl.lit(float(y)), n=count.cast(pl.Int64)) for y, count in levels]
    return pl.concat(parts).filter(pl.col("n") > 0)


# --- design matrix ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # eq=False: numpy arrays do not compare to a bool
class Design:
    """Cells collapsed to the chosen drivers, and their model columns.

    Every driver gets one 0/1 column per level except its reference: "0" for flags
    (not resolved, not escalated...), the most common level for the others (fewest
    collinearity problems, and odds ratios read "vs the usual call").
    """

    frame: pl.DataFrame  # *drivers (as text), y, n, *names (one row per distinct cell)
    names: tuple[str, ...]  # model columns: "resolved=1", "duration=3", "queue=sales"
    owners: tuple[str, ...]  # the driver of each column
    levels: tuple[str, ...]  # the level of each column ("1" for flags)
    references: dict[str, str]  # the reference level of each driver, in driver order

    @property
    def drivers(self) -> tuple[str, ...]:
        return tuple(self.references)

    @cached_property
    def z(self) -> np.ndarray:
        """``[y, *columns]`` per cell, float64."""
        return self.frame.select("y", *self.names).to_numpy().astype(np.float64)

    @property
    def y(self) -> np.ndarray:
        return self.z[:, 0]

    @cached_property
    def n(self) -> np.ndarray:
        return self.frame["n"].to_numpy().astype(np.float64)

    def moments(self, rows: np.ndarray | None = None) -> importance.CrossMoments:
        """Count, sums and cross-products of ``[y, *columns]`` over the responses (of
        the cells where the boolean ``rows`` is true)."""
        z, w = (self.z, self.n) if rows is None else (self.z[rows], self.n[rows])
        # einsum's own loop, not BLAS: BLAS threads crawl on a loaded 2-core machine
        cross = np.einsum("ci,cj->ij", z * w[:, None], z)
        return importance.CrossMoments(("y", *self.names), float(w.sum()), w @ z, cross)

    def weighted_sums(
        self, rows: slice, counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Totals, sums and upper-triangle cross-products of ``[y, *columns]`` over the
        cells ``rows``, for each column of ``counts`` (cells x B weightings).

        One sparse matrix product for all B instead of B dense ones: the columns are
        0/1 dummies, so a cell's pairwise products are mostly zeros.
        """
        z = self.z[rows]
        i, j = np.triu_indices(z.shape[1])
        pairs = sparse.csr_matrix((z[:, i] * z[:, j]).T)
        return counts.sum(axis=0), sparse.csr_matrix(z.T) @ counts, pairs @ counts

    def moments_from(
        self, total: float, sums: np.ndarray, upper: np.ndarray
    ) -> importance.CrossMoments:
        """Moments from one column of :meth:`weighted_sums` (summed over row blocks)."""
        k = self.z.shape[1]
        cp = np.zeros((k, k))
        cp[np.triu_indices(k)] = upper
        return importance.CrossMoments(
            ("y", *self.names), float(total), sums, cp + np.triu(cp, 1).T
        )


def _pool_rare(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    totals = frame.group_by(key).agg(pl.col("n").sum()).sort("n", descending=True)
    if totals.height <= MAX_LEVELS:
        return frame
    keep = totals[key].head(MAX_LEVELS - 1).to_list()
    return frame.with_columns(pl.when(pl.col(key).is_in(keep)).then(key).otherwise(pl.lit(OTHER)))


def design(frame: pl.DataFrame, drivers: Sequence[str], keep: Sequence[str] = ()) -> Design:
    """Collapse ``outcome_cells`` to ``drivers`` (+ ``keep``) and build the dummies."""
    frame = frame.drop_nulls([*drivers]).with_columns(pl.col(d).cast(pl.String) for d in drivers)
    for d in drivers:
        if SPECS[d].kind == "category":
            frame = _pool_rare(frame, d)
    frame = frame.group_by([*drivers, *keep, "y"], maintain_order=True).agg(pl.col("n").sum())
    names, owners, levels, refs = [], [], [], {}
    for d in drivers:
        totals = frame.group_by(d).agg(pl.col("n").sum()).sort("n", d, descending=[True, False])
        refs[d] = "0" if SPECS[d].kind == "flag" or totals.height == 0 else totals[d][0]
        for level in sorted(totals[d].to_list(), key=_level_order):
            if level != refs[d]:
                names.append(f"{d}={level}")
                owners.append(d)
                levels.append(level)
    dummies = [
        (pl.col(o) == v).cast(pl.Int8).alias(name)
        for name, o, v in zip(names, owners, levels, strict=True)
    ]
    return Design(frame.with_columns(dummies), tuple(names), tuple(owners), tuple(levels), refs)


def _level_order(level: str) -> tuple[int, float, str]:
    """Numeric codes in numeric order, text levels alphabetically after them."""
    try:
        return 0, float(level), ""
    except ValueError:
        return 1, 0.0, level


def flat_columns(m: importance.CrossMoments) -> set[int]:
    """Indices of model columns with no variation (e.g. no escalations in these rows)."""
    if m.n == 0:
        return set(range(len(m.columns) - 1))
    var = np.diag(m.cross_products) / m.n - (m.sums / m.n) ** 2  # 0/1 columns: p (1 - p)
    return {i - 1 for i in range(1, len(var)) if var[i] <= 1e-12}


def usable(frame: pl.DataFrame, drivers: Sequence[str]) -> tuple[Design, tuple[str, ...]]:
    """The design for ``drivers`` minus those that do not vary here (returned apart)."""
    d = design(frame, drivers)
    flat = flat_columns(d.moments())
    dead = tuple(
        k
        for k in drivers
        if k in d.references and all(i in flat for i, owner in enumerate(d.owners) if owner == k)
    )
    if not dead:
        return d, ()
    return design(frame, [k for k in drivers if k not in dead]), dead
