"""Ingest benchmark: Pulso's full load of a 1M-row calls CSV vs DuckDB's own CSV load.

    .venv/bin/python bench/bench_ingest.py [--rows 1000000] [--repeat 3]

Generates a calls CSV shaped like real call-log exports, so that the mapping's
transforms are at work: the date and the time of day in two columns (day-first
dates), an "answered" flag that ``abandoned`` reads inverted, talk time as
``h:mm:ss`` clocks, yes/no booleans, decimals (``--plain`` writes the older file,
one column per canonical field). Then in separate child processes, alternating
so both see the same machine load:

- ``duckdb``: ``create table calls as select * from read_csv(file)`` into a new
  database file (DuckDB's sniffer and parser, no validation, no key): the
  reference of the target ratio;
- ``duckdb_keyed``: the same into a table with ``call_id`` as primary key, in one
  transaction (context: the part of the work that is keeping a keyed table);
- ``pulso``: ``read_file`` + ``suggest_mapping`` + ``ingest`` (validation, reject
  rows, one transaction, upsert into the keyed ``calls`` table, batch log) into a
  new Pulso store; then a second ``ingest`` of the same file (all unchanged).

Prints the medians, their ratio (target <= 2x) and each child's peak RSS, and
appends the figures as JSON to ``bench/results/ingest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "ingest.json"


def generate(path: Path, rows: int, seed: int = 7, plain: bool = False) -> None:
    """A calls extract as a contact center would export it."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "ms")
    offsets = rng.integers(0, 365 * 86_400, rows).astype("timedelta64[s]").astype("timedelta64[ms]")
    pick = lambda *choices: rng.choice(list(choices), rows)  # noqa: E731
    frame = pl.DataFrame(
        {
            "call_id": pl.int_range(rows, eager=True)
            .cast(pl.String)
            .str.zfill(9)
            .str.replace(r"^", "C"),
            "started_at": pl.Series(start + offsets).dt.strftime("%d/%m/%Y %H:%M"),
            "channel": pick("phone", "chat", "email"),
            "queue": pick("billing", "tech", "sales", "returns"),
            "region": pick("north", "south", "east", "west"),
            "product": pick("fiber", "mobile", "tv"),
            "segment": pick("B2B", "B2C"),
            "agent_id": pl.Series(rng.integers(0, 500, rows))
            .cast(pl.String)
            .str.replace(r"^", "A"),
            "team": pick("t1", "t2", "t3"),
            "customer_id": pl.Series(rng.integers(0, 200_000, rows))
            .cast(pl.String)
            .str.replace(r"^", "K"),
            "wait_s": rng.integers(0, 600, rows),
            "duration_s": (rng.random(rows) * 900).round(1),
            "hold_s": rng.integers(0, 120, rows),
            "transfers": rng.integers(0, 3, rows),
            "resolved": pick("yes", "no"),
            "abandoned": pick("yes", "no"),
            "escalated": pick("yes", "no"),
        }
    )
    if not plain:
        frame = as_exported(frame)
    frame.write_csv(path)


def as_exported(frame: pl.DataFrame) -> pl.DataFrame:
    """Date and time apart, "answered" instead of "abandoned", talk time as a clock."""
    seconds = pl.col("duration_s").round(0).cast(pl.Int64)
    clock = pl.format(
        "{}:{}:{}",
        seconds // 3600,
        (seconds % 3600 // 60).cast(pl.String).str.zfill(2),
        (seconds % 60).cast(pl.String).str.zfill(2),
    )
    answered = pl.when(pl.col("abandoned") == "yes").then(pl.lit("no")).otherwise(pl.lit("yes"))
    return frame.select(
        "call_id",
        pl.col("started_at").str.slice(0, 10).alias("call_date"),
        pl.col("started_at").str.slice(11).alias("call_time"),
        *[
            c
            for c in frame.columns
            if c not in ("call_id", "started_at", "duration_s", "abandoned")
        ],
        clock.alias("talk_time"),
        answered.alias("answered"),
    )


def child_duckdb(csv: Path, db: Path) -> dict[str, float]:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("create table calls as select * from read_csv(?)", [str(csv)])
    con.close()
    return {"seconds": time.perf_counter() - started}


def child_duckdb_keyed(csv: Path, db: Path) -> dict[str, float]:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("create table calls as select * from read_csv(?) limit 0", [str(csv)])
    con.execute("alter table calls add primary key (call_id)")
    con.execute("insert into calls select * from read_csv(?)", [str(csv)])
    con.close()
    return {"seconds": time.perf_counter() - started}


def child_pulso(csv: Path, db: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from analytics.ingest import ingest, read_file, suggest_mapping
    from analytics.store import connect

    started = time.perf_counter()
    store = connect(str(db))
    raw = read_file(csv)
    suggestion = suggest_mapping(raw, "calls")
    assert suggestion.is_complete, suggestion
    if "answered" in raw.columns:  # the exported shape: its transforms must be at work
        how = suggestion.mapping
        assert how.transform("abandoned").invert and how.transform("started_at").time_source
    first = ingest(store, raw, suggestion.mapping)
    store.close()  # as the DuckDB run does: everything on disk
    seconds = time.perf_counter() - started
    assert first.inserted == first.n_rows and first.rejected == 0, first
    again = time.perf_counter()
    store = connect(str(db))
    second = ingest(store, read_file(csv), suggestion.mapping)
    store.close()
    reload_seconds = time.perf_counter() - again
    assert second.unchanged == first.n_rows, second
    return {"seconds": seconds, "reload_seconds": reload_seconds}


def peak_rss_mb() -> float:
    """This process's peak resident memory since exec (VmHWM). Not getrusage's
    ru_maxrss: on Linux that keeps the high-water mark of the forking parent (which
    generated the CSV), so every child reported the same figure."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def run_child(kind: str, csv: Path, folder: Path, index: int) -> dict[str, float]:
    db = folder / f"{kind}-{index}.duckdb"
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(csv), str(db)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plain", action="store_true", help="one column per canonical field")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CSV", "DB"))
    # Tolerate other benchmarks' options when run from ``python -m bench``.
    args, _ = parser.parse_known_args(argv)
    if args.child:
        kind, csv, db = args.child
        child = {"duckdb": child_duckdb, "duckdb_keyed": child_duckdb_keyed}.get(kind, child_pulso)
        figures = child(Path(csv), Path(db))
        figures["peak_rss_mb"] = peak_rss_mb()
        sys.stdout.write(json.dumps(figures) + "\n")
        return
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="pulso-bench-") as tmp:
        folder = Path(tmp)
        csv = folder / "calls.csv"
        generate(csv, args.rows, plain=args.plain)
        runs: dict[str, list[dict[str, float]]] = {"duckdb": [], "duckdb_keyed": [], "pulso": []}
        for index in range(args.repeat):
            for kind in runs:
                runs[kind].append(run_child(kind, csv, folder, index))
        result = summarise(runs, args.rows, csv.stat().st_size)
        result["file_shape"] = "plain" if args.plain else "exported (transforms)"
    result["load_average_before"] = load_before
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    history = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    RESULTS.write_text(json.dumps([*history, result], indent=2) + "\n")


def summarise(runs: dict[str, list[dict[str, float]]], rows: int, size: int) -> dict[str, object]:
    """Medians and peaks; ``load_average`` is the 1-minute load when the runs ended."""
    median = lambda kind, key: statistics.median(r[key] for r in runs[kind])  # noqa: E731
    duck, ours = median("duckdb", "seconds"), median("pulso", "seconds")
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} x{os.cpu_count()} {platform.python_version()}",
        "load_average": os.getloadavg()[0],
        "rows": rows,
        "file_mb": round(size / 1e6, 1),
        "duckdb_read_csv_s": round(duck, 3),
        "pulso_ingest_s": round(ours, 3),
        "ratio": round(ours / duck, 2),
        "duckdb_keyed_s": round(median("duckdb_keyed", "seconds"), 3),
        "ratio_to_keyed": round(ours / median("duckdb_keyed", "seconds"), 2),
        "pulso_reload_unchanged_s": round(median("pulso", "reload_seconds"), 3),
        "duckdb_peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs["duckdb"])),
        "pulso_peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs["pulso"])),
        "runs": runs,
    }


if __name__ == "__main__":
    main()
