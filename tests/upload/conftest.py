"""The Upload page's fixtures: a copy of the demo store opened by the app, and the page
opened as a link."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import AppDb, open_app
from tests.conftest import DemoStores
from tests.upload.page import END, Open


@pytest.fixture
def db(demo_stores: DemoStores, tmp_path: Path, app_db: AppDb) -> Path:
    """A copy of the demo store (the tests load into it), opened by the app."""
    return app_db(demo_stores.copy(tmp_path, calls=3_000, seed=3, end=END))


@pytest.fixture
def open_page(db: Path) -> Open:
    """``open_page(lang="es", target="surveys")``: the Upload page opened as a link."""

    def run(lang: str = "en", **params: str) -> AppTest:
        at = open_app("views/upload.py", lang=lang, **params)
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run
