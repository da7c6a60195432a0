"""AppTest of the Upload page: a file in, facts and mapping shown, checked, loaded, undone.

AppTest (1.67) uploads through ``file_uploader(...).set_value((name, bytes, mime))``
and reruns only the page script after an interaction, so the page is opened as a
link (tests/apptest.py). Files are written with tests/ingest/builders.py. One test goes through app.py to
see the overview change after a load.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import streamlit as st

from analytics.ingest import list_batches
from analytics.store import connect
from tests.apptest import open_app, page_warnings
from tests.ingest import builders as b
from tests.upload.page import (
    Open,
    confirm,
    metrics,
    picked,
    picker,
    rejects_shown,
    stored,
    texts,
    upload,
)
from ui.markdown import markdown_escape

# -- the page ---------------------------------------------------------------------------------


def test_the_page_is_in_the_navigation_and_states_the_upload_limit(db: Path) -> None:
    at = open_app("views/upload.py", lang="es")
    assert not at.exception
    assert at.title[0].value == "Cargar un extracto"
    limit = st.get_option("server.maxUploadSize")
    assert any(f"{limit:,}".replace(",", ".") + " MB" in c.value for c in at.caption)
    assert at.file_uploader[0].label == "Archivo a cargar"
    assert ".xlsx" in at.file_uploader[0].allowed_type
    assert at.info[0].value == "Todavía no se ha cargado ningún archivo."


def test_a_spanish_extract_shows_its_facts_and_mapping_then_loads(
    db: Path, open_page: Open, tmp_path: Path
) -> None:
    data = b.spanish_calls(tmp_path / "llamadas.csv").read_bytes()
    at = upload(open_page(), "llamadas.csv", data)
    shown = texts(at)
    facts = (
        "Windows-1252",
        "Delimiter:** “;”",
        "Decimal mark:** “,”",
        "day first (e.g. 13/02/2024",
    )
    assert [fact for fact in facts if fact not in shown] == []
    mapping = picked(at)
    assert mapping["Call ID *"] == "ID de llamada"
    assert mapping["Call start *"] == "Fecha"
    assert mapping["Duration (seconds)"] == "Duración (seg)"
    assert mapping["Resolved"] == "Resuelto"
    assert mapping["Team"] is None
    assert metrics(at) == {"Rows ready": "3", "Rows rejected": "0", "Rows left out": "0"}
    preview = at.dataframe[0].value
    assert preview["Duration (seconds)"].tolist() == [125.5, 1250.0, 60.0]

    at = confirm(at)
    assert at.success[0].value.replace("\\", "") == "Loaded llamadas.csv into calls as batch 1."
    counts = metrics(at)
    assert (counts["New"], counts["Updated"], counts["Unchanged"]) == ("3", "0", "0")
    assert at.file_uploader[0].value is None  # ready for the next file
    log = at.dataframe[-1].value
    assert log[["file_name", "n_inserted", "status"]].values.tolist() == [
        ["llamadas.csv", 3, "in force"]
    ]
    assert stored(db, "select duration_s from calls where call_id = 'LL-002'") == [(1250.0,)]

    at = confirm(upload(at, "llamadas.csv", data))  # the same file again
    counts = metrics(at)
    assert (counts["New"], counts["Unchanged"]) == ("0", "3")
    assert "already loaded (load 1)" in texts(at)
    assert stored(db, "select count(*) from calls where call_id like 'LL-%'") == [(3,)]


def test_a_qualtrics_export_skips_previews_and_warns_of_unknown_calls(
    db: Path, open_page: Open, tmp_path: Path
) -> None:
    rows = [
        b.qualtrics_row(1, 9, "Very satisfied"),
        b.qualtrics_row(2, 3, "Dissatisfied", call="C-UNKNOWN"),
        b.qualtrics_row(3, 10, "Extremely satisfied", status="Survey Preview", channel="preview"),
        b.qualtrics_row(4, 0, "Very dissatisfied", status="2"),
    ]
    data = b.qualtrics_csv(tmp_path / "nps.csv", rows).read_bytes()
    at = upload(open_page(lang="es", target="surveys"), "nps.csv", data)
    shown = texts(at)
    assert "exportación de Qualtrics (tres filas de encabezado)" in shown
    assert "1 respuestas de vista previa, 1 respuestas de prueba" in shown
    mapping = picked(at)
    assert mapping["NPS (0-10)"] == "Q1"
    assert mapping["CSAT (1-5)"] == "Q2"
    assert mapping["ID de llamada"] == "call_id"
    assert metrics(at)["Filas listas"] == "2"

    at = confirm(at)
    assert metrics(at)["Nuevas"] == "2"
    assert any("no están en Pulso" in w.value for w in page_warnings(at))
    assert stored(db, "select csat from surveys where response_id = 'R_00001'") == [(5,)]


def test_rejected_rows_are_listed_with_row_column_and_reason(
    db: Path, open_page: Open, tmp_path: Path
) -> None:
    text = b.csv_text(
        [
            ["call_id", "started_at", "duration_s", "resolved"],
            ["X1", "2026-06-20 10:00", "60", "sí"],
            ["X2", "2026-06-20 10:05", "-5", "yes"],
            ["X3", "2026-06-31 10:10", "60", "quizás"],
            ["X1", "2026-06-20 10:15", "60", "no"],
            ["X5", "2026-06-20 10:20", "=HYPERLINK(1)", "no"],
        ]
    )
    at = upload(open_page(lang="es"), "malas.csv", text.encode())
    assert metrics(at) == {"Filas listas": "0", "Filas rechazadas": "5", "Filas omitidas": "0"}
    table = rejects_shown(at)
    reasons = dict(
        zip(zip(table["row"], table["column"], strict=True), table["reason"], strict=True)
    )
    assert reasons[(3, "duration_s")] == "se esperaba una duración de 0 o más y hay «-5»"
    assert reasons[(4, "resolved")].endswith("y hay «quizás»")
    assert "no es una fecha" in reasons[(4, "started_at")]
    assert reasons[(2, "call_id")] == "la clave «X1» la usa más de una fila (filas 2, 5)"
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["Descargar las filas rechazadas para corregirlas (.csv)",
                      "Descargar la lista de problemas (CSV)"]  # fmt: skip
    assert "No se puede cargar ninguna fila" in page_warnings(at)[0].value
    assert not [x for x in at.button if x.key == "upload_confirm"]


def test_a_missing_required_column_is_named_and_nothing_can_be_loaded(
    open_page: Open, tmp_path: Path
) -> None:
    text = b.csv_text([["queue", "wait_s"], ["billing", "30"]])
    at = upload(open_page(), "no_keys.csv", text.encode())
    warnings = [w.value for w in page_warnings(at)]
    assert "Call ID: no column found; pick the one that holds it." in warnings
    assert "Call start: no column found; pick the one that holds it." in warnings
    assert not [x for x in at.button if x.key == "upload_confirm"]
    assert not at.error


def test_ambiguous_dates_wait_for_the_analyst(db: Path, open_page: Open) -> None:
    text = b.csv_text([["call_id", "started_at"], ["D1", "03/04/2026 10:00"], ["D2", "05/06/2026"]])
    at = upload(open_page(), "fechas.csv", text.encode())
    assert "Say how to read the dates" in at.info[-2].value  # the batch log's info is last
    assert not [x for x in at.button if x.key == "upload_confirm"]
    radio = next(r for r in at.radio if r.key and r.key.startswith("upload_dayfirst_"))
    radio.set_value(True).run()
    assert not at.exception
    assert at.dataframe[0].value["Call start"].tolist()[0] == dt.datetime(2026, 4, 3, 10, 0)
    confirm(at)
    assert stored(db, "select started_at from calls where call_id = 'D2'") == [
        (dt.datetime(2026, 6, 5),)
    ]


def test_ces_needs_its_scale_and_direction(db: Path, open_page: Open) -> None:
    text = b.csv_text(
        [
            ["response_id", "responded_at", "CES"],
            ["E1", "2026-06-20", "2"],
            ["E2", "2026-06-21", "7"],
        ]
    )
    at = upload(open_page(target="surveys"), "ces.csv", text.encode())
    assert picked(at)["CES (effort)"] == "CES"
    assert any("Say which scale the CES column uses" in i.value for i in at.info)
    radios = {r.key.split("_")[2]: r for r in at.radio if (r.key or "").startswith("upload_ces")}
    radios["scale"].set_value(7)
    radios["direction"].set_value("harder").run()
    assert not at.exception
    confirm(at)
    assert stored(db, "select ces, ces_scale from surveys where response_id = 'E1'") == [(6.0, 7)]


def test_a_saved_mapping_is_reused_for_the_same_columns(open_page: Open) -> None:
    text = b.csv_text([["Ticket", "Cuando", "Nota"], ["T1", "2026-06-20 10:00", "ok"]])
    at = upload(open_page(), "crm.csv", text.encode())
    picker(at, "Call ID *").set_value("Ticket")
    picker(at, "Call start *").set_value("Cuando").run()
    assert metrics(at)["Rows ready"] == "1"
    next(x for x in at.text_input if x.label == "Save this mapping as").input("CRM export")
    at.button(key="upload_save").click().run()
    assert not at.exception
    assert any("Mapping saved as “CRM export”" in s.value for s in at.success)

    again = b.csv_text([["Nota", "Cuando", "Ticket"], ["otra", "2026-06-21 11:00", "T2"]])
    at = upload(open_page(), "crm2.csv", again.encode())  # same columns, another order
    assert "Using the mapping saved as “CRM export”" in at.info[0].value
    assert picked(at)["Call ID *"] == "Ticket"
    assert metrics(at)["Rows ready"] == "1"


def test_undo_takes_a_load_back_out(db: Path, open_page: Open, tmp_path: Path) -> None:
    data = b.calls_csv(tmp_path / "calls.csv", 4, start=900_000).read_bytes()
    at = confirm(upload(open_page(), "calls.csv", data))
    assert stored(db, "select count(*) from calls where call_id >= 'C0900000'") == [(4,)]
    at.button(key="upload_undo_yes").click().run()
    assert not at.exception
    assert at.success[0].value == "Load 1 undone: 4 rows deleted, 0 rows restored."
    assert stored(db, "select count(*) from calls where call_id >= 'C0900000'") == [(0,)]
    assert at.dataframe[-1].value["status"].tolist()[0].startswith("undone")
    assert "This load was undone on" in texts(at)


def test_undo_out_of_order_is_refused_with_a_message(
    db: Path, open_page: Open, tmp_path: Path
) -> None:
    first = b.calls_csv(tmp_path / "a.csv", 3, start=900_000).read_bytes()
    second = b.calls_csv(tmp_path / "b.csv", 3, start=900_000, queue="sales").read_bytes()
    at = confirm(upload(open_page(), "a.csv", first))
    at = confirm(upload(at, "b.csv", second))
    assert metrics(at)["Updated"] == "3"
    picker(at, "Load").set_value(1).run()
    at.button(key="upload_undo_yes").click().run()
    assert not at.exception
    assert "Load 1 cannot be undone while later loads (2)" in at.error[0].value
    assert stored(
        db, "select count(*) from calls where queue = 'sales' and call_id >= 'C0900000'"
    ) == [(3,)]


def test_an_unreadable_file_is_an_error_not_a_traceback(open_page: Open) -> None:
    at = upload(open_page(), "libro.xlsx", b"not a workbook at all")
    assert not at.exception
    assert at.error[0].value.replace("\\", "").startswith("libro.xlsx cannot be read")


def test_a_workbook_offers_its_sheets(open_page: Open, tmp_path: Path) -> None:
    sheets = {
        "Notes": [["made by", "ana"]],
        "Calls": [
            ["call_id", "started_at"],
            ["W1", "2026-06-20 09:00"],
            ["W2", "2026-06-20 09:05"],
        ],
    }
    data = b.xlsx(tmp_path / "book.xlsx", sheets).read_bytes()
    at = upload(open_page(), "book.xlsx", data)
    assert picker(at, "Sheet").options == ["Notes", "Calls"]
    picker(at, "Sheet").set_value("Calls").run()
    assert not at.exception
    assert "Sheet:** Calls" in texts(at)
    assert metrics(at)["Rows ready"] == "2"


def test_a_failing_load_says_nothing_was_written(
    db: Path, open_page: Open, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import views.upload_load

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full\nsecond line")

    monkeypatch.setattr(views.upload_load, "load", broken)
    data = b.calls_csv(tmp_path / "calls.csv", 2, start=900_000).read_bytes()
    at = confirm(upload(open_page(), "calls.csv", data))
    assert at.error[0].value == "Nothing was loaded; the data is as it was. disk full"
    store = connect(str(db))
    assert list_batches(store).is_empty()
    store.close()


def test_the_overview_changes_after_a_load(db: Path, tmp_path: Path) -> None:
    """Through app.py: the resolution rate of the last 28 days drops when 300 unresolved
    calls are loaded into them (the load clears the cached aggregates)."""

    def resolution() -> str:
        at = open_app()
        assert not at.exception
        return metrics(at)["Resolution rate"]

    before = resolution()
    data = b.calls_csv(
        tmp_path / "unresolved.csv",
        300,
        start=900_000,
        started_at="2026-06-20 10:00:00",
        resolved="no",
    ).read_bytes()
    confirm(upload(open_app("views/upload.py"), "unresolved.csv", data))
    after = resolution()
    assert float(after.rstrip("%")) < float(before.rstrip("%")) - 5


def test_headers_and_file_names_are_shown_as_text_not_markdown(open_page: Open) -> None:
    text = b.csv_text(
        [["call_id", "started_at", "**Notas** <b>x</b>"], ["H1", "2026-06-20 10:00", "hola"]]
    )
    at = upload(open_page(), "*ventas*_[1](http://x).csv", text.encode())
    unused = next(c.value for c in at.caption if c.value.startswith("Columns that will not"))
    assert markdown_escape("**Notas** <b>x</b>") in unused
    at = confirm(at)
    assert at.success[0].value.startswith(f"Loaded {markdown_escape('*ventas*_[1](http://x).csv')}")


# -- transforms -------------------------------------------------------------------------------

CALL_LOG = b.csv_text(
    [["Call Id", "Date", "Time", "Answered (Y/N)", "AvgTalkDuration"],
     ["ID1", "2021-01-01", "9:12:58", "Y", "00:02:23"],
     ["ID2", "2021-01-01", "9:47:31", "N", ""]]
).encode()  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "invert_label", "abandoned"),
    [("en", "The column says the opposite", "Abandoned"),
     ("es", "La columna dice lo contrario", "Abandonada")],
)  # fmt: skip
def test_suggested_transforms_are_shown_editable_and_previewed(
    db: Path, open_page: Open, lang: str, invert_label: str, abandoned: str
) -> None:
    at = upload(open_page(lang), "call_log.csv", CALL_LOG)
    invert = next(c for c in at.checkbox if c.label.startswith(invert_label))
    assert invert.value is True
    time = next(s for s in at.selectbox if (s.key or "").endswith("_started_at_time"))
    assert time.value == "Time"
    preview = at.dataframe[0].value
    assert preview[abandoned].tolist() == [False, True]
    assert str(preview.iloc[0, 2]) == "2021-01-01 09:12:58"  # date + time of day
    invert.uncheck().run()  # the analyst disagrees: the preview follows
    assert at.dataframe[0].value[abandoned].tolist() == [True, False]
    confirm(at)
    assert stored(db, "select abandoned from calls where call_id = 'ID1'") == [(True,)]


def test_strict_mode_refuses_a_file_with_rejected_rows(
    db: Path, open_page: Open, tmp_path: Path
) -> None:
    """Point 5: the page says what happens to rejected rows, and can refuse the file."""
    lines = b.calls_csv(tmp_path / "c.csv", 5, start=900_000).read_text().splitlines()
    lines[2] = lines[2].replace(",yes", ",maybe", 1)
    at = upload(open_page(lang="es"), "c.csv", "\n".join(lines).encode())
    assert "las filas rechazadas se listan con su motivo, sin cargarse" in texts(at)
    at.checkbox(key="upload_strict").check().run()
    assert "Filas rechazadas: 1. El archivo se rechaza" in at.error[0].value
    assert not [x for x in at.button if x.key == "upload_confirm"]
    at.checkbox(key="upload_strict").uncheck().run()
    confirm(at)
    assert stored(db, "select count(*) from calls where call_id >= 'C0900000'") == [(4,)]


def test_after_undoing_one_load_the_next_load_can_be_undone(
    db: Path, open_page: Open, tmp_path: Path
) -> None:
    """Point 6: the log's picker follows the newest load, so its undo button shows."""
    first = b.calls_csv(tmp_path / "a.csv", 3, start=900_000).read_bytes()
    second = b.calls_csv(tmp_path / "b.csv", 3, start=910_000).read_bytes()
    at = confirm(upload(open_page(), "a.csv", first))
    at.button(key="upload_undo_yes").click().run()
    assert "This load was undone on" in texts(at)
    at = confirm(upload(at, "b.csv", second))
    assert picker(at, "Load").value == 2
    assert [x for x in at.button if x.key == "upload_undo_yes"]
    at.button(key="upload_undo_yes").click().run()
    assert at.success[0].value == "Load 2 undone: 3 rows deleted, 0 rows restored."
