"""The overview through the app's own layers, without a browser.

- **cache layer** (``ui/cache.py`` in Streamlit's bare mode, in-memory cache as the
  server's): the overview's cached reads called a second time (``cached_rerun``), and
  with another region chosen (``filter_change``: the tiles, trend and breakdown are
  computed anew, the range and filter options come from the cache);
- **AppTest** (``tests/apptest.py``): app.py with the overview run once, then run again
  with every cache warm (AppTest 1.67 reruns the page script: the server's work for a
  rerun, without the websocket and the browser's drawing);
- **cold start**: a fresh Python process importing the app and running it under AppTest
  up to the first KPI tile (the parent process times it from its start). The browser's
  figure (server start, page load, drawing) is ``python -m bench overview``'s.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from analytics import overview
from analytics.queries import Filters
from bench.volume_pages import ALL_KEYS, Defaults


def overview_cached(f: Filters) -> None:
    """What views/overview.py and the sidebar read through ui/cache.py for ``f``."""
    from ui import cache
    from ui.context import page_dimensions

    v = cache.current_version()
    cache.data_range(v)
    for dim in page_dimensions("overview"):
        cache.dimension_values(v, dim.name, ())
    cache.survey_types(v, f, False)
    history = overview.trend_window(f, "week")
    cache.trend(v, history, ALL_KEYS, "week")
    meaningful, goals = cache.meaningful(), cache.targets()
    cache.tiles(v, f, ALL_KEYS, tuple(meaningful.items()), goals)
    cache.changes_in(v, history.start, history.end)
    cache.breakdown(v, f, ALL_KEYS[0], "region")


def _times(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def cache_layer(path: str, d: Defaults, repeat: int) -> dict[str, Any]:
    """Second calls of the overview's cached reads, and region filter changes."""
    from tests.apptest import clear_caches
    from ui import cache

    os.environ["PULSO_DB"] = path
    clear_caches()
    t0 = time.perf_counter()
    overview_cached(d.filters)
    first = time.perf_counter() - t0
    again = _times(lambda: overview_cached(d.filters), max(repeat, 3))
    regions = cache.dimension_values(cache.current_version(), "region", ())
    changes = []
    for region in regions[: max(repeat, 1)]:  # each region once: never cached before
        f = Filters(start=d.filters.start, end=d.filters.end, region=(region,))
        changes += _times(partial(overview_cached, f), 1)
    clear_caches()
    return {
        "first_s": round(first, 4),
        "cached_rerun_s": round(statistics.median(again), 4),
        "cached_rerun_runs_s": [round(x, 4) for x in again],
        "filter_change_s": round(statistics.median(changes), 4) if changes else None,
        "filter_change_runs_s": [round(x, 4) for x in changes],
        "filter_change_regions": regions[: max(repeat, 1)],
    }


def apptest(path: str, repeat: int) -> dict[str, Any]:
    """The overview under AppTest: a first run (uncached), then reruns (cached)."""
    from tests.apptest import clear_caches, open_app

    os.environ["PULSO_DB"] = path
    clear_caches()
    t0 = time.perf_counter()
    at = open_app()
    first = time.perf_counter() - t0
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    tiles = len(at.metric)
    reruns = _times(at.run, max(repeat, 3))
    clear_caches()
    return {
        "first_run_s": round(first, 3),
        "cached_rerun_s": round(statistics.median(reruns), 4),
        "cached_rerun_runs_s": [round(x, 4) for x in reruns],
        "kpi_tiles": tiles,
        "errors": [str(p) for p in problems],
    }


def cold_start_child(path: str) -> dict[str, Any]:
    """Run in a fresh process: import the app's test harness, run app.py's overview,
    return the wall clock when the first KPI tile exists (the parent subtracts its own
    clock at the start)."""
    os.environ["PULSO_DB"] = path
    t0 = time.perf_counter()
    from tests.apptest import open_app

    imported = time.perf_counter()
    at = open_app()
    done = time.time()
    return {
        "done_at": done,
        "import_s": round(imported - t0, 3),
        "first_run_s": round(time.perf_counter() - imported, 3),
        "kpi_tiles": len(at.metric),
        "first_kpi": at.metric[0].value if len(at.metric) else None,
    }
