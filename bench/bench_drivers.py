"""Drivers page: what views/drivers.py computes for one outcome with the default drivers
on about a million survey responses, without Streamlit; and the raw engine doing the
page's one aggregate scan in hand-written DuckDB SQL, in the same run, as a ratio.

The page reads the responses joined to their calls once, as counts per combination of
driver levels (``driver_cells.cells``: exact sufficient statistics, no sample), and fits
everything on those counts: relative weights with 200 bootstrap resamples, Shapley and
dominance, the logit, VIF, the duration bands and verdict, the quadrant, the segments
and queues side by side, and the five charts.

Cold is a fresh Python process: the imports the drivers page adds to the running app
(statsmodels, scipy: the app imports them lazily), then the first computation (Ibis
compiles, DuckDB reads the file); the target applies to that sum. Warm is the median
of the repeats in one process (what a second outcome or a rerun costs without caches).
The raw SQL is timed the same way. The period is the whole data (every response).

About 0.22 responses come with each demo call and 87% of those are joined to a call
(relational surveys have none), so 5.2M calls give 1.16M responses, 1.0M of them with
a call: the page's input. The store is cached in bench/results/ (git-ignored).

Wall times depend on what else the machine runs (``load_average`` is recorded); the
``*_cpu_s`` figures (CPU seconds of all the process's threads) much less so.

Usage: python -m bench drivers [--calls 5200000] [--repeat 5] [--outcome csat_top2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from bench.bench_overview import END, store_with

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 10.0
START = END - dt.timedelta(weeks=104, days=-1)  # the demo's first day: the whole data

# The page's aggregate scan (driver_cells.cells) written by hand: the same join, bands,
# repeat contact (another contact by the customer in the 7 days before the call),
# filters and outcome counts.
RAW_SQL = """
with f as (
  select s.nps, s.csat,
    round(2 * case when s.ces_scale = 5 then 1 + (s.ces - 1) * 1.5 else s.ces end)::int
      as ces_half, c.*
  from surveys s join calls c using (call_id)
  where s.responded_at >= ? and s.responded_at < ?)
select resolved::int8 resolved,
  (duration_s >= 180)::int + (duration_s >= 300)::int + (duration_s >= 600)::int
    + (duration_s >= 900)::int + (duration_s >= 1200)::int as duration,
  (wait_s >= 60)::int + (wait_s >= 120)::int + (wait_s >= 300)::int + (wait_s >= 600)::int
    as wait,
  (hold_s >= 1)::int + (hold_s >= 120)::int as hold,
  (transfers >= 1)::int + (transfers >= 2)::int as transfers,
  escalated::int8 escalated,
  exists (select 1 from calls p where p.customer_id = f.customer_id
          and p.started_at < f.started_at
          and p.started_at >= f.started_at - interval 7 day)::int8 as repeat,
  channel, queue, segment,
  count(*) filter (csat = 1) csat_1, count(*) filter (csat = 2) csat_2,
  count(*) filter (csat = 3) csat_3, count(*) filter (csat = 4) csat_4,
  count(*) filter (csat = 5) csat_5, count(nps) nps_n, count(*) filter (nps >= 9) promoters,
  count(*) filter (nps <= 6) detractors,
  {ces}
from f group by all
"""
CES = ", ".join(f"count(*) filter (ces_half = {h}) ces_{h}" for h in range(2, 15))


def raw_sql(store: Any, start: dt.date, end: dt.date) -> Any:
    """The aggregate scan as one hand-written DuckDB query (rows to polars, as the page)."""
    since, until = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())
    until += dt.timedelta(days=1)
    return store.cursor().sql(RAW_SQL.format(ces=CES), params=[since, until]).pl()


def page(store: Any, start: dt.date, end: dt.date, outcome: str) -> dict[str, float]:
    """What views/drivers.py computes on first load for ``outcome``, step by step
    (seconds per step): the scan, the analysis, the views on the same cells, the charts."""
    from analytics.drivers import analysis as da
    from analytics.drivers import cells as dc
    from analytics.drivers import charts
    from analytics.queries import Filters

    steps: dict[str, float] = {}

    def step(name: str, fn: Callable[[], Any]) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        steps[name] = time.perf_counter() - t0
        steps[name[:-2] + "_cpu_s"] = time.process_time() - c0  # all threads
        return out

    cells = step("cells_s", lambda: dc.cells(store, Filters(start=start, end=end)))
    drivers = dc.available(cells)
    o = cast("dc.Outcome", outcome)
    a = step("analysis_s", lambda: da.analyse(cells, o, drivers))
    bands = step("bands_s", lambda: da.by_duration(cells, o))
    verdict = da.verdict(bands)
    segments = step("segments_s", lambda: da.by_segment(cells, o, drivers))

    def figures() -> None:
        charts.duration_bands(bands, outcome, True, "en")
        charts.importance(a.importance, True, "en")
        charts.odds_ratios(a.odds_ratios, "en")
        charts.quadrant(da.quadrant(a), "en")
        charts.segments(segments, "en")

    step("charts_s", figures)
    steps["total_cpu_s"] = sum(v for k, v in steps.items() if k.endswith("_cpu_s"))
    steps["total_s"] = sum(v for k, v in steps.items() if k.endswith("_s") and "cpu" not in k)
    steps["responses"] = float(a.n)
    steps["cells"] = float(cells.height)
    steps["resolution_share"] = float(
        a.importance.filter(a.importance["driver"] == "resolved")["share"][0]
    )
    steps["duration_share"] = float(
        a.importance.filter(a.importance["driver"] == "duration")["share"][0]
    )
    steps["verdict_ratio"] = verdict.ratio
    return steps


def cold(path: Path, outcome: str) -> dict[str, float]:
    """Imports + first computation in a fresh process (a cold page, minus Streamlit).

    ``import_app_s``: what the running app has loaded before the drivers page opens
    (Ibis, DuckDB, polars, plotly: the overview needs them); ``import_page_s``: what
    opening the drivers page adds (statsmodels, scipy and the page's modules).
    """
    code = (
        "import json, time\n"
        "t0 = time.perf_counter()\n"
        "from analytics import charts, overview\n"
        "from analytics.store import connect\n"
        "t1 = time.perf_counter()\n"
        "from analytics import driver_analysis, driver_cells, driver_charts\n"
        "t2 = time.perf_counter()\n"
        "from bench.bench_drivers import START, END, page\n"
        f"store = connect({str(path)!r})\n"
        f"steps = page(store, START, END, {outcome!r})\n"
        "steps |= {'import_app_s': t1 - t0, 'import_page_s': t2 - t1}\n"
        "print(json.dumps(steps))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def interleaved(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, tuple[float, float]]:
    """First run and median of ``repeat`` more for each function, the runs taken in
    turn (a, b, a, b...) so that a change in the machine's load hits both alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat + 1):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: (t[0], statistics.median(t[1:])) for name, t in times.items()}


def main(argv: list[str] | None = None) -> dict[str, object]:
    p = argparse.ArgumentParser(prog="python -m bench drivers")
    p.add_argument("--calls", type=int, default=5_200_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--outcome", default="csat_top2")
    args = p.parse_args(argv)
    store, path = store_with(args.calls)
    responses = store.sql("select count(*), count(call_id) from surveys").row(0)
    store.close()  # the cold run opens the file in its own process

    cold_steps = cold(path, args.outcome)
    print("drivers cold:", {k: round(v, 3) for k, v in cold_steps.items()})

    from analytics.drivers import cells as dc
    from analytics.queries import Filters
    from analytics.store import connect

    store = connect(str(path))
    try:
        scans = interleaved(
            {
                "raw": lambda: raw_sql(store, START, END),
                "cells": lambda: dc.cells(store, Filters(start=START, end=END)),
            },
            args.repeat,
        )
        (raw_first, raw_warm), (cells_first, cells_warm) = scans["raw"], scans["cells"]
        # the hand-written query returns the same counts (a benchmark of equal work)
        ours, theirs = dc.cells(store, Filters(start=START, end=END)), raw_sql(store, START, END)
        assert ours.height == theirs.height, (ours.height, theirs.height)
        for col in ("csat_5", "promoters", "detractors", "nps_n", "ces_10"):
            assert ours[col].sum() == theirs[col].sum(), col
        assert ours["repeat"].sum() == theirs["repeat"].sum()
        warm = [page(store, START, END, args.outcome) for _ in range(args.repeat)]
    finally:
        store.close()
    warm_steps = {k: statistics.median(w[k] for w in warm) for k in warm[0]}
    # what a user waits for on opening the page in the running app (no cache yet)
    total_cold = cold_steps["import_page_s"] + cold_steps["total_s"]
    result: dict[str, object] = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "calls": args.calls,
        "survey_responses": responses[0],
        "responses_with_a_call": responses[1],
        "outcome": args.outcome,
        "responses_in_the_model": int(cold_steps["responses"]),
        "cells": int(cold_steps["cells"]),
        "page_cold": {k: round(v, 3) for k, v in cold_steps.items() if k.endswith("_s")},
        "page_cold_with_page_imports_s": round(total_cold, 3),
        "page_warm": {k: round(v, 3) for k, v in warm_steps.items() if k.endswith("_s")},
        "scan": {
            "pulso_cells_first_s": round(cells_first, 3),
            "pulso_cells_warm_s": round(cells_warm, 3),
            "raw_sql_first_s": round(raw_first, 3),
            "raw_sql_warm_s": round(raw_warm, 3),
            "ratio_warm": round(cells_warm / raw_warm, 3),
        },
        "planted_truth": {
            "resolution_share": round(cold_steps["resolution_share"], 2),
            "duration_share": round(cold_steps["duration_share"], 2),
            "verdict_ratio": round(cold_steps["verdict_ratio"], 2),
        },
        "target_s": TARGET_S,
        "within_target": total_cold < TARGET_S,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print("drivers:", json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "drivers.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
