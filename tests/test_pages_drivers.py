"""AppTest of the drivers page on a small demo store.

Each state is a fresh session opened as a link (tests/apptest.py), and each render is
checked against the analytics functions on the same store.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import i18n, rollups
from analytics.drivers import analysis as da
from analytics.drivers import cells as dc
from analytics.queries import Filters
from analytics.store import connect
from tests.apptest import AppDb, open_app, page_warnings
from tests.conftest import DemoStores

END = dt.date(2026, 6, 28)
START = dt.date(2024, 7, 1)
WHOLE = {"period": [START.isoformat(), END.isoformat()]}


@pytest.fixture(scope="module")
def db(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_stores.copy(tmp_path_factory.mktemp("drivers_app"), calls=30_000, seed=5, end=END)


@pytest.fixture(scope="module")
def cells(db: Path) -> pl.DataFrame:
    store = connect(str(db))
    out = dc.cells(store, Filters(start=START, end=END))
    store.close()
    return out


@pytest.fixture(autouse=True)
def _on_the_demo_store(db: Path, app_db: AppDb) -> None:
    app_db(db)


def open_page(**params: str | list[str]) -> AppTest:
    """A fresh session on the drivers page opened with URL parameters ``params``."""
    at = open_app("views/drivers.py", **params)
    assert not at.exception
    return at


def test_page_shows_the_analytics_verdict_and_charts(cells: pl.DataFrame) -> None:
    at = open_page(**WHOLE)
    assert at.title[0].value == "What drives satisfaction"
    assert "not proof of cause" in at.caption[0].value
    v = da.verdict(da.by_duration(cells, "csat_top2"))
    assert v.code == "resolution"
    assert at.info[0].value.startswith(
        f"On these responses resolution matters about {i18n.number(v.ratio, 'en', 1)} times"
    )
    assert len(at.get("plotly_chart")) == 5
    assert at.selectbox(key="outcome").value == "csat_top2"
    assert at.multiselect(key="drivers").value == list(dc.available(cells))


def test_importance_table_equals_the_analytics(cells: pl.DataFrame) -> None:
    at = open_page(**WHOLE, outcome="csat", drivers=["resolved", "duration"])
    assert at.multiselect(key="drivers").value == ["resolved", "duration"]
    table = at.dataframe[0].value
    a = da.analyse(cells, "csat", ("resolved", "duration"))
    assert list(table["driver"]) == ["Resolved", "Call duration"]
    assert list(table["share"]) == pytest.approx(a.importance["share"].to_list())
    assert list(table["shapley_share"]) == pytest.approx(a.importance["shapley_share"].to_list())
    captions = " ".join(c.value for c in at.caption)
    assert "ordinal logistic regression" in captions
    assert "higher odds of a higher CSAT 1-5 (ordinal) answer" in captions


def test_promoters_from_the_url() -> None:
    at = open_page(**WHOLE, outcome="promoter")
    assert at.selectbox(key="outcome").value == "promoter"
    odds_note = next(c.value for c in at.caption if c.value.startswith("From a logistic"))
    assert "higher odds of Promoters (NPS 9-10)" in odds_note
    assert at.dataframe[1].value.shape[0] > 10  # odds ratios, one row per level


def test_unknown_drivers_in_a_link_fall_back_to_all(cells: pl.DataFrame) -> None:
    at = open_page(**WHOLE, drivers=["bogus"], outcome="nps")
    assert at.multiselect(key="drivers").value == list(dc.available(cells))
    assert at.selectbox(key="outcome").value == "csat_top2"


def test_spanish() -> None:
    at = open_page(**WHOLE, lang="es", outcome="ces")
    assert at.title[0].value == "Qué impulsa la satisfacción"
    assert at.info[0].value.startswith("En estas respuestas la resolución pesa unas")
    assert "," in at.info[0].value  # decimal comma


def test_a_short_period_shows_the_minimum_sample_guard() -> None:
    at = open_page(period=["2026-06-27", "2026-06-28"])
    assert "a driver model needs at least 200" in page_warnings(at)[0].value
    assert len(at.get("plotly_chart")) == 0


def test_a_filter_that_fixes_the_queue_names_it() -> None:
    at = open_page(**WHOLE, queue=["billing"])
    warnings = " ".join(w.value for w in page_warnings(at))
    assert "do not vary in these responses: Queue" in warnings
    assert len(at.get("plotly_chart")) == 5


def test_no_driver_picked() -> None:
    """An empty choice cannot come from a link (it means 'all'): set it in the session."""
    at = open_app("views/drivers.py", state={"drivers": []}, **WHOLE)
    assert not at.exception
    assert at.info[0].value == "Pick at least one driver."


def test_the_page_recovers_the_planted_truth() -> None:
    """demo.py plants resolution at several times duration's share of explained
    variance: read off the page's own table (cells -> cache -> analysis -> table)."""
    at = open_page(**WHOLE)
    table = at.dataframe[0].value
    share = dict(zip(table["driver"], table["share"], strict=True))
    shapley = dict(zip(table["driver"], table["shapley_share"], strict=True))
    assert share["Resolved"] >= 5 * share["Call duration"]
    assert shapley["Resolved"] >= 5 * shapley["Call duration"]
    assert table["share"].sum() == pytest.approx(100)
    dominates = dict(zip(table["driver"], table["dominates"], strict=True))
    assert dominates["Resolved"] == "all the others"
    assert "resolution matters about" in at.info[0].value


def test_every_outcome_of_the_demo_is_answered(cells: pl.DataFrame) -> None:
    assert dc.answered(cells) == dc.OUTCOMES
    assert dc.answered(cells.clear()) == ()


def test_a_survey_without_csat_opens_on_an_outcome_it_answers(
    demo_stores: DemoStores, tmp_path: Path, app_db: AppDb
) -> None:
    """NPS answers only: the page opens on promoters, not on CSAT's "too few responses"."""
    path = demo_stores.copy(tmp_path, calls=30_000, seed=5, end=END)
    store = connect(str(path))
    with store.transaction() as cur:
        cur.execute("update surveys set csat = null")
        rollups.rebuild(cur)
    assert dc.answered(dc.cells(store, Filters(start=START, end=END)))[0] == "promoter"
    store.close()
    app_db(path)
    at = open_page(**WHOLE)
    assert at.selectbox(key="outcome").value == "promoter"
    assert not page_warnings(at), [w.value for w in page_warnings(at)]
    assert len(at.get("plotly_chart")) > 0


def test_an_empty_store_says_so(tmp_path: Path, app_db: AppDb) -> None:
    app_db(tmp_path / "empty.duckdb")
    at = open_page()
    assert page_warnings(at)[0].value.startswith("No survey response joined to its call matches")
    assert "drivers" not in [m.key for m in at.multiselect]
    assert len(at.get("plotly_chart")) == 0
