"""Shared fixtures: small on-disk stores built from literal rows, and demo stores built
once per test session (``demo_stores``)."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import pickle
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from analytics import demo, rollups
from analytics.store import Store, connect
from tests.apptest import AppDb, clear_caches

# The app's alert clock (analytics.alerts.schedule) stays off in tests: AppTest scripts and
# the browser tests' servers inherit this; tests/alerts/test_schedule.py runs one on purpose.
os.environ["PULSO_ALERTS_EVERY_MINUTES"] = "0"
# A page's error reaches the tests as an exception too (ui/errors.py); the tests of the
# error boundary itself unset it.
os.environ["PULSO_DEBUG"] = "1"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``make test``'s ``--dist loadfile``, with tests/spark/ as one unit: its tests share
    one Spark session (a JVM), so one worker runs them all; every other file is a unit
    as before."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SparkTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("tests/spark/"):
                return "tests/spark"
            return str(super()._split_scope(nodeid))

    return SparkTogether(config, log)


CALL_COLUMNS = (
    "call_id",
    "started_at",
    "channel",
    "queue",
    "region",
    "product",
    "segment",
    "agent_id",
    "team",
    "customer_id",
    "wait_s",
    "duration_s",
    "hold_s",
    "transfers",
    "resolved",
    "abandoned",
    "escalated",
)
SURVEY_COLUMNS = (
    "response_id",
    "call_id",
    "customer_id",
    "responded_at",
    "survey_type",
    "survey_channel",
    "nps",
    "csat",
    "ces",
    "ces_scale",
    "comment",
    "language",
)


def call(i: int, at: dt.datetime, **kw: Any) -> dict[str, Any]:
    """A call row with plausible defaults; override any column by keyword."""
    row = dict(
        call_id=f"C{i}",
        started_at=at,
        channel="voice",
        queue="billing",
        region="North",
        product="mobile",
        segment="B2C",
        agent_id="A1",
        team="T1",
        customer_id=f"K{i}",
        wait_s=30.0,
        duration_s=300.0,
        hold_s=0.0,
        transfers=0,
        resolved=True,
        abandoned=False,
        escalated=False,
    )
    row.update(kw)
    return row


def survey(i: int, at: dt.datetime, **kw: Any) -> dict[str, Any]:
    row = dict(
        response_id=f"R{i}",
        call_id=None,
        customer_id=None,
        responded_at=at,
        survey_type="transactional",
        survey_channel="email",
        nps=None,
        csat=None,
        ces=None,
        ces_scale=None,
        comment=None,
        language="en",
    )
    row.update(kw)
    return row


def insert(store: Store, table: str, rows: list[dict[str, Any]]) -> None:
    cols = CALL_COLUMNS if table == "calls" else SURVEY_COLUMNS
    frame = pl.DataFrame(
        rows,
        schema_overrides={"started_at": pl.Datetime, "responded_at": pl.Datetime},
        infer_schema_length=None,
    ).select(cols)
    cur = store.cursor()
    cur.register("incoming", frame.to_arrow())
    cur.execute(f"insert into {table} by name select * from incoming")  # table: fixed literal above
    cur.unregister("incoming")
    rollups.rebuild(store.write_cursor())  # as a load keeps them


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    store = connect(str(tmp_path / "pulso.duckdb"))
    yield store
    store.close()


@pytest.fixture
def app_db(monkeypatch: pytest.MonkeyPatch) -> Iterator[AppDb]:
    """``app_db(path)``: the app (tests/apptest.py) opens the store at ``path``, with
    Streamlit's caches empty; they are emptied again after the test."""

    def use(path: Path) -> Path:
        monkeypatch.setenv("PULSO_DB", str(path))
        clear_caches()
        return path

    yield use
    clear_caches()


# -- random rows with known answers ------------------------------------------------------------

T0 = dt.datetime(2025, 3, 3, 9)  # a Monday
REGIONS = ("North", "South", "East")
QUEUES = ("billing", "tech")


def sample_calls(n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """``n`` calls over 8 weeks from T0, every input captured, in two queues and three
    regions (the read path's checks compute each KPI from these rows by hand)."""
    return [
        call(
            i,
            T0 + dt.timedelta(hours=int(rng.integers(0, 24 * 56))),
            region=REGIONS[i % 3],
            queue=QUEUES[i % 2],
            customer_id=f"K{rng.integers(0, n // 3)}",
            wait_s=float(rng.integers(0, 90)),
            duration_s=float(rng.integers(60, 900)),
            transfers=int(rng.integers(0, 3)),
            resolved=bool(rng.random() < 0.7),
            abandoned=bool(rng.random() < 0.08),
        )
        for i in range(n)
    ]


def sample_surveys(calls: list[dict[str, Any]], rng: np.random.Generator) -> list[dict[str, Any]]:
    """A survey for every other answered call, and one relational survey (no call)."""
    rows = [
        survey(
            i,
            c["started_at"] + dt.timedelta(hours=2),
            call_id=c["call_id"],
            nps=int(rng.integers(0, 11)),
            csat=int(rng.integers(1, 6)),
            ces=float(rng.integers(1, 8)),
            ces_scale=7,
        )
        for i, c in enumerate(calls[::2])
        if not c["abandoned"]
    ]
    rows.append(survey(10_000, T0 + dt.timedelta(days=30), survey_type="relational", nps=10))
    return rows


@pytest.fixture
def sample_store(tmp_path: Path) -> Iterator[Store]:
    """600 sample calls and their surveys (seed 11)."""
    rng = np.random.default_rng(11)
    calls = sample_calls(600, rng)
    store = connect(str(tmp_path / "sample.duckdb"))
    insert(store, "calls", calls)
    insert(store, "surveys", sample_surveys(calls, rng))
    yield store
    store.close()


def gappy_calls(n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Calls with a fifth of every input missing (customer, wait, duration, transfers,
    resolved, abandoned)."""

    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.2 else value

    return [
        call(
            i,
            T0 + dt.timedelta(hours=int(rng.integers(0, 24 * 56))),
            region=REGIONS[i % 3],
            customer_id=maybe(f"K{rng.integers(0, n // 3)}"),
            wait_s=maybe(float(rng.integers(0, 60))),
            duration_s=maybe(float(rng.integers(60, 900))),
            transfers=maybe(int(rng.integers(0, 3))),
            resolved=maybe(bool(rng.random() < 0.7)),
            abandoned=maybe(bool(rng.random() < 0.1)),
        )
        for i in range(n)
    ]


def gappy_surveys(calls: list[dict[str, Any]], rng: np.random.Generator) -> list[dict[str, Any]]:
    types = ("transactional", None, "relational")  # a relational one is no call's survey
    return [
        survey(i, c["started_at"] + dt.timedelta(hours=2), call_id=c["call_id"],
               survey_type=types[i % 3], nps=int(rng.integers(0, 11)))
        for i, c in enumerate(calls[::2])
    ]  # fmt: skip


@pytest.fixture(scope="module")
def gappy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """900 gappy calls and their surveys (seed 23): known-value counts differ per KPI.
    Shared by a module's tests: do not write to it."""
    rng = np.random.default_rng(23)
    calls = gappy_calls(900, rng)
    store = connect(str(tmp_path_factory.mktemp("gappy") / "pulso.duckdb"))
    insert(store, "calls", calls)
    insert(store, "surveys", gappy_surveys(calls, rng))
    yield store
    store.close()


# -- demo stores, built once per session -------------------------------------------------------


@dataclass(frozen=True)
class _Demo:
    """``analytics.demo.generate(calls=, seed=, end=)``: the store is a pure function of
    these, so a test's expected numbers go with its three values."""

    calls: int
    seed: int
    end: dt.date


class DemoStores:
    """Each demo store generated once per run, into a template file nothing opens again;
    a test gets its own copy (copying a DuckDB file takes milliseconds, generating it
    seconds). Under pytest-xdist the workers share the templates: the first to need one
    builds it under a file lock while the others wait for it.

    Tests name a store by keywords (``calls=20_000, seed=3, end=END``) rather than by a
    class from here: test modules import this file as ``tests.conftest``, pytest as
    ``conftest``, and the two copies' classes would not compare equal.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._built: dict[_Demo, tuple[Path, demo.DemoSummary]] = {}

    def _template(self, spec: _Demo) -> tuple[Path, demo.DemoSummary]:
        if spec not in self._built:
            path = self._folder / f"demo-{spec.calls}-{spec.seed}-{spec.end}.duckdb"
            built = path.with_suffix(".summary.pickle")  # written last: the file is whole
            with path.with_suffix(".lock").open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be building it
                if not built.exists():
                    store = connect(str(path))
                    summary = demo.generate(store, calls=spec.calls, seed=spec.seed, end=spec.end)
                    store.cursor().execute("checkpoint")  # everything in the file: no WAL
                    store.close()
                    built.write_bytes(pickle.dumps(summary))
            self._built[spec] = path, pickle.loads(built.read_bytes())
        return self._built[spec]

    def copy(self, folder: Path, *, calls: int, seed: int, end: dt.date) -> Path:
        """A fresh copy of that demo store, as ``folder/pulso.duckdb``."""
        path = folder / "pulso.duckdb"
        shutil.copyfile(self._template(_Demo(calls, seed, end))[0], path)
        return path

    def open(self, folder: Path, *, calls: int, seed: int, end: dt.date) -> Store:
        """A fresh copy, opened."""
        return connect(str(self.copy(folder, calls=calls, seed=seed, end=end)))

    def summary(self, *, calls: int, seed: int, end: dt.date) -> demo.DemoSummary:
        """What ``analytics.demo.generate`` returned for it."""
        return self._template(_Demo(calls, seed, end))[1]


@pytest.fixture(scope="session")
def demo_stores(tmp_path_factory: pytest.TempPathFactory) -> DemoStores:
    """Each demo store generated once per run: under pytest-xdist the workers' temporary
    folders share a parent for this run, and the templates live there."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "demo_templates"
    folder.mkdir(exist_ok=True)
    return DemoStores(folder)


# -- stores shared by an AppTest module and its browser twin ------------------------------

BEFORE, AFTER = dt.datetime(2025, 3, 10, 8), dt.datetime(2025, 3, 17, 8)
PERIOD = ["2025-03-17", "2025-03-23"]  # compared with 10-16 March


def eight_seconds_slower(path: Path) -> Path:
    """A store of 300 answered calls a week, each wait 8 s longer in the second week."""
    store = connect(str(path))
    rows = [
        call(i, start + dt.timedelta(minutes=30 * (i % 300)), wait_s=25.0 + i % 300 % 11 + rise)
        for week, (start, rise) in enumerate(((BEFORE, 0.0), (AFTER, 8.0)))
        for i in range(week * 300, week * 300 + 300)
    ]
    insert(store, "calls", rows)
    store.close()
    return path


def no_flag_calls(n: int, days: int = 56, **kw: Any) -> list[dict[str, Any]]:
    """Calls spread over ``days`` days whose abandoned, resolved and transfers are null
    (a call file without those columns), in two queues and three regions."""
    step = dt.timedelta(hours=24 * days / n)
    return [
        call(
            i,
            T0 + i * step,
            region=("North", "South", "East")[i % 3],
            queue=("billing", "tech")[i % 2],
            customer_id=f"K{i % (n // 3)}",
            abandoned=None,
            resolved=None,
            transfers=None,
            **kw,
        )
        for i in range(n)
    ]


def linked_surveys(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        survey(i, c["started_at"] + dt.timedelta(hours=1), call_id=c["call_id"], nps=9, csat=5)
        for i, c in enumerate(calls[::4])
    ]
