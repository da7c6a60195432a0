"""AppTest of the voice, response-bias and fair-ranking pages on demo data.

Each test opens a page as a link (tests/apptest.py), with the page's widget state
seeded in the session.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import i18n
from analytics.feedback import sentiment, text
from analytics.queries import Filters
from analytics.review import bias, rankings
from analytics.store import connect
from tests.apptest import AppDb, open_app, page_warnings
from tests.conftest import DemoStores

PERIOD = (dt.date(2026, 3, 1), dt.date(2026, 6, 28))


@pytest.fixture(scope="module")
def db(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("voice")
    return demo_stores.copy(folder, calls=20_000, seed=3, end=dt.date(2026, 6, 28))


@pytest.fixture
def open_page(db: Path, app_db: AppDb) -> Any:
    """``open_page("voice", lang="es", term_a="sigue sin")``: the page over PERIOD, with
    the widget state given."""
    app_db(db)

    def _open(page: str, lang: str = "en", **state: Any) -> AppTest:
        period = [d.isoformat() for d in PERIOD]
        return open_app(f"views/{page}.py", state=state, lang=lang, period=period)

    return _open


def _pills(at: AppTest) -> dict[str, list[str]]:
    return {b.key: b.options for b in at.button_group if b.key and b.key.startswith("term_")}


def _all_pills(at: AppTest) -> list[str]:
    return [term for side in ("term_a", "term_b") for term in _pills(at)[side]]


def test_voice_shows_terms_for_each_side_and_suggestions(open_page: Any, db: Path) -> None:
    at = open_page("voice")
    assert not at.exception
    assert at.title[0].value == "What customers say"
    heads = [s.value for s in at.subheader]
    assert heads[:2] == ["Detractors say more", "Promoters say more"]
    pills = _pills(at)
    assert len(pills["term_a"]) == 15 and len(pills["term_b"]) == 15
    store = connect(str(db))  # same configuration as the app's open connection
    terms = text.distinguishing_terms(
        store, Filters(start=PERIOD[0], end=PERIOD[1]), text.Split(), lang="en"
    )
    store.close()
    assert pills["term_a"] == terms.filter(pl.col("side") == "a")["term"].to_list()
    assert pills["term_b"] == terms.filter(pl.col("side") == "b")["term"].to_list()
    ideas = at.dataframe[-1].value
    assert len(ideas) > 0 and all(text.is_suggestion(c) for c in ideas["comment"])


@pytest.mark.parametrize(
    ("lang", "chosen"),
    [("en", "en"), ("en", "es"), ("es", "es"), ("es", "en")],
    ids=["en-default", "en-chose-es", "es-default", "es-chose-en"],
)
def test_terms_come_from_one_language_at_a_time(
    open_page: Any, db: Path, lang: str, chosen: str
) -> None:
    # The list of the reader's language by default; the other one on demand, never mixed.
    state = {} if chosen == lang else {"comment_lang": chosen}
    at = open_page("voice", lang=lang, **state)
    assert not at.exception
    store = connect(str(db))
    only = text.distinguishing_terms(
        store, Filters(start=PERIOD[0], end=PERIOD[1]), text.Split(), lang=chosen
    )
    store.close()
    assert _all_pills(at) == only["term"].to_list()


def test_each_language_has_its_own_terms(open_page: Any) -> None:
    es = open_page("voice", comment_lang="es")
    assert "sigue sin" in _pills(es)["term_a"] and "amable" in _pills(es)["term_b"]
    en_terms = set(_all_pills(open_page("voice", comment_lang="en")))
    assert not en_terms & {"sigue sin", "amable"}


def test_picking_a_term_lists_its_comments_as_data_not_markdown(open_page: Any) -> None:
    at = open_page("voice", comment_lang="es", term_a="sigue sin")
    assert not at.exception
    assert "Comments with “sigue sin”" in [s.value for s in at.subheader]
    comments = at.dataframe[2].value
    assert len(comments) > 0
    assert all(" sigue sin " in " " + " ".join(text.tokens(c)) + " " for c in comments["comment"])
    assert {"nps", "csat", "sentiment", "tone", "followup"} <= set(comments.columns)
    assert (comments["sentiment"] <= 0).mean() > 0.8  # complaints read as negative
    shown = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert comments["comment"].iloc[0] not in shown
    detractors = comments[comments["nps"] <= 6]
    assert len(detractors) and detractors["followup"].str.startswith("#").all()


@pytest.mark.parametrize(
    ("lang", "said", "indicative"),
    [("en", "es", True), ("es", "es", True), ("en", "en", False), ("es", "en", False)],
)
def test_sentiment_is_marked_indicative_where_it_is_under_80_percent(
    open_page: Any, lang: str, said: str, indicative: bool
) -> None:
    at = open_page("voice", lang=lang, comment_lang=said)
    assert not at.exception
    warnings = [w.value for w in page_warnings(at)]
    name = i18n.t(f"voice.language_name.{said}", lang)  # type: ignore[arg-type]
    assert any(name in w for w in warnings) is indicative
    hits, of = sentiment.MEASURED[said]  # type: ignore[index]
    acc = f"{i18n.number(100 * hits / of, lang, 1)} %"
    assert any(acc in c.value for c in at.caption)  # the measured figure, in the reader's locale


def test_a_selected_comment_is_shown_whole_with_its_follow_up_item(open_page: Any) -> None:
    at = open_page("voice", comment_lang="es", term_a="sigue sin")
    comments = at.dataframe[2].value
    row = int(comments.index[comments["followup"].str.startswith("#")][0])
    at.session_state["comments_term"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    assert not at.exception
    assert comments["comment"].iloc[row] in [x.value for x in at.text]  # plain text, whole
    item = comments["followup"].iloc[row].split(" ")[0].lstrip("#")
    links = [e.proto for e in at.get("page_link")]
    assert [(x.label, x.page) for x in links] == [(f"Open follow-up item #{item}", "followup")]
    assert f"fu_item={item}" in links[0].query_string  # Follow-up opens with it picked


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
    results = bias.reweighted(store, Filters(start=PERIOD[0], end=PERIOD[1]), "en")
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
    store = connect(str(db))
    overview = bias.overview_figures(store, Filters(start=PERIOD[0], end=PERIOD[1]))
    store.close()
    captions = [c.value for c in at.caption]
    for r, _ in results:  # point 10: "as answered" is reconciled with the overview
        said = bias.reconcile_text(bias.Reconciled(r.metric, overview[r.metric], r.raw), "en")
        assert said in captions
        assert i18n.number(overview[r.metric].n, "en", 0) in said


def test_rankings_page(open_page: Any, db: Path) -> None:
    at = open_page("rankings", rank_level="team", rank_metric="nps")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 8  # demo teams
    assert table["Fair estimate" if "Fair estimate" in table else "value"].is_monotonic_decreasing
    # Issue 12: no strict ranks where the intervals overlap; ranges and tiers instead.
    assert "rank" not in table and "team" not in table  # a team's team is itself
    store = connect(str(db))
    expected = rankings.ranking(
        store, Filters(start=dt.date(2025, 6, 29), end=PERIOD[1]), "nps", "team"
    )
    store.close()
    spans = expected.select("rank_low", "rank_high").rows()
    assert table["range"].tolist() == [f"{a}" if a == b else f"{a}–{b}" for a, b in spans]
    tiers = {"top": "Top", "middle": "Middle", "bottom": "Bottom"}
    assert table["tier"].tolist() == [tiers[k] for k in expected["tier"]]
    # 8 teams of about 250 answers: none can be placed in either half, and the page says so.
    assert rankings.tier_counts(expected) == {"top": 0, "middle": 8, "bottom": 0}
    assert at.info[0].value == i18n.t("rank.tiers_none", "en")
    assert not any("by their id" in c.value for c in at.caption)  # teams have names
    at = open_page("rankings", rank_min_n=10_000)
    assert not at.exception
    assert "no one is ranked" in page_warnings(at)[0].value


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
    expected = rankings.ranking(store, Filters(start=start, end=PERIOD[1]), "csat", "agent")
    store.close()
    table = at.dataframe[0].value
    assert table["unit"].tolist() == expected["unit"].to_list()
    assert table["value"].round(6).tolist() == expected["value"].round(6).to_list()
    assert table["raw"].round(6).tolist() == expected["raw"].round(6).to_list()
    ranked = expected.filter(pl.col("rank").is_not_null()).height
    assert (table["range"] != "–").sum() == (table["tier"] != "–").sum() == ranked


def test_rankings_page_in_spanish_names_what_it_cannot_show(open_page: Any, db: Path) -> None:
    at = open_page("rankings", lang="es", rank_min_n=10)
    assert not at.exception
    table = at.dataframe[0].value
    store = connect(str(db))
    expected = rankings.ranking(
        store, Filters(start=dt.date(2025, 6, 29), end=PERIOD[1]), "csat", "agent", 10
    )
    store.close()
    tiers = {"top": "Alto", "middle": "Medio", "bottom": "Bajo", None: "–"}
    assert table["tier"].tolist() == [tiers[k] for k in expected["tier"]]
    counts = rankings.tier_counts(expected)
    assert counts["top"] > 0 and counts["bottom"] > 0
    assert i18n.t("rank.tiers", "es", **counts) in [m.value for m in at.markdown]
    captions = [c.value for c in at.caption]
    assert i18n.t("rank.agent_ids", "es") in captions  # no agent name in the data contract
    assert any(c.startswith("Rango de puestos") and "4.000" in c for c in captions)
