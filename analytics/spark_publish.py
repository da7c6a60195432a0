"""How an analyst's load reaches Spark: ``python -m analytics spark-publish``.

The analyst loads files into the embedded store as always (Upload page or
``python -m analytics ingest``): the checks, the undo and the rollups happen there. This
command then copies that store's canonical tables (``calls``, ``surveys``) and what a
load keeps with them (``answers``, the rollups and ``rollup_meta``, :mod:`analytics.rollups`) into the
Spark catalog as tables of the same names (Parquet by default; ``--format delta`` where
the cluster has Delta, as Databricks does), replacing what was there. The app in Spark
mode then reads them (:mod:`analytics.spark`).

It is a write like a load: the ``load`` permission (analyst and up), checked before
anything is read, and one audit line (``spark.publish``) that commits only once Spark
has every table. The copy reads one snapshot of the store (one transaction), so a load
running meanwhile is either wholly in it or not at all. ``rollup_meta`` is emptied first
and written last: a page read while the copy runs computes from the raw rows (the
same numbers, slower) instead of mixing new rows with old rollups.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from analytics import access, answers, audit, rollups
from analytics.spark import CANONICAL, DATABASE
from analytics.store import Store

#: Rows per chunk sent to Spark Connect (its messages have a size limit).
CHUNK_ROWS = 500_000


def tables() -> list[str]:
    """What a publish writes, in order: the facts, then what is kept with them (the
    answers with their call, the rollups; meta last)."""
    kept = (answers.ANSWERS, *(r.table(s) for r in rollups.ROLLUPS for s in CANONICAL))  # type: ignore[arg-type]
    return [*CANONICAL, *kept]


def publish(
    store: Store, spark: Any, fmt: str = "parquet", database: str | None = None
) -> dict[str, int]:
    """Copy the store's canonical tables and rollups into ``spark``'s ``database``
    (``schema`` or ``catalog.schema``; None: ``PULSO_SPARK_DATABASE``, else the
    session's current one); returns the rows written per table."""
    actor = access.require(store, "load")  # before anything is read or written
    app = getattr(store, "app", store)  # a Spark-mode store: its embedded one
    database = database or os.environ.get(DATABASE) or None
    prefix = f"{database}." if database else ""
    if database and not spark.catalog.databaseExists(database):  # a first publish
        spark.sql(f"create database {database}")
    written: dict[str, int] = {}
    with app.transaction() as cur:
        current = rollups.current(cur) is not None
        empty = f"select * from {rollups.META} where false"  # noqa: S608
        _write(spark, cur, empty, prefix + rollups.META, fmt)
        for name in tables():
            if name in CANONICAL or current:
                rows = f'select * from "{name}"'  # noqa: S608
                written[name] = _write(spark, cur, rows, prefix + name, fmt)
            else:  # stale rollups (a direct write): none, so the reads use the raw rows
                spark.sql(f"drop table if exists {prefix}{name}")
        if current:
            meta = f"select * from {rollups.META}"  # noqa: S608
            written[rollups.META] = _write(spark, cur, meta, prefix + rollups.META, fmt)
        audit.record(cur, actor, "spark.publish", database or _where(spark), None, written)
    return written


def _write(spark: Any, cur: Any, query: str, name: str, fmt: str) -> int:
    """``query``'s rows as Spark table ``name`` (replaced). A local session reads a
    Parquet copy (no rows through Python); Spark Connect gets Arrow chunks."""
    if not _is_connect(spark):
        with tempfile.TemporaryDirectory(prefix="pulso-publish-") as folder:
            path = Path(folder) / "rows.parquet"
            cur.execute(f"copy ({query}) to '{path}' (format parquet)")
            frame = spark.read.parquet(str(path))
            frame.write.mode("overwrite").format(fmt).saveAsTable(name)
            row = cur.execute(f"select count(*) from ({query})").fetchone()  # noqa: S608
            return int(row[0]) if row else 0
    # Whole, then in chunks: the transaction's cursor cannot hold a result open while
    # the next table is read (the rows are in memory once, as Arrow).
    with warnings.catch_warnings():  # DB-API Arrow makes one copy more: fine here
        warnings.simplefilter("ignore", UserWarning)
        rows = cur.execute(query).to_arrow_table()
    if not rows.num_rows:  # Spark cannot infer the columns of no rows: they are given
        from pyspark.sql.pandas.types import from_arrow_schema

        schema = from_arrow_schema(rows.schema, prefer_timestamp_ntz=True)
        spark.createDataFrame(rows, schema=schema).write.mode("overwrite").format(fmt).saveAsTable(
            name
        )
        return 0
    mode = "overwrite"
    for start in range(0, rows.num_rows, CHUNK_ROWS):
        part = rows.slice(start, CHUNK_ROWS)
        spark.createDataFrame(part).write.mode(mode).format(fmt).saveAsTable(name)
        mode = "append"
    return int(rows.num_rows)


def _is_connect(spark: Any) -> bool:
    return type(spark).__module__.startswith("pyspark.sql.connect")


def _where(spark: Any) -> str:
    try:
        return f"{spark.catalog.currentCatalog()}.{spark.catalog.currentDatabase()}"
    except Exception:  # an older catalog API: the database alone
        return str(spark.catalog.currentDatabase())


# -- command line --------------------------------------------------------------------


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``spark-publish`` on the CLI's sub-parsers."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "spark-publish",
        help="copy the store's calls, surveys and rollups into the Spark catalog (analysts)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--db", help="database path (default: PULSO_DB or data/pulso.duckdb)")
    p.add_argument(
        "--remote", help="Spark Connect URL, sc://host:port (default: PULSO_SPARK_REMOTE)"
    )
    p.add_argument(
        "--warehouse",
        help="a local session's warehouse folder (default: PULSO_SPARK_WAREHOUSE)",
    )
    p.add_argument(
        "--database", help="schema or catalog.schema to write to (default: PULSO_SPARK_DATABASE)"
    )
    p.add_argument("--format", choices=("parquet", "delta"), default="parquet")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from analytics import spark as spark_mode
    from analytics.store import connect, resolve_path

    store = connect(resolve_path(args.db)[0])
    try:
        access.require(store, "load")  # refused before Spark is even started
        session = spark_mode.session(args.remote, args.warehouse)
        written = publish(store, session, args.format, args.database)
    finally:
        store.close()
    for name, rows in written.items():
        sys.stdout.write(f"{name}: {rows:,} rows\n")
    return 0
