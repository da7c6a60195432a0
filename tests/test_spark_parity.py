"""The Ibis read path gives identical results on DuckDB and on a local Spark session."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics import overview
from analytics.queries import Filters
from analytics.store import Store

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    pyspark_sql = pytest.importorskip("pyspark.sql")
    os.environ.setdefault("PYSPARK_PYTHON", "python3")
    session = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("pulso-parity")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


def _on_spark(store: Store, spark: object) -> tuple[Store, object]:
    from analytics.spark import SparkStore

    for name in ("calls", "surveys"):
        arrow = store.sql(f"select * from {name}").to_arrow()
        # From Arrow, not pandas: pandas would turn null integers into NaN floats.
        spark.createDataFrame(arrow).createOrReplaceTempView(name)  # type: ignore[attr-defined]
    return store, SparkStore(spark)


@pytest.fixture
def both(sample_store: Store, spark: object) -> tuple[Store, object]:
    """tests/conftest.py's sample rows (tests/test_overview.py's), on both engines."""
    return _on_spark(sample_store, spark)


@pytest.fixture
def gappy_both(gappy: Store, spark: object) -> tuple[Store, object]:
    """Calls with nulls in every input (abandoned, resolved, transfers, wait, customer)
    and surveys of unknown type: the known-value counts must agree too."""
    return _on_spark(gappy, spark)


def _same(a: pl.DataFrame, b: pl.DataFrame, sort: list[str]) -> None:
    b = b.cast({c: a.schema[c] for c in a.columns})
    assert_frame_equal(
        a.sort(sort, nulls_last=True),
        b.sort(sort, nulls_last=True),
        check_exact=False,
        rel_tol=1e-9,
    )


@pytest.mark.parametrize("source", ["surveys", "calls"])
def test_window_statistics_are_identical(both: tuple, source: str) -> None:
    duck, spark = both
    f = Filters(start=dt.date(2025, 4, 1), end=dt.date(2025, 4, 14), region=("North", "South"))
    _same(
        overview.window_stats(duck, f, source), overview.window_stats(spark, f, source), ["window"]
    )


@pytest.mark.parametrize(
    ("source", "grain"), [("surveys", "week"), ("calls", "month"), ("calls", "day")]
)
def test_trend_statistics_are_identical(both: tuple, source: str, grain: str) -> None:
    duck, spark = both
    f = Filters(start=dt.date(2025, 3, 3), end=dt.date(2025, 4, 27))
    _same(
        overview.trend_stats(duck, f, source, grain),
        overview.trend_stats(spark, f, source, grain),
        ["period"],
    )


@pytest.mark.parametrize("key", ["nps", "fcr", "aht"])
@pytest.mark.parametrize("dim", ["region", "queue"])
def test_breakdowns_and_estimates_are_identical(both: tuple, dim: str, key: str) -> None:
    duck, spark = both
    a = overview.breakdown(duck, Filters(), key, dim)
    b = overview.breakdown(spark, Filters(), key, dim)
    assert a.height > 1 and a["value"].is_not_nan().any()  # something real to compare
    _same(a, b, [dim])


def test_known_value_counts_are_identical_with_gaps(gappy_both: tuple) -> None:
    duck, spark = gappy_both
    f = Filters(start=dt.date(2025, 3, 17), end=dt.date(2025, 4, 13))
    _same(overview.window_stats(duck, f, "calls"), overview.window_stats(spark, f, "calls"),
          ["window"])  # fmt: skip
    _same(
        overview.trend_stats(duck, f, "calls", "week"),
        overview.trend_stats(spark, f, "calls", "week"),
        ["period"],
    )


@pytest.mark.parametrize("key", ["abandonment", "service_level", "response_rate"])
def test_breakdowns_with_gaps_are_identical(gappy_both: tuple, key: str) -> None:
    duck, spark = gappy_both
    _same(
        overview.breakdown(duck, Filters(), key, "region"),
        overview.breakdown(spark, Filters(), key, "region"),
        ["region"],
    )
