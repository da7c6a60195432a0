"""Start the real app (``streamlit run``) on a free loopback port, and a headless
Debian Chromium driven by Playwright. Used by the browser tests and the benchmark."""

from __future__ import annotations

import datetime as dt
import os
import random
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


# Under pytest-xdist each worker (gw0, gw1, ...) draws ports from its own block, below
# Linux's ephemeral range (32768 up, where port 0 binds land): two workers cannot both
# find the same port free and start a server on it.
PORT_BASE, PORT_BLOCK = 20_000, 500


def free_port() -> int:
    """A loopback port nothing listens on now (its own block under pytest-xdist)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    block = PORT_BASE + PORT_BLOCK * (int(worker.removeprefix("gw")) % 25)
    for port in random.sample(range(block, block + PORT_BLOCK), PORT_BLOCK):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {block}-{block + PORT_BLOCK - 1}")


def wait_healthy(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    """Until ``url`` answers; fails at once if ``proc`` (the server) has exited: another
    server may hold the port, and its answer must not pass for this one's."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"streamlit for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200 and (proc is None or proc.poll() is None):
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f} s")


@contextmanager
def app_server(db: Path, port: int | None = None, secrets: Path | None = None) -> Iterator[str]:
    """``streamlit run app.py`` against ``db``; yields the base URL; stops it after.
    ``secrets``: a secrets.toml read instead of .streamlit/'s (sign-in, roles)."""
    with script_server(ROOT / "app.py", {"PULSO_DB": str(db)}, port, secrets) as url:
        yield url


@contextmanager
def script_server(
    script: Path,
    env: dict[str, str] | None = None,
    port: int | None = None,
    secrets: Path | None = None,
) -> Iterator[str]:
    """``streamlit run script`` on loopback (from the script's folder, or the project's
    for app.py), with ``env`` added to this process's; yields the base URL; stops it
    after. Its output goes nowhere: a pipe nobody reads would stall a chatty server."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.fileWatcherType", "none",
           *(["--secrets.files", str(secrets)] if secrets else [])]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT if script == ROOT / "app.py" else script.parent,
        env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc=proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def browser() -> Iterator[Any]:
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
