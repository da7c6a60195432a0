"""Browser tests: marked ``browser`` and skipped without Debian's chromium. One demo
store is generated per session; each module gets its own copy (the tests write to it,
and a running app server holds a lock on its file), and its own app server on it.

A module that needs another store overrides ``db``; another window size,
``viewport``; a warmed-up first page, ``page``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics import demo
from analytics.store import connect
from tests.browser.server import ARTIFACTS, CHROMIUM, DEMO_END, app_server, browser

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"
    )
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(skip)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 demo calls ending on DEMO_END (seed 3); never opened by an app."""
    path = tmp_path_factory.mktemp("browser_demo") / "template.duckdb"
    store = connect(str(path))
    demo.generate(store, calls=20_000, seed=3, end=DEMO_END)
    store.close()
    return path


@pytest.fixture(scope="module")
def demo_db(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's own copy of the demo store."""
    path = tmp_path_factory.mktemp("browser_db") / "pulso.duckdb"
    shutil.copy(demo_template, path)
    return path


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


@pytest.fixture
def context(viewport: dict[str, int]) -> Iterator[Any]:
    """A fresh English browser context; screenshots go to ARTIFACTS."""
    ARTIFACTS.mkdir(exist_ok=True)
    with browser() as chromium:
        ctx = chromium.new_context(viewport=viewport, locale="en-US", accept_downloads=True)
        yield ctx
        ctx.close()


@pytest.fixture
def page(context: Any, base_url: str) -> Any:
    return context.new_page()
