"""The survey instrument at ingest (issue 17): the survey channel (IVR, e-mail, SMS,
web, app) and the question or scale version are mapped from a file's headers, loaded,
updated and undone like the other optional survey columns."""

from __future__ import annotations

from pathlib import Path

from analytics.ingest import ingest, read_file, suggest_mapping, undo_batch
from analytics.store import Store
from tests.ingest import builders as b

HEADER = ["Response ID", "Fecha de respuesta", "CSAT", "Canal de encuesta", "Survey version"]


def _surveys(tmp_path: Path, name: str, *rows: list[str]) -> Path:
    return b.write(tmp_path / name, b.csv_text([HEADER, *rows]))


def _stored(store: Store) -> list[tuple[object, ...]]:
    return store.sql(
        "select response_id, csat, survey_channel, survey_version from surveys order by 1"
    ).rows()


def test_channel_and_version_are_suggested_and_loaded(store: Store, tmp_path: Path) -> None:
    path = _surveys(
        tmp_path, "s.csv",
        ["R1", "2025-03-03 10:00", "5", "IVR", "keypad 5=best"],
        ["R2", "2025-03-03 11:00", "4", "Aplicación", "v2"],
        ["R3", "2025-03-03 12:00", "3", "in-app", ""],
        ["R4", "2025-03-03 13:00", "2", "correo", "v2"],
    )  # fmt: skip
    mapping = suggest_mapping(read_file(path), "surveys").mapping
    assert mapping.as_dict["survey_version"] == "Survey version"
    assert mapping.as_dict["survey_channel"] == "Canal de encuesta"
    report = ingest(store, read_file(path), mapping)
    assert (report.inserted, report.rejected) == (4, 0)
    assert _stored(store) == [
        ("R1", 5, "ivr", "keypad 5=best"),
        ("R2", 4, "app", "v2"),
        ("R3", 3, "app", None),  # an empty cell is not known, not ""
        ("R4", 2, "email", "v2"),
    ]


def test_a_new_version_updates_and_undo_restores_it(store: Store, tmp_path: Path) -> None:
    first = _surveys(tmp_path, "1.csv", ["R1", "2025-03-03 10:00", "5", "ivr", "ivr-1"])
    mapping = suggest_mapping(read_file(first), "surveys").mapping
    ingest(store, read_file(first), mapping)
    second = _surveys(tmp_path, "2.csv", ["R1", "2025-03-03 10:00", "5", "ivr", "ivr-2"])
    report = ingest(store, read_file(second), mapping)
    assert (report.inserted, report.updated) == (0, 1)
    assert _stored(store) == [("R1", 5, "ivr", "ivr-2")]
    undo_batch(store, report.batch_id)
    assert _stored(store) == [("R1", 5, "ivr", "ivr-1")]  # the before-image kept the version


def test_the_mapping_step_offers_the_version_in_both_languages() -> None:
    from analytics.ingest import review

    labels = {
        lang: {f.name: f.label for f in review.fields("surveys", lang)} for lang in ("en", "es")
    }
    assert labels["en"]["survey_version"] == "Survey version"
    assert labels["es"]["survey_version"] == "Versión de la encuesta"
    assert not any(f.required for f in review.fields("surveys", "en") if f.name == "survey_version")
