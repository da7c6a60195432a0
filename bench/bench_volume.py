"""Contact-center volume (issue 16): every read page at 1M, 10M and 100M calls, against
hand-written DuckDB SQL on the raw tables, with the issue's targets beside each figure.

For each size of ``--sizes`` (calls; 100M only when asked), in a fresh process each:

1. the store ``bench/results/bench_<N>.duckdb``, generated once with the demo generator
   (seed 1; the generation time and the file size are recorded, and carried over from
   the last results file while the store is reused); opening an older store migrates
   it, which builds the rollups: timed as ``migration_s``;
2. each read page's compute without Streamlit's cache (bench/volume_pages.py): the first
   (cold) run, then the median of ``--repeat``;
3. where a page's reads can be written by hand (bench/volume_raw.py: every read page
   but the weekly review, which runs the others' reads), that SQL in the same runs: both
   absolute times and the ratio pulso/raw (the twin is checked to return Pulso's
   numbers: ``same_numbers``; ``--skip-raw`` leaves them out: at 100M they alone take
   minutes);
4. the overview through the app's cache layer and AppTest (bench/volume_app.py): a cached
   rerun, a filter change's compute, and, in another fresh process, the cold start to
   the first KPI without a browser (the browser's figures: ``python -m bench overview``
   and ``python -m bench sessions``);
5. the peak resident memory of the process (pages, app layers);

then ingest of the ``--ingest-calls`` store's calls as a CSV (bench/volume_ingest.py).
Everything goes to ``bench/results/volume.json``: the machine (CPUs, RAM, load average
at the start and the end, versions), per size, the ingest, a ``scaling`` list (size ->
each page's seconds) and ``targets`` (each of the issue's targets with its figure and
pass/fail; ``proxy`` marks a figure measured without the browser the target names).

A run merges into the file: the sizes (and the ingest, with ``--ingest-calls 0``) it
does not measure are kept from the last run, each with the time it was measured
(``measured``), so that ``--sizes 100000000`` alone, a run of hours, adds to the 1M
and 10M figures instead of dropping them (``--sizes ""`` runs the ingest alone);
``--fresh`` starts the file anew.

Usage: python -m bench volume [--sizes 1000000,10000000] [--repeat 3]
       [--ingest-calls 1000000] [--skip-app] [--skip-raw] [--fresh]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
OUT = RESULTS / "volume.json"
ROOT = Path(__file__).resolve().parent.parent
PAGE_TARGET_S = {10_000_000: 1.0, 100_000_000: 2.0}  # each page's compute, uncached
CACHED_RERUN_S = 0.1
FILTER_CHANGE_S = {10_000_000: 1.5}
COLD_START_S = {10_000_000: 3.0}
PEAK_MB = {100_000_000: 3000.0}
INGEST_RATIO, MAINTENANCE_ADDS = 2.0, 0.20


def child(kind: str, *args: str) -> dict[str, Any]:
    """Run ``kind`` in a fresh Python process; its progress lines are echoed, its last
    stdout line is the JSON result."""
    cmd = [sys.executable, "-m", "bench.bench_volume", "--child", kind, *args]
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        assert proc.stdout is not None
        last = ""
        for line in proc.stdout:
            if line.startswith("volume:"):
                print(line.rstrip(), flush=True)
            elif line.strip():
                last = line
        if proc.wait() != 0:
            err.seek(0)
            tail = "".join(err.readlines()[-30:])
            raise RuntimeError(f"{kind} {args} failed ({proc.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(last)
    return result


def run_child(kind: str, args: list[str]) -> dict[str, Any]:
    """The child side of :func:`child`."""
    if kind == "generate":
        from bench.volume_size import generate

        return generate(Path(args[0]), int(args[1]))
    if kind == "size":
        from bench.volume_size import measure_size

        raw = len(args) < 4 or args[3] == "raw"
        return measure_size(Path(args[0]), int(args[1]), args[2] == "app", raw)
    if kind == "coldstart":
        from bench.volume_app import cold_start_child

        return cold_start_child(args[0])
    if kind == "ingest":
        from bench.volume_ingest import measure

        return measure(Path(args[0]))
    raise ValueError(f"unknown child {kind!r}")


def machine() -> dict[str, Any]:
    import duckdb

    mem = Path("/proc/meminfo")
    total = next(
        (int(x.split()[1]) // 1024 for x in mem.read_text().splitlines() if "MemTotal" in x), None
    ) if mem.exists() else None  # fmt: skip
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "ram_mb": total,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def store_for(calls: int, previous: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """The size's store, generated if missing; its generation record."""
    path = RESULTS / f"bench_{calls}.duckdb"
    if not path.exists():
        print(f"volume: generating {calls:,} calls", flush=True)
        RESULTS.mkdir(exist_ok=True)
        made = child("generate", str(path), str(calls))
        made["generated"] = dt.datetime.now().isoformat(timespec="seconds")
    else:
        made = previous.get(str(calls), {}).get("store", {}).get("generation") or {
            "generation_s": None,
            "note": "generated before this results file: time not recorded",
        }
    return path, made


def measure(
    calls: int, repeat: int, app: bool, previous: dict[str, Any], raw: bool = True
) -> dict[str, Any]:
    started = time.perf_counter()
    path, made = store_for(calls, previous)
    print(f"volume: {calls:,} calls", flush=True)
    out = child(
        "size", str(path), str(repeat), "app" if app else "no-app", "raw" if raw else "no-raw"
    )
    out["store"] = {"path": str(path.relative_to(ROOT)), "generation": made}
    if app:
        t0 = time.time()
        try:
            cold = child("coldstart", str(path))
            cold["seconds"] = round(cold.pop("done_at") - t0, 2)
        except RuntimeError as exc:
            cold = {"error": str(exc), "seconds": None}
        out["cold_start_apptest"] = cold
    out["wall_s"] = round(time.perf_counter() - started, 1)
    out["measured"] = dt.datetime.now().isoformat(timespec="seconds")
    return out


def kept(old: dict[str, Any], measuring: list[int]) -> dict[str, Any]:
    """The last run's sizes that this run does not measure (failed ones dropped), each
    stamped with when it was measured."""
    return {
        n: {"measured": old.get("when"), **s}
        for n, s in old.get("sizes", {}).items()
        if int(n) not in measuring and "error" not in s
    }


def targets(sizes: dict[str, Any], ingest: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each target of the issue with the figure that measures it, and pass/fail."""
    rows: list[dict[str, Any]] = []

    def add(size: int | None, what: str, value: float | None, target: float | None,
            proxy: bool = False) -> None:  # fmt: skip
        passed = None if value is None or target is None else value <= target
        row = {"calls": size, "what": what, "value": value, "target": target, "pass": passed}
        rows.append(row | ({"proxy": True} if proxy else {}))

    for key, s in sizes.items():
        n = int(key)
        if "error" in s:
            continue
        for name, page in s["pages"].items():
            if "error" in page:  # a page that failed does not meet its target
                add(n, f"page {name}: compute, uncached (median)", None, PAGE_TARGET_S.get(n))
                rows[-1]["pass"] = False if rows[-1]["target"] is not None else None
                continue
            page["target_s"] = PAGE_TARGET_S.get(n)
            add(n, f"page {name}: compute, uncached (median)", page["median_s"], page["target_s"])
            add(n, f"page {name}: first run in the process", page["cold_s"], page["target_s"])
        if "apptest" in s:
            add(n, "cached rerun: overview, AppTest", s["apptest"]["cached_rerun_s"],
                CACHED_RERUN_S, proxy=True)  # fmt: skip
            add(n, "cached rerun: overview, cache layer", s["cache_layer"]["cached_rerun_s"],
                CACHED_RERUN_S)  # fmt: skip
            add(n, "filter change: overview compute, cache layer",
                s["cache_layer"]["filter_change_s"], FILTER_CHANGE_S.get(n), proxy=True)  # fmt: skip
            add(n, "cold start to the first KPI, AppTest", s["cold_start_apptest"]["seconds"],
                COLD_START_S.get(n), proxy=True)  # fmt: skip
        add(n, "peak memory of the process (MB)", s["peak_rss_mb"], PEAK_MB.get(n))
    if ingest is not None and "error" not in ingest:
        n = ingest["rows"]
        add(n, "ingest into an empty store / DuckDB read_csv + insert",
            ingest["ratio_empty_to_duckdb"], INGEST_RATIO)  # fmt: skip
        add(n, "ingest as a 10% update / DuckDB read_csv + insert",
            ingest["ratio_update_to_duckdb"], INGEST_RATIO)  # fmt: skip
        if "duckdb_kept_adds" in ingest:  # the floors, for reading only: no target
            add(n, "ingest into an empty store / DuckDB keeping the same (hand-written)",
                ingest["ratio_empty_to_duckdb_kept"], None)  # fmt: skip
            add(n, "floor: what the same upkeep adds to DuckDB's own load",
                ingest["duckdb_kept_adds"], None)  # fmt: skip
        for case in ("pulso_empty", "pulso_update"):
            add(n, f"{case}: rollup maintenance added to the load",
                ingest[case]["rollup_adds"], MAINTENANCE_ADDS)  # fmt: skip
            if "day_rollups_adds" in ingest[case]:  # apart, for reading only: no target
                add(n, f"{case}: of it, the day rollups alone (no flags, no answers)",
                    ingest[case]["day_rollups_adds"], None)  # fmt: skip
    return rows


def scaling(sizes: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "calls": int(n),
            "responses": s["responses"],
            "median_s": {k: p.get("median_s") for k, p in s["pages"].items()},
            "cold_s": {k: p.get("cold_s") for k, p in s["pages"].items()},
            "peak_rss_mb": s["peak_rss_mb"],
        }
        for n, s in sizes.items()
        if "error" not in s
    ]


def _cell(page: dict[str, Any]) -> str:
    if "error" in page:
        return f"{'failed':>16}"
    return f"{page['median_s']:>9.3f} / {page['cold_s']:<4.2f}"


def show(result: dict[str, Any]) -> None:
    """Each page's median and first run per size, and the targets with their figures."""
    sizes = {n: s for n, s in result["sizes"].items() if "error" not in s}
    names = list(next(iter(sizes.values()))["pages"]) if sizes else []
    print("page (median / first run, s)".ljust(30) + "".join(f"{int(n):>16,}" for n in sizes))
    for name in names:
        print(name.ljust(30) + "".join(_cell(s["pages"][name]) for s in sizes.values()))
    for n, s in result["sizes"].items():
        if "error" in s:
            print(f"{int(n):,} calls: FAILED {s['error']}")
        else:
            print(f"{int(n):,} calls: {s['wall_s']} s to measure, peak {s['peak_rss_mb']:.0f} MB")
    marks = {True: "pass", False: "FAIL", None: "-"}
    for t in result["targets"]:
        reading = t["what"].startswith(("floor", "ingest"))  # the ingest's floors too
        if (t["target"] is not None or reading) and "first run" not in t["what"]:
            proxy = " (proxy)" if t.get("proxy") else ""
            print(f"{marks[t['pass']]:>5} {t['calls']:>12,} {t['what']}{proxy}: "
                  f"{t['value']} (target {t['target']})")  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(prog="python -m bench volume")
    p.add_argument("--sizes", default="1000000,10000000")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--ingest-calls", type=int, default=1_000_000, help="0: no ingest run")
    p.add_argument("--skip-app", action="store_true", help="no cache layer, AppTest, cold start")
    p.add_argument("--fresh", action="store_true", help="drop the last run's other sizes")
    p.add_argument(
        "--skip-raw", action="store_true", help="no hand-written SQL twins (minutes at 100M)"
    )
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args, _ = p.parse_known_args(argv)  # other benchmarks' flags, from python -m bench
    args.repeat = max(args.repeat, 1)
    if args.child:
        sys.stdout.write(json.dumps(run_child(args.child[0], args.child[1:])) + "\n")
        return {}
    old = json.loads(OUT.read_text()) if OUT.exists() else {}
    previous = old.get("sizes", {})
    measuring = [int(x) for x in args.sizes.split(",") if x]  # "": the ingest alone
    result: dict[str, Any] = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "repeat": args.repeat,
    }
    started = time.perf_counter()
    sizes: dict[str, Any] = {} if args.fresh else kept(old, measuring)
    ingest: dict[str, Any] | None = None
    if not args.fresh and not args.ingest_calls and old.get("ingest"):
        ingest = {"measured": old.get("when"), **old["ingest"]}

    def save(complete: bool) -> None:  # after each step: a long run keeps what it measured
        ordered = dict(sorted(sizes.items(), key=lambda item: int(item[0])))
        result.update(
            sizes=ordered,
            ingest=ingest,
            scaling=scaling(ordered),
            targets=targets(ordered, ingest),
            load_average_end=[round(x, 2) for x in os.getloadavg()],
            wall_s=round(time.perf_counter() - started, 1),
            complete=complete,
        )
        RESULTS.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2, default=str) + "\n")

    for calls in measuring:
        try:
            sizes[str(calls)] = measure(
                calls, args.repeat, not args.skip_app, previous, not args.skip_raw
            )
        except RuntimeError as exc:  # a failed child: say so, go on with the next size
            sizes[str(calls)] = {"error": str(exc)}
            print(f"volume: {calls:,} calls FAILED\n{exc}", flush=True)
        save(False)
    if args.ingest_calls:
        source, made = store_for(args.ingest_calls, previous)
        print(f"volume: ingest of {args.ingest_calls:,} calls", flush=True)
        try:
            ingest = child("ingest", str(source))
        except RuntimeError as exc:
            ingest = {"error": str(exc)}
            print(f"volume: ingest FAILED\n{exc}", flush=True)
        if made.get("generation_s") is None:  # the last ingest may have recorded it
            made = old.get("ingest", {}).get("source", {}).get("generation") or made
        ingest["source"] = {"path": str(source.relative_to(ROOT)), "generation": made}
    save(True)
    show(result)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
