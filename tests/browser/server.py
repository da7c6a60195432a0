"""Start the real app (``streamlit run``) on a free loopback port, and a headless
Debian Chromium driven by Playwright. Used by the browser tests and the benchmark."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots (git-ignored; kept by CI)
DEMO_END = dt.date(2026, 6, 28)  # last day of the browser tests' demo stores
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f} s")


@contextmanager
def app_server(db: Path, port: int | None = None) -> Iterator[str]:
    """``streamlit run app.py`` against ``db``; yields the base URL; stops it after."""
    port = port or free_port()
    env = {**os.environ, "PULSO_DB": str(db), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def browser() -> Iterator[object]:
    """A Playwright Chromium browser (Debian's binary: no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def no_exception(page: Any) -> None:
    """The page shows no Streamlit exception box."""
    assert page.get_by_test_id("stException").count() == 0


def grid_column(table: Any, column: int) -> list[str]:
    """The texts under one column of a data grid (its accessible cells; the grid draws
    on a canvas), top to bottom. The grid refills those cells a moment after it draws:
    read once they hold text."""
    cells = table.locator(f"td[role=gridcell][aria-colindex='{column}']")
    cells.first.wait_for(state="attached", timeout=30_000)
    for _ in range(60):
        texts = cells.all_text_contents()
        if any(t.strip() for t in texts):
            return texts
        cells.first.page.wait_for_timeout(500)
    return cells.all_text_contents()
