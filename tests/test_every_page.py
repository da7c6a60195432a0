"""Every page in the navigation opens through app.py, in English and Spanish, on the
demo data and on an empty store, without an exception (AppTest).

Page-specific behaviour is tested beside each page (tests/test_pages_*.py); this test
catches the page nobody thought to open on an empty store, or in Spanish.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.i18n import t
from analytics.store import connect
from tests.apptest import AppDb, open_app
from tests.conftest import DemoStores
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


def _name(page: str) -> str:
    return page.removeprefix("views/").removesuffix(".py")


def _page_parts() -> set[str]:
    """The views/ modules that pages import (``from views import upload_mapping``):
    parts of a page, not pages."""
    parts = set()
    for path in (ROOT / "views").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if node.module == "views":
                parts |= {f"views/{a.name}.py" for a in node.names}
            elif node.module.startswith("views."):
                parts.add(f"views/{node.module.removeprefix('views.')}.py")
    return parts


def test_every_view_is_in_the_navigation() -> None:
    """Every script in views/ is a page app.py lists, or a part a page imports."""
    parts = _page_parts()
    scripts = {f"views/{p.name}" for p in (ROOT / "views").glob("*.py")}
    assert sorted(scripts - parts) == PAGES
    assert not parts & set(PAGES)  # a page is run by the navigation, never imported


@pytest.fixture(scope="module")
def demo_db(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("every_page")
    return demo_stores.copy(folder, calls=8_000, seed=11, end=dt.date(2026, 6, 28))


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("every_page") / "empty.duckdb"
    connect(str(path)).close()
    return path


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("page", PAGES, ids=_name)
@pytest.mark.parametrize("store", ["demo", "empty"])
def test_page_opens_without_an_exception(
    page: str,
    lang: str,
    store: str,
    request: pytest.FixtureRequest,
    app_db: AppDb,
) -> None:
    app_db(request.getfixturevalue(f"{store}_db"))
    at = open_app(page, lang=lang)
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


# Each filter a page shows that narrows what it shows (the comparison picks the
# previous period, and the period test covers what it compares with).
NARROWING = [
    pytest.param(page, shown, id=f"{_name(page)}-{shown}")
    for page in PAGES
    for shown in sorted(PAGE_FILTERS[_name(page)] - {"compare"})
]


@pytest.fixture(scope="module")
def unfiltered() -> dict[str, AppTest]:
    """Each page as it opens on the demo store without a filter in the link, rendered
    once for this module (the store is only read here)."""
    return {}


@pytest.fixture
def plain(demo_db: Path, app_db: AppDb, unfiltered: dict[str, AppTest]) -> Callable[[str], AppTest]:
    """``plain(page)``: the page without a filter; the app opens the demo store."""
    app_db(demo_db)

    def render(page: str) -> AppTest:
        if page not in unfiltered:
            unfiltered[page] = open_app(page)
        return unfiltered[page]

    return render


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_the_sidebar_shows_only_the_filters_the_page_applies(
    page: str, plain: Callable[[str], AppTest]
) -> None:
    """A page that applies no filter shows none (Upload, Process changes, Survey fatigue)
    and says why."""
    at = plain(page)
    scope = PAGE_FILTERS[_name(page)]
    assert _sidebar_filters(at) == set(scope)
    if not scope:
        assert at.sidebar.caption[0].value == t(f"filters.note.{_name(page)}", "en")


@pytest.mark.parametrize(("page", "shown"), NARROWING)
def test_each_filter_shown_changes_the_page(
    page: str, shown: str, plain: Callable[[str], AppTest]
) -> None:
    """Never a filter that does nothing: each filter a page shows changes what it shows
    (Follow-up used to list the same items whatever the region)."""
    param = {"dimensions": "region", "period": "period"}[shown]
    narrowed = open_app(page, **{param: NARROW[param]})
    assert not narrowed.exception
    assert _rendered(narrowed) != _rendered(plain(page))
