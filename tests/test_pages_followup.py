"""AppTest of the Follow-up and Survey-fatigue pages on a small demo store.

Each state is a fresh session opened as a link (tests/apptest.py). The lifecycle itself
is driven through the analytics functions, and each render checks what the page shows.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import cli, i18n
from analytics.feedback import fatigue, followup
from analytics.feedback import queue as followup_queue
from analytics.feedback.queue import ListFilter
from analytics.queries import Filters
from analytics.store import connect
from tests.apptest import AppDb, open_app
from tests.conftest import DemoStores, call, insert, survey

END = dt.date(2026, 6, 28)
PERIOD = Filters(start=dt.date(2026, 6, 1), end=END)  # the sidebar's default: the last 28 days
TRICKY = "**bold** <b>html</b> =HYPERLINK(1)"


@pytest.fixture(scope="module")
def template(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, a detractor with a tricky comment and the follow-up items; never
    opened by a test, which gets a copy (the tests write)."""
    folder = tmp_path_factory.mktemp("followup_app")
    store = demo_stores.open(folder, calls=3_000, seed=3, end=END)
    at = dt.datetime(2026, 6, 26, 10)
    insert(store, "calls", [call(900_001, at, team="Team Z", call_id="CZ")])
    insert(store, "surveys", [survey(900_001, at, call_id="CZ", nps=1, comment=TRICKY)])
    followup.sync_items(store)
    store.close()
    return folder / "pulso.duckdb"


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copyfile(template, tmp_path / "pulso.duckdb"))


@pytest.fixture(autouse=True)
def _on_the_store(db: Path, app_db: AppDb) -> None:
    """The app opens ``db`` (a test on a store of its own points it there)."""
    app_db(db)


def open_page(page: str, restart: bool = True, **params: str | list[str]) -> AppTest:
    """A fresh session opened on ``page`` with URL parameters ``params``; ``restart``
    drops the process's cached resources (the store) as a server restart would."""
    if restart:
        st.cache_resource.clear()
    at = open_app(page, **params)
    assert not at.exception
    return at


def _item(db: Path, response_id: str) -> int:
    store = connect(str(db))
    found = store.sql("select item_id from followup_items where response_id = ?", [response_id])
    store.close()
    return int(found[0, 0])


def test_counts_and_queue_equal_the_analytics(db: Path) -> None:
    at = open_page("views/followup.py")
    assert at.title[0].value == "Detractor follow-up"
    store = connect(str(db))
    counts = followup_queue.status_counts(store, PERIOD)
    active = followup_queue.list_items(store, ListFilter(scope=PERIOD), limit=None)
    store.close()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Open"] == i18n.number(counts["open"], "en", 0)
    assert shown["Overdue"] == i18n.number(counts["overdue"], "en", 0)
    table = at.dataframe[0].value
    assert table.shape[0] == min(active.height, followup_queue.LIST_LIMIT) > 0
    assert set(table["state"]) <= {"Open", "Contacted"}
    assert table["customer_id"].tolist() == active["customer_id"].to_list()  # who to call


def test_comments_are_shown_as_text_never_as_markdown() -> None:
    at = open_page("views/followup.py", fu_team="Team Z")
    assert at.dataframe[0].value["comment"].tolist() == [TRICKY]
    rendered = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert not any("html" in text for text in rendered)


def test_lifecycle_through_the_engine_shows_on_fresh_renders(db: Path) -> None:
    item = _item(db, "R900001")
    store = connect(str(db))
    followup.assign(store, item, "Ana")
    store.close()
    at = open_page("views/followup.py", fu_owner="Ana")
    table = at.dataframe[0].value
    assert table[["item_id", "owner"]].values.tolist() == [[item, "Ana"]]

    store = connect(str(db))
    followup.record_contact(store, item, "left a voicemail")
    followup.close(store, item, recovered=True, note="refund given")
    store.close()
    at = open_page("views/followup.py", fu_view="recovered", lang="es")
    assert at.title[0].value == "Seguimiento de detractores"
    table = at.dataframe[0].value
    assert table[["item_id", "state", "note"]].values.tolist() == [
        [item, "Recuperado", "refund given"]
    ]
    history = at.dataframe[1].value
    assert history["action"].tolist() == ["Asignado", "Contactado", "Recuperado"]
    assert {m.label: m.value for m in at.metric}["Recuperados"] == "1"


def test_the_assign_form_writes_and_confirms(db: Path) -> None:
    item = _item(db, "R900001")
    at = open_page("views/followup.py", fu_team="Team Z")
    assert at.selectbox(key="fu_item").value == item
    owner = at.selectbox(key="fu_owner_name")
    assert owner.options[0] == "Team Z (team)"  # the item's own team first
    owner.set_value("Team Z")
    next(b for b in at.button if b.label == "Assign").click().run()
    assert not at.exception
    assert at.success[0].value == f"Item #{item}: Assigned."
    store = connect(str(db))
    assert followup.history(store, item)["owner"].to_list() == ["Team Z"]
    store.close()


def test_overdue_view_lists_only_overdue_items() -> None:
    at = open_page("views/followup.py", fu_view="overdue")
    table = at.dataframe[0].value
    assert table["overdue"].all() and set(table["state"]) <= {"Open", "Contacted"}


def test_fatigue_page_equals_the_analytics(db: Path) -> None:
    at = open_page("views/fatigue.py", fat_k="1", fat_n="60")
    assert at.title[0].value == "Survey fatigue"
    policy = fatigue.FatiguePolicy(1, 60)
    store = connect(str(db))
    as_of = fatigue.last_day(store)
    assert as_of is not None
    summary = fatigue.summary(store, policy, as_of)
    listed = fatigue.suppression_list(store, policy, as_of)
    store.close()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Customers who answered"] == i18n.number(summary.active_customers, "en", 0)
    assert shown["Over the limit"] == i18n.number(summary.over_limit, "en", 0)
    assert at.dataframe[0].value.shape[0] == listed.height > 0


def test_monthly_rates_from_the_url() -> None:
    at = open_page("views/followup.py", fu_grain="month")
    assert at.session_state["fu_grain"] == "month"
    assert len(at.get("plotly_chart")) == 1  # compliance; no item closed: recovery not measured
    assert any(i.value.startswith("Not measured: no item was closed") for i in at.info)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_fatigue_without_customer_ids_is_not_measured(
    tmp_path: Path, app_db: AppDb, lang: str
) -> None:
    """Answers that name no customer (a Google Forms export) cannot show who was asked
    how often: the page says "not measured" and why, not "0 customers" and "- %"."""
    db = tmp_path / "anonymous.duckdb"
    store = connect(str(db))
    at = dt.datetime(2026, 6, 22, 10)
    insert(store, "surveys", [survey(i, at, nps=i % 11, customer_id=None) for i in range(5)])
    store.close()
    app_db(db)
    page = open_page("views/fatigue.py", lang=lang)
    assert not page.exception
    assert i18n.t("fatigue.not_measured", lang) in [w.value for w in page.warning]
    assert not page.metric and not page.get("plotly_chart")


@pytest.mark.parametrize(
    ("page", "params", "charts"),
    [
        # Follow-up: compliance only (no item is closed here, so recovery is not measured).
        pytest.param("views/followup.py", {"fu_grain": "month"}, 1, id="followup"),
        pytest.param("views/fatigue.py", {}, 2, id="fatigue"),
    ],
)
def test_rate_and_fatigue_trends_mark_the_registered_changes(
    page: str, params: dict[str, str], charts: int
) -> None:
    """Every trend chart shows the process changes (the demo registers its IVR menu,
    26 weeks before the end: inside the follow-up's 13 months, not its 26 weeks)."""
    at = open_page(page, **params)
    specs = [chart.proto.spec for chart in at.get("plotly_chart")]
    marked = [spec for spec in specs if "New IVR menu" in spec]
    assert len(marked) == charts


SURVEYS_CSV = """response_id,customer_id,responded_at,nps,csat,comment
W1,K1,2026-06-22 10:00,2,,slow and rude
W2,K2,2026-06-22 11:00,10,5,great
W3,K3,2026-06-23 09:00,,1,not fixed
W4,K4,2026-06-23 09:30,8,3,ok
"""


def _load(db: Path, path: Path) -> None:
    assert cli.main(["ingest", "surveys", str(path), "--db", str(db)]) == 0


def _items(db: Path) -> list[tuple[str, str]]:
    store = connect(str(db))
    rows = store.sql("select response_id, reason from followup_items order by 1").rows()
    store.close()
    return rows


def test_a_command_line_load_gets_items_and_reloads_add_none(tmp_path: Path, app_db: AppDb) -> None:
    db, first, second = (tmp_path / n for n in ("cli.duckdb", "a.csv", "b.csv"))
    first.write_text(SURVEYS_CSV, encoding="utf-8")
    second.write_text(SURVEYS_CSV + "W5,K5,2026-06-24 12:00,0,2,never again\n", encoding="utf-8")
    _load(db, first)
    app_db(db)
    assert _items(db) == [("W1", "detractor"), ("W3", "dissatisfied")]  # made by the load
    at = open_page("views/followup.py")  # the app's run adds none
    assert {m.label: m.value for m in at.metric}["Open"] == "2"
    assert _items(db) == [("W1", "detractor"), ("W3", "dissatisfied")]

    _load(db, first)  # the same rows again, while the app runs (new data version)...
    _load(db, second)  # ...and a file with one more detractor
    at = open_page("views/followup.py", restart=False)
    assert {m.label: m.value for m in at.metric}["Open"] == "3"
    at = open_page("views/followup.py")  # and after a restart
    assert {m.label: m.value for m in at.metric}["Open"] == "3"
    assert _items(db) == [("W1", "detractor"), ("W3", "dissatisfied"), ("W5", "detractor")]


def test_deadlines_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_db: AppDb
) -> None:
    db, path = tmp_path / "env.duckdb", tmp_path / "a.csv"
    path.write_text(SURVEYS_CSV, encoding="utf-8")
    monkeypatch.setenv("PULSO_FOLLOWUP_DAYS", "3")  # deadlines are set when items are made
    monkeypatch.setenv("PULSO_FOLLOWUP_PASSIVE_DAYS", "10")
    _load(db, path)
    app_db(db)
    at = open_page("views/followup.py")
    policy = at.caption[0].value
    assert "due 3 business days" in policy and "Passives" in policy and "10 business" in policy
    assert _items(db) == [("W1", "detractor"), ("W3", "dissatisfied"), ("W4", "passive")]
    store = connect(str(db))
    due = dict(store.sql("select response_id, due_at from followup_items").rows())
    store.close()
    # Mon 22 June 10:00 + 3 business days = Thu 25 June; Tue 23 June 09:30 + 10 = Tue 7 July
    assert due["W1"] == dt.datetime(2026, 6, 25, 10)
    assert due["W4"] == dt.datetime(2026, 7, 7, 9, 30)


def test_the_sidebars_region_and_period_select_the_items(db: Path) -> None:
    """Region = South shows South's items only, in the linked period, tiles included."""
    at = open_page("views/followup.py", region="South", period=["2026-04-01", "2026-06-28"])
    scope = Filters(start=dt.date(2026, 4, 1), end=END, region=("South",))
    store = connect(str(db))
    counts = followup_queue.status_counts(store, scope)
    everything = followup_queue.status_counts(store)
    items = followup_queue.list_items(store, ListFilter(scope=scope), limit=None)
    store.close()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Open"] == i18n.number(counts["open"], "en", 0)
    assert shown["Overdue"] == i18n.number(counts["overdue"], "en", 0)
    assert 0 < counts["open"] < everything["open"]
    assert at.dataframe[0].value["item_id"].tolist() == items["item_id"].to_list()
    assert any("1 Apr 2026 to 28 Jun 2026" in c.value for c in at.caption)


def test_closing_an_item_keeps_it_picked(db: Path) -> None:
    """After closing, the item leaves the open list, but the picker stays on it (it
    used to jump to another item), with its new status and its history."""
    item = _item(db, "R900001")
    at = open_page("views/followup.py")
    others = at.selectbox(key="fu_item").options
    assert len(others) > 1
    at.selectbox(key="fu_item").set_value(item).run()
    next(b for b in at.button if b.label == "Mark recovered").click().run()
    assert not at.exception
    assert at.success[0].value == f"Item #{item}: Recovered."
    picker = at.selectbox(key="fu_item")
    assert picker.value == item
    assert picker.options[0].startswith(f"#{item} · customer K900001 · Team Z · due")  # unchanged
    assert any("now “Recovered”" in c.value for c in at.caption)
    assert at.dataframe[1].value["action"].tolist() == ["Recovered"]  # its history
    assert item not in at.dataframe[0].value["item_id"].tolist()  # left the open list


@pytest.mark.parametrize(
    "page", ["views/followup.py", "views/fatigue.py"], ids=["followup", "fatigue"]
)
def test_rate_charts_end_at_the_period_and_fatigue_at_the_last_answer(db: Path, page: str) -> None:
    """A change named near the end used to stretch the x axis a year past the data
    (the period and the last answer are both END here)."""
    store = connect(str(db))
    cur = store.cursor()
    cur.execute(
        "insert into process_changes (name, started_on) values (?, ?)",
        ["A long name for a change made near the end of the data", dt.date(2026, 6, 20)],
    )
    store.close()
    at = open_page(page)
    marked = [
        json.loads(c.proto.spec) for c in at.get("plotly_chart") if "A long name" in c.proto.spec
    ]
    assert marked  # the change is drawn: the checks below have something to check
    for spec in marked:
        last = dt.date.fromisoformat(spec["layout"]["xaxis"]["range"][1][:10])
        assert END <= last <= END + dt.timedelta(days=15)
        labels = [a for a in spec["layout"]["annotations"] if "A long name" in a["text"]]
        assert labels[0]["xanchor"] == "right"  # drawn to the left of its line


def test_a_link_with_an_item_opens_it_picked_and_picking_updates_the_link(db: Path) -> None:
    """What customers say links to ?fu_item=N; a shared link does the same."""
    item = _item(db, "R900001")
    at = open_page("views/followup.py", fu_view="all", fu_item=str(item))
    assert at.selectbox(key="fu_item").value == item
    other = next(o for o in at.selectbox(key="fu_item").options if not o.startswith(f"#{item} "))
    other_id = int(other.split(" ")[0].lstrip("#"))
    at.selectbox(key="fu_item").set_value(other_id).run()
    assert not at.exception
    assert at.query_params["fu_item"] == str(other_id)
    at = open_page("views/followup.py", fu_item="999999")  # unknown: ignored
    assert at.selectbox(key="fu_item").value != 999999


def test_a_rate_with_nothing_to_measure_says_so_instead_of_an_empty_chart(db: Path) -> None:
    """No item closed in the weeks shown: recovery is "not measured", not a blank axis."""
    store = connect(str(db))
    store.sql("update followup_items set status = 'open', closed_at = null")
    store.close()
    at = open_page("views/followup.py", lang="es")
    said = [i.value for i in at.info]
    assert "No medido: no se cerró ningún caso (recuperado o no) en estas semanas." in said
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "Recuperados, de los cerrados (%)" not in titles
