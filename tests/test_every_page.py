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
from streamlit.testing.v1 import AppTest

from analytics import demo
from analytics.i18n import t
from analytics.store import connect
from tests.conftest import open_app
from ui.context import FILTER_DIMS, PAGE_FILTERS

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


def _sidebar_filters(at: AppTest) -> set[str]:
    """Which of the shared filters the sidebar shows."""
    keys = {w.key for w in (*at.sidebar.multiselect, *at.sidebar.date_input, *at.sidebar.radio)}
    names = {"period": "period", "compare": "compare", **{d: "dimensions" for d in FILTER_DIMS}}
    return {names[k] for k in keys if k in names}


def _rendered(at: AppTest) -> str:
    """What the page's main area shows, as text (numbers, tables, charts, notes)."""
    parts = [m.value for m in at.main.metric] + [c.value for c in at.main.caption]
    parts += [m.value for m in at.main.markdown] + [i.value for i in at.main.info]
    parts += [w.value for w in at.main.warning]
    parts += [d.value.to_csv() for d in at.main.dataframe]
    parts += [c.proto.spec for c in at.main.get("plotly_chart")]
    return "\n".join(map(str, parts))


# A region and a period that differ from the defaults (the last 28 days, every region).
NARROW = {"region": ["South"], "period": ["2026-03-02", "2026-04-12"]}


@pytest.mark.usefixtures("fresh_caches")
@pytest.mark.parametrize("page", PAGES)
def test_the_sidebar_shows_only_filters_that_change_the_page(
    page: str, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never a filter that does nothing: each filter a page shows changes what it shows
    (Follow-up used to list the same items whatever the region), and a page that
    applies none shows none (Upload, Process changes, Survey fatigue)."""
    monkeypatch.setenv("PULSO_DB", str(demo_db))
    name = page.removeprefix("views/").removesuffix(".py")
    plain = open_app(page, timeout=120)
    scope = PAGE_FILTERS[name]
    assert _sidebar_filters(plain) == set(scope)
    for shown in scope - {"compare"}:
        param = {"dimensions": "region", "period": "period"}[shown]
        narrowed = open_app(page, timeout=120, **{param: NARROW[param]})
        assert not narrowed.exception
        assert _rendered(narrowed) != _rendered(plain), f"{page}: {shown} changes nothing"
    if not scope:
        assert plain.sidebar.caption[0].value == t(f"filters.note.{name}", "en")
