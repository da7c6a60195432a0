"""Overview page numbers: Pulso (Ibis + inference) vs one hand-written DuckDB SQL per
aggregate, on the same generated store, in the same run; and cold start to first KPI.

Usage: python -m bench [--calls 1000000] [--repeat 5] [--skip-browser]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from analytics import demo, kpis, overview
from analytics.queries import Filters
from analytics.store import Store, connect

RESULTS = Path(__file__).parent / "results"
END = dt.date(2026, 6, 28)
DIMS = ("region", "channel", "queue", "segment")

# The same aggregates the overview computes, written by hand in DuckDB SQL.
SURVEY_STATS = """
select {group} count(nps) n_nps, count(*) filter (nps >= 9) promoters,
  count(*) filter (nps <= 6) detractors, count(csat) n_csat, count(*) filter (csat >= 4) csat_top2,
  sum(csat) csat_sum, sum(csat * csat) csat_sumsq, count(ces) n_ces, sum(ces7) ces_sum,
  sum(ces7 * ces7) ces_sumsq, count(*) filter (ces7 >= 5.5) ces_easy
from (select s.*, c.region, case when s.ces_scale = 5 then 1 + (s.ces - 1) * 1.5 else s.ces end ces7,
             s.responded_at as ts
      from surveys s left join calls c using (call_id)) f
where {where} {group_by}
"""
CALL_STATS = """
with f as (
  select *, started_at as ts,
    lead(started_at) over (partition by customer_id order by started_at, call_id) as next_at,
    started_at <= max(started_at) over () - interval 7 day as observed,
    call_id in (select call_id from surveys where survey_type = 'transactional') as surveyed
  from calls)
select {group} count(*) n_calls, count(*) filter (not abandoned) n_answered,
  count(*) filter (abandoned) n_abandoned, count(*) filter (not abandoned and resolved) n_resolved,
  count(*) filter (not abandoned and observed) n_fcr_eligible,
  count(*) filter (not abandoned and observed and resolved and not coalesce(
      customer_id is not null and next_at <= ts + interval 7 day, false)) n_fcr,
  count(duration_s) filter (not abandoned) handle_n, sum(duration_s) filter (not abandoned) handle_sum,
  sum(duration_s * duration_s) filter (not abandoned) handle_sumsq,
  count(wait_s) filter (not abandoned) wait_n, sum(wait_s) filter (not abandoned) wait_sum,
  sum(wait_s * wait_s) filter (not abandoned) wait_sumsq,
  count(*) filter (not abandoned and wait_s <= 20) n_within_sl,
  count(*) filter (not abandoned and transfers > 0) n_transferred,
  count(*) filter (not abandoned and surveyed) n_surveyed
from f where {where} {group_by}
"""
SPAN = "ts >= ? and ts < ?"
# The period and its comparison period, which need not be adjacent (a month to date
# is compared with the same days of the month before).
WINDOWS = "(ts >= ? and ts < ?) or (ts >= ? and ts < ?)"
WINDOW = "case when ts >= ? then 'current' else 'previous' end as window,"


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time())


def raw_sql(store: Store, f: Filters) -> None:
    """The overview's first screen as hand-written SQL (no inference)."""
    cur = store.cursor()
    prev = f.previous()
    if f.start is None or f.end is None or prev.start is None:
        raise ValueError("the overview's SQL needs a period")
    lo, mid, hi = _ts(prev.start), _ts(f.start), _ts(f.end + dt.timedelta(days=1))
    for sql in (SURVEY_STATS, CALL_STATS):
        cur.execute(*window_stats(sql, f)).fetchall()
        week = "date_trunc('week', ts)::date as period,"
        cur.execute(sql.format(group=week, where=SPAN, group_by="group by 1"), [lo, hi]).fetchall()
    by_region = SURVEY_STATS.format(group="region,", where=SPAN, group_by="group by 1")
    cur.execute(by_region, [mid, hi]).fetchall()
    for dim in DIMS:  # filter options
        sql = f"select distinct {dim} from calls where {dim} is not null"  # noqa: S608 (fixed names)
        cur.execute(sql).fetchall()
    cur.execute("select min(started_at), max(started_at) from calls").fetchall()
    cur.execute("select min(responded_at), max(responded_at) from surveys").fetchall()


def window_stats(sql: str, f: Filters) -> tuple[str, list[dt.datetime]]:
    """The tiles' statistics of ``sql`` (``SURVEY_STATS`` or ``CALL_STATS``) per window,
    'current' and 'previous', with its parameters."""
    assert f.start is not None and f.end is not None
    prev = f.previous()
    assert prev.start is not None and prev.end is not None
    day = dt.timedelta(days=1)
    bounds = [_ts(f.start), _ts(f.end + day), _ts(prev.start), _ts(prev.end + day)]
    return sql.format(group=WINDOW, where=WINDOWS, group_by="group by 1"), [bounds[0], *bounds]


def pulso(store: Store, f: Filters) -> None:
    """What views/overview.py computes on first load, through the public API."""
    keys = tuple(kpis.BY_KEY)
    history = Filters(start=f.previous().start, end=f.end)
    overview.tiles(store, f, keys)
    overview.trend(store, history, keys, "week")
    overview.breakdown(store, f, "nps", "region")
    for dim in DIMS:
        overview.dimension_values(store, dim)
    overview.data_range(store)


def timed(fn: Callable[[], None], repeat: int) -> float:
    fn()  # warm: first Ibis compile, DuckDB caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def store_with(calls: int) -> tuple[Store, Path]:
    path = RESULTS / f"bench_{calls}.duckdb"
    if not path.exists():
        store = connect(str(path))
        t0 = time.perf_counter()
        demo.generate(store, calls=calls, seed=1, end=END)
        print(f"generated {calls:,} calls in {time.perf_counter() - t0:.1f} s")
        store.close()
    return connect(str(path)), path


def bench_engine(calls: int, repeat: int) -> dict[str, float]:
    store, _ = store_with(calls)
    f = Filters(start=END - dt.timedelta(days=27), end=END)
    t_raw = timed(lambda: raw_sql(store, f), repeat)
    t_pulso = timed(lambda: pulso(store, f), repeat)
    store.close()
    return {
        "calls": calls,
        "raw_sql_s": round(t_raw, 4),
        "pulso_s": round(t_pulso, 4),
        "ratio": round(t_pulso / t_raw, 3),
    }


def cold_start(calls: int, repeat: int = 3) -> dict[str, object]:
    """Seconds from `streamlit run` to the first KPI tile visible in Chromium (median
    of ``repeat`` fresh servers; each run starts a new server process)."""
    from tests.browser.server import app_server, browser

    store, path = store_with(calls)
    store.close()  # the app's server must be able to open (and lock) the file
    servers, kpis = [], []
    with browser() as b:
        for _ in range(repeat):
            page = b.new_page()
            t0 = time.perf_counter()
            with app_server(path) as url:
                servers.append(time.perf_counter() - t0)
                page.goto(url)
                page.get_by_test_id("stMetricValue").first.wait_for(timeout=120_000)
                kpis.append(time.perf_counter() - t0)
            page.close()
    return {
        "calls": calls,
        "server_up_s": round(statistics.median(servers), 2),
        "first_kpi_s": round(statistics.median(kpis), 2),
        "first_kpi_runs_s": [round(k, 2) for k in kpis],
        "load_average": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    p = argparse.ArgumentParser(prog="python -m bench overview")
    p.add_argument("--calls", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--skip-browser", action="store_true")
    args = p.parse_args(argv)
    result: dict[str, object] = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "overview_engine": bench_engine(args.calls, args.repeat),
    }
    print("overview engine:", result["overview_engine"])
    if not args.skip_browser:
        result["cold_start_demo"] = cold_start(150_000)
        print("cold start:", result["cold_start_demo"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "overview.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
