"""Spark mode: the same Ibis read path over the canonical tables in a Spark catalog.

``PULSO_ENGINE=spark`` makes the app read ``calls``, ``surveys``, their rollups and
``rollup_meta`` (:mod:`analytics.rollups`) from Spark: a local session, or Spark Connect
(``PULSO_SPARK_REMOTE=sc://host:15002``; Databricks' own ``sc://`` URL works the same).
Every page runs the expressions it runs on DuckDB; Spark only executes them.

Where the app's own state lives: the embedded DuckDB store (``PULSO_DB``) stays beside
Spark and holds everything the app writes (change registry, follow-up queue, targets,
thresholds, settings, alert rules, roles, audit log). Spark holds only what a load
produces. Two ways fill it: ``python -m analytics spark-publish`` (an analyst's load in
the embedded store, copied with its rollups; :mod:`analytics.spark_publish`), or the
company's own pipeline writing the same tables (the contract is the DuckDB schema of
``calls`` and ``surveys``; without ``rollup_meta`` and the rollups every read computes
from the raw rows, which gives the same numbers, slower).

A read that needs both (a comment's follow-up item, follow-up compliance by region)
runs on Spark with the app-state table copied into a temporary view of its own name.
A scoped user's reads see only their scope's rows, filtered in the expressions here
(the DuckDB store does it with temporary views, :mod:`analytics.access`).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import polars as pl

from analytics import answers, dimensions, rollups
from analytics.store import Store, StoreError

ENGINE = "PULSO_ENGINE"
REMOTE = "PULSO_SPARK_REMOTE"
DATABASE = "PULSO_SPARK_DATABASE"
WAREHOUSE = "PULSO_SPARK_WAREHOUSE"

#: What Spark holds: the facts a load produces, and what it keeps up to date with them.
CANONICAL = ("calls", "surveys")
SPARK_TABLES = frozenset(
    {
        *CANONICAL,
        answers.ANSWERS,
        rollups.META,
        *(r.table(source) for r in rollups.ROLLUPS for source in CANONICAL),  # type: ignore[arg-type]
    }
)


def engine() -> str:
    """``duckdb`` (the default) or ``spark``, from ``PULSO_ENGINE``."""
    return os.environ.get(ENGINE, "duckdb").strip().lower() or "duckdb"


def java() -> str | None:
    """The ``java`` a local Spark session would start, if there is one."""
    home = os.environ.get("JAVA_HOME")
    if home:
        found = Path(home) / "bin" / "java"
        return str(found) if found.exists() else None
    return shutil.which("java")


def session(remote: str | None = None, warehouse: str | None = None) -> Any:
    """A SparkSession: Spark Connect at ``remote`` (else ``PULSO_SPARK_REMOTE``), or a
    local one. ``warehouse`` (else ``PULSO_SPARK_WAREHOUSE``): a folder where a local
    session keeps its tables and catalog between runs (Hive catalog, Derby metastore).
    :class:`StoreError` with the reason when it cannot start (no Java, no pyspark)."""
    remote = remote or os.environ.get(REMOTE) or None
    warehouse = warehouse or os.environ.get(WAREHOUSE) or None
    where = remote or "local"
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise StoreError("spark_not_installed", where, str(exc)) from exc
    if remote is None and java() is None:
        raise StoreError("spark_no_java", where, os.environ.get("JAVA_HOME", ""))
    if remote is not None:
        try:  # the Connect client itself: it needs grpcio, and a local session may run too
            from pyspark.sql.connect.session import SparkSession as ConnectSession
        except ImportError as exc:
            raise StoreError("spark_not_installed", where, _short(exc)) from exc
    try:
        if remote is not None:
            return ConnectSession.builder.remote(remote).getOrCreate()
        builder = (
            SparkSession.builder.master(os.environ.get("PULSO_SPARK_MASTER", "local[*]"))
            .appName("pulso")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
        )
        if warehouse is not None:
            folder = Path(warehouse).resolve()
            builder = (
                builder.config("spark.sql.warehouse.dir", str(folder))
                .config("spark.sql.catalogImplementation", "hive")
                .config(
                    "spark.hadoop.javax.jdo.option.ConnectionURL",
                    f"jdbc:derby:;databaseName={folder / 'metastore_db'};create=true",
                )
                .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={folder}")
            )
        return builder.getOrCreate()
    except Exception as exc:  # py4j, JVM and gRPC errors have no common base
        raise StoreError("spark_unavailable", where, _short(exc)) from exc


def open_spark_store(
    app: Store, spark: Any | None = None, database: str | None = None
) -> SparkStore:
    """The app's store in Spark mode: reads from Spark, app state in ``app``. Checks at
    once that Spark answers and holds the canonical tables (a clear error, not a
    traceback on the first page)."""
    store = SparkStore(spark if spark is not None else session(), app, database=database)
    store.check()
    return store


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


class _State:
    """What one look at Spark tells (cached for ``ttl`` seconds, shared by the
    handles of every actor): the tables there, their row counts, the meta row."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.at = -1e18
        self.tables: frozenset[str] = frozenset()
        self.version = ""
        self.derived: Any = None
        self.counts = (0, 0)


class SparkStore(Store):
    """A store whose canonical tables and rollups are read from a Spark catalog and
    whose app state (and :meth:`sql`, :meth:`cursor`, writes) is the embedded ``app``."""

    def __init__(
        self,
        spark: Any,
        app: Store,
        *,
        database: str | None = None,
        ttl: float = 10.0,
        _backend: Any = None,
        _state: _State | None = None,
    ) -> None:
        super().__init__(con=app.con, path=app.path)
        self.spark = spark
        self.app = app
        #: Where the tables are: ``schema`` or ``catalog.schema`` (Unity Catalog); None:
        #: ``PULSO_SPARK_DATABASE``, else the session's current database.
        self.database = database or os.environ.get(DATABASE) or None
        self.ttl = ttl
        self._ibis = _backend if _backend is not None else ibis.pyspark.connect(spark)
        self._state = _state or _State()

    # -- who reads -------------------------------------------------------------------

    @property
    def actor(self) -> Any:
        from analytics import access

        return access.actor_of(self.app)

    def bound(self, actor: Any) -> SparkStore:
        """This store acting for ``actor`` (:func:`analytics.access.bind`)."""
        from analytics import access

        return SparkStore(
            self.spark,
            access.bind(self.app, actor),
            database=self.database,
            ttl=self.ttl,
            _backend=self._ibis,
            _state=self._state,
        )

    # -- the reader protocol -----------------------------------------------------------

    def cursor(self) -> Any:
        return self.app.cursor()

    def write_cursor(self) -> Any:
        return self.app.write_cursor()

    def table(self, name: str) -> ir.Table:
        """Spark's table for the canonical ones (restricted to the actor's scope), the
        embedded store's for app state."""
        if name not in SPARK_TABLES:
            return self.app.table(name)
        return _scoped(self._raw, name, self.actor.scope)

    def _raw(self, name: str) -> ir.Table:
        if name not in self._tables:
            schema = self._ibis.table(name, database=self._namespace()).schema()
            self._tables[name] = ibis.table(schema, name=name, **self._where())
        return self._tables[name]

    def read(self, expr: ir.Table) -> pl.DataFrame:
        names = {op.name for op in expr.op().find(ops.UnboundTable)}
        if not names & SPARK_TABLES:
            return self.app.read(expr)  # app state only
        shared = {}
        try:
            for op in expr.op().find(ops.UnboundTable):
                if op.name not in SPARK_TABLES:
                    shared[op] = self._share(op)
            if shared:
                expr = expr.op().replace(shared).to_expr()
            return _polars(self._ibis.to_pyarrow(expr))
        finally:
            for op in shared.values():
                self.spark.catalog.dropTempView(op.name)

    def _share(self, op: ops.UnboundTable) -> ops.UnboundTable:
        """The app-state table (as the actor sees it) in a temporary Spark view of a
        name of its own, so that concurrent reads of other scopes cannot swap it."""
        name = f"pulso_app_{op.name}_{uuid.uuid4().hex[:12]}"
        from pyspark.sql.pandas.types import from_arrow_schema

        query = f'select * from "{op.name}"'  # noqa: S608 (a table the expression names)
        arrow = self.app.cursor().sql(query).to_arrow_table()
        # The columns given, not inferred: Spark cannot infer them from no rows.
        schema = from_arrow_schema(arrow.schema, prefer_timestamp_ntz=True)
        self.spark.createDataFrame(arrow, schema=schema).createOrReplaceTempView(name)
        return ibis.table(op.schema, name=name).op()

    def _namespace(self) -> Any:
        """The database as Ibis names it: ``(catalog, schema)`` or ``schema``."""
        if self.database is None:
            return None
        catalog, _, schema = self.database.rpartition(".")
        return (catalog, schema) if catalog else schema

    def _where(self) -> dict[str, str]:
        if self.database is None:
            return {}
        catalog, _, schema = self.database.rpartition(".")
        return {"database": schema, **({"catalog": catalog} if catalog else {})}

    def derived(self) -> Any:
        """The flags and horizon published with the tables, if they still describe them
        (row counts unchanged), else None: the reads compute from the raw rows."""
        return self._look().derived

    def rollup(self, rollup: rollups.Rollup, source: Any) -> ir.Table | None:
        from analytics import access

        state = self._look()
        if state.derived is None or rollup.table(source) not in state.tables:
            return None
        if not access._scope_kept(self.actor.scope, rollup):
            return None
        return self.table(rollup.table(source))

    def answers(self) -> ir.Table | None:
        state = self._look()
        if state.derived is None or answers.ANSWERS not in state.tables:
            return None
        return self.table(answers.ANSWERS)

    def data_version(self) -> str:
        return f"spark:{self._look().version}|{self.app.data_version()}"

    def is_empty(self) -> bool:
        row = self.app.cursor().execute("select count(*) from process_changes").fetchone()
        return self._look().counts == (0, 0) and row == (0,)

    def check(self) -> None:
        """:class:`StoreError` unless Spark answers and holds ``calls`` and ``surveys``."""
        where = os.environ.get(REMOTE) or "local"
        try:
            state = self._look(force=True)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError("spark_unavailable", where, _short(exc)) from exc
        missing = [name for name in CANONICAL if name not in state.tables]
        if missing:
            raise StoreError("spark_tables_missing", where, ", ".join(missing))

    def forget(self) -> None:
        """Look at Spark again on the next read (after a publish)."""
        self._state.at = -1e18

    def close(self) -> None:
        self.app.close()

    def _look(self, force: bool = False) -> _State:
        state = self._state
        with state.lock:
            if force or time.monotonic() - state.at > self.ttl:
                _refresh(state, self._ibis, self._namespace())
                state.at = time.monotonic()
        return state


def _refresh(state: _State, backend: Any, database: Any) -> None:
    """Row counts, last timestamps and the meta row, in two Spark jobs."""
    state.tables = frozenset(backend.list_tables(database=database))
    if not set(CANONICAL) <= state.tables:
        state.version, state.derived, state.counts = "missing", None, (0, 0)
        return
    calls = backend.table("calls", database=database)
    surveys = backend.table("surveys", database=database)
    c = calls.aggregate(n_calls=calls.count(), last_call=calls.started_at.max())
    s = surveys.aggregate(n_surveys=surveys.count(), last=surveys.responded_at.max())
    row = _polars(backend.to_pyarrow(c.cross_join(s))).row(0, named=True)
    state.counts = (int(row["n_calls"]), int(row["n_surveys"]))
    meta = None
    if rollups.META in state.tables:
        found = _polars(backend.to_pyarrow(backend.table(rollups.META, database=database)))
        meta = found.row(0, named=True) if found.height else None
    state.derived = None
    if meta is not None and (meta["n_calls"], meta["n_surveys"]) == state.counts:
        from analytics.queries import Derived

        state.derived = Derived(horizon=meta["horizon"], linked=bool(meta["linked"]))
    state.version = repr((*row.values(), meta and meta["built_at"]))


def _polars(arrow: Any) -> pl.DataFrame:
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _scoped(raw: Callable[[str], ir.Table], name: str, scope: Any) -> ir.Table:
    """``name`` as a scoped actor sees it: the same rows the DuckDB store's temporary
    views keep (:func:`analytics.scoped_store._shadow`)."""
    table = raw(name)
    if not scope or name == rollups.META:
        return table
    values = {dim: tuple(v) for dim, v in scope}
    on_calls = [d for d in values if dimensions.get(d).table == "calls"]
    own = [d for d in values if dimensions.get(d).table == "surveys"]
    if name == "calls":
        return table.filter([table[d].isin(values[d]) for d in on_calls] or [True])
    if name == "surveys":
        preds = [table[d].isin(values[d]) for d in own]
        if on_calls:
            calls = _scoped(raw, "calls", scope)
            preds.append(table.call_id.isin(calls.call_id))
        return table.filter(preds or [True])
    if name == answers.ANSWERS:  # the call's attributes are on each answer
        return table.filter([table[d].isin(values[d]) for d in on_calls + own] or [True])
    from analytics import access

    rollup = next(r for r in rollups.ROLLUPS if name in (r.table("calls"), r.table("surveys")))
    if not access._scope_kept(scope, rollup):
        return table.filter(ibis.literal(False))
    kept = on_calls + (own if name == rollup.table("surveys") else [])
    return table.filter([table[d].isin(values[d]) for d in kept] or [True])
