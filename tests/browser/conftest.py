"""Browser tests: marked ``browser`` and skipped without Debian's chromium. The demo
store comes from the session's ``demo_stores`` (tests/conftest.py); each module gets its
own copy (the tests write to it, and a running app server holds a lock on its file),
and its own app server on it.

A module that needs another store overrides ``db``; another window size,
``viewport``; a warmed-up first page, ``page``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.server import ARTIFACTS, CHROMIUM, DEMO_END, app_server, browser
from tests.conftest import DemoStores

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"
    )
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(skip)


@pytest.fixture(scope="module")
def demo_db(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's own copy of the demo store: 20,000 calls ending on DEMO_END (seed 3)."""
    folder = tmp_path_factory.mktemp("browser_db")
    return demo_stores.copy(folder, calls=20_000, seed=3, end=DEMO_END)


@pytest.fixture(scope="module")
def db(demo_db: Path) -> Path:
    """The store this module's app server opens."""
    return demo_db


@pytest.fixture(scope="module")
def base_url(db: Path) -> Iterator[str]:
    with app_server(db) as url:
        yield url


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1400, "height": 1000}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the module's tests (a launch takes a second or two);
    each test gets a fresh context of its own. Per module, not per session: no
    Playwright event loop stays open while a worker runs the rest of the suite."""
    with browser() as b:
        yield b


@pytest.fixture
def context(chromium: Any, viewport: dict[str, int]) -> Iterator[Any]:
    """A fresh English browser context (no cookies, storage or cache shared with another
    test); screenshots go to ARTIFACTS."""
    ARTIFACTS.mkdir(exist_ok=True)
    ctx = chromium.new_context(viewport=viewport, locale="en-US", accept_downloads=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, base_url: str) -> Any:
    return context.new_page()
