"""Spark Connect: a page read through a real Spark Connect server on loopback.

The run's Spark session serves Spark Connect (tests/spark/conftest.py starts it with
the Connect plugin on a free loopback port), so this test is a Connect client as the
app is with ``PULSO_SPARK_REMOTE=sc://...``: the analysts' command publishes the demo
store over Connect (Arrow chunks, not files), and the overview and a comment search (whose
follow-up items travel from the app's store to Spark) read it, giving DuckDB's results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from analytics import overview, spark_publish, thresholds
from analytics import spark as spark_mode
from analytics.feedback import text
from analytics.queries import Filters
from tests.spark.conftest import same


@pytest.fixture(scope="module")
def remote(spark: Any) -> Iterator[Any]:
    from pyspark.sql.connect.utils import check_dependencies

    try:
        check_dependencies("pyspark.sql.connect.session")
    except Exception as exc:
        pytest.skip(f"Spark Connect's client needs grpcio (requirements-dev.txt): {exc}")
    port = spark.conf.get("spark.connect.grpc.binding.port", None)
    if port is None:
        pytest.skip("the local session serves no Spark Connect (no grpcio when it started)")
    session = spark_mode.session(f"sc://127.0.0.1:{port}")
    assert type(session).__module__.startswith("pyspark.sql.connect")
    yield session
    session.stop()


def test_a_page_over_spark_connect_equals_duckdb(demo_both: tuple, remote: Any) -> None:
    duck, _ = demo_both
    remote.sql("create database if not exists pulso_connect")
    written = spark_publish.publish(duck, remote, database="pulso_connect")
    assert written["calls"] == duck.sql("select count(*) n from calls")["n"][0]
    on = spark_mode.open_spark_store(duck, remote, database="pulso_connect")
    assert on.derived() == duck.derived() is not None  # the rollups are read
    _, hi = overview.data_range(duck)
    f = Filters(start=hi - dt.timedelta(days=27), end=hi, compare="previous")
    keys = ("nps", "fcr", "aht", "response_rate")
    meaningful = thresholds.read(duck)
    same(overview.tiles(duck, f, keys, meaningful), overview.tiles(on, f, keys, meaningful))
    same(overview.breakdown(duck, f, "nps", "region"), overview.breakdown(on, f, "nps", "region"))
    f = Filters(start=hi - dt.timedelta(days=55), end=hi)  # as tests/spark/test_pages_parity.py
    split = text.Split()
    term = text.distinguishing_terms(duck, f, split, lang="en")["term"][0]
    same(
        text.term_comments(duck, f, split, term, lang="en"),
        text.term_comments(on, f, split, term, lang="en"),
    )
