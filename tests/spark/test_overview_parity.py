"""Overview: the same engine functions give identical results on DuckDB and on Spark.

Three stores: tests/conftest.py's sample rows (tests/test_overview.py's), published with
their rollups; its gappy rows (nulls in every input, surveys of unknown type) with only
``calls`` and ``surveys`` on Spark, so Spark computes every flag from the raw rows while
DuckDB sums its rollups; and the demo store every page's test reads (tests/spark/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from analytics import access, overview, rollups, spark_publish, thresholds
from analytics.queries import Filters
from analytics.review import rankings
from analytics.spark import SparkStore
from analytics.store import Store, connect
from tests.conftest import insert, sample_calls, sample_surveys
from tests.spark.conftest import on_spark, same


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Iterator[tuple[Store, Any]]:
    """600 sample calls and their surveys (seed 11), as tests/conftest.py's sample_store."""
    rng = np.random.default_rng(11)
    calls = sample_calls(600, rng)
    store = connect(str(tmp_path_factory.mktemp("spark_sample") / "pulso.duckdb"))
    insert(store, "calls", calls)
    insert(store, "surveys", sample_surveys(calls, rng))
    yield store, on_spark(store, spark, "pulso_sample")
    store.close()


@pytest.fixture(scope="module")
def gappy_both(gappy: Store, spark: Any) -> tuple[Store, Any]:
    """The gappy rows, and on Spark only ``calls`` and ``surveys`` (a company pipeline
    that writes no rollups): Spark computes every flag from the raw rows."""
    on = on_spark(gappy, spark, "pulso_gappy")
    for name in [*spark_publish.tables()[2:], rollups.META]:
        spark.sql(f"drop table pulso_gappy.{name}")
    on.forget()
    return gappy, on


@pytest.mark.parametrize("source", ["surveys", "calls"])
def test_window_statistics_are_identical(both: tuple, source: str) -> None:
    duck, spark = both
    f = Filters(start=dt.date(2025, 4, 1), end=dt.date(2025, 4, 14), region=("North", "South"))
    same(overview.window_stats(duck, f, source), overview.window_stats(spark, f, source))


@pytest.mark.parametrize(
    ("source", "grain"), [("surveys", "week"), ("calls", "month"), ("calls", "day")]
)
def test_trend_statistics_are_identical(both: tuple, source: str, grain: str) -> None:
    duck, spark = both
    f = Filters(start=dt.date(2025, 3, 3), end=dt.date(2025, 4, 27))
    same(
        overview.trend_stats(duck, f, source, grain), overview.trend_stats(spark, f, source, grain)
    )


@pytest.mark.parametrize("key", ["nps", "fcr", "aht"])
def test_breakdowns_and_estimates_are_identical(both: tuple, key: str) -> None:
    duck, spark = both
    a = overview.breakdown(duck, Filters(), key, "region")
    assert a.height > 1 and a["value"].is_not_nan().any()  # something real to compare
    same(a, overview.breakdown(spark, Filters(), key, "region"))


def test_known_value_counts_are_identical_with_gaps(gappy_both: tuple) -> None:
    duck, spark = gappy_both
    assert duck.derived() is not None and spark.derived() is None  # rollups vs raw rows
    f = Filters(start=dt.date(2025, 3, 17), end=dt.date(2025, 4, 13))
    same(overview.window_stats(duck, f, "calls"), overview.window_stats(spark, f, "calls"))
    same(
        overview.trend_stats(duck, f, "calls", "week"),
        overview.trend_stats(spark, f, "calls", "week"),
    )
    for key in ("abandonment", "service_level", "response_rate"):
        same(
            overview.breakdown(duck, Filters(), key, "region"),
            overview.breakdown(spark, Filters(), key, "region"),
        )


def test_the_overview_page_is_identical_from_the_rollups(demo_both: tuple) -> None:
    """Everything the overview page reads, with the rollups published beside the rows:
    Spark reads them (derived flags current), and the numbers are DuckDB's."""
    duck, spark = demo_both
    assert spark.derived() == duck.derived() is not None
    assert spark.rollup(rollups.ROLLUPS[0], "calls") is not None
    assert spark.answers() is not None  # the answers with their call, published too
    same(overview.data_range(duck), overview.data_range(spark))
    _, hi = overview.data_range(duck)
    f = Filters(start=hi - dt.timedelta(days=27), end=hi, compare="previous", channel=("voice",))
    keys = ("nps", "csat", "ces", "fcr", "aht", "abandonment", "service_level", "response_rate")
    meaningful = thresholds.read(duck)
    same(overview.tiles(duck, f, keys, meaningful), overview.tiles(spark, f, keys, meaningful))
    same(overview.trend(duck, f, keys, "week"), overview.trend(spark, f, keys, "week"))
    same(overview.breakdown(duck, f, "nps", "queue"), overview.breakdown(spark, f, "nps", "queue"))
    same(overview.survey_types(duck, f), overview.survey_types(spark, f))
    for dim in ("region", "team", "survey_type"):
        same(overview.dimension_values(duck, dim), overview.dimension_values(spark, dim))


@pytest.mark.parametrize("dims", [("region", "survey_type"), ("team",)])
def test_a_scoped_user_sees_the_same_numbers_on_both_engines(demo_both: tuple, dims: tuple) -> None:
    """A user scoped to a region and a survey type (no rollup keeps both: raw rows), or
    to a team (the agent rollup keeps it): Spark's filtered reads equal DuckDB's views."""
    duck, spark = demo_both
    scope = tuple((d, tuple(overview.dimension_values(duck, d)[:1])) for d in dims)
    actor = access.Actor("viewer@example.com", "executive", scope)
    d, s = access.bind(duck, actor), access.bind(spark, actor)
    assert isinstance(s, SparkStore) and access.actor_of(s) == actor
    _, hi = overview.data_range(duck)
    f = Filters(start=hi - dt.timedelta(days=27), end=hi, compare="previous")
    keys = ("nps", "csat", "fcr", "aht", "response_rate")
    tiles = overview.tiles(d, f, keys)
    assert tiles != overview.tiles(duck, f, keys)  # the scope changes something
    same(tiles, overview.tiles(s, f, keys))
    same(overview.breakdown(d, f, "nps", "queue"), overview.breakdown(s, f, "nps", "queue"))
    same(rankings.unit_stats(d, f), rankings.unit_stats(s, f))
    assert d.answers() is not None and s.answers() is not None
    same(overview.survey_types(d, f, True), overview.survey_types(s, f, True))
    for dim in dims:
        same(overview.dimension_values(d, dim), overview.dimension_values(s, dim))


def test_an_app_state_table_joins_on_spark_even_empty(gappy_both: tuple) -> None:
    """Follow-up items live in the app's store; a read that joins them to Spark's rows
    sends them along, even when there are none (no columns to infer from)."""
    duck, spark = gappy_both
    assert duck.sql("select count(*) as n from followup_items")["n"][0] == 0

    def joined(reader: Any) -> Any:
        surveys, items = reader.table("surveys"), reader.table("followup_items")
        rows = surveys.left_join(items, surveys.response_id == items.response_id)
        return reader.read(rows.aggregate(n=rows.count(), with_item=rows.item_id.count()))

    same(joined(duck), joined(spark))
