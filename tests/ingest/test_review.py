"""What the Upload page shows, without Streamlit: translated refusals and reasons, the
rejects download, format facts, the batch log, the mapping the analyst settles."""

from __future__ import annotations

import csv
import io
import string
from pathlib import Path

import polars as pl
import pytest

from analytics import i18n
from analytics.ingest import (
    ROW,
    IngestError,
    Mapping,
    ingest,
    list_batches,
    read_file,
    review,
    suggest_mapping,
    validate,
)
from analytics.ingest.model import BatchWarning
from analytics.ingest.reasons import FILE_MESSAGES, ROW_EXPECTED
from analytics.store import Store
from tests.ingest import builders as b

ROW_PARAMS = {"value", "min", "max", "allowed", "rows"}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_engine_code_has_a_translation_using_only_its_parameters(lang: str) -> None:
    catalog = i18n.catalog(lang)  # type: ignore[arg-type]
    # Every code checked, every offender listed.
    assert [c for c in ROW_EXPECTED if not _fields(catalog[f"ingest.{c}"]) <= ROW_PARAMS] == []
    assert [
        c for c, message in FILE_MESSAGES.items()
        if not _fields(catalog[f"ingest.{c}"]) <= _fields(message)
    ] == []  # fmt: skip


def test_a_refusal_in_spanish_with_its_values_escaped() -> None:
    error = IngestError("missing_required_column", file="*ventas*.csv", field="call_id")
    assert review.explain(error, "es") == (
        "*ventas*.csv: ninguna columna corresponde a call_id, que es obligatorio."
    )
    escaped = review.explain(error, "en", lambda v: v.replace("*", "\\*"))
    assert escaped.startswith("\\*ventas\\*.csv: no column")


def test_a_refusal_without_a_translation_keeps_the_engine_text() -> None:
    error = IngestError("brand_new_code", file="x.csv", detail="something")
    assert review.explain(error, "es") == str(error)


@pytest.fixture
def bad_calls(tmp_path: Path) -> Path:
    text = b.csv_text(
        [
            ["call_id", "started_at", "duration_s", "resolved", "Row"],
            ["X1", "2026-06-20 10:00", "60", "sí", "a"],
            ["X2", "2026-06-20 10:05", "-5", "yes", "=1+1"],
            ["X1", "2026-06-20 10:15", "60", "quizás", "c"],
        ]
    )
    return b.write(tmp_path / "bad.csv", text)


def test_reasons_are_translated_row_by_row(bad_calls: Path) -> None:
    raw = read_file(bad_calls)
    rejects = validate(raw, suggest_mapping(raw, "calls").mapping).rejects
    table = review.rejects_table(rejects, "es")
    assert table.rows() == [
        (2, "call_id", "la clave «X1» la usa más de una fila (filas 2, 4)",
         "call_id: X1 · started_at: 2026-06-20 10:00 · duration_s: 60 · resolved: sí · Row: a"),
        (3, "duration_s", "se esperaba una duración de 0 o más y hay «-5»",
         "call_id: X2 · started_at: 2026-06-20 10:05 · duration_s: -5 · resolved: yes · Row: =1+1"),
        (4, "call_id", "la clave «X1» la usa más de una fila (filas 2, 4)",
         "call_id: X1 · started_at: 2026-06-20 10:15 · duration_s: 60 · resolved: quizás · Row: c"),
        (4, "resolved",
         "se esperaba sí/no, yes/no, verdadero/falso, true/false, 1/0, s/n o y/n y hay «quizás»",
         "call_id: X1 · started_at: 2026-06-20 10:15 · duration_s: 60 · resolved: quizás · Row: c"),
    ]  # fmt: skip


def test_a_range_reason_names_the_range(tmp_path: Path) -> None:
    path = b.write(
        tmp_path / "s.csv",
        b.csv_text([["response_id", "responded_at", "nps"], ["R1", "2026-06-01", "11"]]),
    )
    raw = read_file(path)
    mapping = Mapping.of("surveys", {c: c for c in ("response_id", "responded_at", "nps")})
    rejects = validate(raw, mapping).rejects
    assert review.reasons(rejects, "en").to_list() == ["expected a value from 0 to 10, got “11”"]


def test_an_unknown_code_keeps_the_engine_message() -> None:
    rejects = pl.DataFrame(
        {ROW: [2], "column": ["a"], "field": ["x"], "code": ["new_code"],
         "params": ['{"value": "1"}'], "message": ["row 2: new"], "raw_values": ['{"a": "1"}']}
    )  # fmt: skip
    assert review.reasons(rejects, "es").to_list() == ["row 2: new"]


def test_the_rejects_download_is_translated_complete_and_formula_safe(bad_calls: Path) -> None:
    raw = read_file(bad_calls)
    rejects = validate(raw, suggest_mapping(raw, "calls").mapping).rejects
    rows = list(csv.reader(io.StringIO(review.rejects_csv(rejects, "en").decode())))
    assert rows[0] == [
        "Row", "Column", "Field", "Code", "Reason",
        "call_id", "started_at", "duration_s", "resolved", "Row (in the file)",
    ]  # fmt: skip
    assert len(rows) == 1 + rejects.height
    assert rows[2][:5] == ["3", "duration_s", "duration_s", "negative_duration",
                           "expected a duration of 0 or more, got “-5”"]  # fmt: skip
    assert rows[2][7] == "'-5" and rows[2][9] == "'=1+1"  # neutralised, not formulas


def test_an_empty_rejects_download_has_its_header_only() -> None:
    from analytics.ingest.rejects import empty

    assert review.rejects_csv(empty(), "es").decode().splitlines() == [
        "Fila,Columna,Campo,Código,Motivo"
    ]


def test_facts_of_a_spanish_extract(tmp_path: Path) -> None:
    raw = read_file(b.spanish_calls(tmp_path / "llamadas.csv"))
    assert dict(review.describe_facts(raw.facts, "es")) == {
        "Formato": "CSV / texto",
        "Estructura": "una fila de encabezado",
        "Codificación": "Windows-1252",
        "Separador": "“;”",
        "Separador decimal": "“,”",
        "Fechas": "día primero (p. ej. 13/02/2024 09:15)",
        "Filas": "3",
    }


def test_facts_of_a_qualtrics_export_count_what_is_left_out(tmp_path: Path) -> None:
    rows = [
        b.qualtrics_row(1, 9, "Very satisfied"),
        b.qualtrics_row(3, 10, "Extremely satisfied", status="Survey Preview", channel="preview"),
        b.qualtrics_row(4, 0, "Very dissatisfied", status="2"),
        b.qualtrics_row(6, 7, "Neutral", channel="test"),
    ]
    raw = read_file(b.qualtrics_csv(tmp_path / "q.csv", rows))
    facts = dict(review.describe_facts(raw.facts, "en"))
    assert facts["Layout"] == "Qualtrics export (three header rows)"
    assert facts["Left out on purpose"] == "1 survey-preview responses, 2 test responses"
    assert facts["Rows"] == "1"


def test_a_tab_and_ambiguous_dates_are_said_in_words(tmp_path: Path) -> None:
    text = b.csv_text([["call_id", "started_at"], ["A", "03/04/2024"]], "\t")
    raw = read_file(b.write(tmp_path / "t.tsv", text))
    facts = dict(review.describe_facts(raw.facts, "en"))
    assert facts["Delimiter"] == "tab"
    assert facts["Dates"].startswith("day first or month first")
    assert review.needs_date_order(raw, suggest_mapping(raw, "calls").mapping)


def test_the_chosen_mapping_keeps_ces_settings_only_with_ces() -> None:
    base = Mapping.of("surveys", {}, dayfirst=True)
    with_ces = review.chosen_mapping(
        base, {"response_id": "id", "ces": "effort", "nps": None}, ces_scale=7,
        ces_direction="harder",
    )  # fmt: skip
    assert with_ces.as_dict == {"ces": "effort", "response_id": "id"}
    assert (with_ces.ces_scale, with_ces.ces_direction, with_ces.dayfirst) == (7, "harder", True)
    without = review.chosen_mapping(
        base, {"response_id": "id"}, ces_scale=7, ces_direction="harder"
    )
    assert (without.ces_scale, without.ces_direction) == (None, None)


def test_a_big_file_is_previewed_on_its_first_rows(tmp_path: Path) -> None:
    raw = read_file(b.calls_csv(tmp_path / "c.csv", 50))
    mapping = suggest_mapping(raw, "calls").mapping
    found = review.preview(raw, mapping, None, limit=20)
    assert (found.checked_rows, found.total_rows, found.complete) == (20, 50, False)
    assert found.validated.good.height == 20
    assert review.preview(raw, mapping, None, limit=50).complete


def test_the_batch_log_for_display(store: Store, tmp_path: Path) -> None:
    path = b.calls_csv(tmp_path / "c.csv", 3)
    raw = read_file(path)
    report = ingest(store, raw, suggest_mapping(raw, "calls").mapping, loaded_by="ana")
    log = review.batch_log(list_batches(store), "es")
    assert log.columns == list(review.LOG_COLUMNS)
    row = log.row(0, named=True)
    assert (row["batch_id"], row["target"], row["file_name"], row["loaded_by"]) == (
        report.batch_id, "Llamadas", "c.csv", "ana (cuenta del equipo: sin inicio de sesión)",
    )  # fmt: skip
    assert (row["n_inserted"], row["status"]) == (3, "vigente")
    loaded = list_batches(store)["loaded_at"][0]
    assert row["loaded_at"] == loaded  # the table writes it as the reader does, sorts by it
    choices = review.batch_choices(list_batches(store), "en")
    assert choices[report.batch_id] == f"{report.batch_id} · c.csv · {loaded:%Y-%m-%d %H:%M}"


def test_warnings_are_translated() -> None:
    warning = BatchWarning("unknown_call_id", 2, ("C9", "C10"), "2 survey(s) ...")
    assert review.warning_text(warning, "es") == (
        "2 respuestas se refieren a llamadas que no están en Pulso (p. ej. C9, C10); "
        "se han cargado igualmente."
    )
    assert review.warning_text(BatchWarning("other", 1, (), "engine text"), "es") == "engine text"


def test_label_table_keeps_saved_pairs_and_lists_what_they_miss(tmp_path: Path) -> None:
    text = b.csv_text([["id", "servicio"], ["1", "Bueno: algo"], ["2", "Excepcional: todo"],
                       ["3", "Bueno: algo"], ["4", "Regular"]])  # fmt: skip
    raw = read_file(b.write(tmp_path / "f.csv", text))
    rows = review.label_rows(raw, "servicio", (("bueno", "4"),))
    assert rows == [("bueno", "4"), ("Excepcional: todo", ""), ("Regular", "")]
    edited = [*rows[:1], ("Excepcional: todo", "5"), ("Regular", " "), (None, "3")]
    assert review.label_map(edited) == (("bueno", "4"), ("excepcional todo", "5"))


def test_a_signed_in_loader_is_shown_as_is(store: Store, tmp_path: Path) -> None:
    raw = read_file(b.calls_csv(tmp_path / "c.csv", 3))
    ingest(store, raw, suggest_mapping(raw, "calls").mapping, loaded_by="ana@example.com")
    assert review.batch_log(list_batches(store), "en")["loaded_by"].to_list() == ["ana@example.com"]
