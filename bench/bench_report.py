"""Weekly review report: one week's report on the 150k-call demo, built as HTML and as
PDF through the public API (what ``python -m analytics report`` runs, without the
process start), against the raw engine doing the report's main reads in hand-written
DuckDB SQL (the tiles' two windows, the weekly trend, the breakdowns), in the same run.

Targets: under 5 s for the HTML (build + render), under 15 s for the PDF. Cold is the
first build in this process (Ibis compiles, statsmodels loads, DuckDB reads the file);
warm the median of the repeats.

Usage: python -m bench report [--calls 150000] [--repeat 3] [--week 2026-W25]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import time
from collections.abc import Callable

from bench.bench_overview import CALL_STATS, RESULTS, SPAN, SURVEY_STATS, store_with

TARGETS = {"html_s": 5.0, "pdf_s": 15.0}
KEYS = ("nps", "csat", "ces", "resolution", "fcr", "aht", "asa", "abandonment")
NOW = dt.datetime(2026, 7, 1, 9)  # the demo ends on 28 June 2026


def raw_sql(store: object, start: dt.date, end: dt.date) -> None:
    """The report's tiles, trend and breakdowns as hand-written SQL (no inference)."""
    cur = store.cursor()  # type: ignore[attr-defined]
    ts = lambda d: dt.datetime.combine(d, dt.time())  # noqa: E731
    lo, mid, hi = ts(start - dt.timedelta(days=7)), ts(start), ts(end + dt.timedelta(days=1))
    window = "case when ts >= ? then 'current' else 'previous' end as window,"
    week = "date_trunc('week', ts)::date as period,"
    trend_lo = ts(start - dt.timedelta(weeks=25))
    for sql in (SURVEY_STATS, CALL_STATS):
        by_window = sql.format(group=window, where=SPAN, group_by="group by 1")
        cur.execute(by_window, [mid, lo, hi]).fetchall()
        by_week = sql.format(group=week, where=SPAN, group_by="group by 1")
        cur.execute(by_week, [trend_lo, hi]).fetchall()
    for dim in ("region",):  # SURVEY_STATS joins the call's region only
        sql = SURVEY_STATS.format(group=f"{dim},", where=SPAN, group_by="group by 1")
        cur.execute(sql, [mid, hi]).fetchall()


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(first run, median of ``repeat`` more) in seconds."""
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return cold, statistics.median(times)


def main(argv: list[str] | None = None) -> dict[str, object]:
    p = argparse.ArgumentParser(prog="python -m bench report")
    p.add_argument("--calls", type=int, default=150_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--week", default="2026-W25")
    args = p.parse_args(argv)

    from analytics import overview, weekly
    from analytics.demo import followup as followup_demo
    from analytics.queries import Filters
    from analytics.store import connect

    store, path = store_with(args.calls)
    store.close()
    copy = RESULTS / f"bench_report_{args.calls}.duckdb"  # with the demo's follow-up queue
    if not copy.exists():
        shutil.copy(path, copy)
        seeded = connect(str(copy))
        followup_demo.seed(seeded)
        seeded.close()
    store = connect(str(copy))
    period = weekly.week(args.week)
    build = lambda: weekly.build(store, Filters(), period, "en", now=NOW)  # noqa: E731
    html_cold, html_warm = timed(lambda: weekly.html(build()), args.repeat)
    review = build()
    render_only = timed(lambda: weekly.html(review), args.repeat)[1]
    pdf_cold, pdf_warm = timed(lambda: weekly.pdf(build()), args.repeat)
    pdf_bytes = len(weekly.pdf(review))
    raw = timed(lambda: raw_sql(store, period.start, period.end), args.repeat)[1]
    tiles = timed(lambda: overview.tiles(store, review.filters, KEYS), args.repeat)[1]
    store.close()
    result: dict[str, object] = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "calls": args.calls,
        "week": args.week,
        "html_cold_s": round(html_cold, 3),
        "html_s": round(html_warm, 3),
        "render_html_s": round(render_only, 4),
        "pdf_cold_s": round(pdf_cold, 3),
        "pdf_s": round(pdf_warm, 3),
        "pdf_bytes": pdf_bytes,
        "targets_s": TARGETS,
        "meets_targets": html_cold < TARGETS["html_s"] and pdf_cold < TARGETS["pdf_s"],
        "raw_sql_main_reads_s": round(raw, 4),
        "pulso_tiles_s": round(tiles, 4),  # the same tiles through Pulso (with inference)
        "note": "raw SQL covers the tiles, trend and one breakdown only (no inference, no "
        "rankings, drivers, change analyses, follow-up or comments): a floor, not a twin",
        "load_average": round(os.getloadavg()[0], 2),
    }
    for k, v in result.items():
        print(f"{k}: {v}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "report.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
