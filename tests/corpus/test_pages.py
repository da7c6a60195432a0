"""The same real exports through the Upload page (AppTest), as an analyst clicks them in.

Each case uploads a file of ``tests/data/corpus`` into an empty store, makes only the
choices a person must make (the same ones the CLI cases pass as flags), confirms, and
compares what was stored with ``expected``. The Spanish restaurant workbook uses a
mapping saved once (with its label table), as an analyst would reuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.ingest import Mapping, read_file, save_mapping, suggest_mapping
from analytics.store import connect
from tests.apptest import AppDb, open_app
from tests.corpus import expected
from tests.corpus.test_call_logs import call_kpis, loaded_and_repeated
from tests.corpus.test_loads import RESTAURANT_CSAT, SUDZILLA_NPS, survey_kpis
from views.upload_transforms import CONSTANT

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Page:
    file: str
    #: Picker label -> source column (or the "same value" entry) as the analyst sets it.
    picks: tuple[tuple[str, str], ...]
    expected: Callable[[], dict[str, Any]]
    #: Month-first (False) or day-first (True) when the page asks; None: it must not ask.
    dayfirst: bool | None = None
    #: Constant text inputs: label prefix -> value.
    constants: tuple[tuple[str, str], ...] = ()
    rejected: int = 0
    target: str = "surveys"
    #: Label scales picked in "How values are read": field -> scale name.
    scales: tuple[tuple[str, str], ...] = ()


SAME = "— the same value for every row —"
PAGES = [
    Page("googleforms_sudzilla_nps.csv", (("NPS (0-10)", SUDZILLA_NPS),),
         expected.googleforms_sudzilla_nps, dayfirst=False),
    Page("googleforms_es_restaurante.xlsx", (), expected.googleforms_es_restaurante_xlsx),
    Page("googleforms_es_restaurante.csv", (), expected.googleforms_es_restaurante_csv),
    Page("nps_prep_air.csv", (("Response ID *", "CustomerID"), ("Answered at *", SAME)),
         expected.nps_prep_air, constants=(("Answered at", "2021-01-01"),)),
    Page("qualtrics_current_qualtrics_r.csv", (), expected.qualtrics_current_qualtrics_r),
    Page("qualtrics_legacy_qualtrics_r.csv", (), expected.qualtrics_legacy_qualtrics_r),
    Page("surveymonkey_538_steak.csv", (("Answered at *", SAME),), expected.surveymonkey_538_steak,
         constants=(("Answered at", "2014-05-01"),)),
    Page("surveymonkey_538_sleeping_alone.csv", (), expected.surveymonkey_538_sleeping_alone,
         dayfirst=False, rejected=2),
]  # fmt: skip


@pytest.fixture
def db(tmp_path: Path, app_db: AppDb) -> Path:
    path = tmp_path / "pulso.duckdb"
    connect(str(path)).close()
    return app_db(path)


def run(element: Any) -> AppTest:
    """Run the app (or an element's change of value) and check it raised nothing."""
    at: AppTest = element.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def analyst(page: Page) -> AppTest:
    """Open the page for surveys, upload, and make the case's choices."""
    at = open_app("views/upload.py", lang="en", target=page.target)
    data = (CORPUS / page.file).read_bytes()
    run(at.file_uploader[0].set_value((page.file, data, MIME[page.file.rsplit(".", 1)[1]])))
    for label, source in page.picks:
        picker = next(
            s for s in at.selectbox if s.label == label and (s.key or "").startswith("upload_map_")
        )
        assert any(o.split(" · ")[0] == source for o in picker.options), (label, source)
        run(picker.set_value(CONSTANT if source == SAME else source))
    for prefix, value in page.constants:
        run(next(x for x in at.text_input if x.label.startswith(prefix)).input(value))
    for field, scale in page.scales:
        run(
            next(x for x in at.selectbox if (x.key or "").endswith(f"_{field}_values")).set_value(
                scale
            )
        )
    order = [r for r in at.radio if (r.key or "").startswith("upload_dayfirst_")]
    assert bool(order) == (page.dayfirst is not None), (
        "the page asks for a date order iff a person must"
    )
    if order:
        run(order[0].set_value(page.dayfirst))
    return at


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.file)
def test_export_through_the_upload_page_gives_the_numbers_computed_by_hand(
    db: Path, page: Page
) -> None:
    if "restaurante" in page.file:
        _save_restaurant_mapping(db, page.file)
    at = analyst(page)
    run(at.button(key="upload_confirm").click())
    want = page.expected()
    store = connect(str(db))
    try:
        stored = store.cursor().execute("select count(*) from surveys").fetchone()
        rejected = (
            store.cursor()
            .execute("select count(distinct row_number) from rejected_rows")
            .fetchone()
        )
        assert (stored[0] + rejected[0], rejected[0]) == (want["rows"], page.rejected)  # type: ignore[index]
        found = survey_kpis(store)
    finally:
        store.close()
    if "nps" in want:
        assert found["nps"].value == pytest.approx(want["nps"])
    if "csat_top2_pct" in want:
        assert found["csat"].value == pytest.approx(want["csat_top2_pct"])
    if "nps" not in want and "csat_top2_pct" not in want:
        assert found["nps"].empty and found["csat"].empty  # not measured, never 0


CALL_PAGES = [
    # A PBX's call-detail records: no header row, so every column is picked by position.
    Page("calls_asterisk_cdr_kelysaina.csv",
         (("Call ID *", "column_17"), ("Call start *", "column_9"), ("Abandoned", "column_14"),
          ("Duration (seconds)", "column_13"), ("Queue (contact reason)", "column_3"),
          ("Channel", SAME)),
         expected.calls_asterisk_cdr_kelysaina, constants=(("Channel", "phone"),),
         target="calls", scales=(("abandoned", "call_status"),)),
    Page("calls_seattle_pd_911_csss508.csv",
         (("Call ID *", "CAD Event Number"), ("Call start *", "Event Clearance Date"),
          ("Queue (contact reason)", "Event Clearance Group")),
         expected.calls_seattle_pd_911_csss508, target="calls"),
    # Headerless too, and 01/01/2011 reads both ways: the analyst says month-first.
    Page("calls_nola_cfs_2011_excerpt.csv",
         (("Call ID *", "column_1"), ("Call start *", "column_7"),
          ("Queue (contact reason)", "column_3"), ("Region", "column_15")),
         expected.calls_nola_cfs_2011_excerpt, target="calls", dayfirst=False),
]  # fmt: skip


def test_qualtrics_test_responses_are_left_out_and_said_so(db: Path) -> None:
    """Every response of the 2016 export is a Qualtrics *test* response: the page says
    so, offers nothing to load, and the store stays empty."""
    page = Page("qualtrics_2016_singlequote_qualtricstools.csv", (),
                expected.qualtrics_2016_singlequote_qualtricstools)  # fmt: skip
    at = analyst(page)
    shown = " ".join(m.value for m in [*at.markdown, *at.caption]).replace("\\", "")
    assert "10 test responses" in shown
    assert "Qualtrics export (three header rows)" in shown
    assert not [b for b in at.button if b.key == "upload_confirm"]


def test_a_dispatch_log_names_every_repeated_call_before_loading(db: Path) -> None:
    """One row per unit sent: the page lists the repeats as rejected rows, with the
    rows they share a key with, and loads only the calls sent a single unit."""
    page = Page("calls_sffd_dispatch_usf.csv", (("Call start *", "Received DtTm"),),
                expected.calls_sffd_dispatch_usf, target="calls")  # fmt: skip
    at = analyst(page)
    rejected = next(m.value for m in at.metric if m.label == "Rows rejected")
    repeated = pl.read_csv(CORPUS / page.file, infer_schema=False).group_by("Call Number").len()
    many = repeated.filter(pl.col("len") > 1)
    said = f"Keys used by more than one row: {many.height} ({many['len'].sum()} rows)"
    assert any(w.value.startswith(said) for w in at.warning)
    run(at.button(key="upload_confirm").click())
    loaded, repeats = loaded_and_repeated(db)
    assert (loaded + repeats, str(repeats)) == (page.expected()["rows"], rejected.replace(",", ""))


@pytest.mark.parametrize("page", CALL_PAGES, ids=lambda p: p.file)
def test_call_log_through_the_upload_page_gives_the_numbers_computed_by_hand(
    db: Path, page: Page
) -> None:
    at = analyst(page)
    if "asterisk" in page.file:  # columns named by position show a value beside the name
        abandoned = next(x for x in at.selectbox if x.label == "Abandoned")
        assert "column_14 · e.g. ANSWERED" in abandoned.options
    warnings = " ".join(w.value for w in at.warning)
    if "abandonment_pct" not in page.expected():  # the page says what it cannot measure
        assert "Not measurable from this file: Abandonment" in warnings
    run(at.button(key="upload_confirm").click())
    want = page.expected()
    store = connect(str(db))
    try:
        assert store.sql("select count(*) from calls").item() == want["rows"]
        found = call_kpis(store)
    finally:
        store.close()
    if "abandonment_pct" in want:
        assert found["abandonment"].value == pytest.approx(want["abandonment_pct"])
        assert found["aht"].value == pytest.approx(want["avg_handle_s"])
    else:
        assert found["abandonment"].empty and found["aht"].empty


def _save_restaurant_mapping(db: Path, file: str) -> None:
    """Mapped once: the service question as CSAT with the author's label table."""
    raw = read_file(CORPUS / file)
    base = suggest_mapping(raw, "surveys").mapping.with_columns({"csat": RESTAURANT_CSAT})
    labels = (("aceptable", "3"), ("bueno", "4"), ("excepcional", "5"), ("insatisfactorio", "1"))
    mapping: Mapping = base.with_transform("csat", values=labels)
    store = connect(str(db))
    try:
        save_mapping(store, "restaurante", mapping, raw)
    finally:
        store.close()
