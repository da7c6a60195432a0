"""One store size, in its own process (``bench_volume`` starts it): open the store
(timing the migration when the store is older than the code), every read page's
compute (first run, then the median of ``repeat``), its raw-SQL twin where it has one
(runs taken in turn with the page's, so a change in the machine's load hits both), the
overview through the app's cache layer and AppTest, and the memory.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from bench.volume_mem import peak_mb, reset_peak


def generate(path: Path, calls: int) -> dict[str, Any]:
    """The demo store of ``calls`` calls (seed 1, ending as every bench's)."""
    from analytics import demo
    from analytics.store import connect
    from bench.bench_overview import END

    store = connect(str(path))
    t0 = time.perf_counter()
    demo.generate(store, calls=calls, seed=1, end=END)
    seconds = time.perf_counter() - t0
    store.close()
    return {"generation_s": round(seconds, 1), "generation_peak_mb": peak_mb()}


def open_store(path: Path) -> tuple[Any, dict[str, Any]]:
    """``connect()``, timed; ``migration_s`` when it brought an older store up to date."""
    from analytics.migrations import LATEST
    from analytics.store import connect, schema_version

    con = duckdb.connect(str(path), read_only=True)
    before = schema_version(con)
    con.close()
    t0 = time.perf_counter()
    store = connect(str(path))
    seconds = round(time.perf_counter() - t0, 3)
    info: dict[str, Any] = {"schema_before": before, "schema_after": LATEST}
    info["migration_s" if before < LATEST else "open_s"] = seconds
    return store, info


def _run(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all the process's threads)."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def measure_pages(store: Any, repeat: int, raw: bool = True) -> dict[str, Any]:
    from bench.volume_pages import PAGES, Defaults
    from bench.volume_raw import twins

    d = Defaults.of(store)
    pairs = twins(store, d) if raw else {}  # without: no ratio, and minutes less at 100M
    pages: dict[str, Any] = {}
    for name, page in PAGES.items():
        reset_peak()
        fns: dict[str, Callable[[], object]] = {"page": partial(page, store, d)}
        twin = pairs.get(name)
        if twin is not None:
            fns |= {"raw": twin.raw, "reads": twin.pulso}
        wall: dict[str, list[float]] = {k: [] for k in fns}
        cpu: list[float] = []
        try:
            for _ in range(repeat + 1):  # the first run is the cold one (and the warm-up)
                for key, fn in fns.items():
                    w, c = _run(fn)
                    wall[key].append(w)
                    if key == "page":
                        cpu.append(c)
            same = twin.check() if twin is not None and twin.check is not None else None
        except Exception as exc:  # one broken page must not lose a long run's figures
            pages[name] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"volume:   {name}: FAILED {pages[name]['error']}", flush=True)
            continue
        median = {k: statistics.median(v[1:]) for k, v in wall.items()}
        figures: dict[str, Any] = {
            "cold_s": round(wall["page"][0], 3),
            "median_s": round(median["page"], 3),
            "runs_s": [round(x, 3) for x in wall["page"][1:]],
            "cpu_median_s": round(statistics.median(cpu[1:]), 3),
            "peak_rss_mb": peak_mb(),
        }
        if twin is not None:
            figures["raw_sql"] = {
                "covers": twin.covers,
                "raw_cold_s": round(wall["raw"][0], 3),
                "raw_median_s": round(median["raw"], 3),
                "pulso_reads_median_s": round(median["reads"], 3),
                "ratio_page_to_raw": round(median["page"] / median["raw"], 2),
                "ratio_reads_to_raw": round(median["reads"] / median["raw"], 2),
                "same_numbers": same,
            }
        pages[name] = figures
        print(f"volume:   {name}: {figures['cold_s']} s cold, {figures['median_s']} s", flush=True)
    return {"defaults": _defaults(d), "pages": pages}


def _defaults(d: Any) -> dict[str, str]:
    f = d.filters
    return {"data": f"{d.bounds[0]}..{d.bounds[1]}", "period": f"{f.start}..{f.end}"}


def measure_size(
    path: Path, repeat: int, with_app: bool = True, raw: bool = True
) -> dict[str, Any]:
    """Everything for one store, in this (fresh) process."""
    from bench.volume_pages import Defaults, followup_sync

    started = time.perf_counter()
    load = [round(x, 2) for x in os.getloadavg()]
    store, opened = open_store(path)
    counts = store.sql("select (select count(*) from calls) c, (select count(*) from surveys) s")
    out: dict[str, Any] = {
        "calls": int(counts["c"][0]),
        "responses": int(counts["s"][0]),
        "file_mb": round(path.stat().st_size / 1e6, 1),
        **opened,
    }
    t0 = time.perf_counter()
    out["followup_items_created"] = followup_sync(store)
    out["followup_sync_s"] = round(time.perf_counter() - t0, 3)
    out["open_peak_rss_mb"] = peak_mb()  # opening (and migrating) the store
    out |= measure_pages(store, repeat, raw)
    out["raw_sql"] = raw  # False: the hand-written SQL twins were not run (--skip-raw)
    out["pages_peak_rss_mb"] = max(p.get("peak_rss_mb", 0.0) for p in out["pages"].values())
    d = Defaults.of(store)
    store.close()
    if with_app:
        from bench.volume_app import apptest, cache_layer

        reset_peak()
        out["cache_layer"] = cache_layer(str(path), d, repeat)
        out["apptest"] = apptest(str(path), repeat)
        out["app_peak_rss_mb"] = peak_mb()
    peaks = ("open_peak_rss_mb", "pages_peak_rss_mb", "app_peak_rss_mb")
    out["peak_rss_mb"] = max(out[k] for k in peaks if k in out)
    out["load_average_start"] = load
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out
