"""Suggesting mappings (Spanish and English), ambiguity, saved mappings."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.ingest import (
    IngestError,
    Mapping,
    header_signature,
    load_mapping,
    read_file,
    save_mapping,
    suggest,
    suggest_mapping,
)
from analytics.store import Store
from tests.ingest import builders as b


def _raw(tmp_path: Path, header: list[str], row: list[str], delimiter: str = ","):  # type: ignore[no-untyped-def]
    return read_file(b.write(tmp_path / "f.csv", b.csv_text([header, row], delimiter)))


@pytest.mark.parametrize(
    ("header", "value", "target", "field"),
    [
        ("ID de llamada", "LL-1", "calls", "call_id"),
        ("CallID", "C1", "calls", "call_id"),
        ("Fecha", "2024-03-01", "calls", "started_at"),
        ("Duración (seg)", "125", "calls", "duration_s"),
        ("DURACION", "02:05", "calls", "duration_s"),
        ("Tiempo de espera", "30", "calls", "wait_s"),
        ("Resuelto", "Sí", "calls", "resolved"),
        ("Transferencias", "1", "calls", "transfers"),
        ("Agente", "A7", "calls", "agent_id"),
        ("¿Qué probabilidad hay de que nos recomiende?", "9", "surveys", "nps"),
        ("How likely are you to recommend us to a friend?", "9", "surveys", "nps"),
        ("CSAT", "Muy satisfecho", "surveys", "csat"),
        ("Comentarios", "todo bien", "surveys", "comment"),
        ("Idioma", "es", "surveys", "language"),
    ],
)
def test_header_words_in_spanish_and_english(
    tmp_path: Path, header: str, value: str, target: str, field: str
) -> None:
    raw = _raw(tmp_path, [header, "otra cosa"], [value, "x"])
    assert suggest_mapping(raw, target).mapping.source(field) == header  # type: ignore[arg-type]


def test_question_text_maps_survey_columns(tmp_path: Path) -> None:
    rows = [b.qualtrics_row(1, 9, "Very satisfied")]
    raw = read_file(b.qualtrics_csv(tmp_path / "q.csv", rows))
    found = suggest_mapping(raw, "surveys")
    assert found.mapping.source("nps") == "Q1"
    assert any("question mentions" in c.why for c in found.candidates["nps"])


def test_values_that_do_not_fit_veto_a_name_match(tmp_path: Path) -> None:
    raw = _raw(tmp_path, ["ID de respuesta", "Fecha", "NPS"], ["R1", "2024-01-01", "excellent"])
    assert suggest_mapping(raw, "surveys").mapping.source("nps") is None


def test_close_candidates_are_ambiguous_not_guessed(tmp_path: Path) -> None:
    raw = _raw(tmp_path, ["ID", "Fecha llamada", "Fecha de llamada"],
               ["1", "2024-01-01", "2024-01-01"])  # fmt: skip
    found = suggest_mapping(raw, "calls")
    assert "started_at" in found.ambiguous
    assert not found.is_complete
    assert "started_at" not in found.mapping.as_dict


def test_missing_required_columns_are_listed(tmp_path: Path) -> None:
    raw = _raw(tmp_path, ["Canal", "Cola"], ["tel", "x"])
    # A call file with no key: a person decides (it may be totals, not calls).
    assert set(suggest_mapping(raw, "calls").missing_required) == {"call_id", "started_at"}
    # A survey file with none (Google Forms): the key is made from each row's content.
    found = suggest_mapping(_raw(tmp_path, ["Comentario", "NPS"], ["bien", "9"]), "surveys")
    assert found.missing_required == ("responded_at",)
    assert found.mapping.transform("response_id").generated and found.notes == ("generated_key",)


def test_header_signature_ignores_order_case_and_spacing() -> None:
    assert header_signature(["A b", "C"]) == header_signature(["c", " a  B "])
    assert header_signature(["A", "B"]) != header_signature(["A", "B", "C"])


def test_saved_mapping_is_reused_for_the_same_header_set(store: Store, tmp_path: Path) -> None:
    raw = read_file(b.spanish_calls(tmp_path / "enero.csv"))
    mapping = suggest_mapping(raw, "calls").mapping.with_columns({"channel": "Canal"})
    save_mapping(store, "llamadas ES", Mapping.of("calls", mapping.as_dict, dayfirst=True), raw)
    again = read_file(b.spanish_calls(tmp_path / "febrero.csv"))
    found = suggest(store, again, "calls")
    assert found.saved_name == "llamadas ES" and found.is_complete
    assert found.mapping.dayfirst is True and found.mapping.source("channel") == "Canal"
    other = _raw(tmp_path, ["call_id", "started_at", "new column"], ["1", "2024-01-01", "x"])
    assert suggest(store, other, "calls").saved_name is None
    assert load_mapping(store, "llamadas ES") == found.mapping
    with pytest.raises(IngestError, match="no saved mapping named 'nope'"):
        load_mapping(store, "nope")
    with pytest.raises(IngestError, match="is for calls, not surveys"):
        load_mapping(store, "llamadas ES", "surveys")


def test_mapping_json_round_trip() -> None:
    mapping = Mapping.of("surveys", {"nps": "Q1", "response_id": "id"}, ces_scale=7,
                         ces_direction="harder", dayfirst=False)  # fmt: skip
    assert Mapping.from_json(mapping.to_json()) == mapping
