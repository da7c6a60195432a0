"""One local Spark session for every Spark test, and the stores both engines read.

Everything under tests/spark runs in one pytest-xdist worker (tests/conftest.py's
scheduler keeps the folder together), so the JVM starts once per run: local[1], no UI,
two shuffle partitions, UTC. Each store is published into a Spark database of its own
by ``analytics.spark_publish.publish`` (the command an analyst runs), so the tests
read what the app would read.

Without Java (or pyspark) every test here is skipped, saying so.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics import spark as spark_mode
from analytics.store import Store

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.spark)


def why_not_spark() -> str | None:
    """Why a local Spark session cannot start here, if it cannot."""
    if spark_mode.java() is None:
        return "Spark tests need Java 17: no java on PATH or in JAVA_HOME"
    try:
        import pyspark.sql  # noqa: F401
    except ImportError as exc:
        return f"Spark tests need pyspark (requirements-dev.txt): {exc}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The run's one local Spark session; it also serves Spark Connect on loopback
    (the same JVM and catalog), so a Connect client reads the tables published here."""
    reason = why_not_spark()
    if reason:
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    builder = (
        SparkSession.builder.master("local[1]")
        .appName("pulso-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
    )
    if _connect_client():
        builder = (
            builder.config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
            .config("spark.connect.grpc.binding.address", "127.0.0.1")
            .config("spark.connect.grpc.binding.port", str(free_port()))
        )
    session = builder.getOrCreate()
    yield session
    session.stop()


def _connect_client() -> bool:
    """Whether the Spark Connect client's packages (grpcio...) are installed."""
    try:
        from pyspark.sql.connect.utils import check_dependencies

        check_dependencies("pyspark.sql.connect.session")
    except Exception:
        return False
    return True


def on_spark(store: Store, spark: Any, database: str) -> spark_mode.SparkStore:
    """``store``'s data published into Spark database ``database``, read through a
    Spark-mode store whose app state is ``store`` itself."""
    from analytics import spark_publish

    spark.sql(f"create database if not exists {database}")
    spark_publish.publish(store, spark, database=database)
    on = spark_mode.SparkStore(spark, store, database=database)
    on.check()
    return on


#: The demo store every page's parity test reads (the follow-up browser test's size).
DEMO = dict(calls=5_000, seed=3, end=dt.date(2026, 6, 28))


@pytest.fixture(scope="session")
def demo_both(
    demo_stores: Any, tmp_path_factory: pytest.TempPathFactory, spark: Any
) -> Iterator[tuple[Store, spark_mode.SparkStore]]:
    """A demo store (calls, surveys with comments, process changes, follow-up items,
    rollups) on both
    engines, published once per run. Read it only: every Spark test shares it."""
    from analytics.demo import followup

    store = demo_stores.open(tmp_path_factory.mktemp("spark_demo"), **DEMO)
    followup.seed(store)  # the follow-up queue the app's demo has (app state)
    yield store, on_spark(store, spark, "pulso_demo")
    store.close()


# -- comparing results ------------------------------------------------------------------


def same(a: Any, b: Any, where: str = "result") -> None:
    """``a`` (DuckDB) and ``b`` (Spark) are the same result: frames equal up to row
    order (floats to 1e-9 relative: the engines add in different orders), dataclasses,
    mappings and sequences field by field, NaN equal to NaN."""
    if isinstance(a, pl.DataFrame):
        assert isinstance(b, pl.DataFrame), where
        assert a.columns == b.columns, where
        b = b.cast({c: a.schema[c] for c in a.columns})
        order = [c for c in a.columns if a.schema[c].is_numeric() or a.schema[c] == pl.String]
        order = order or a.columns
        assert_frame_equal(
            a.sort(order, nulls_last=True),
            b.sort(order, nulls_last=True),
            check_exact=False,
            rel_tol=1e-9,
            abs_tol=1e-12,
        )
        return
    if is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
        return
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            same(a[key], b[key], f"{where}[{key!r}]")
        return
    if isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
        return
    if isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=where)
        return
    if isinstance(a, float | np.floating) and not isinstance(a, bool):
        assert isinstance(b, float | int | np.number), where
        if math.isnan(a):
            assert math.isnan(b), where
        else:
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {a} != {b}"
        return
    assert a == b, f"{where}: {a!r} != {b!r}"
