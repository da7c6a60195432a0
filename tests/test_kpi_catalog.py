"""Every KPI of the catalog, read the way the app reads it, against an independent
computation from the raw rows; and the typed difference against the two-sample
references, one pair per kind of statistics.

The references here use only the raw rows, numpy / polars, scipy and statsmodels: no
estimate code of ``analytics`` (the catalog's definitions are in the docstring of
``analytics.queries.call_stats`` and in ``analytics/kpis.py``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from analytics import compare, kpis, overview
from analytics.metrics import Counts, Moments, NpsCounts
from analytics.queries import Filters
from analytics.store import Store, connect
from tests.conftest import call, insert, survey

T0 = dt.datetime(2025, 3, 3)  # a Monday: the calls span the two weeks of WINDOW
WINDOW = Filters(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 16))
N_CALLS = 120
Z = stats.norm.ppf(0.975)
Kind = Literal["nps", "proportion", "mean"]


def _maybe(rng: np.random.Generator, value: Any, missing: float = 0.1) -> Any:
    """``value``, or None (not captured) with probability ``missing``."""
    return None if rng.random() < missing else value


def _call_rows(rng: np.random.Generator) -> list[dict[str, Any]]:
    """Two weeks of calls with repeat customers and every input sometimes missing."""
    step = dt.timedelta(hours=14 * 24 / N_CALLS)
    return [
        call(
            i,
            T0 + i * step,
            customer_id=_maybe(rng, f"K{rng.integers(0, 40)}"),
            wait_s=_maybe(rng, float(rng.integers(0, 60))),
            duration_s=_maybe(rng, float(rng.integers(60, 900))),
            transfers=_maybe(rng, int(rng.integers(0, 3))),
            resolved=_maybe(rng, bool(rng.random() < 0.7)),
            abandoned=_maybe(rng, bool(rng.random() < 0.12)),
        )
        for i in range(N_CALLS)
    ]


def _survey_rows(rng: np.random.Generator, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Transactional surveys of every third call, on a 7- or 5-point CES scale, and a
    few relational surveys without a call."""
    rows = []
    for i, c in enumerate(calls[::3]):
        scale = 7 if i % 4 else 5
        rows.append(
            survey(
                i,
                c["started_at"] + dt.timedelta(hours=1),
                call_id=c["call_id"],
                nps=_maybe(rng, int(rng.integers(0, 11))),
                csat=_maybe(rng, int(rng.integers(1, 6))),
                ces=_maybe(rng, float(rng.integers(1, scale + 1))),
                ces_scale=scale,
            )
        )
    for i in range(5):
        at = T0 + dt.timedelta(days=2 * i, hours=3)
        rows.append(survey(1000 + i, at, survey_type="relational", nps=int(rng.integers(0, 11))))
    return rows


@pytest.fixture(scope="module")
def raw(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Store, pl.DataFrame, pl.DataFrame]]:
    rng = np.random.default_rng(2025)
    calls = _call_rows(rng)
    surveys = _survey_rows(rng, calls)
    store = connect(str(Path(tmp_path_factory.mktemp("catalog")) / "pulso.duckdb"))
    insert(store, "calls", calls)
    insert(store, "surveys", surveys)
    yield store, _frame(calls), _frame(surveys)
    store.close()


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None)


# --- each KPI from the raw rows, by its definition -------------------------------------


def _calls_observed(c: pl.DataFrame) -> pl.DataFrame:
    """Calls with ``answered`` (not known to be abandoned), ``repeat`` (the customer's
    next contact within 7 days) and ``observed`` (those 7 days are inside the data)."""
    c = c.sort("customer_id", "started_at", "call_id").with_columns(
        next_at=pl.col("started_at").shift(-1).over("customer_id")
    )
    last = c["started_at"].max()
    assert isinstance(last, dt.datetime)
    return c.with_columns(
        answered=pl.col("abandoned").fill_null(False).not_(),
        repeat=pl.col("next_at").is_not_null()
        & (pl.col("next_at") <= pl.col("started_at") + pl.duration(days=7)),
        observed=pl.col("started_at") <= last - dt.timedelta(days=7),
    )


def _call_inputs(c: pl.DataFrame, s: pl.DataFrame) -> dict[str, tuple[Kind, pl.Series]]:
    """Each call KPI's observations: booleans for a rate, values for a mean."""
    c = _calls_observed(c)
    ans = c.filter("answered")
    elig = ans.filter(
        pl.col("observed") & pl.col("resolved").is_not_null() & pl.col("customer_id").is_not_null()
    )
    known = c.filter(pl.col("abandoned").is_not_null())
    sl = known.filter(pl.col("abandoned") | pl.col("wait_s").is_not_null())
    linked = set(s.filter(pl.col("survey_type") != "relational")["call_id"].drop_nulls())
    return {
        "resolution": ("proportion", ans["resolved"].drop_nulls()),
        "fcr": ("proportion", elig["resolved"] & ~elig["repeat"]),
        "aht": ("mean", ans["duration_s"].drop_nulls()),
        "asa": ("mean", ans["wait_s"].drop_nulls()),
        "abandonment": ("proportion", known["abandoned"]),
        "service_level": ("proportion", ~sl["abandoned"] & (sl["wait_s"] <= 20).fill_null(False)),
        "transfer_rate": ("proportion", ans["transfers"].drop_nulls() > 0),
        "response_rate": ("proportion", ans["call_id"].is_in(list(linked))),
    }


def _survey_inputs(s: pl.DataFrame) -> dict[str, tuple[Kind, pl.Series]]:
    """Each survey KPI's observations. CES: the mean on one 1-7 scale (5-point answers
    stretched linearly, 1 -> 1 and 5 -> 7); "easy" is the top two boxes of each scale."""
    csat = s["csat"].drop_nulls().cast(pl.Float64)
    ces = s.filter(pl.col("ces").is_not_null())
    five = ces["ces_scale"] == 5
    return {
        "nps": ("nps", s["nps"].drop_nulls()),
        "csat": ("proportion", csat >= 4),
        "csat_mean": ("mean", csat),
        "ces": (
            "mean",
            pl.select(
                pl.when(five).then(1 + (ces["ces"] - 1) * 1.5).otherwise(ces["ces"])
            ).to_series(),
        ),
        "ces_easy": (
            "proportion",
            ces["ces"] >= pl.select(pl.when(five).then(4).otherwise(6)).to_series(),
        ),
    }


def _reference(kind: Kind, values: pl.Series) -> tuple[float, float, float, int]:
    """value, low, high and n with the textbook interval of each kind."""
    n = values.len()
    if kind == "proportion":
        x = int(values.sum())
        low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
        return 100 * x / n, 100 * low, 100 * high, n
    a = values.to_numpy().astype(float)
    if kind == "mean":
        low, high = stats.t.interval(0.95, n - 1, loc=a.mean(), scale=stats.sem(a))
        return float(a.mean()), float(low), float(high), n
    p, d = float(np.mean(a >= 9)), float(np.mean(a <= 6))
    se = math.sqrt((p + d - (p - d) ** 2) / n)  # of a +1 / 0 / -1 score
    return 100 * (p - d), 100 * max(p - d - Z * se, -1), 100 * min(p - d + Z * se, 1), n


@pytest.mark.parametrize("kpi", kpis.KPIS, ids=lambda k: k.key)
def test_each_kpi_equals_its_raw_computation(
    raw: tuple[Store, pl.DataFrame, pl.DataFrame], kpi: kpis.Kpi
) -> None:
    store, calls, surveys = raw
    inputs = {**_survey_inputs(surveys), **_call_inputs(calls, surveys)}
    kind, values = inputs[kpi.key]
    assert kpi.kind == kind
    tile = overview.tiles(store, WINDOW, (kpi.key,))[0]
    value, low, high, n = _reference(kind, values)
    assert n >= 10 and tile.reason is None  # the rows give every KPI a value
    got = tile.current
    assert (got.value, got.low, got.high) == pytest.approx((value, low, high), rel=1e-9)
    assert got.n == n


# --- the typed difference, one pair per kind --------------------------------------------


def test_difference_of_proportions_is_newcombe_in_points() -> None:
    d = compare.difference(Counts(45, 120), Counts(70, 130))
    raw = compare.compare_proportions(45, 120, 70, 130)
    assert (d.estimate, d.se, d.p) == pytest.approx((100 * raw.estimate, 100 * raw.se, raw.p))
    newcombe = confint_proportions_2indep(70, 130, 45, 120, method="newcomb")
    assert (d.low, d.high) == pytest.approx(tuple(100 * b for b in newcombe), rel=1e-9)


def test_difference_of_means_is_welch() -> None:
    rng = np.random.default_rng(5)
    before, after = rng.normal(300, 60, 40), rng.normal(330, 90, 55)
    d = compare.difference(_moments(before), _moments(after))
    ref = stats.ttest_ind(after, before, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert d.estimate == pytest.approx(after.mean() - before.mean())
    assert (d.low, d.high, d.p) == pytest.approx((ci.low, ci.high, ref.pvalue), rel=1e-6)


def test_difference_of_nps_is_a_z_test_on_the_trinomial_variance() -> None:
    before, after = NpsCounts(300, 200, 1000), NpsCounts(380, 150, 1000)
    d = compare.difference(before, after)

    def nps_se(p: float, q: float, n: int) -> float:
        return 100 * math.sqrt((p + q - (p - q) ** 2) / n)

    delta = 100 * ((0.38 - 0.15) - (0.30 - 0.20))
    se = math.hypot(nps_se(0.30, 0.20, 1000), nps_se(0.38, 0.15, 1000))
    p = 2 * stats.norm.sf(abs(delta) / se)
    assert (d.estimate, d.low, d.high, d.se, d.p) == pytest.approx(
        (delta, delta - Z * se, delta + Z * se, se, p), rel=1e-9
    )


def test_difference_refuses_two_kinds() -> None:
    with pytest.raises(ValueError, match="proportion with mean"):
        compare.difference(Counts(5, 10), Moments(10, 40.0, 170.0))


def _moments(a: np.ndarray) -> Moments:
    return Moments(a.size, float(a.sum()), float((a * a).sum()))


def test_service_level_without_captured_waits_is_not_compared() -> None:
    """Answered calls with no wait captured: the tile says "not measured", and a change
    analysis gets no statistics to compare (not 0% of the abandoned calls alone)."""
    row = {"n_answered": 40, "wait_n": 0, "n_within_sl": 0, "n_sl_known": 10}
    kpi = kpis.get("service_level")
    assert kpi.read(row) == Counts(0, 0)
    assert math.isnan(kpi.estimate(row).value)
    captured = {**row, "wait_n": 40, "n_within_sl": 30, "n_sl_known": 50}
    assert kpi.read(captured) == Counts(30, 50)
