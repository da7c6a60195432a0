"""What a user waits for in Chromium on a big store: cold start to the first KPI, a
filter change, a cached rerun, and each read page opened from the sidebar.

One real app server (``streamlit run``, loopback) on ``bench/results/bench_N.duckdb``
(made by ``python -m bench volume --sizes N``), Debian's chromium through Playwright:

- **cold start**: from starting the server process to the first animation frame in
  which the overview's first KPI value is painted (a fresh server and a fresh browser
  page each run: nothing cached, the store opened anew); Playwright's own wait, which
  polls and can see it up to half a second late, is kept beside it;
- **filter change**: a region added in the sidebar, until the tiles show the new
  numbers and no script runs (each choice a new filter: uncached);
- **cached rerun**: the same view reloaded (every result from the server's cache);
- **pages**: each read page opened from the sidebar with the store warm but the page
  uncached, until its heading and first figure or table are there and nothing runs.

The references, in the same run: for the cold start, the same wait for apps that show
one number (:data:`FLOOR_APPS`: Streamlit alone; with DuckDB and polars; with Ibis
over DuckDB, Pulso's read path), the floor of the stack on this machine; for the rest,
hand-written DuckDB SQL doing the overview's reads (:mod:`bench.volume_raw`), as a ratio; the results go to ``bench/results/browser.json``
with the machine and the load average.

Usage: python -m bench browser [--sizes 10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench.bench_sessions import IDLE  # the page is there and nothing runs

RESULTS = Path(__file__).parent / "results"
#: (the page's sidebar label and title keys, its first figure or table: a CSS selector)
PAGES = (
    ("drivers.page", "drivers.title", ".js-plotly-plot, [data-testid=stAlert]"),
    ("voice.page", "voice.title", "[data-testid=stDataFrame], [data-testid=stAlert]"),
    ("bias.page", "bias.title", ".js-plotly-plot, [data-testid=stDataFrame]"),
    ("rank.page", "rank.title", "[data-testid=stDataFrame]"),
    ("fatigue.page", "fatigue.title", "[data-testid=stDataFrame]"),
    ("analysis.page", "analysis.title", ".js-plotly-plot, [data-testid=stAlert]"),
    ("weekly.page", "weekly.page.title", "iframe"),
)
REGIONS = ("South", "East", "West")
LIMIT_MS = 300_000


def _idle(page: Any) -> None:
    page.wait_for_function(IDLE, timeout=LIMIT_MS)


def _tiles(page: Any) -> str:
    return page.get_by_test_id("stMain").get_by_test_id("stMetricValue").all_inner_texts()


#: In the page, from its first script on: the wall-clock time of the first animation
#: frame in which a main-area KPI value has a box. Playwright's ``wait_for`` polls, at
#: up to 500 ms intervals once the wait is long, so it can see the value late.
PAINTED = """
window.__pulsoKpi = null;
const tick = () => {
  const e = document.querySelector('[data-testid=stMain] [data-testid=stMetricValue]');
  if (e && e.getBoundingClientRect().height > 0) {
    window.__pulsoKpi = performance.timeOrigin + performance.now();
  } else requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
"""


#: The cold start's reference: the same wait for apps that show one number and nothing
#: else, each a step closer to Pulso's stack (a one-row table: no data to read). What
#: is left above the last is Pulso's own work.
FLOOR_APPS = {
    "streamlit_alone": "",
    "duckdb_polars": """
import duckdb, polars
con = duckdb.connect(); con.execute("create table t as select 42 as x")
value = con.sql("select max(x) as x from t").pl()["x"][0]
""",
    "ibis_duckdb": """
import duckdb, ibis, polars
con = duckdb.connect(); con.execute("create table t as select 42 as x")
engine = ibis.duckdb.from_connection(con)
value = engine.to_polars(engine.table("t").x.max().name("x").as_table())["x"][0]
""",
}
_FLOOR_PAGE = """import streamlit as st
st.set_page_config(page_title="floor", layout="wide")
st.title("Overview")
value = 42
{body}
st.metric("NPS", str(value))
"""


def cold_start(path: Path, repeat: int, browser: Any) -> dict[str, Any]:
    """Pulso's cold start, and the floor apps' (:data:`FLOOR_APPS`), in turn each round
    so that the machine's load falls on all of them alike."""
    from tests.browser.server import app_server, script_server

    ups, kpis, painted = [], [], []
    floor: dict[str, list[float]] = {name: [] for name in FLOOR_APPS}
    with tempfile.TemporaryDirectory(prefix="pulso-floor-") as folder:
        scripts = {name: Path(folder) / f"{name}.py" for name in FLOOR_APPS}
        for name, body in FLOOR_APPS.items():
            scripts[name].write_text(_FLOOR_PAGE.format(body=body))
        for _ in range(repeat):
            up, seen, at = _first_kpi(browser, lambda: app_server(path))
            ups.append(up)
            kpis.append(seen)
            painted.append(at)
            for name in FLOOR_APPS:
                floor[name].append(_first_kpi(browser, partial(script_server, scripts[name]))[2])
    return {
        "server_up_s": round(statistics.median(ups), 2),
        "first_kpi_s": round(statistics.median(painted), 2),
        "runs_s": [round(k, 2) for k in painted],
        "seen_by_playwright_s": [round(k, 2) for k in kpis],
        "floor": {
            name: {
                "first_kpi_s": round(statistics.median(r), 2),
                "runs_s": [round(k, 2) for k in r],
            }
            for name, r in floor.items()
        },
        "load_average": round(os.getloadavg()[0], 2),
    }


def _first_kpi(browser: Any, serve: Callable[[], Any]) -> tuple[float, float, float]:
    """From starting the server ``serve()`` to: it answering, Playwright seeing the
    first KPI, and the first frame in which it is painted (seconds)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page.add_init_script(PAINTED)
    wall, t0 = time.time(), time.perf_counter()
    with serve() as url:
        up = time.perf_counter() - t0
        page.goto(url, timeout=LIMIT_MS)
        page.get_by_test_id("stMetricValue").first.wait_for(timeout=LIMIT_MS)
        seen = time.perf_counter() - t0
        at = page.wait_for_function("window.__pulsoKpi", timeout=LIMIT_MS).json_value()
    page.close()
    return up, seen, at / 1000 - wall  # (painted: the next frame, when Playwright saw it)


def warm_server(path: Path, browser: Any) -> dict[str, Any]:
    """On one server: filter changes, a cached rerun, then each page from the sidebar."""
    from analytics.i18n import t
    from tests.browser.server import app_server

    out: dict[str, Any] = {"filter_change_s": [], "pages_s": {}}
    with app_server(path) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
        page.goto(url, timeout=LIMIT_MS)
        page.get_by_test_id("stMetricValue").first.wait_for(timeout=LIMIT_MS)
        _idle(page)
        sidebar = page.get_by_test_id("stSidebar")
        for region in REGIONS:
            before = _tiles(page)
            box = sidebar.get_by_test_id("stMultiSelect").filter(has_text="Region")
            box.scroll_into_view_if_needed()
            box.locator("input").click()  # not the box's middle: a chip's close button
            option = page.get_by_role("option", name=region)
            option.wait_for(timeout=60_000)
            t0 = time.perf_counter()
            option.click()
            page.keyboard.press("Escape")
            page.wait_for_function(
                "([old]) => { const v = [...document.querySelectorAll("
                "'[data-testid=stMain] [data-testid=stMetricValue]')].map(e => e.innerText);"
                " return v.length > 0 && v.join('|') !== old; }",
                arg=["|".join(before)],
                timeout=LIMIT_MS,
            )
            _idle(page)
            out["filter_change_s"].append(round(time.perf_counter() - t0, 2))
        t0 = time.perf_counter()
        page.reload(timeout=LIMIT_MS)
        page.get_by_test_id("stMetricValue").first.wait_for(timeout=LIMIT_MS)
        _idle(page)
        out["cached_reload_s"] = round(time.perf_counter() - t0, 2)
        for label_key, title_key, first in PAGES:
            label, heading = t(label_key, "en"), t(title_key, "en")
            t0 = time.perf_counter()
            page.get_by_test_id("stSidebarNav").get_by_text(label, exact=True).click()
            main = page.get_by_test_id("stMain")
            main.locator("h1", has_text=heading).first.wait_for(timeout=LIMIT_MS)
            main.locator(first).first.wait_for(timeout=LIMIT_MS)
            _idle(page)
            out["pages_s"][label] = round(time.perf_counter() - t0, 2)
            errors = page.locator("[data-testid=stException]").count()
            if errors:
                out.setdefault("errors", []).append(label)
        page.close()
    out["load_average"] = round(os.getloadavg()[0], 2)
    return out


def raw_overview_s(path: Path) -> float:
    """Hand-written DuckDB SQL doing the overview's reads, the median of 3 runs."""
    from analytics.store import connect
    from bench.volume_pages import Defaults
    from bench.volume_raw import twins

    store = connect(str(path), read_only=True)
    try:
        twin = twins(store, Defaults.of(store))["overview"]
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            twin.raw()
            runs.append(time.perf_counter() - t0)
        return round(statistics.median(runs), 2)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(prog="python -m bench browser")
    p.add_argument("--sizes", default="10000000")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    from tests.browser.server import browser

    result: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": f"{platform.machine()} x{os.cpu_count()} {platform.python_version()}",
        "targets": {"filter_change_s": 1.5, "first_kpi_s": 3.0, "cached_reload_s": 0.1},
        "sizes": {},
    }
    for size in (int(s) for s in args.sizes.split(",")):
        path = RESULTS / f"bench_{size}.duckdb"
        if not path.exists():
            raise SystemExit(
                f"{path} is missing: make it with python -m bench volume --sizes {size}"
            )
        with browser() as b:
            run = {"cold": cold_start(path, args.repeat, b), **warm_server(path, b)}
        stack = run["cold"]["floor"]["ibis_duckdb"]["first_kpi_s"]
        run["cold"]["first_kpi_vs_stack_floor"] = round(run["cold"]["first_kpi_s"] / stack, 2)
        run["raw_overview_sql_s"] = raw_overview_s(path)
        change = statistics.median(run["filter_change_s"])
        run["filter_change_vs_raw"] = round(change / run["raw_overview_sql_s"], 3)
        run["measured"] = result["when"]
        result["sizes"][str(size)] = run
        print(json.dumps({size: run}, indent=2))
    out = RESULTS / "browser.json"
    if out.exists():  # other sizes measured before are kept, each with its own stamp
        kept = json.loads(out.read_text()).get("sizes", {})
        result["sizes"] = {**kept, **result["sizes"]}
    out.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
