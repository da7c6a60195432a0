"""The DuckDB store: one connection per process, a cursor per query and thread.

Raw SQL lives here (and in ``ingest/``), always with bound parameters. Analytical
reads are Ibis expressions (see ``queries``) executed by :meth:`Store.read`, so the
same expressions run on Spark through :class:`analytics.spark.SparkStore`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import ibis
import ibis.expr.types as ir
import polars as pl

from analytics.migrations import LATEST, MIGRATIONS

if TYPE_CHECKING:
    from analytics.dimensions import Source
    from analytics.queries import Derived
    from analytics.rollups import Rollup

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "pulso.duckdb"
#: DuckDB's memory for the process's queries and its cache of the file's blocks (beyond
#: it, DuckDB spills to disk). Unset: 2 GiB, or 80% of the RAM (DuckDB's own default)
#: on a smaller machine. DuckDB's default alone grew to 5.5 GB at 100M calls on a
#: 24 GB machine: mostly cache, which an app server sharing its machine should not hold.
MEMORY_LIMIT = "PULSO_MEMORY_LIMIT"
DEFAULT_MEMORY = 2 * 1024**3
_SIZE = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
log = logging.getLogger(__name__)


class StoreError(Exception):
    """The store cannot be opened or written; ``reason`` is an i18n key."""

    def __init__(self, reason: str, path: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {path} {detail}".strip())
        self.reason = reason
        self.path = path
        self.detail = detail


@dataclass
class Store:
    """A DuckDB database file (or ``:memory:``) holding the canonical tables."""

    con: duckdb.DuckDBPyConnection
    path: str
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _tables: dict[str, ir.Table] = field(default_factory=dict, repr=False)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor: DuckDB connections must not be shared across threads."""
        return self.con.cursor()

    def table(self, name: str) -> ir.Table:
        """An unbound Ibis table with the store's schema for ``name``."""
        if name not in self._tables:
            self._tables[name] = ibis.table(self._backend().table(name).schema(), name=name)
        return self._tables[name]

    def read(self, expr: ir.Table) -> pl.DataFrame:
        """Execute an Ibis expression on this thread's cursor and return polars."""
        return self._backend().to_polars(expr)

    def derived(self) -> Derived | None:
        """The flags and horizon kept at load (:mod:`analytics.rollups`), if current."""
        from analytics import rollups

        return rollups.current(self.write_cursor())

    def rollup(self, rollup: Rollup, source: Source) -> ir.Table | None:
        """``rollup``'s table of ``source`` (the read path sums it), if current."""
        if self.derived() is None:
            return None
        return self.table(rollup.table(source))

    def answers(self) -> ir.Table | None:
        """The answers with their call kept at load (:func:`analytics.queries.answers`),
        if current."""
        from analytics.answers import ANSWERS

        if self.derived() is None:
            return None
        return self.table(ANSWERS)

    def sql(self, query: str, params: list[Any] | None = None) -> pl.DataFrame:
        """Run one parameterised statement and return its rows as polars."""
        rel = self.cursor().sql(query, params=params or None)
        return rel.pl() if rel is not None else pl.DataFrame()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside ``begin``/``commit``; any exception rolls back everything."""
        cur = self.write_cursor()
        cur.execute("begin transaction")
        try:
            yield cur
        except BaseException:
            cur.execute("rollback")
            raise
        cur.execute("commit")

    def write_cursor(self) -> duckdb.DuckDBPyConnection:
        """The cursor a transaction writes through (a scoped handle's sees every row)."""
        return self.cursor()

    def schema_version(self) -> int:
        return schema_version(self.cursor())

    def data_version(self) -> str:
        """A token that changes whenever a batch is loaded or undone (for caches)."""
        row = (
            self.cursor()
            .execute("select count(*), max(batch_id), max(undone_at) from ingest_batches")
            .fetchone()
        )
        return repr(row)

    def is_empty(self) -> bool:
        """No calls, surveys or process changes (demo data goes only into such a store)."""
        row = (
            self.cursor()
            .execute(
                "select (select count(*) from calls) + (select count(*) from surveys)"
                " + (select count(*) from process_changes)"
            )
            .fetchone()
        )
        return row == (0,)

    def close(self) -> None:
        self.con.close()

    def _backend(self) -> Any:
        backend = getattr(self._local, "backend", None)
        if backend is None:
            backend = ibis.duckdb.from_connection(self.cursor())
            self._local.backend = backend
        return backend


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    found = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'schema_version'"
        " and schema_name = 'main' and database_name = current_database()"
    ).fetchone()
    if not (found and found[0]):  # a new store (a read-only one cannot be new)
        con.execute("create table schema_version (version integer, applied_at timestamp)")
    row = con.execute("select coalesce(max(version), 0) from schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection, target: int = LATEST) -> int:
    """Apply the missing migrations up to ``target`` in one transaction."""
    current = schema_version(con)
    if current > LATEST:
        raise StoreError("store_newer", "", f"schema {current} > {LATEST}")
    if current >= target:
        return current
    con.execute("begin transaction")
    try:
        for version in range(current + 1, target + 1):
            step = MIGRATIONS[version - 1]
            if callable(step):
                step(con)
            else:
                con.execute(step)
            con.execute("insert into schema_version values (?, current_timestamp)", [version])
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
    return target


def resolve_path(path_or_url: str | os.PathLike[str] | None) -> tuple[str, bool]:
    """The database path and whether it is the default (demo-filled) one."""
    if path_or_url is None:
        env = os.environ.get("PULSO_DB")
        if env:
            return resolve_path(env)[0], False
        return str(DEFAULT_DB), True
    text = str(path_or_url)
    if text.startswith("duckdb://"):
        text = text.removeprefix("duckdb://") or ":memory:"
    return text, False


def connect(path: str, read_only: bool = False) -> Store:
    """Open (creating if needed) a DuckDB file and bring its schema up to date."""
    if path != ":memory:":
        _check_location(Path(path), read_only)
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.Error as exc:
        held = _LOCK_HELD.search(str(exc))
        if held:  # another process writes the file: say which, not "unreadable"
            raise StoreError("store_locked", path, f"{held['program']}, PID {held['pid']}") from exc
        raise StoreError("store_unreadable", path, str(exc)) from exc
    con.execute(f"set memory_limit = '{memory_limit()}'")
    if not read_only:
        migrate(con)
    elif schema_version(con) < LATEST:
        raise StoreError("store_outdated", path)
    from analytics import access  # it imports this module

    # the CLI's --user (access.act_as); else the store itself
    return access.bind(Store(con=con, path=path), access.process_actor())


def memory_limit(env: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """DuckDB's memory limit for the app (:data:`MEMORY_LIMIT`), as DuckDB reads it; an
    unreadable value is logged and the default used (a typo must not pass silently)."""
    text = env.get(MEMORY_LIMIT, "").strip()
    if text and _SIZE.fullmatch(text):
        return text
    if text:
        log.error(
            "%s=%r is not a size such as 2GB or 512MiB; using the default", MEMORY_LIMIT, text
        )
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        ram = 0
    usable = min(DEFAULT_MEMORY, int(0.8 * ram)) if ram else DEFAULT_MEMORY
    return f"{usable // 1024**2}MiB"


# DuckDB's message when another process holds the file's write lock.
_LOCK_HELD = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def _check_location(path: Path, read_only: bool) -> None:
    folder = path.parent
    if read_only or path.exists():
        if path.exists() and not os.access(path, os.R_OK):
            raise StoreError("store_unreadable", str(path), "permission denied")
        if not read_only and path.exists() and not os.access(path, os.W_OK):
            raise StoreError("store_unwritable", str(path), "permission denied")
        return
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise StoreError("folder_unwritable", str(folder), str(exc)) from exc
    if not os.access(folder, os.W_OK):
        raise StoreError("folder_unwritable", str(folder), "permission denied")
