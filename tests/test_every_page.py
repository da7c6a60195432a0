"""Every page in the navigation opens through app.py, in English and Spanish, on the
demo data and on an empty store, without an exception (AppTest).

Page-specific behaviour is tested beside each page (tests/test_pages_*.py); this test
catches the page nobody thought to open on an empty store, or in Spanish.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from analytics import demo
from analytics.store import connect
from tests.conftest import open_app

ROOT = Path(__file__).resolve().parent.parent


def _nav_pages() -> list[str]:
    """The scripts app.py's NAV table lists (read, not imported: app.py runs Streamlit)."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    nav = next(
        n.value
        for n in tree.body
        if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "NAV"
    )
    entries = ast.literal_eval(nav)
    return sorted(f"views/{name}.py" for pages in entries.values() for name, _, _ in pages)


PAGES = _nav_pages()


def test_every_view_is_in_the_navigation() -> None:
    assert sorted(f"views/{p.name}" for p in (ROOT / "views").glob("*.py")) == PAGES


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("every_page") / "demo.duckdb"
    store = connect(str(path))
    demo.generate(store, calls=8_000, seed=11, end=dt.date(2026, 6, 28))
    store.close()
    return path


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("every_page") / "empty.duckdb"
    connect(str(path)).close()
    return path


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.mark.usefixtures("fresh_caches")
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("store", ["demo", "empty"])
def test_page_opens_without_an_exception(
    page: str,
    lang: str,
    store: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db: Path = request.getfixturevalue(f"{store}_db")
    monkeypatch.setenv("PULSO_DB", str(db))
    at = open_app(page, timeout=90, lang=lang)
    assert not at.exception, [e.message for e in at.exception]
    assert at.title, f"{page} shows no title"
    overview_title = {"en": "Overview", "es": "Resumen"}[lang]
    assert (at.title[0].value == overview_title) == (page == "views/overview.py")
    assert not [e.value for e in at.error], f"{page} shows an error on the {store} store"
