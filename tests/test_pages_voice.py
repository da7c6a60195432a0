"""AppTest of the voice, response-bias and fair-ranking pages on demo data.

AppTest (1.67) runs only the page script when a page is opened before the first run
and reruns only the page after an interaction, so each test opens the app (router
and shared filters), switches page, sets the page's widget state and runs once more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import bias, demo, i18n, rankings, text
from analytics.queries import Filters
from analytics.store import connect

ROOT = Path(__file__).resolve().parent.parent
PERIOD = (dt.date(2026, 3, 1), dt.date(2026, 6, 28))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("voice") / "pulso.duckdb"
    store = connect(str(path))
    demo.generate(store, calls=20_000, seed=3, end=dt.date(2026, 6, 28))
    store.close()
    return path


@pytest.fixture
def open_page(db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("PULSO_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()

    def _open(page: str, lang: str = "en", **state: Any) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["lang"] = lang
        at.query_params["period"] = [d.isoformat() for d in PERIOD]
        at.run()
        at.switch_page(f"views/{page}.py")
        for key, value in state.items():
            at.session_state[key] = value
        return at.run()

    yield _open
    st.cache_resource.clear()


def _pills(at: AppTest) -> dict[str, list[str]]:
    return {b.key: b.options for b in at.button_group if b.key and b.key.startswith("term_")}


def test_voice_shows_terms_for_each_side_and_suggestions(open_page: Any, db: Path) -> None:
    at = open_page("voice")
    assert not at.exception
    assert at.title[0].value == "What customers say"
    heads = [s.value for s in at.subheader]
    assert heads[:2] == ["Detractors say more", "Promoters say more"]
    pills = _pills(at)
    assert len(pills["term_a"]) == 15 and len(pills["term_b"]) == 15
    store = connect(str(db))  # same configuration as the app's open connection
    terms = text.distinguishing_terms(store, Filters(*PERIOD), text.Split())
    store.close()
    assert pills["term_a"] == terms.filter(pl.col("side") == "a")["term"].to_list()
    assert pills["term_b"] == terms.filter(pl.col("side") == "b")["term"].to_list()
    assert "sigue sin" in pills["term_a"] and "amable" in pills["term_b"]
    ideas = at.dataframe[-1].value
    assert len(ideas) > 0 and all(text.is_suggestion(c) for c in ideas["comment"])


def test_picking_a_term_lists_its_comments_as_data_not_markdown(open_page: Any) -> None:
    at = open_page("voice", term_a="sigue sin")
    assert not at.exception
    assert "Comments with “sigue sin”" in [s.value for s in at.subheader]
    comments = at.dataframe[2].value
    assert len(comments) > 0
    assert all(" sigue sin " in " " + " ".join(text.tokens(c)) + " " for c in comments["comment"])
    assert {"nps", "csat", "sentiment", "tone"} <= set(comments.columns)
    assert (comments["sentiment"] <= 0).mean() > 0.8  # complaints read as negative
    shown = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert comments["comment"].iloc[0] not in shown


def test_period_and_queue_contrasts(open_page: Any) -> None:
    at = open_page("voice", contrast="period", split_date=dt.date(2026, 5, 1))
    assert not at.exception
    assert at.subheader[0].value == "Said more from 1 May 2026"
    at = open_page("voice", contrast="queue", split_queue="technical")
    assert not at.exception
    assert at.subheader[0].value == "Said more in technical"


def test_voice_in_spanish(open_page: Any) -> None:
    at = open_page("voice", lang="es")
    assert not at.exception
    assert at.title[0].value == "Qué dicen los clientes"
    assert at.subheader[0].value == "Los detractores dicen más"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_bias_page(open_page: Any, lang: str) -> None:
    at = open_page("bias", lang=lang, outcome="wait_band")
    assert not at.exception
    assert len(at.metric) == 4
    assert len(at.text) == 2 and all(len(x.value) > 60 for x in at.text)
    rates = at.dataframe[0].value
    assert rates["calls"].sum() > 0 and len(rates) >= 3
    assert at.dataframe[1].value.shape[0] == 4  # polarisation bands


def test_bias_tiles_equal_the_analytics(open_page: Any, db: Path) -> None:
    at = open_page("bias")
    store = connect(str(db))
    results = bias.reweighted(store, Filters(*PERIOD), "en")
    store.close()
    shown = [(m.value, m.help) for m in at.metric]
    expected = []
    for r, _ in results:
        unit = "points" if r.metric == "nps" else "percent"
        for est in (r.raw, r.weighted):
            low, high = (i18n.kpi_value(unit, v, "en") for v in (est.low, est.high))
            expected.append((i18n.kpi_value(unit, est.value, "en"), f"{low} to {high}"))
    assert [v for v, _ in shown] == [v for v, _ in expected]
    assert all(ci in help_ for (_, help_), (_, ci) in zip(shown, expected, strict=True))
    assert [x.value for x in at.text] == [sentence for _, sentence in results]


def test_rankings_page(open_page: Any) -> None:
    at = open_page("rankings", rank_level="team", rank_metric="nps")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 8  # demo teams
    assert list(table["rank"]) == [str(i) for i in range(1, 9)]
    assert table["Fair estimate" if "Fair estimate" in table else "value"].is_monotonic_decreasing
    at = open_page("rankings", rank_min_n=10_000)
    assert not at.exception
    assert "no one is ranked" in at.warning[0].value


@pytest.mark.parametrize(  # by default the 365 days up to the sidebar's end date
    ("period", "start"),
    [(None, dt.date(2025, 6, 29)), ("180", dt.date(2025, 12, 31)), ("filter", PERIOD[0])],
)
def test_ranking_equals_the_analytics_for_its_period(
    open_page: Any, db: Path, period: str | None, start: dt.date
) -> None:
    at = open_page("rankings", **({"rank_period": period} if period else {}))
    assert not at.exception
    store = connect(str(db))
    expected = rankings.ranking(store, Filters(start, PERIOD[1]), "csat", "agent")
    store.close()
    table = at.dataframe[0].value
    assert table["unit"].tolist() == expected["unit"].to_list()
    assert table["value"].round(6).tolist() == expected["value"].round(6).to_list()
    assert table["raw"].round(6).tolist() == expected["raw"].round(6).to_list()
    ranked = expected.filter(pl.col("rank").is_not_null()).height
    assert (table["rank"] != "–").sum() == ranked
