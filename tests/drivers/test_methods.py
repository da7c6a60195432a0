"""Driver analysis against published results and independent computations.

Every expected number below was printed by someone else's software, with the command
beside it; where no published figure exists offline, the check is against a different
algorithm (statsmodels OLS on every subset, all orderings, GLM logit), never against a
number this module produced.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.tools.numdiff import approx_fprime, approx_hess

from analytics.drivers import (
    CrossMoments,
    bootstrap_relative_weights,
    corr_from_moments,
    dominance_from_corr,
    importance,
    logit_drivers,
    moments,
    ordinal_logit,
    relative_weights,
    relative_weights_from_corr,
    relative_weights_from_moments,
    shapley,
    shapley_r2,
    shapley_r2_from_corr,
    vif,
)
from analytics.drivers.ordinal_model import WeightedOrderedLogit

DATA = Path(__file__).parent.parent / "data" / "drivers"
UCLA_LEVELS = ["unlikely", "somewhat likely", "very likely"]
ATTITUDE = ["complaints", "privileges", "learning", "raises", "critical", "advance"]


@pytest.fixture(scope="module")
def mtcars() -> pl.DataFrame:
    return pl.read_csv(DATA / "mtcars.csv")


@pytest.fixture(scope="module")
def attitude() -> pl.DataFrame:
    return pl.read_csv(DATA / "attitude.csv")


@pytest.fixture(scope="module")
def ucla() -> pl.DataFrame:
    return pl.read_csv(DATA / "ologit_ucla.csv")


def ols(df: pl.DataFrame, y: str, xs: list[str]) -> sm.regression.linear_model.RegressionResults:
    x = sm.add_constant(df.select(xs).to_numpy().astype(float), has_constant="add")
    return sm.OLS(df[y].to_numpy().astype(float), x).fit()


def weights(frame: pl.DataFrame) -> dict[str, float]:
    return dict(zip(frame["driver"], frame["raw_weight"], strict=True))


def shares(frame: pl.DataFrame) -> dict[str, float]:
    return dict(zip(frame["driver"], frame["share"], strict=True))


# --- the data files are R's -----------------------------------------------------------


def test_mtcars_file_reproduces_rs_lm(mtcars: pl.DataFrame) -> None:
    # R: summary(lm(mpg ~ cyl + disp + hp + gear, data = mtcars)), printed in the rwa
    # vignette (martinctc/rwa, articles/introduction-to-rwa.md):
    # (Intercept) 27.42342 (6.30108); cyl -0.86624 (0.84941); disp -0.01190 (0.01190);
    # hp -0.03050 (0.01982); gear 1.42306 (1.21053); Multiple R-squared 0.7792
    fit = ols(mtcars, "mpg", ["cyl", "disp", "hp", "gear"])
    assert_allclose(fit.params, [27.42342, -0.86624, -0.01190, -0.03050, 1.42306], atol=6e-6)
    assert_allclose(fit.bse, [6.30108, 0.84941, 0.01190, 0.01982, 1.21053], atol=6e-6)
    # R: summary(lm(mpg ~ am + cyl + carb, data = mtcars)), domir vignette
    # (jluchman/domir, articles/domir_basics.md): 32.1731 4.2430 -1.7175 -1.1304
    fit = ols(mtcars, "mpg", ["am", "cyl", "carb"])
    assert_allclose(fit.params, [32.1731, 4.2430, -1.7175, -1.1304], atol=6e-5)


def test_attitude_file_reproduces_published_r2(attitude: pl.DataFrame) -> None:
    # dominanceanalysis README (clbustos/dominanceAnalysis): summary(dominanceAnalysis(
    # lm(rating ~ ., attitude))): full model r2 0.733; complaints alone 0.681
    assert ols(attitude, "rating", ATTITUDE).rsquared == pytest.approx(0.733, abs=5e-4)
    assert ols(attitude, "rating", ["complaints"]).rsquared == pytest.approx(0.681, abs=5e-4)


# --- Johnson's relative weights: published --------------------------------------------

# R package rwa (Tonidandel & LeBreton's method), vignette "Introduction to Relative
# Weights Analysis" (martinctc/rwa, articles/introduction-to-rwa.md):
#   mtcars %>% rwa(outcome = "mpg", predictors = c("cyl", "disp", "hp", "gear"))
#   mtcars %>% rwa(outcome = "mpg", predictors = c("cyl", "disp", "hp", "gear", "wt"))
RWA_MTCARS = [
    (
        {"cyl": 0.2284797, "disp": 0.2221469, "hp": 0.2321744, "gear": 0.0963886},
        {"cyl": 29.32274, "disp": 28.50999, "hp": 29.79691, "gear": 12.37037},
        0.7791896,  # result_basic$rsquare
    ),
    (
        {"cyl": 0.18833374, "disp": 0.16479802, "hp": 0.18809142, "gear": 0.07345304,
         "wt": 0.23642417},
        {"cyl": 22.128264, "disp": 19.362936, "hp": 22.099792, "gear": 8.630361,
         "wt": 27.778646},
        None,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "share", "r2"), RWA_MTCARS)
def test_relative_weights_reproduce_rwa(
    mtcars: pl.DataFrame, raw: dict[str, float], share: dict[str, float], r2: float | None
) -> None:
    result = relative_weights(mtcars, "mpg", list(raw))
    assert result.columns == ["driver", "raw_weight", "share"]
    assert result["driver"].to_list() == list(raw)
    # Every driver compared at once: a mismatch shows them all.
    assert {n: weights(result)[n] for n in raw} == pytest.approx(raw, abs=5e-8)
    assert {n: shares(result)[n] for n in raw} == pytest.approx(
        {n: share[n] for n in raw}, abs=5e-6
    )
    if r2 is not None:
        assert result["raw_weight"].sum() == pytest.approx(r2, abs=5e-8)


def test_raw_weights_sum_to_ols_r2(mtcars: pl.DataFrame) -> None:
    xs = ["cyl", "disp", "hp", "gear", "wt", "am"]
    result = relative_weights(mtcars, "mpg", xs)
    assert result["raw_weight"].sum() == pytest.approx(ols(mtcars, "mpg", xs).rsquared, abs=1e-12)
    assert result["share"].sum() == pytest.approx(100, abs=1e-10)


# --- Shapley / LMG: published ---------------------------------------------------------

# relaimpo::calc.relimp(mpg ~ am + vs + cyl, data = mtcars, type = "lmg"), printed in the
# domir README (jluchman/domir): am 0.1774892, vs 0.2027032, cyl 0.3817849 and, from
# domir(mpg ~ am + vs + cyl, lm_wrapper, data = mtcars), Overall Value 0.7619773.
# domir(mpg ~ am + cyl + carb, ...), domir vignette (articles/domir_basics.md):
# am 0.2156848, cyl 0.4173094, carb 0.1783081; Overall Value 0.8113023.
LMG_MTCARS = [
    ({"am": 0.1774892, "vs": 0.2027032, "cyl": 0.3817849}, 0.7619773),
    ({"am": 0.2156848, "cyl": 0.4173094, "carb": 0.1783081}, 0.8113023),
]


@pytest.mark.parametrize(("expected", "r2"), LMG_MTCARS)
def test_shapley_reproduces_relaimpo_lmg(
    mtcars: pl.DataFrame, expected: dict[str, float], r2: float
) -> None:
    result = shapley_r2(mtcars, "mpg", list(expected))
    assert {n: weights(result)[n] for n in expected} == pytest.approx(expected, abs=5e-8)
    assert result["raw_weight"].sum() == pytest.approx(r2, abs=5e-8)
    assert result["share"].sum() == pytest.approx(100)


def test_shapley_reproduces_dominance_analysis_attitude(attitude: pl.DataFrame) -> None:
    # dominanceanalysis README: averageContribution(dominanceAnalysis(lm(rating ~ .,
    # attitude))) r2: complaints 0.371 privileges 0.051 learning 0.156 raises 0.12
    # critical 0.007 advance 0.028 (printed to 3 decimals)
    expected = [0.371, 0.051, 0.156, 0.120, 0.007, 0.028]
    result = shapley_r2(attitude, "rating", ATTITUDE)
    assert_allclose(result["raw_weight"].to_numpy(), expected, atol=5e-4)


# --- Shapley: independent algorithm ---------------------------------------------------


def test_shapley_equals_average_over_orderings_of_ols(mtcars: pl.DataFrame) -> None:
    # LMG's definition (Lindeman, Merenda & Gold 1980): the R² a driver adds, averaged
    # over all p! orders of entry, each R² from a separate statsmodels OLS fit
    xs = ["cyl", "disp", "hp", "gear"]
    r2 = {(): 0.0}
    for k in range(1, len(xs) + 1):
        for subset in itertools.combinations(xs, k):
            r2[subset] = ols(mtcars, "mpg", list(subset)).rsquared
    added = dict.fromkeys(xs, 0.0)
    orders = list(itertools.permutations(xs))
    for order in orders:
        for i, name in enumerate(order):
            before = tuple(sorted(order[:i], key=xs.index))
            after = tuple(sorted(order[: i + 1], key=xs.index))
            added[name] += (r2[after] - r2[before]) / len(orders)
    assert weights(shapley_r2(mtcars, "mpg", xs)) == pytest.approx(added, abs=1e-12)


def test_grouped_shapley_and_complete_dominance_equal_ols_on_every_subset(
    mtcars: pl.DataFrame,
) -> None:
    # Groups of columns (a categorical driver's dummies) enter together: the Shapley
    # value over groups from statsmodels OLS on every subset of groups, all orderings;
    # complete dominance (Budescu 1993) from its definition on the same fits
    groups = {"engine": ["cyl", "disp", "hp"], "gear": ["gear", "am"], "wt": ["wt"]}
    columns = [c for cols in groups.values() for c in cols]
    owners = [g for g, cols in groups.items() for _ in cols]
    r2: dict[frozenset[str], float] = {frozenset(): 0.0}
    for k in range(1, len(groups) + 1):
        for subset in itertools.combinations(groups, k):
            xs = [c for g in subset for c in groups[g]]
            r2[frozenset(subset)] = ols(mtcars, "mpg", xs).rsquared
    added = dict.fromkeys(groups, 0.0)
    orders = list(itertools.permutations(groups))
    for order in orders:
        for i, name in enumerate(order):
            added[name] += (r2[frozenset(order[: i + 1])] - r2[frozenset(order[:i])]) / len(orders)
    complete = set()
    for a, b in itertools.permutations(groups, 2):
        rest = [g for g in groups if g not in (a, b)]
        subsets = [
            frozenset(s) for k in range(len(rest) + 1) for s in itertools.combinations(rest, k)
        ]
        if all(r2[s | {a}] - r2[s] > r2[s | {b}] - r2[s] for s in subsets):
            complete.add((a, b))

    result = dominance_from_corr(importance.corr_of(mtcars, ["mpg", *columns]), columns, owners)
    assert weights(result.table) == pytest.approx(added, abs=1e-12)
    assert result.table["raw_weight"].sum() == pytest.approx(r2[frozenset(groups)], abs=1e-12)
    assert set(result.complete) == complete and complete  # not vacuous
    assert result.dominated_by("wt") == tuple(b for a, b in result.complete if a == "wt")


def test_dominance_of_single_columns_is_the_shapley_split(attitude: pl.DataFrame) -> None:
    r = importance.corr_of(attitude, ["rating", *ATTITUDE])
    result = dominance_from_corr(r, ATTITUDE)
    assert_allclose(
        result.table["raw_weight"],
        shapley_r2(attitude, "rating", ATTITUDE)["raw_weight"],
        atol=1e-12,
    )
    # complaints adds the most R² in every sub-model: it dominates every other driver
    assert set(result.dominated_by("complaints")) == set(ATTITUDE) - {"complaints"}
    with pytest.raises(ValueError, match="one group name per column"):
        dominance_from_corr(r, ATTITUDE, ["a"])


@pytest.mark.parametrize(
    ("data", "y", "xs"),
    [
        ("mtcars", "mpg", ["cyl", "disp", "hp", "gear"]),
        ("mtcars", "mpg", ["cyl", "disp", "hp", "gear", "wt"]),
        ("attitude", "rating", ATTITUDE),
    ],
    ids=["mtcars-4", "mtcars-5", "attitude"],
)
def test_relative_weights_track_lmg(
    request: pytest.FixtureRequest, data: str, y: str, xs: list[str]
) -> None:
    # Johnson (2000) offers relative weights as a one-step stand-in for the all-subsets
    # average; close, not equal: on these data they differ by < .04 of R² per driver
    # (near-ties like cyl / hp on mtcars can swap order between the two methods)
    df: pl.DataFrame = request.getfixturevalue(data)
    rw, lmg = relative_weights(df, y, xs), shapley_r2(df, y, xs)
    assert_allclose(rw["raw_weight"], lmg["raw_weight"], atol=0.04)


def test_shapley_refuses_too_many_drivers() -> None:
    p = shapley.MAX_SHAPLEY_DRIVERS + 1
    with pytest.raises(ValueError, match="relative_weights"):
        shapley_r2_from_corr(np.eye(p + 1), [f"x{i}" for i in range(p)])


# --- sufficient statistics ------------------------------------------------------------


def test_moments_from_sql_equal_raw_rows(mtcars: pl.DataFrame) -> None:
    # the app's path: DuckDB returns count, sums and cross-products; Python does the rest
    cols = ["mpg", "cyl", "disp", "hp", "gear", "am"]
    products = [(a, b) for a in cols for b in cols]
    select = ", ".join(
        ["count(*)"]
        + [f"sum({c}::double)" for c in cols]
        + [f"sum({a}::double * {b})" for a, b in products]
    )
    row = duckdb.sql(f"select {select} from mtcars").fetchall()[0]
    k = len(cols)
    m = CrossMoments(
        tuple(cols), row[0], np.array(row[1 : 1 + k]), np.array(row[1 + k :]).reshape(k, k)
    )
    xs = cols[1:]
    from_sql = relative_weights_from_moments(m, "mpg", xs)
    from_rows = relative_weights(mtcars, "mpg", xs)
    assert_allclose(from_sql["raw_weight"], from_rows["raw_weight"], rtol=1e-10)
    assert_allclose(m.corr(), np.corrcoef(mtcars.select(cols).to_numpy().T), atol=1e-12)


def test_moments_of_partitions_add_up(mtcars: pl.DataFrame) -> None:
    cols = ["mpg", "cyl", "wt"]
    parts = [moments(mtcars.filter(pl.col("am") == a), cols) for a in (0, 1)]
    whole = moments(mtcars, cols)
    total = parts[0] + parts[1]
    assert total.n == whole.n == 32
    assert_allclose(total.cross_products, whole.cross_products)
    assert_allclose(total.corr(["wt", "mpg"]), whole.corr(["wt", "mpg"]))


def test_constant_column_is_named() -> None:
    df = pl.DataFrame({"y": [1.0, 2, 3, 4], "x": [1.0, 3, 2, 5], "flat": [2.0] * 4})
    with pytest.raises(ValueError, match="flat"):
        relative_weights(df, "y", ["x", "flat"])
    with pytest.raises(ValueError, match="flat"):
        corr_from_moments(4, np.array([10.0, 8.0]), np.array([[30.0, 20], [20, 16]]), ["x", "flat"])


# --- properties (Hypothesis) ----------------------------------------------------------

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def regression_data(draw: st.DrawFn) -> np.ndarray:
    """Rows of [y, x1..xp]: every column varying, drivers not collinear, some fit."""
    p = draw(st.integers(1, 5))
    n = draw(st.integers(p + 3, 40))
    data = draw(arrays(np.float64, (n, p + 1), elements=finite))
    centred = data - data.mean(axis=0)
    sd = np.sqrt((centred**2).sum(axis=0))
    # degenerate draws (a constant column, collinear drivers, no fit) say nothing
    assume((sd > 1e-3 * np.abs(data).max(axis=0) + 1e-2).all())
    z = centred / sd
    assume(np.linalg.cond(z[:, 1:]) < 1e3)
    fitted = z[:, 1:] @ np.linalg.lstsq(z[:, 1:], z[:, 0], rcond=None)[0]
    assume(fitted @ fitted > 1e-4)
    return data


def frame(data: np.ndarray) -> tuple[pl.DataFrame, list[str]]:
    names = [f"x{i}" for i in range(1, data.shape[1])]
    return pl.DataFrame(data, schema=["y", *names], orient="row"), names


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(regression_data())
def test_weights_are_a_decomposition_of_r2(data: np.ndarray) -> None:
    df, names = frame(data)
    r2 = ols(df, "y", names).rsquared
    for result in (relative_weights(df, "y", names), shapley_r2(df, "y", names)):
        assert (result["raw_weight"] >= -1e-9).all()
        assert result["raw_weight"].sum() == pytest.approx(r2, rel=1e-6, abs=1e-9)
        assert result["share"].sum() == pytest.approx(100, rel=1e-9)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    regression_data(),
    st.lists(st.floats(0.01, 100) | st.floats(-100, -0.01), min_size=6, max_size=6),
    st.lists(st.floats(-1e3, 1e3), min_size=6, max_size=6),
)
def test_weights_ignore_units_and_origin(
    data: np.ndarray, scale: list[float], shift: list[float]
) -> None:
    # seconds or minutes, 1-5 or 0-100: the importance of a driver cannot depend on it
    df, names = frame(data)
    moved = df.with_columns(
        (pl.col(n) * scale[i] + shift[i]).alias(n) for i, n in enumerate(["y", *names])
    )
    for fn in (relative_weights, shapley_r2):
        assert_allclose(fn(moved, "y", names)["share"], fn(df, "y", names)["share"], atol=1e-5)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(regression_data(), st.integers(1, 39))
def test_moments_path_equals_raw_path(data: np.ndarray, cut: int) -> None:
    df, names = frame(data)
    cut = min(cut, df.height - 1)
    cols = ["y", *names]
    m = moments(df.head(cut), cols) + moments(df.tail(df.height - cut), cols)
    assert_allclose(
        relative_weights_from_moments(m, "y", names)["share"],
        relative_weights(df, "y", names)["share"],
        atol=1e-6,
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_orthogonal_drivers_get_their_squared_correlation(p: int, seed: int) -> None:
    # uncorrelated drivers: every method agrees, weight = r²(y, x_j) (Johnson 2000, p. 5)
    rng = np.random.default_rng(seed)
    draws = rng.standard_normal((50, p))
    x = np.linalg.qr(draws - draws.mean(axis=0))[0]  # orthonormal and centred columns
    y = x @ rng.uniform(-2, 2, p) + rng.standard_normal(50)
    df = pl.DataFrame(np.column_stack([y, x]), schema=["y"] + [f"x{i}" for i in range(p)])
    names = df.columns[1:]
    r2_each = [np.corrcoef(y, x[:, j])[0, 1] ** 2 for j in range(p)]
    assert_allclose(relative_weights(df, "y", names)["raw_weight"], r2_each, atol=1e-10)
    assert_allclose(shapley_r2(df, "y", names)["raw_weight"], r2_each, atol=1e-10)


def test_duplicated_driver_splits_its_weight() -> None:
    # exact collinearity (e.g. the same flag loaded twice): no crash, an even split
    rng = np.random.default_rng(7)
    x = rng.standard_normal(200)
    z = rng.standard_normal(200)
    df = pl.DataFrame({"y": x + 0.5 * z + rng.standard_normal(200), "a": x, "b": x, "z": z})
    result = relative_weights(df, "y", ["a", "b", "z"])
    assert weights(result)["a"] == pytest.approx(weights(result)["b"])
    assert result["raw_weight"].sum() == pytest.approx(ols(df, "y", ["a", "z"]).rsquared)
    assert vif(df, ["a", "b", "z"])["vif"].to_list()[:2] == [np.inf, np.inf]


def test_booleans_and_pandas_are_accepted(mtcars: pl.DataFrame) -> None:
    as_bool = mtcars.with_columns(pl.col("am") == 1, pl.col("vs") == 1)
    expected = relative_weights(mtcars, "mpg", ["am", "vs", "cyl"])
    assert_allclose(
        relative_weights(as_bool, "mpg", ["am", "vs", "cyl"])["share"], expected["share"]
    )
    pandas_result = relative_weights(mtcars.to_pandas(), "mpg", ["am", "vs", "cyl"])
    assert_allclose(pandas_result["share"], expected["share"])


def test_rows_with_missing_values_are_dropped(mtcars: pl.DataFrame) -> None:
    holes = mtcars.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col("hp")).alias("hp"),
        pl.when(pl.int_range(pl.len()) == 5)
        .then(float("nan"))
        .otherwise(pl.col("mpg"))
        .alias("mpg"),
    )
    complete = mtcars.filter(~pl.int_range(pl.len()).is_in([3, 5]))
    assert_allclose(
        relative_weights(holes, "mpg", ["hp", "wt"])["share"],
        relative_weights(complete, "mpg", ["hp", "wt"])["share"],
    )


def test_correlation_matrix_entry_point(mtcars: pl.DataFrame) -> None:
    cols = ["mpg", "cyl", "disp", "hp", "gear"]
    r = np.corrcoef(mtcars.select(cols).to_numpy().T)
    assert_allclose(
        relative_weights_from_corr(r, cols[1:])["raw_weight"],
        relative_weights(mtcars, "mpg", cols[1:])["raw_weight"],
    )
    with pytest.raises(ValueError, match="5x5"):
        relative_weights_from_corr(r[:4, :4], cols[1:])


# --- bootstrap ------------------------------------------------------------------------


def test_bootstrap_is_reproducible_and_brackets_the_estimate(mtcars: pl.DataFrame) -> None:
    xs = ["cyl", "disp", "hp", "gear"]
    first = bootstrap_relative_weights(mtcars, "mpg", xs, n_boot=300, seed=11)
    again = bootstrap_relative_weights(mtcars, "mpg", xs, n_boot=300, seed=11)
    t = first.table
    assert t.equals(again.table)
    assert t.select("driver", "raw_weight", "share").equals(relative_weights(mtcars, "mpg", xs))
    assert (t["share_low"] <= t["share"]).all() and (t["share"] <= t["share_high"]).all()
    assert (t["share_low"] >= 0).all() and (t["share_high"] <= 100).all()
    assert (first.n_boot, first.n_failed, first.level) == (300, 0, 0.95)


def test_bootstrap_interval_covers_population_share() -> None:
    # a design whose population weights are known: orthogonal standard-normal drivers
    # with coefficients (1, 0.5) and unit noise -> population shares 80 / 20
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(40):
        x = rng.standard_normal((300, 2))
        y = x @ [1.0, 0.5] + rng.standard_normal(300)
        df = pl.DataFrame({"y": y, "a": x[:, 0], "b": x[:, 1]})
        t = bootstrap_relative_weights(df, "y", ["a", "b"], n_boot=200, seed=1).table
        covered += int(t["share_low"][0] <= 80 <= t["share_high"][0])
    assert covered >= 33  # nominal 95% of 40 is 38; allow sampling error of the check


# --- VIF ------------------------------------------------------------------------------


def test_vif_equals_statsmodels(mtcars: pl.DataFrame) -> None:
    # statsmodels regresses each column on the others (with a constant): a different
    # algorithm from our correlation-matrix route
    xs = ["cyl", "disp", "hp", "gear", "wt"]
    exog = sm.add_constant(mtcars.select(xs).to_numpy().astype(float))
    expected = [variance_inflation_factor(exog, i + 1) for i in range(len(xs))]
    assert_allclose(vif(mtcars, xs)["vif"], expected, rtol=1e-10)
    assert vif(mtcars, ["wt"])["vif"].to_list() == [1.0]


# --- ordinal logit --------------------------------------------------------------------

# Stata, UCLA IDRE "Ordered logistic regression" data analysis example:
#   . ologit apply pared public gpa
#   Log likelihood = -358.51244
#   pared 1.047664  public -.0586828  gpa .6157458  /cut1 2.203323  /cut2 4.298767
STATA_OLOGIT = {"pared": 1.047664, "public": -0.0586828, "gpa": 0.6157458}
STATA_CUTS = (2.203323, 4.298767)
STATA_LLF = -358.51244
# R, MASS::polr(apply ~ pared + public + gpa, method = "logit", Hess = TRUE), R 3.4.4,
# stored in statsmodels/miscmodels/tests/results/results_ordinal_model.py (res_ord_logit):
R_POLR_SE = [0.2658, 0.2979, 0.2606]
R_POLR_P = [8.087070e-05, 8.435464e-01, 1.811594e-02]


def test_ordinal_logit_reproduces_stata_and_r(ucla: pl.DataFrame) -> None:
    result = ordinal_logit(ucla, "apply", list(STATA_OLOGIT), levels=UCLA_LEVELS)
    t = result.table
    assert t.columns == ["term", "estimate", "se", "low", "high", "p"]
    assert t["term"].to_list() == list(STATA_OLOGIT)
    assert_allclose(t["estimate"], list(STATA_OLOGIT.values()), atol=5e-7)
    assert_allclose(result.thresholds, STATA_CUTS, atol=5e-7)
    assert result.log_likelihood == pytest.approx(STATA_LLF, abs=5e-6)
    assert_allclose(t["se"], R_POLR_SE, atol=5e-5)
    assert_allclose(t["p"], R_POLR_P, rtol=0.01)  # polr's looser optimum moves p a little
    assert result.levels == tuple(UCLA_LEVELS)
    assert result.converged and result.n == 400
    # thresholds-only model: the category shares, 220 / 140 / 40 in the UCLA example's
    # "tab apply"
    llnull = 220 * np.log(0.55) + 140 * np.log(0.35) + 40 * np.log(0.10)
    assert result.log_likelihood_null == pytest.approx(llnull, abs=1e-9)


def test_ordinal_odds_ratios_and_intervals(ucla: pl.DataFrame) -> None:
    result = ordinal_logit(ucla, "apply", ["pared", "public", "gpa"], levels=UCLA_LEVELS)
    t, odds = result.table, result.odds_ratios
    assert odds.columns == ["term", "odds_ratio", "low", "high"]
    assert_allclose(odds["odds_ratio"], np.exp(t["estimate"]))
    assert_allclose(t["high"] - t["estimate"], 1.959963984540054 * t["se"])
    assert_allclose(odds["low"], np.exp(t["low"]))
    assert list(result.thresholds) == sorted(result.thresholds)
    assert result.threshold_table["term"].to_list() == [
        "unlikely|somewhat likely",
        "somewhat likely|very likely",
    ]


def test_cut_point_errors_match_binary_logit(ucla: pl.DataFrame) -> None:
    # two levels: the ordinal logit is a logit with intercept -cut (an independent IRLS fit)
    binary = ucla.with_columns((pl.col("apply") != "unlikely").alias("applies"))
    xs = ["pared", "public", "gpa"]
    ordinal = ordinal_logit(binary, "applies", xs)
    logit = logit_drivers(binary, "applies", xs)
    assert_allclose(ordinal.table["estimate"], logit.table["estimate"], atol=1e-6)
    assert_allclose(ordinal.table["se"], logit.table["se"], rtol=1e-5)
    assert ordinal.thresholds[0] == pytest.approx(-logit.intercept, abs=1e-6)
    # reversing the order negates the coefficients and mirrors the cuts, same errors:
    # the second cut (exp-increment parameter in statsmodels) becomes the first
    up = ordinal_logit(ucla, "apply", xs, levels=UCLA_LEVELS)
    down = ordinal_logit(ucla, "apply", xs, levels=UCLA_LEVELS[::-1])
    assert_allclose(down.table["estimate"], -up.table["estimate"], atol=1e-6)
    assert_allclose(down.thresholds, [-c for c in up.thresholds[::-1]], atol=1e-6)
    assert_allclose(down.threshold_table["se"], up.threshold_table["se"][::-1], rtol=1e-5)


def test_ordinal_on_grouped_counts_equals_rows(ucla: pl.DataFrame) -> None:
    xs = ["pared", "public", "gpa"]
    cells = ucla.group_by(["apply", *xs]).len("n")
    assert cells.height < ucla.height
    rows = ordinal_logit(ucla, "apply", xs, levels=UCLA_LEVELS)
    grouped = ordinal_logit(cells, "apply", xs, levels=UCLA_LEVELS, weights="n")
    assert_allclose(grouped.table["estimate"], rows.table["estimate"], atol=1e-6)
    assert_allclose(grouped.table["se"], rows.table["se"], rtol=1e-5)
    assert grouped.log_likelihood == pytest.approx(rows.log_likelihood)
    assert grouped.n == 400


def test_ordinal_outcome_types(ucla: pl.DataFrame) -> None:
    xs = ["pared", "public", "gpa"]
    expected = ordinal_logit(ucla, "apply", xs, levels=UCLA_LEVELS).table["estimate"]
    enum = ucla.with_columns(pl.col("apply").cast(pl.Enum(UCLA_LEVELS)))
    numeric = ucla.with_columns(pl.col("apply").replace_strict(UCLA_LEVELS, [1, 2, 3]))
    pandas = ucla.to_pandas()
    pandas["apply"] = pd.Categorical(pandas["apply"], categories=UCLA_LEVELS, ordered=True)
    for df in (enum, numeric):
        assert_allclose(ordinal_logit(df, "apply", xs).table["estimate"], expected, atol=1e-6)
    assert_allclose(
        ordinal_logit(pandas, "apply", xs, levels=UCLA_LEVELS).table["estimate"],
        expected,
        atol=1e-6,
    )
    with pytest.raises(ValueError, match="levels="):
        ordinal_logit(ucla, "apply", xs)
    with pytest.raises(ValueError, match="not among the levels"):
        ordinal_logit(ucla, "apply", xs, levels=UCLA_LEVELS[:2])


def test_unchosen_level_is_dropped() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal(300)
    csat = np.digitize(x + rng.logistic(size=300), [-1.0, 1.0]) * 2 + 1  # 1, 3, 5 only
    result = ordinal_logit(
        pl.DataFrame({"csat": csat, "x": x}), "csat", ["x"], levels=[1, 2, 3, 4, 5]
    )
    assert result.levels == (1, 3, 5)
    assert result.threshold_table["term"].to_list() == ["1|3", "3|5"]


def test_ordinal_errors_say_what_is_wrong(ucla: pl.DataFrame) -> None:
    both = ucla.with_columns(private=1 - pl.col("public"))
    with pytest.raises(ValueError, match="public, private are exactly collinear"):
        ordinal_logit(both, "apply", ["gpa", "public", "private"], levels=UCLA_LEVELS)
    with pytest.raises(ValueError, match="public, private are exactly collinear"):
        logit_drivers(both.with_columns(pl.col("pared") == 1), "pared", ["public", "private"])
    with pytest.raises(ValueError, match=r"no variation.*flat"):
        ordinal_logit(ucla.with_columns(flat=pl.lit(1)), "apply", ["flat"], levels=UCLA_LEVELS)
    with pytest.raises(ValueError, match="not in the data: nope"):
        ordinal_logit(ucla, "apply", ["nope"], levels=UCLA_LEVELS)


def test_analytic_score_and_hessian_match_numerical_derivatives(ucla: pl.DataFrame) -> None:
    codes = np.array([UCLA_LEVELS.index(v) for v in ucla["apply"]])
    x = ucla.select("pared", "public", "gpa").to_numpy().astype(float)
    freq = np.random.default_rng(0).uniform(0.5, 2.0, len(codes))
    model = WeightedOrderedLogit(codes, x, freq)
    params = np.array([0.3, -0.2, 0.5, 1.0, 0.2])
    assert_allclose(
        model.score(params), approx_fprime(params, model.loglike, centered=True), rtol=1e-6
    )
    assert_allclose(model.hessian(params), approx_hess(params, model.loglike), rtol=1e-5, atol=1e-3)


# --- binary logit ---------------------------------------------------------------------

# Stata 11, "logit grade gpa tuce psi" on Spector & Mazzeo (1980) data, stored in
# statsmodels/discrete/tests/results/results_discrete.py (Spector.logit); the same
# estimates are in Greene, Econometric Analysis, Table 21.1 (5th ed.).
STATA_LOGIT = {
    "params": [2.82611297201, 0.0951576702557, 2.37868772835],
    "const": -13.0213483201,
    "bse": [1.26294114526, 0.141554207662, 1.06456430165],
    "conf_int": [[0.3507938, 5.301432], [-0.1822835, 0.3725988], [0.29218, 4.465195]],
    "pvalues": [0.0252390974, 0.5014342039, 0.0254552063],
    "llf": -12.8896334653335,
    "llnull": -20.5917296966173,
    "prsquared": 0.374038332124624,
}


def test_logit_reproduces_stata_spector() -> None:
    spector = sm.datasets.spector.load_pandas().data
    result = logit_drivers(spector, "GRADE", ["GPA", "TUCE", "PSI"])
    t = result.table
    assert t.columns == ["term", "estimate", "se", "low", "high", "p"]
    assert_allclose(t["estimate"], STATA_LOGIT["params"], rtol=1e-6)
    assert result.intercept == pytest.approx(STATA_LOGIT["const"], rel=1e-6)
    assert_allclose(t["se"], STATA_LOGIT["bse"], rtol=1e-6)
    assert_allclose(t.select("low", "high").to_numpy(), STATA_LOGIT["conf_int"], atol=5e-6)
    assert_allclose(t["p"], STATA_LOGIT["pvalues"], rtol=1e-6)
    # 7th digit: Stata's stopping point (and, likely, its single-precision copy of GPA);
    # statsmodels' own Logit gives the same -12.88963422 as we do
    assert result.log_likelihood == pytest.approx(STATA_LOGIT["llf"], abs=1e-6)
    assert result.log_likelihood_null == pytest.approx(STATA_LOGIT["llnull"], abs=1e-9)
    assert result.pseudo_r2 == pytest.approx(STATA_LOGIT["prsquared"], rel=1e-7)
    assert (result.n, result.n_events) == (32, 11)
    assert_allclose(result.odds_ratios["odds_ratio"], np.exp(STATA_LOGIT["params"]), rtol=1e-6)


def test_logit_on_grouped_counts_equals_rows(ucla: pl.DataFrame) -> None:
    df = ucla.with_columns(likely=pl.col("apply") != "unlikely")
    cells = df.group_by(["likely", "pared", "public"]).len("n")
    rows = logit_drivers(df, "likely", ["pared", "public"])
    grouped = logit_drivers(cells, "likely", ["pared", "public"], weights="n")
    assert_allclose(grouped.table["estimate"], rows.table["estimate"], rtol=1e-9)
    assert_allclose(grouped.table["se"], rows.table["se"], rtol=1e-9)
    assert grouped.log_likelihood == pytest.approx(rows.log_likelihood)


def test_logit_refuses_a_non_binary_outcome(ucla: pl.DataFrame) -> None:
    scored = ucla.with_columns(pl.col("apply").replace_strict(UCLA_LEVELS, [1, 2, 3]))
    with pytest.raises(ValueError, match="0/1"):
        logit_drivers(scored, "apply", ["gpa"])
    with pytest.raises(TypeError, match="boolean or 0/1"):
        logit_drivers(ucla, "apply", ["gpa"])
