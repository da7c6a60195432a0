"""Many signed-in sessions while a load runs: one app server (loopback) with sign-in
against a real OpenID Connect provider (``oidc-provider-mock``), users of different
roles and scopes, and N concurrent Chromium sessions (Playwright's async API, one
browser, one context per session) walking the same pages while an admin uploads a calls
CSV through the Upload page and confirms it (the app holds the store: the CLI cannot).

Per N: each page's latency (from navigation to its heading, its first figure or table,
and no spinner or running script left), p50/p95, errors (a Streamlit exception box, an
error alert, a timeout: must be 0), and the numbers: every overview's NPS tile equals
what a single session of the same scope shows before and after the run (the uploaded
calls are dated in January 2024, before the demo's first day: the shown period does not
change), and a North-scoped session never shows another region's name.

Usage: python -m bench sessions [--calls 150000] [--sessions 1,2,4,8,16] [--rows 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class User:
    email: str
    grant: str  # its value in [pulso.roles] (TOML)
    scope: str  # "all", or the region it sees


NORTH = '{{ role = "{role}", scope = {{ region = ["North"] }} }}'
#: The sessions' users, taken in turn (two scopes: every region, and North only).
USERS = (
    User("north.exec@x.org", NORTH.format(role="executive"), "North"),
    User("exec@x.org", '"executive"', "all"),
    User("north.manager@x.org", NORTH.format(role="manager"), "North"),
    User("analyst@x.org", '"analyst"', "all"),
    User("manager@x.org", '"manager"', "all"),
)
ADMIN = User("admin@x.org", '"admin"', "all")  # the one who uploads
FOREIGN = re.compile(r"\b(South|East|West|Central)\b")  # the demo's other regions
#: (path, heading, the page's first figure or table: a CSS selector)
PAGES = (
    ("?by=region", "Overview", "[data-testid=stMetricValue]"),
    # drivers: its charts, or its warning that the period has too few answers
    ("drivers", "What drives satisfaction", ".js-plotly-plot, [data-testid=stAlertContentWarning]"),
    ("rankings", "Fair rankings", "[data-testid=stDataFrame]"),
    ("followup", "Detractor follow-up", "[data-testid=stDataFrame]"),
    ("weekly", "Weekly review", "iframe"),
)
IDLE = (
    "() => !document.querySelector('[data-testid=stSpinner]')"
    " && !document.querySelector('[data-testid=stSkeleton]')"
    " && !document.querySelector('[data-testid=stStatusWidget]')"
)
PAGE_LIMIT_S = 120.0  # one page's wait, at most
BAD = "[data-testid=stException], [data-testid=stAlertContentError]"


@dataclass
class Visit:
    session: int
    page: str
    seconds: float
    during_upload: bool = False
    nps: str | None = None
    foreign: list[str] = field(default_factory=list)
    error: str | None = None


def page_name(path: str) -> str:
    return "overview" if path.startswith("?") else path


def secrets_roles() -> dict[str, str]:
    return {u.email: u.grant for u in (*USERS, ADMIN)}


def session_users(n: int) -> list[User]:
    return [USERS[i % len(USERS)] for i in range(n)]


async def open_page(page: Any, base_url: str, path: str, timeout: float) -> Visit:
    """Navigate and wait until the page is there and idle; the errors it shows."""
    spec = next(p for p in PAGES if p[0] == path)
    visit = Visit(-1, page_name(path), 0.0)
    t0 = time.perf_counter()
    try:
        await page.goto(f"{base_url}/{path}", timeout=timeout)
        main = page.get_by_test_id("stMain")
        await main.locator("h1", has_text=spec[1]).first.wait_for(timeout=timeout)
        await main.locator(spec[2]).first.wait_for(timeout=timeout)
        await page.wait_for_function(IDLE, timeout=timeout)
        visit.seconds = time.perf_counter() - t0
    except Exception as exc:  # a timeout is an error of the run, recorded, not raised
        visit.seconds = time.perf_counter() - t0
        visit.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    bad = await page.locator(BAD).all_inner_texts()
    if bad and visit.error is None:
        visit.error = "shown: " + " | ".join(b.strip()[:200] for b in bad)
    if path.startswith("?"):
        visit.nps = await nps_tile(page)
    visit.foreign = await foreign_regions(page)
    return visit


async def nps_tile(page: Any) -> str | None:
    tile = page.get_by_test_id("stMetric").filter(has_text=re.compile(r"^\s*NPS")).first
    try:
        return str(await tile.get_by_test_id("stMetricValue").inner_text(timeout=5_000)).strip()
    except Exception:
        return None


async def foreign_regions(page: Any) -> list[str]:
    """The other regions' names the page shows (text, chart labels, the sidebar, and
    the weekly review's report in its frame)."""
    texts = [await page.locator("body").inner_text()]
    texts += await page.locator("svg text").all_text_contents()
    for frame in page.frames[1:]:
        try:
            texts.append(await frame.locator("body").inner_text(timeout=5_000))
        except Exception:  # a frame gone with the next run
            continue
    return sorted({m for t in texts for m in FOREIGN.findall(t)})


async def upload(page: Any, base_url: str, csv: Path, timeout: float) -> tuple[float, int]:
    """The admin loads ``csv`` on the Upload page and confirms: seconds from choosing
    the file to the success, and the rows the page says are new."""
    await page.goto(f"{base_url}/upload", timeout=timeout)
    await page.get_by_role("heading", name="Load an extract").wait_for(timeout=timeout)
    t0 = time.perf_counter()
    await page.locator("input[type=file]").set_input_files(str(csv))
    await page.get_by_role("button", name="Load into calls").click(timeout=timeout)
    success = page.get_by_test_id("stAlertContentSuccess").filter(has_text="Loaded")
    await success.first.wait_for(timeout=timeout)
    seconds = time.perf_counter() - t0
    new = page.get_by_test_id("stMetric").filter(has_text="New").first
    text = await new.get_by_test_id("stMetricValue").inner_text(timeout=timeout)
    return seconds, int(text.replace(",", ""))


async def walk(
    index: int,
    page: Any,
    base_url: str,
    rounds: int,
    busy: asyncio.Event,
    timeout: float,
    visits: list[Visit],
) -> None:
    """The pages in order, ``rounds`` times, and on while the upload runs (each visit
    goes into ``visits`` at once: a run stopped by its time limit keeps what it saw)."""
    done = 0
    while done < rounds or busy.is_set():
        for path, _, _ in PAGES:
            during = busy.is_set()
            visit = await open_page(page, base_url, path, timeout)
            visit.session, visit.during_upload = index, during or busy.is_set()
            visits.append(visit)
        done += 1


async def sign_in_all(browser: Any, base_url: str, users: list[User]) -> list[Any]:
    """A context per user, signed in (four at a time; the sign-in is not measured)."""
    from tests.browser.oidc import sign_in_async

    gate = asyncio.Semaphore(4)

    async def one(user: User) -> Any:
        async with gate:
            return await signed_in(user)

    async def signed_in(user: User) -> Any:
        context = await browser.new_context(
            viewport={"width": 1400, "height": 1000}, locale="en-US"
        )
        page = await context.new_page()
        await sign_in_async(page, base_url, user.email)
        return page

    return list(await asyncio.gather(*(one(u) for u in users)))


async def baseline(pages: list[Any], users: list[User], base_url: str) -> dict[str, Visit]:
    """One session alone per scope: its overview."""
    seen: dict[str, Visit] = {}
    for page, user in zip(pages, users, strict=True):
        if user.scope not in seen:
            seen[user.scope] = await open_page(page, base_url, PAGES[0][0], 120_000)
    return seen


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run_n(
    n: int,
    pages: list[Any],
    users: list[User],
    admin: Any,
    base_url: str,
    csv: Path,
    rounds: int,
    limit: float,
) -> dict[str, Any]:
    """N sessions walking the pages while the admin's upload runs (within ``limit`` s)."""
    busy = asyncio.Event()
    busy.set()
    page_timeout = min(limit / 2, PAGE_LIMIT_S) * 1000
    visits: list[Visit] = []

    async def load() -> tuple[float, int]:
        try:
            return await upload(admin, base_url, csv, page_timeout)
        finally:
            busy.clear()

    t0 = time.perf_counter()
    tasks: list[asyncio.Future[Any]] = [asyncio.ensure_future(load())]
    tasks += [
        asyncio.ensure_future(walk(i, pages[i], base_url, rounds, busy, page_timeout, visits))
        for i in range(n)
    ]
    done, pending = await asyncio.wait(tasks, timeout=limit)
    for task in pending:
        task.cancel()
    errors: list[str] = [f"timeout after {limit:.0f} s"] if pending else []
    upload_s, loaded = None, None
    for i, task in enumerate(tasks):
        if task not in done:
            continue
        if task.exception() is not None:
            errors.append(f"{'upload' if i == 0 else 'session'}: {task.exception()!r}"[:300])
        elif i == 0:
            upload_s, loaded = task.result()
    errors += [f"session {v.session} {v.page}: {v.error}" for v in visits if v.error]
    times = [v.seconds for v in visits if not v.error]
    return {
        "sessions": n,
        "users": [u.email for u in users[:n]],
        "wall_s": round(time.perf_counter() - t0, 2),
        "visits": len(visits),
        "visits_during_upload": sum(v.during_upload for v in visits),
        "p50_s": round(statistics.median(times), 2) if times else None,
        "p95_s": round(percentile(times, 0.95), 2) if times else None,
        "max_s": round(max(times), 2) if times else None,
        "p50_by_page_s": {
            p: round(statistics.median([v.seconds for v in visits if v.page == p]), 2)
            for p in sorted({v.page for v in visits if not v.error})
        },
        "upload_s": round(upload_s, 2) if upload_s is not None else None,
        "upload_new_rows": loaded,
        "errors": errors,
        "load_average": round(os.getloadavg()[0], 2),
        "_visits": visits,
    }


def check(
    result: dict[str, Any], users: list[User], before: dict[str, Visit], after: dict[str, Visit]
) -> dict[str, Any]:
    """The numbers: each overview's NPS equals the lone session's of its scope (the
    same before and after); North sessions show no other region."""
    visits: list[Visit] = result.pop("_visits")
    mismatches, leaks = [], []
    for v in visits:
        scope = users[v.session].scope
        if v.nps is not None and v.nps != before[scope].nps:
            mismatches.append(f"session {v.session} ({scope}) NPS {v.nps} != {before[scope].nps}")
        if v.page == "overview" and v.nps is None and not v.error:
            mismatches.append(f"session {v.session}: no NPS tile")
        if scope == "North" and v.foreign:
            leaks.append(f"session {v.session} {v.page}: {', '.join(v.foreign)}")
    result["nps_checked"] = sum(v.nps is not None for v in visits)
    result["nps_mismatches"] = mismatches
    result["foreign_region_leaks"] = leaks
    result["nps_alone"] = {s: (before[s].nps, after[s].nps) for s in before}
    return result


async def measure(
    base_url: str, ns: list[int], csvs: list[Path], rounds: int, limit: float
) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    from tests.browser.server import CHROMIUM, CHROMIUM_ARGS

    users = session_users(max(ns))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            *pages, admin = await sign_in_all(browser, base_url, [*users, ADMIN])
            before = await baseline(pages, users, base_url)
            runs = []
            for n, csv in zip(ns, csvs, strict=True):
                runs.append(await run_n(n, pages, users, admin, base_url, csv, rounds, limit))
                print(f"N={n}: " + json.dumps({k: v for k, v in runs[-1].items() if k[0] != "_"}))
            after = await baseline(pages, users, base_url)
        finally:
            await browser.close()
    return {
        "baseline_before": {s: v.nps for s, v in before.items()},
        "baseline_after": {s: v.nps for s, v in after.items()},
        "baseline_foreign": {s: v.foreign for s, v in before.items()},
        "baseline_errors": [v.error for v in (*before.values(), *after.values()) if v.error],
        "runs": [check(r, users, before, after) for r in runs],
    }


def sessions_run(
    db: Path, ns: list[int], rows: int, folder: Path, rounds: int = 1, limit: float = 600.0
) -> dict[str, Any]:
    """The whole run on ``db`` (it writes to it): provider, server, browsers."""
    from tests.browser import oidc
    from tests.browser.server import app_server
    from tests.ingest import builders

    csvs = [  # calls in January 2024, a fresh id range per run
        builders.calls_csv(folder / f"calls_{n}.csv", rows, start=5_000_000 + i * 500_000)
        for i, n in enumerate(ns)
    ]
    with oidc.provider(list(secrets_roles())) as url:
        secrets = oidc.write_secrets(folder / "secrets.toml", url, secrets_roles())
        with app_server(db, secrets=secrets) as base_url:
            return asyncio.run(measure(base_url, ns, csvs, rounds, limit))


def main(argv: list[str] | None = None) -> dict[str, object]:
    p = argparse.ArgumentParser(prog="python -m bench sessions")
    p.add_argument("--calls", type=int, default=150_000)
    p.add_argument("--sessions", default="1,2,4,8,16")
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--timeout", type=float, default=600.0, help="hard limit per N (s)")
    args = p.parse_args(argv)

    from bench.bench_overview import store_with

    store, path = store_with(args.calls)
    store.close()
    ns = [int(n) for n in args.sessions.split(",")]
    with tempfile.TemporaryDirectory(prefix="pulso_sessions_") as tmp:
        folder = Path(tmp)
        db = folder / "store.duckdb"
        shutil.copy(path, db)  # the uploads write to the copy
        t0 = time.perf_counter()
        found = sessions_run(db, ns, args.rows, folder, args.rounds, args.timeout)
    result: dict[str, object] = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} x{os.cpu_count()} {platform.python_version()}",
        "calls": args.calls,
        "upload_rows": args.rows,
        "pages": [page_name(p[0]) for p in PAGES],
        "users": {u.email: u.grant for u in (*USERS, ADMIN)},
        **found,
        "total_s": round(time.perf_counter() - t0, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sessions.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
