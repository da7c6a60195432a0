"""Driver analysis on cells: the demo's planted truth, the cells against hand-written
SQL, the cell fits against the same fits on raw rows, the bootstrap, the guards and
the views (verdict, quadrant, segments).

One module-scoped demo store (30k calls, ~5k linked responses over two years).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl
import pytest

from analytics import drivers
from analytics.demo import contact_center
from analytics.drivers import analysis as da
from analytics.drivers import cells as dc
from analytics.drivers import shapley
from analytics.queries import Filters
from analytics.store import Store, connect
from tests.conftest import DemoStores

END = dt.date(2026, 6, 28)
ALL = Filters()
FEW = ("resolved", "duration", "wait", "transfers")  # 12 model columns: Shapley too


@pytest.fixture(scope="module")
def store(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_stores.open(tmp_path_factory.mktemp("driver_analysis"), calls=30_000, seed=11, end=END)
    yield s
    s.close()


@pytest.fixture(scope="module")
def cells(store: Store) -> pl.DataFrame:
    return dc.cells(store, ALL)


def rows_of(frame: pl.DataFrame) -> pl.DataFrame:
    """Expand weighted cells back into one row per response (what raw rows would be)."""
    return frame.select(pl.exclude("n").repeat_by(pl.col("n")).explode())


# -- the planted truth ------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["csat_top2", "promoter", "csat", "ces"])
def test_resolution_carries_several_times_durations_share(
    cells: pl.DataFrame, outcome: dc.Outcome
) -> None:
    """demo.py plants SAT_RESOLVED = 1.4 latent units for resolving vs -0.012 per minute."""
    a = da.analyse(cells, outcome, dc.available(cells), n_boot=50)
    share = dict(a.importance.select("driver", "share").iter_rows())
    assert share["resolved"] >= 5 * share["duration"]
    assert a.importance["driver"][0] == "resolved"
    direction = dict(a.importance.select("driver", "direction").iter_rows())
    assert direction["resolved"] == "up" and direction["transfers"] == "down"
    assert a.importance["share"].sum() == pytest.approx(100)


def test_the_verdict_says_resolution_matters_more(cells: pl.DataFrame) -> None:
    v = da.verdict(da.by_duration(cells, "csat_top2"))
    assert v.code == "resolution"
    assert v.resolution_gap > 40 and v.ratio > 2


def test_detractors_mirror_the_direction(cells: pl.DataFrame) -> None:
    a = da.analyse(cells, "detractor", FEW, n_boot=20)
    direction = dict(a.importance.select("driver", "direction").iter_rows())
    assert direction["resolved"] == "down" and direction["transfers"] == "up"


# -- cells are exact sufficient statistics ------------------------------------------------


def test_cells_equal_hand_written_sql(store: Store, cells: pl.DataFrame) -> None:
    sql = """
        select c.resolved::int r, least(c.transfers, 2) t, count(s.csat) n_csat,
               count(*) filter (where s.nps >= 9) promoters
        from surveys s join calls c using (call_id)
        where c.resolved is not null and c.transfers is not null
        group by all order by all
    """
    expected = store.sql(sql)
    got = (
        cells.group_by("resolved", "transfers")
        .agg(pl.sum_horizontal("^csat_\\d$").sum().alias("n_csat"), pl.col("promoters").sum())
        .sort("resolved", "transfers")
    )
    assert got["n_csat"].to_list() == expected["n_csat"].to_list()
    assert got["promoters"].to_list() == expected["promoters"].to_list()


def test_cells_equal_the_benchmarks_hand_written_scan(store: Store, cells: pl.DataFrame) -> None:
    """bench/bench_drivers.py times this SQL against cells(): the same work, cell by cell
    (Ibis leaves a count null where no response has the outcome; SQL counts 0)."""
    from bench.bench_drivers import END as BENCH_END
    from bench.bench_drivers import START, raw_sql

    assert BENCH_END == END
    raw = raw_sql(store, START, END)
    keys = list(dc.available(cells))
    counts = [c for c in cells.columns if c not in keys]
    raw = raw.select(pl.col(c).cast(cells.schema[c]) for c in cells.columns)
    assert cells.with_columns(pl.col(counts).fill_null(0)).equals(raw.sort(keys, nulls_last=True))


def test_repeat_contact_is_a_contact_within_7_days_before(
    store: Store, cells: pl.DataFrame
) -> None:
    sql = """
        select count(*) from surveys s join calls c using (call_id)
        where s.nps is not null and exists (
            select 1 from calls p where p.customer_id = c.customer_id
            and p.started_at < c.started_at
            and p.started_at >= c.started_at - interval 7 day)
    """
    repeats = cells.filter(pl.col("repeat") == 1)["nps_n"].sum()
    assert repeats == store.sql(sql).item() and repeats > 0


def test_filters_are_respected(store: Store) -> None:
    f = Filters(start=dt.date(2026, 1, 1), end=END, segment=("B2B",), queue=("billing", "sales"))
    sql = """
        select count(*) from surveys s join calls c using (call_id)
        where s.csat is not null and c.segment = 'B2B' and c.queue in ('billing', 'sales')
        and s.responded_at >= '2026-01-01' and s.responded_at < '2026-06-29'
    """
    got = dc.cells(store, f).select(pl.sum_horizontal("^csat_\\d$")).to_series().sum()
    assert got == store.sql(sql).item()


def test_weights_on_cells_equal_weights_on_raw_rows(cells: pl.DataFrame) -> None:
    """The design's moments are exact: relative weights on the cells equal the tested
    raw-row function on the responses the cells stand for."""
    d, _ = dc.usable(dc.outcome_cells(cells, "csat"), dc.available(cells))
    raw = rows_of(d.frame.select("y", *d.names, "n"))
    expected = drivers.relative_weights(raw, "y", d.names)["raw_weight"].to_numpy()
    got = drivers.relative_weights_from_moments(d.moments(), "y", d.names)["raw_weight"]
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-9)


def test_logit_on_cells_equals_logit_on_raw_rows(cells: pl.DataFrame) -> None:
    a = da.analyse(cells, "promoter", FEW, n_boot=10)
    d, _ = dc.usable(dc.outcome_cells(cells, "promoter"), FEW)
    raw = rows_of(d.frame.select("y", *d.names, "n"))
    expected = drivers.logit_drivers(raw, "y", d.names).odds_ratios
    np.testing.assert_allclose(a.odds_ratios["odds_ratio"], expected["odds_ratio"], rtol=1e-6)
    np.testing.assert_allclose(a.odds_ratios["low"], expected["low"], rtol=1e-6)


def test_reference_is_the_most_common_level(cells: pl.DataFrame) -> None:
    d = dc.design(dc.outcome_cells(cells, "csat_top2"), ["queue", "resolved"])
    totals = d.frame.group_by("queue").agg(pl.col("n").sum()).sort("n", descending=True)
    assert d.references == {"queue": totals["queue"][0], "resolved": "0"}
    assert "resolved=1" in d.names and f"queue={totals['queue'][0]}" not in d.names


# -- bootstrap ------------------------------------------------------------------------


def test_cell_bootstrap_agrees_with_the_row_bootstrap(cells: pl.DataFrame) -> None:
    """Poisson resampling of cell counts vs drivers.bootstrap_relative_weights on rows
    (whose interval code is tested against published results)."""
    names = ("resolved", "transfers", "escalated")  # flags/bands: one column per level
    a = da.analyse(cells, "csat_top2", names, n_boot=400, seed=1)
    d, _ = dc.usable(dc.outcome_cells(cells, "csat_top2"), names)
    raw = rows_of(d.frame.select("y", *d.names, "n"))
    rows = drivers.bootstrap_relative_weights(raw, "y", d.names, n_boot=400, seed=1).table
    by_driver = (
        rows.with_columns(driver=pl.Series(d.owners))
        .group_by("driver")
        .agg(pl.col("share").sum(), pl.col("share_low").sum(), pl.col("share_high").sum())
    )
    cell = a.importance.join(by_driver, on="driver", suffix="_rows")
    width = cell["share_high_rows"] - cell["share_low_rows"]
    for low in ("share_low", "share_high"):
        # summed column limits are not a driver's limits exactly: compare loosely
        assert ((cell[low] - cell[f"{low}_rows"]).abs() <= 0.6 * width + 0.3).all()
    widths = (cell["share_high"] - cell["share_low"]) / width
    assert widths.min() > 0.6 and widths.max() < 1.6  # type: ignore[operator]


def test_bootstrap_is_reproducible_and_brackets_the_estimate(cells: pl.DataFrame) -> None:
    a = da.analyse(cells, "csat_top2", FEW, n_boot=60, seed=3)
    b = da.analyse(cells, "csat_top2", FEW, n_boot=60, seed=3)
    assert a.importance.equals(b.importance)
    imp = a.importance
    assert ((imp["share_low"] <= imp["share"]) & (imp["share"] <= imp["share_high"])).all()
    assert a.n_boot == 60 and 0 < a.mc_error < 2


def test_shapley_is_per_driver_with_dominance(
    cells: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each driver's dummies enter the sub-models together: one Shapley share per
    driver (queue included), close to its relative weight; complete dominance beside."""
    a = da.analyse(cells, "csat_top2", dc.available(cells), n_boot=10)
    imp = a.importance
    assert imp["shapley_share"].sum() == pytest.approx(100)
    np.testing.assert_allclose(imp["shapley_share"], imp["share"], atol=3)
    d, _ = dc.usable(dc.outcome_cells(cells, "csat_top2"), dc.available(cells))
    direct = drivers.dominance_from_corr(d.moments().corr(["y", *d.names]), d.names, d.owners)
    assert dict(imp.select("driver", "shapley_share").iter_rows()) == pytest.approx(
        dict(direct.table.select("driver", "share").iter_rows())
    )
    assert a.dominates == direct.complete
    # the planted truth again: resolution adds more than duration to every sub-model
    assert ("resolved", "duration") in a.dominates
    monkeypatch.setattr(shapley, "MAX_SHAPLEY_DRIVERS", 3)  # 2^p sub-models: capped
    many = da.analyse(cells, "csat_top2", FEW, n_boot=10)
    assert many.importance["shapley_share"].is_nan().all() and many.dominates == ()


# -- guards ---------------------------------------------------------------------------


def test_too_few_responses_is_a_guard_not_a_model(store: Store) -> None:
    day = dt.date(2026, 6, 1)
    a = da.analyse(dc.cells(store, Filters(start=day, end=day)), "csat_top2", FEW)
    assert not a.enough
    guard = next(g for g in a.guards if g.code == "min_sample")
    assert guard.value == a.n < da.MIN_RESPONSES and a.importance.height == 0


def test_a_constant_driver_is_left_out_and_named(store: Store) -> None:
    one_queue = dc.cells(store, Filters(queue=("billing",)))
    a = da.analyse(one_queue, "csat_top2", ("resolved", "queue", "transfers"), n_boot=10)
    assert a.enough and a.drivers == ("resolved", "transfers")
    assert da.Guard("no_variation", ("queue",)) in a.guards


def synthetic(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A cells frame from literal rows (driver levels + csat_1..csat_5 counts)."""
    keys = {d.key: None for d in dc.DRIVERS if d.key != "tenure"}
    counts = {f"csat_{k}": 0 for k in range(1, 6)}
    counts |= {"nps_n": 0, "promoters": 0, "detractors": 0}
    counts |= {f"ces_{h}": 0 for h in dc.CES_HALF_POINTS}
    return pl.DataFrame([keys | counts | r for r in rows], infer_schema_length=None)


def collinear_cells(agree: float) -> pl.DataFrame:
    """Hold and transfers equal in a share ``agree`` of the cells."""
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(400):
        held = int(rng.integers(0, 2))
        moved = held if rng.random() < agree else 1 - held
        top = int(rng.integers(0, 40)) + 20 * held
        rows.append(dict(resolved=1, hold=held, transfers=moved, escalated=int(rng.integers(0, 2)))
                    | dict(csat_5=top, csat_2=40 - top // 2))  # fmt: skip
    return synthetic(rows)


def test_collinear_drivers_are_flagged() -> None:
    a = da.analyse(
        collinear_cells(0.97), "csat_top2", ("hold", "transfers", "escalated"), n_boot=10
    )
    collinear = [g for g in a.guards if g.code == "collinear"]
    assert collinear and set(collinear[0].drivers) == {"hold", "transfers"}
    assert collinear[0].value > da.VIF_WARN and a.odds_ratios.height == 3


def test_exactly_collinear_drivers_get_weights_but_no_odds_ratios() -> None:
    a = da.analyse(collinear_cells(1.0), "csat_top2", ("hold", "transfers", "escalated"), n_boot=10)
    assert a.enough and a.odds_ratios.height == 0
    share = dict(a.importance.select("driver", "share").iter_rows())
    assert share["hold"] == pytest.approx(share["transfers"])  # split equally
    assert any(g.code == "collinear" and g.value == float("inf") for g in a.guards)


def rare_level_cells() -> pl.DataFrame:
    """400 cells of resolved x wait band, plus 3 responses 10+ min in the queue, all
    satisfied: a level most resamples lose, and one that separates the outcome."""
    rng = np.random.default_rng(1)
    rows = []
    for _ in range(400):
        resolved, wait = int(rng.integers(0, 2)), int(rng.integers(0, 2))
        top = int(rng.integers(5, 20)) + 15 * resolved - 3 * wait
        rows.append(dict(resolved=resolved, wait=wait, csat_5=top, csat_2=int(rng.integers(5, 20))))
    rows.append(dict(resolved=1, wait=4, csat_5=3, csat_2=0))
    return synthetic(rows)


def test_a_level_missing_from_a_resample_weighs_zero_there() -> None:
    """Every resample counts: dropping those that lose a rare level would bias the
    limits towards the resamples that keep it (e^-3 = 5% of them lose this one)."""
    a = da.analyse(rare_level_cells(), "csat_top2", ("resolved", "wait"), n_boot=200)
    assert a.n_boot == 200
    imp = a.importance
    assert ((imp["share_low"] <= imp["share"]) & (imp["share"] <= imp["share_high"])).all()


def test_a_level_that_separates_the_outcome_has_no_odds_ratio() -> None:
    a = da.analyse(rare_level_cells(), "csat_top2", ("resolved", "wait"), n_boot=10)
    odds = a.odds_ratios
    assert odds.filter(~pl.col("estimable")).select("driver", "level").rows() == [("wait", "4")]
    (guard,) = [g for g in a.guards if g.code == "separation"]
    assert guard.terms == (("wait", "4", "0"),) and guard.drivers == ("wait",)
    direction = dict(a.importance.select("driver", "direction").iter_rows())
    assert direction["wait"] == "down"  # from the bounded band only


# -- views --------------------------------------------------------------------------------


def bands(values: dict[tuple[int, int], float], n: int = 100) -> pl.DataFrame:
    rows = [
        dict(resolved=r, duration=b, value=v, low=v - 1, high=v + 1, n=n, low_sample=False)
        for (r, b), v in values.items()
    ]
    return pl.DataFrame(rows)


@pytest.mark.parametrize(
    ("values", "code", "res", "dur"),
    [
        ({(1, 0): 90, (1, 1): 85, (0, 0): 40, (0, 1): 35}, "resolution", 50, 5),
        ({(1, 0): 90, (1, 1): 50, (0, 0): 80, (0, 1): 40}, "duration", 10, 40),
        ({(1, 0): 90, (1, 1): 80, (0, 0): 78, (0, 1): 68}, "similar", 12, 10),
        ({(1, 0): 90, (1, 1): 80}, "unknown", float("nan"), float("nan")),
    ],
)
def test_verdict_codes(
    values: dict[tuple[int, int], float], code: str, res: float, dur: float
) -> None:
    v = da.verdict(bands(values))
    assert v.code == code
    np.testing.assert_allclose([v.resolution_gap, v.duration_gap], [res, dur])


def test_bands_under_30_responses_do_not_count() -> None:
    v = da.verdict(bands({(1, 0): 90, (1, 1): 10, (0, 0): 40, (0, 1): 35}, n=29))
    assert v.code == "unknown"


def test_by_duration_is_wilson_per_band(cells: pl.DataFrame, store: Store) -> None:
    frame = da.by_duration(cells, "csat_top2")
    assert frame.height == 12 and frame["value"].is_between(0, 100).all()
    sql = """
        select 100 * avg((s.csat >= 4)::int) from surveys s join calls c using (call_id)
        where c.resolved and c.duration_s >= 300 and c.duration_s < 600
    """
    row = frame.filter((pl.col("resolved") == 1) & (pl.col("duration") == 2))
    assert row["value"][0] == pytest.approx(store.sql(sql).item())
    assert (row["low"] < row["value"]).all() and (row["value"] < row["high"]).all()


def test_quadrant_labels_fix_first() -> None:
    imp = pl.DataFrame({"driver": ["resolved", "wait", "hold"], "share": [70.0, 20.0, 10.0]})
    perf = pl.DataFrame({"driver": ["resolved", "wait", "hold"], "performance": [55.0, 90.0, 30.0]})
    a = da.DriverAnalysis("csat_top2", (), 1000, 0.3, imp, pl.DataFrame(), pl.DataFrame(), perf,
                          0.2, 0, 0.0, ())  # fmt: skip
    q = da.quadrant(a)
    assert dict(q.select("driver", "quadrant").iter_rows()) == {
        "resolved": "fix_first",
        "wait": "overkill",
        "hold": "low_priority",
    }
    assert q["performance_cut"][0] == pytest.approx(175 / 3) and q["importance_cut"][
        0
    ] == pytest.approx(100 / 3)


def test_segments_side_by_side(cells: pl.DataFrame) -> None:
    drivers = dc.available(cells)
    frame = da.by_segment(cells, "csat_top2", drivers)
    groups = frame.select("dim", "group").unique(maintain_order=True)
    assert groups.filter(pl.col("dim") == "segment")["group"].sort().to_list() == ["B2B", "B2C"]
    assert set(groups.filter(pl.col("dim") == "queue")["group"]) == set(contact_center.QUEUES)
    within = frame.filter(pl.col("dim") == "queue", pl.col("driver") == "queue")
    assert within["share"].is_null().all()
    overall = frame.filter(pl.col("dim") == "all").select("driver", "share")
    a = da.analyse(cells, "csat_top2", drivers, n_boot=10).importance.select("driver", "share")
    joined = overall.join(a, on="driver")
    np.testing.assert_allclose(joined["share"], joined["share_right"], rtol=1e-9)
    per_group = frame.filter(pl.col("enough")).group_by("dim", "group").agg(pl.col("share").sum())
    np.testing.assert_allclose(per_group["share"], 100)


def test_agent_tenure_is_a_driver_when_the_calls_table_has_it(store: Store) -> None:
    """Not in the data contract: a calls table that carries it gets the driver."""
    extended = connect(":memory:")
    cur = extended.cursor()
    cur.execute("alter table calls add column agent_tenure_months integer")
    months = pl.col("agent_id").str.slice(1).cast(pl.Int64) % 48
    for name, frame in (
        ("calls", store.read(store.table("calls")).with_columns(agent_tenure_months=months)),
        ("surveys", store.read(store.table("surveys"))),
    ):
        cur.register("incoming", frame.to_arrow())
        cur.execute(f"insert into {name} by name select * from incoming")
        cur.unregister("incoming")
    with_tenure = dc.cells(extended, ALL)
    assert "tenure" in dc.available(with_tenure)
    assert "tenure" not in dc.available(dc.cells(store, ALL))
    a = da.analyse(with_tenure, "csat_top2", ("resolved", "tenure"), n_boot=10)
    assert a.drivers == ("resolved", "tenure") and a.odds_ratios.height == 4
    extended.close()
