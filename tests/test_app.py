"""AppTest over every page: no exception, and tiles show the analytics' own numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analytics import dimensions, i18n, kpis, overview, periods
from analytics.queries import Filters
from analytics.store import connect
from tests.apptest import AppDb, clear_caches, new_app, open_app
from tests.conftest import call, insert, sample_calls, sample_surveys
from ui.markdown import markdown_escape


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("app") / "pulso.duckdb"
    store = connect(str(path))
    rng = np.random.default_rng(5)
    calls = sample_calls(800, rng)
    insert(store, "calls", calls)
    insert(store, "surveys", sample_surveys(calls, rng))
    store.close()
    return path


@pytest.fixture
def app(db: Path, app_db: AppDb) -> AppTest:
    """The app on ``db``, not yet run: a test sets the link's parameters, then runs it."""
    app_db(db)
    return new_app()


def _period(at: AppTest) -> tuple[dt.date, dt.date]:
    return tuple(at.date_input(key="period").value)  # type: ignore[return-value]


def test_overview_renders_without_exception(app: AppTest) -> None:
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert len(at.metric) == 11


def test_tiles_equal_the_analytics_functions_on_the_same_store(app: AppTest, db: Path) -> None:
    at = app.run()
    start, end = _period(at)
    store = connect(str(db))  # same configuration as the app's open connection
    tiles = overview.tiles(store, Filters(start=start, end=end), tuple(kpis.BY_KEY))
    store.close()
    expected = {
        i18n.t(f"kpi.{t.kpi}"): i18n.kpi_value(kpis.get(t.kpi).unit, t.current.value, "en")
        for t in tiles
    }
    shown = {m.label.removesuffix(" :material/warning:"): m.value for m in at.metric}
    assert shown and all(shown[label] == expected[label] for label in shown)


# AppTest (1.67) reruns only the page script of an st.navigation app after a widget
# interaction, so these tests open links instead: the filters are bound to the URL,
# and a copied link must reproduce the view. The browser test clicks the widgets.
def test_a_link_with_filters_reproduces_the_filtered_view(app: AppTest, db: Path) -> None:
    before = {m.label.removesuffix(" :material/warning:"): m.value for m in open_app().metric}
    app.query_params.update(region=["South"], queue=["tech"])
    at = app.run()
    assert not at.exception
    assert at.multiselect(key="region").value == ["South"]
    after = {m.label.removesuffix(" :material/warning:"): m.value for m in at.metric}
    assert after != before
    start, end = _period(at)
    store = connect(str(db))
    tile = overview.tiles(
        store, Filters(start=start, end=end, region=("South",), queue=("tech",)), ("nps",)
    )[0]
    if tile.measured:
        assert after["NPS"] == i18n.kpi_value("points", tile.current.value, "en")
    else:  # South x tech has no survey: a "Not measured" box in place of the metric
        texts = [m.value for m in at.markdown]
        assert "NPS" not in after and texts[texts.index("NPS") + 1].endswith("**Not measured**")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_link_value_the_data_does_not_hold_is_named_not_dropped_silently(
    app: AppTest, lang: str
) -> None:
    app.query_params.update(region=["South", "Atlantis", "**bold**"], lang=lang)
    at = app.run()
    assert not at.exception
    assert at.multiselect(key="region").value == ["South"]  # what the data holds applies
    notes = [w.value for w in at.sidebar.warning]
    assert len(notes) == 1 and "“Atlantis”" in notes[0] and "“\\*\\*bold\\*\\*”" in notes[0]
    assert i18n.t(dimensions.get("region").label, lang) in notes[0]
    assert not [w for w in open_app().sidebar.warning]  # a link without them: no note


def test_an_agent_outside_the_links_team_is_named_with_the_team(
    tmp_path: Path, app_db: AppDb
) -> None:
    path = tmp_path / "teams.duckdb"
    store = connect(str(path))
    rows = [call(i, dt.datetime(2025, 4, 1 + i % 5, 9), team=f"T{i % 2}", agent_id=f"A{i % 2}")
            for i in range(20)]  # fmt: skip
    insert(store, "calls", rows)
    store.close()
    app_db(path)
    at = open_app(team=["T1"], agent_id=["A0", "A1"])  # A0 works in T0
    assert not at.exception and at.multiselect(key="agent_id").value == ["A1"]
    (note,) = [w.value for w in at.sidebar.warning]
    assert "“A0”" in note and "“A1”" not in note and "within the chosen Team" in note
    # a dimension with no value in the data has no filter: the link's value is named too
    at = open_app(survey_type=["transactional"])
    assert not at.exception and not [m for m in at.multiselect if m.key == "survey_type"]
    (note,) = [w.value for w in at.sidebar.warning]
    assert "Survey type" in note and "“transactional”" in note


def test_a_link_with_a_period_sets_the_dates(app: AppTest) -> None:
    app.query_params["period"] = ["2025-03-10", "2025-03-23"]
    at = app.run()
    assert not at.exception
    assert _period(at) == (dt.date(2025, 3, 10), dt.date(2025, 3, 23))


def test_spanish_from_the_url(app: AppTest) -> None:
    app.query_params["lang"] = "es"
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Resumen"
    assert any(m.label == "Tasa de resolución" for m in at.metric)


def test_breakdown_by_queue_from_the_url(app: AppTest) -> None:
    app.query_params["by"] = "queue"
    at = app.run()
    assert not at.exception
    assert at.dataframe[0].value.shape[0] == 2  # billing and tech


def test_unreadable_database_shows_a_message_not_a_traceback(tmp_path: Path, app_db: AppDb) -> None:
    bad = tmp_path / "broken.duckdb"
    bad.write_bytes(b"not a database" * 64)
    app_db(bad)
    at = open_app()
    assert not at.exception
    assert at.error[0].value == i18n.t("error.title")
    assert markdown_escape(str(bad)) in at.markdown[0].value  # the path, as typed


def _caption_with(at: AppTest, text: str) -> str:
    return next(c.value for c in at.caption if text in c.value)


def test_the_resolved_period_is_always_in_the_link(tmp_path: Path, app_db: AppDb) -> None:
    """A link copied today and opened after more data arrived shows the same days:
    the default period (the last 28 days) is written into the URL as dates."""
    path = tmp_path / "growing.duckdb"
    store = connect(str(path))
    rng = np.random.default_rng(3)
    calls = sample_calls(300, rng)
    insert(store, "calls", calls)
    insert(store, "surveys", sample_surveys(calls, rng))
    store.close()
    app_db(path)
    at = open_app()
    start, end = _period(at)
    assert at.query_params["period"] == [start.isoformat(), end.isoformat()]
    assert at.selectbox(key="preset").value == "last_28"
    shared = dict(at.query_params)

    store = connect(str(path))  # a week later: new data
    later = dt.datetime.combine(end + dt.timedelta(days=7), dt.time(9))
    insert(store, "calls", [call(99_999, later)])
    store.close()
    clear_caches()
    fresh = open_app()
    assert _period(fresh)[1] == end + dt.timedelta(days=7)  # the default moved on...
    linked = open_app(**shared)
    assert _period(linked) == (start, end)  # ...the shared link did not
    assert linked.selectbox(key="preset").value == "custom"  # no longer "the last 28 days"


def test_a_link_compares_a_month_so_far_with_the_same_days_before(app: AppTest) -> None:
    app.query_params["period"] = ["2025-04-01", "2025-04-20"]
    at = app.run()
    assert _caption_with(at, "compared with").endswith("compared with 1 Mar 2025 – 20 Mar 2025")
    assert at.radio(key="compare").value == "previous"


def test_a_link_compares_with_the_same_period_last_year(app: AppTest) -> None:
    app.query_params.update(period=["2025-04-01", "2025-04-20"], compare="year")
    at = app.run()
    assert _caption_with(at, "compared with").endswith("compared with 1 Apr 2024 – 20 Apr 2024")
    assert at.radio(key="compare").value == "year"
    assert at.query_params["compare"] == "year"


def test_a_link_to_a_presets_dates_names_the_preset(app: AppTest, db: Path) -> None:
    store = connect(str(db))
    last = overview.data_range(store)[1]  # type: ignore[index]
    store.close()
    start, end = periods.resolve("this_week", last)
    app.query_params["period"] = [start.isoformat(), end.isoformat()]
    at = app.run()
    assert at.selectbox(key="preset").value == "this_week"
    assert _period(at) == (start, end)
