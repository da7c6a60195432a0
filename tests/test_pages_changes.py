"""AppTest over the registry and the change-analysis pages.

AppTest (1.67) runs only the page script when it starts on a page, and re-runs only
the page script after an interaction, so the tests open links: query parameters set
before the first run, with the context app.py would have stored (language, filters,
data version) seeded in the session. One test goes through app.py to check the
wiring. Registry writes go through analytics.changes.registry, then the page is rendered;
the browser test clicks through the form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.changes import registry, summary
from analytics.changes.registry import Change
from analytics.i18n import t
from analytics.store import connect
from tests.apptest import AppDb, new_app, open_app, page_warnings
from tests.conftest import DemoStores
from ui.markdown import markdown_escape

END = dt.date(2026, 6, 28)
IVR_ID = 1


@pytest.fixture(scope="module")
def db(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_stores.copy(tmp_path_factory.mktemp("changes_app"), calls=20_000, seed=3, end=END)


Open = Callable[..., AppTest]


@pytest.fixture
def open_page(db: Path, app_db: AppDb) -> Open:
    """``open_page("registry", lang="es", change="1")``: the page as a link opens it."""
    app_db(db)

    def run(page: str, lang: str = "en", **params: str | list[str]) -> AppTest:
        return open_app(f"views/{page}.py", lang=lang, **params)

    return run


def with_change(db: Path, change: Change) -> int:
    store = connect(str(db))
    try:
        return registry.save_change(store, change)
    finally:
        store.close()


def without_change(db: Path, change_id: int) -> None:
    store = connect(str(db))
    registry.delete_change(store, change_id)
    store.close()


# The page's verdict icons (views/change_analysis.py ICONS): its per-metric verdict lines,
# not another section's (the survey-design check has its own icons).
VERDICT_ICONS = (
    ":material/thumb_up:", ":material/thumb_down:", ":material/help:", ":material/balance:",
    ":material/search:", ":material/remove:", ":material/hourglass_empty:", ":material/block:",
)  # fmt: skip


def verdict_lines(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith(VERDICT_ICONS)]


# -- through app.py ---------------------------------------------------------------------


def test_app_routes_to_both_pages(db: Path, app_db: AppDb) -> None:
    app_db(db)
    at = new_app()
    at.query_params.update(lang="es", change=str(IVR_ID))
    at.run()
    assert not at.exception
    at.switch_page("views/change_analysis.py").run()
    assert not at.exception
    assert at.title[0].value == "¿Funcionó el cambio?"
    at.switch_page("views/registry.py").run()
    assert not at.exception and at.title[0].value == "Cambios de proceso"


# -- registry ---------------------------------------------------------------------------------


def test_registry_lists_the_changes(open_page: Open) -> None:
    at = open_page("registry")
    assert not at.exception
    assert at.title[0].value == "Process changes"
    table = at.dataframe[0].value
    assert table["name"].tolist() == ["New IVR menu", "IVR keypad order"]  # newest first
    assert table["scope"].tolist()[0] == "Queues: billing"
    assert table["kind"].tolist() == [
        "Process change (the service)", "Survey design (the survey itself)"
    ]  # fmt: skip
    assert at.selectbox(key="edit").value == "new"


def test_a_saved_change_is_listed_and_opens_for_editing(db: Path, open_page: Open) -> None:
    cid = with_change(db, Change("Callback pilot", dt.date(2026, 3, 2), queues=("sales",)))
    try:
        at = open_page("registry", lang="es", edit=str(cid))
        assert not at.exception
        assert at.title[0].value == "Cambios de proceso"
        names = set(at.dataframe[0].value["name"])
        assert names == {"New IVR menu", "IVR keypad order", "Callback pilot"}
        assert at.text_input[0].value == "Callback pilot"
        assert at.multiselect[0].value == ["sales"]
        assert at.get("page_link")[0].proto.label == "Analizar este cambio"
    finally:
        without_change(db, cid)


def test_the_form_refuses_a_change_without_a_name(open_page: Open) -> None:
    at = open_page("registry")
    at.text_input[0].input("   ")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert [e.value for e in at.error] == ["Give the change a name."]


def test_the_form_saves_and_the_popover_deletes(db: Path, open_page: Open) -> None:
    at = open_page("registry")
    at.text_input[0].input("Weekend staffing")
    at.date_input[0].set_value(dt.date(2026, 4, 6))
    at.multiselect[2].select("South")  # regions
    at.button[0].click().run()
    assert not at.exception
    store = connect(str(db))
    saved = registry.list_changes(store).filter(pl.col("name") == "Weekend staffing")
    store.close()
    assert saved.height == 1 and saved["regions"].to_list() == [["South"]]
    assert at.success[0].value.startswith("Saved")
    cid = int(saved["change_id"][0])

    at = open_page("registry", edit=str(cid))
    at.button(key="delete_change").click().run()
    assert not at.exception
    store = connect(str(db))
    assert cid not in registry.list_changes(store)["change_id"].to_list()
    store.close()


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Proposed start: 6 Apr 2026, so that the 12 weeks"),
        ("es", "Fecha propuesta: 6 abr 2026, para que las 12 semanas"),
    ],
)
def test_a_new_change_proposes_a_start_that_can_be_analysed(
    open_page: Open, lang: str, said: str
) -> None:
    """Issue 12: not today (the last day of data, nothing after it) but 12 weeks back
    from the data's end, a Monday, and the page says why."""
    at = open_page("registry", lang=lang)
    assert not at.exception
    assert at.date_input[0].value == dt.date(2026, 4, 6)
    assert any(c.value.startswith(said) for c in at.caption)


def test_the_form_saves_products_and_segments_and_the_analysis_uses_them(
    db: Path, open_page: Open
) -> None:
    at = open_page("registry")
    labels = [m.label for m in at.multiselect]
    assert labels[:6] == ["Queues", "Teams", "Regions", "Channels", "Products", "Segments"]
    at.text_input[0].input("Bundle retention script")
    at.multiselect[4].select("bundle")
    at.multiselect[5].select("B2B")
    at.button[0].click().run()
    assert not at.exception
    store = connect(str(db))
    saved = registry.list_changes(store).filter(pl.col("name") == "Bundle retention script")
    store.close()
    assert saved["products"].to_list() == [["bundle"]] and saved["segments"].to_list() == [["B2B"]]
    cid = str(saved["change_id"][0])
    try:
        at = open_page("registry", edit=cid)
        scope = at.dataframe[0].value.set_index("name").loc["Bundle retention script", "scope"]
        assert scope == "Products: bundle; Segments: B2B"
        assert [m.value for m in at.multiselect][4:6] == [["bundle"], ["B2B"]]
        at = open_page("change_analysis", change=cid)
        assert not at.exception
        captions = [c.value for c in at.caption]
        assert any(markdown_escape("Products: bundle; Segments: B2B") in c for c in captions)
        assert any("bundle · B2B" in c for c in captions)  # the changed group
    finally:
        without_change(db, int(cid))


def test_the_form_shows_and_saves_the_type_of_change(db: Path, open_page: Open) -> None:
    """Issue 17: the keypad change opens as a survey-design change on IVR; a change saved
    as one keeps its type and its survey channels."""
    at = open_page("registry", edit="2")
    assert not at.exception
    assert at.radio[0].value == "survey_design" and at.multiselect[6].value == ["ivr"]
    at = open_page("registry", lang="es")
    assert at.radio[0].label == "Tipo de cambio"
    at.text_input[0].input("SMS wording")
    at.radio[0].set_value("survey_design")
    at.button[0].click().run()  # no survey channel named: refused, nothing saved
    assert [e.value for e in at.error] == [
        "Un cambio de diseño de la encuesta necesita los canales cuya encuesta cambió."
    ]
    at.multiselect[6].select("sms")
    at.button[0].click().run()
    assert not at.exception and not at.error
    store = connect(str(db))
    saved = registry.list_changes(store).filter(pl.col("name") == "SMS wording")
    store.close()
    assert saved["kind"].to_list() == ["survey_design"] and saved["instruments"].to_list() == [
        ["sms"]
    ]
    without_change(db, int(saved["change_id"][0]))


def test_the_form_saves_a_roll_out_schedule_and_shows_it_again(db: Path, open_page: Open) -> None:
    """Issue 17: a start date per queue, typed in the schedule's table (its edits set as
    the table widget keeps them), saved with the change and shown when it is edited."""
    at = open_page("registry")
    at.text_input[0].input("Callback option")
    at.date_input[0].set_value(dt.date(2026, 3, 2))
    at.multiselect[0].select("billing").select("sales")
    added = [
        {"dimension": "queue", "unit": "billing", "started_on": "2026-03-02"},
        {"dimension": "queue", "unit": "sales", "started_on": "2026-05-04"},
    ]
    at.session_state["rollout_new"] = {"edited_rows": {}, "deleted_rows": [], "added_rows": added}
    at.button[0].click().run()
    assert not at.exception and not at.error
    store = connect(str(db))
    cid = int(
        registry.list_changes(store).filter(pl.col("name") == "Callback option")["change_id"][0]
    )
    schedule = registry.rollout(store, cid).rows()
    store.close()
    try:
        assert schedule == [
            ("queue", "billing", dt.date(2026, 3, 2)), ("queue", "sales", dt.date(2026, 5, 4))
        ]  # fmt: skip
        at = open_page("registry", edit=str(cid))
        assert at.dataframe[1].value["unit"].tolist() == ["billing", "sales"]
    finally:
        without_change(db, cid)


def test_a_schedule_is_read_from_the_editors_rows() -> None:
    rows = [
        {"dimension": "queue", "unit": " sales ", "started_on": dt.date(2026, 5, 4)},
        {"dimension": None, "unit": None, "started_on": None},  # the editor's blank row
        {"dimension": "queue", "unit": "billing", "started_on": dt.datetime(2026, 3, 2)},
    ]
    steps, incomplete = registry.rollout_from_rows(rows)
    assert steps == (
        ("queue", "sales", dt.date(2026, 5, 4)),
        ("queue", "billing", dt.date(2026, 3, 2)),
    )
    assert not incomplete
    half = registry.rollout_from_rows([{"dimension": "team", "unit": "T1", "started_on": None}])
    assert half == ((), True)


@pytest.mark.parametrize(
    ("lang", "title"),
    [("en", "Survey design or service?"), ("es", "¿Diseño de la encuesta o servicio?")],
)
def test_the_analysis_asks_survey_design_or_service(open_page: Open, lang: str, title: str) -> None:
    """The section's verdict is one of its five, in the page's language (the verdicts
    themselves are checked on the 150k demo in tests/changes/test_survey_design.py)."""
    at = open_page("change_analysis", lang=lang, change="2")
    assert not at.exception
    assert title in [h.value for h in at.subheader]
    verdicts = ("measurement_shift", "service_change", "both", "no_shift", "not_measured")
    heads = [t(f"sdesign.verdict.{v}", lang).split(":")[0] for v in verdicts]  # type: ignore[arg-type]
    section = [m.value for m in at.markdown if any(f"**{h}\\:" in m.value for h in heads)]
    assert len(section) == 1, [m.value for m in at.markdown]
    assert at.selectbox(key="sdesign_metric").value == "csat"


# -- analysis ---------------------------------------------------------------------------------


def test_analysis_of_the_demo_change(open_page: Open) -> None:
    at = open_page("change_analysis", change=str(IVR_ID))
    assert not at.exception
    assert at.title[0].value == "Did the change work?"
    verdicts = verdict_lines(at)
    assert len(verdicts) == 6  # the default metrics
    assert any("Avg speed of answer" in v for v in verdicts)
    # Every method side by side (5 rows), then before/after, ITS, DiD.
    assert [d.value.shape[0] for d in at.dataframe][:4] == [5, 6, 6, 6]
    assert at.get("download_button")[0].proto.label == "Download the summary (HTML)"
    assert len(at.tabs) == 3
    assert at.query_params["change"] == str(IVR_ID)
    # Five queues: the DiD tab says its p is by randomization and what it cannot show.
    assert any("the smallest possible p is 1/5" in w.value for w in page_warnings(at))
    assert at.dataframe[3].value["p"].str.endswith("(randomization, min. 1/5)").all()
    assert not any("= <" in m.value for m in [*at.markdown, *at.caption, *page_warnings(at)])


@pytest.mark.parametrize(
    ("lang", "sentence", "numbers"),
    [
        ("en", "After “New IVR menu” on 22 Dec 2025, Avg speed of answer improved: {}; the "
         "before/after comparison and the interrupted time series agree.",
         "-0:19 (95% CI -0:29 to -0:09; p = 0.003)"),
        ("es", "Tras el cambio «New IVR menu» del 22 dic 2025, Tiempo medio de respuesta mejoró: "
         "{}; la comparación antes/después y la serie temporal interrumpida coinciden.",
         "-0:19 (IC 95 % -0:29 a -0:09; p = 0,003)"),
    ],
)  # fmt: skip
def test_the_summary_opens_with_the_sentence_the_page_shows(
    open_page: Open, monkeypatch: pytest.MonkeyPatch, lang: str, sentence: str, numbers: str
) -> None:
    """Issue 12: the one-page summary the page offers leads with the page's headline on
    the chosen metric, from the same verdict and the same numbers as its verdict line."""
    offered: list[str] = []
    real = summary.html
    monkeypatch.setattr(
        summary, "html", lambda *a, **k: offered.append(real(*a, **k)) or offered[-1]
    )
    at = open_page("change_analysis", lang=lang, change=str(IVR_ID), focus="asa")
    assert not at.exception
    (page,) = offered  # the file behind the download button
    first = re.search(r'<p class="headline">(.*?)</p>', page)
    assert first is not None and page.index("<p") == first.start()
    assert unescape(first.group(1)) == sentence.format(numbers)
    shown = markdown_escape(sentence.format(numbers))
    assert [m.value for m in at.markdown if m.value == f"**{shown}**"]  # on the page too
    (line,) = [m.value for m in at.markdown if m.value.startswith(":material/thumb_up:")]
    assert markdown_escape(numbers) in line  # the page's verdict on the metric
    assert at.selectbox(key="focus").value == "asa"


def test_what_cannot_answer_is_said_once_and_left_out_of_the_verdicts(open_page: Open) -> None:
    at = open_page("change_analysis", change=str(IVR_ID))
    assert not at.exception
    captions = [c.value for c in at.caption]
    (left_out,) = [c for c in captions if "left out of the verdicts" in c]
    assert left_out.startswith(":material/info: Difference\\-in\\-differences is left out")
    assert "1/5" in left_out
    verdicts = verdict_lines(at)
    its = markdown_escape("Interrupted time series:")  # captions are escaped markdown
    lines = " ".join([*verdicts, *(c for c in captions if its in c)])
    assert its in lines and "Difference" not in lines
    # The default windows give the time series the 12 periods a side it needs: no
    # warning about its own defaults.
    assert not [w for w in page_warnings(at) if "are recommended" in w.value]
    short = open_page("change_analysis", change=str(IVR_ID), weeks_before="8", weeks_after="8")
    (warning,) = [w.value for w in short.warning if "are recommended" in w.value]
    assert warning.startswith("Only 8 periods before and 8 after the change; 12 on each side")


def test_the_newest_change_is_the_default_and_goes_into_the_url(open_page: Open) -> None:
    at = open_page("change_analysis")
    assert not at.exception
    assert at.query_params["change"] == str(IVR_ID)


def test_settings_come_from_the_link(open_page: Open) -> None:
    at = open_page(
        "change_analysis", lang="es", change=str(IVR_ID), metrics=["ces", "asa"],
        weeks_before="10", weeks_after="6", agrain="day",
    )  # fmt: skip
    assert not at.exception
    assert at.multiselect(key="metrics").value == ["ces", "asa"]
    assert at.number_input(key="weeks_before").value == 10
    assert len(verdict_lines(at)) == 2
    assert any("10 semanas" in c.value and "6 semanas" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (Change("Next year", END + dt.timedelta(days=400)), "in the future"),
        (Change("Last week", END - dt.timedelta(days=6)), "Too little data after the change"),
        (Change("First week", dt.date(2024, 7, 8)), "Too little data before the change"),
        (Change("Nowhere", dt.date(2026, 3, 2), queues=("nope",)), "No calls or answers"),
    ],
)
def test_a_change_that_cannot_be_analysed_says_why(
    db: Path, open_page: Open, change: Change, message: str
) -> None:
    cid = with_change(db, change)
    try:
        at = open_page("change_analysis", change=str(cid))
        assert not at.exception
        assert len(page_warnings(at)) == 1 and message in page_warnings(at)[0].value
        assert not at.dataframe
    finally:
        without_change(db, cid)


def test_a_control_group_identical_to_the_treated_one_is_refused(open_page: Open) -> None:
    at = open_page("change_analysis", lang="es", change=str(IVR_ID), control=["billing"])
    assert not at.exception
    assert at.multiselect(key="control").value == ["billing"]
    warnings = [w.value for w in page_warnings(at)]
    assert any("el grupo de control es el propio grupo con el cambio" in w for w in warnings)
    # Before/after and the time series still show; the DiD table is empty.
    assert [d.value.shape[0] for d in at.dataframe][:4] == [5, 6, 6, 0]


def test_no_changes_registered(tmp_path: Path, app_db: AppDb) -> None:
    connect(str(tmp_path / "empty.duckdb")).close()
    app_db(tmp_path / "empty.duckdb")
    at = open_app("views/change_analysis.py")
    assert not at.exception
    assert at.info[0].value == "No process changes registered yet. Register one first."


# -- issue 17: every method side by side, a missing change, a roll-out schedule ---------------


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "There is no process change number 999"), ("es", "No existe el cambio de proceso número 999")],
)  # fmt: skip
def test_a_link_to_a_change_that_does_not_exist_says_so(
    open_page: Open, lang: str, said: str
) -> None:
    at = open_page("change_analysis", lang=lang, change="999")
    assert not at.exception
    (warning,) = [w.value for w in page_warnings(at)]
    assert warning.startswith(said)
    # Nothing of another change is shown: no verdict, no table, no download.
    assert not at.dataframe and not at.get("download_button")
    assert not verdict_lines(at)
    assert at.query_params["change"] == "999"  # the link is left as it was


@pytest.mark.parametrize(
    ("lang", "names", "trusted"),
    [
        ("en", ["Before/after comparison", "Interrupted time series", "Difference-in-differences",
                "Structural counterfactual", "Staggered roll-out"],
         "Trusted most for this design: the structural counterfactual, because"),
        ("es", ["Comparación antes/después", "Serie temporal interrumpida",
                "Diferencias en diferencias", "Contrafactual estructural", "Despliegue escalonado"],
         "El método más fiable para este diseño: el contrafactual estructural, porque"),
    ],
)  # fmt: skip
def test_every_method_side_by_side_with_the_one_trusted(
    open_page: Open, monkeypatch: pytest.MonkeyPatch, lang: str, names: list[str], trusted: str
) -> None:
    """One table: each method's estimate, interval, p and agreement; the verdict names
    the method it trusts (few queues: DiD cannot answer, the controls' path can), and
    the downloaded summary carries the same table."""
    offered: list[str] = []
    real = summary.html
    monkeypatch.setattr(
        summary, "html", lambda *a, **k: offered.append(real(*a, **k)) or offered[-1]
    )
    monkeypatch.setattr(registry, "rollout", lambda store, cid: pl.DataFrame(), raising=False)
    at = open_page("change_analysis", lang=lang, change=str(IVR_ID), focus="asa")
    assert not at.exception
    table = at.dataframe[0].value
    assert table["method"].tolist() == names
    row = table.set_index("method")
    # The trusted method's row is marked, and its numbers are the verdict's.
    assert row.loc[names[3], "agreement"] in ("most trusted", "el más fiable")
    assert row.loc[names[4], "effect"] == "–"  # no roll-out schedule: no staggered estimate
    assert any(m.value.startswith(markdown_escape(trusted)) for m in at.markdown)
    (page,) = offered
    html_text = unescape(page)
    for name in names:
        assert f"<td>{name}</td>" in html_text
    for cell in (row.loc[names[3], "effect"], row.loc[names[3], "ci"]):
        assert cell.lstrip("'") in html_text  # the page's table guards cells against formulas
    assert trusted in html_text


def test_a_rollout_schedule_brings_the_staggered_estimate(
    open_page: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With units started on different dates the staggered estimate is trusted; the
    schedule comes from registry.rollout (patched here: an explicit frame)."""
    start = dt.date(2025, 12, 22)  # the demo change's start (tests above show it)
    schedule = pl.DataFrame(
        {
            "dimension": ["queue", "queue"],
            "unit": ["billing", "sales"],
            "started_on": [start, start + dt.timedelta(weeks=6)],
        }
    )
    monkeypatch.setattr(registry, "rollout", lambda store, cid: schedule, raising=False)
    at = open_page("change_analysis", change=str(IVR_ID), focus="asa")
    assert not at.exception
    row = at.dataframe[0].value.set_index("method").loc["Staggered roll-out"]
    assert row["agreement"] == "most trusted" and row["effect"] != "–"
    # the naive two-way fixed-effects estimate beside it, with its interval
    naive = "weekly; 5 units, 2 start dates; the naive two-way fixed-effects regression: "
    assert row["note"].startswith(naive) and " to " in row["note"], row["note"]
    said = "Trusted most for this design: the staggered roll-out estimate, because the change"
    assert any(m.value.startswith(markdown_escape(said)) for m in at.markdown)
    # Five queues: the page says the staggered interval uses t with 4 degrees of freedom.
    said = markdown_escape("Student's t with 4 degrees of freedom")
    assert any(said in w.value for w in page_warnings(at))
