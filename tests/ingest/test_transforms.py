"""Transforms in the mapping: suggested where a file needs them, applied, saved, in the CLI.

Each case is a layout real exports have (see tests/data/corpus for the public files
these shapes come from): an "Answered (Y/N)" flag, date and time in two columns,
Excel time cells for durations, Spanish label scales, a Google Forms file with no
id column, one column feeding two fields.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from analytics.ingest import Mapping, read_file, save_mapping, suggest, suggest_mapping, validate
from analytics.ingest import cli as ingest_cli
from analytics.ingest.loading import ingest
from analytics.ingest.model import Transform
from analytics.store import Store, connect
from tests.ingest import builders as b

CALL_LOG = [
    ["Call Id", "Agent", "Date", "Time", "Topic", "Answered (Y/N)", "Resolved",
     "Speed of answer in seconds", "AvgTalkDuration"],
    ["ID0001", "Diane", "2021-01-01", "9:12:58", "Contract related", "Y", "Y", "109", "00:02:23"],
    ["ID0002", "Becky", "2021-01-01", "9:12:58", "Technical Support", "Y", "N", "70", "00:04:02"],
    ["ID0003", "Stewart", "2021-01-01", "9:47:31", "Payment related", "N", "N", "", ""],
    ["ID0004", "Greg", "2021-01-02", "14:05:00", "Admin Support", "Y", "Y", "10", "00:01:00"],
]  # fmt: skip


def _call_log(tmp_path: Path) -> Path:
    return b.write(tmp_path / "calls.csv", b.csv_text(CALL_LOG))


def test_answered_flag_is_suggested_as_abandoned_inverted(tmp_path: Path) -> None:
    raw = read_file(_call_log(tmp_path))
    found = suggest_mapping(raw, "calls")
    assert found.mapping.source("abandoned") == "Answered (Y/N)"
    assert found.mapping.transform("abandoned").invert
    abandoned = validate(raw, found.mapping).good.get_column("abandoned").to_list()
    assert abandoned == [False, False, True, False]  # "N" answered = abandoned


def test_date_and_time_columns_make_one_timestamp(tmp_path: Path) -> None:
    raw = read_file(_call_log(tmp_path))
    found = suggest_mapping(raw, "calls")
    assert found.mapping.source("started_at") == "Date"
    assert found.mapping.transform("started_at").time_source == "Time"
    started = validate(raw, found.mapping).good.get_column("started_at").to_list()
    assert started[0] == dt.datetime(2021, 1, 1, 9, 12, 58)
    assert started[3] == dt.datetime(2021, 1, 2, 14, 5)


def test_topic_is_the_queue_and_clocks_are_durations(tmp_path: Path) -> None:
    raw = read_file(_call_log(tmp_path))
    mapping = suggest_mapping(raw, "calls").mapping
    assert mapping.source("queue") == "Topic"
    good = validate(raw, mapping).good
    assert good.get_column("duration_s").to_list() == [143.0, 242.0, None, 60.0]


@pytest.mark.parametrize(
    ("date", "time", "expected"),
    [
        ("2021-01-01", "2:05 PM", dt.datetime(2021, 1, 1, 14, 5)),
        ("2021-01-01", "2:05 p. m.", dt.datetime(2021, 1, 1, 14, 5)),  # Spanish locale
        ("2021-01-01", "14:05:09.250", dt.datetime(2021, 1, 1, 14, 5, 9)),
        ("2021-01-01 00:00:00", "1899-12-31 14:05:09", dt.datetime(2021, 1, 1, 14, 5, 9)),
        ("31/01/2021", "0.5", dt.datetime(2021, 1, 31, 12, 0)),
        ("2021-01-01", "", dt.datetime(2021, 1, 1)),
    ],
)
def test_time_of_day_in_its_usual_forms(
    tmp_path: Path, date: str, time: str, expected: dt.datetime
) -> None:
    text = b.csv_text([["id", "fecha", "hora"], ["A", date, time]])
    raw = read_file(b.write(tmp_path / "f.csv", text))
    mapping = Mapping.of(
        "calls",
        {"call_id": "id", "started_at": "fecha"},
        {"started_at": Transform(time_source="hora")},
    )
    assert validate(raw, mapping, dayfirst=True).good.get_column("started_at").to_list() == [
        expected
    ]


def test_a_bad_time_cell_does_not_cost_the_whole_time_column(tmp_path: Path) -> None:
    rows = [["Call Id", "Date", "Time"], ["A", "2021-01-01", "9:00"], ["B", "2021-01-01", "tarde"],
            ["C", "2021-01-02", "10:30"], ["D", "2021-01-02", "11:00"], ["E", "2021-01-03", "12:15"]]  # fmt: skip
    raw = read_file(b.write(tmp_path / "f.csv", b.csv_text(rows)))
    mapping = suggest_mapping(raw, "calls").mapping
    assert mapping.transform("started_at").time_source == "Time"
    assert validate(raw, mapping).rejects.get_column("__row__").to_list() == [3]


def test_an_unreadable_time_rejects_the_row_naming_both_columns(tmp_path: Path) -> None:
    text = b.csv_text([["id", "fecha", "hora"], ["A", "2021-01-01", "tarde"]])
    raw = read_file(b.write(tmp_path / "f.csv", text))
    mapping = Mapping.of(
        "calls",
        {"call_id": "id", "started_at": "fecha"},
        {"started_at": Transform(time_source="hora")},
    )
    rejects = validate(raw, mapping).rejects
    assert rejects.select("__row__", "column", "code").rows() == [
        (2, "fecha + hora", "date_format")
    ]
    assert "2021-01-01 tarde" in rejects.get_column("message")[0]


def test_excel_time_cells_are_durations(tmp_path: Path) -> None:
    rows = [["Call Id", "Date", "AvgTalkDuration"],
            ["C1", dt.datetime(2021, 1, 1, 9, 0), dt.time(0, 2, 23)],
            ["C2", dt.datetime(2021, 1, 1, 9, 5), dt.time(1, 0, 0)]]  # fmt: skip
    raw = read_file(b.xlsx(tmp_path / "c.xlsx", {"Calls": rows}))
    mapping = suggest_mapping(raw, "calls").mapping
    assert mapping.source("duration_s") == "AvgTalkDuration"
    assert validate(raw, mapping).good.get_column("duration_s").to_list() == [143.0, 3600.0]


@pytest.mark.parametrize(
    ("unit", "cell", "seconds"),
    [
        ("ms", "2500", 2.5),
        ("min", "1,5", 90.0),
        ("excel_days", "0,5", 43_200.0),
        ("s", "02:03", 123.0),
    ],
)
def test_duration_units(tmp_path: Path, unit: str, cell: str, seconds: float) -> None:
    text = b.csv_text([["id", "fecha", "dur"], ["A", "2021-01-01", cell]], ";")
    raw = read_file(b.write(tmp_path / "f.csv", text))
    mapping = Mapping.of(
        "calls",
        {"call_id": "id", "started_at": "fecha", "duration_s": "dur"},
        {"duration_s": Transform(unit=unit)},  # type: ignore[arg-type]
    )
    assert validate(raw, mapping).good.get_column("duration_s").to_list() == [seconds]


def test_a_header_naming_its_unit_sets_it(tmp_path: Path) -> None:
    text = b.csv_text([["call id", "fecha", "Talk time (ms)"], ["A", "2021-01-01", "1500"]])
    raw = read_file(b.write(tmp_path / "f.csv", text))
    mapping = suggest_mapping(raw, "calls").mapping
    assert mapping.transform("duration_s").unit == "ms"


def test_spanish_quality_labels_get_a_value_map(tmp_path: Path) -> None:
    rows = [["ID de respuesta", "Fecha", "¿Cómo calificaría la atención? (satisfacción)"],
            ["R1", "2024-03-01", "Excelente"], ["R2", "2024-03-01", "Buena"],
            ["R3", "2024-03-02", "Mala"], ["R4", "2024-03-02", "Muy buena"],
            ["R5", "2024-03-02", "Regular"]]  # fmt: skip
    raw = read_file(b.write(tmp_path / "f.csv", b.csv_text(rows)))
    mapping = suggest_mapping(raw, "surveys").mapping
    assert dict(mapping.transform("csat").values)["excelente"] == "5"
    assert validate(raw, mapping).good.get_column("csat").to_list() == [5, 3, 1, 4, 2]


def test_google_forms_style_file_gets_a_stable_generated_key(store: Store, tmp_path: Path) -> None:
    rows = [["Timestamp", "How likely are you to recommend us?", "Comments"],
            ["2024-03-01 10:15:02", "9", "good"], ["2024-03-01 10:16:40", "3", "bad"]]  # fmt: skip
    path = b.write(tmp_path / "form.csv", b.csv_text(rows))
    raw = read_file(path)
    found = suggest(store, raw, "surveys")
    assert found.mapping.source("responded_at") == "Timestamp"
    assert found.mapping.transform("response_id").generated and found.is_complete
    first = ingest(store, raw, found.mapping)
    again = ingest(store, read_file(path), found.mapping)
    assert (first.inserted, again.inserted, again.unchanged) == (2, 0, 2)
    keys = store.sql("select response_id from surveys order by responded_at").get_column(
        "response_id"
    )
    assert keys.str.starts_with("row-").all() and keys.n_unique() == 2


def test_marca_temporal_and_id_are_recognised(tmp_path: Path) -> None:
    rows = [["id", "Marca temporal", "NPS"], ["7", "01/03/2024 10:15:02", "9"]]
    raw = read_file(b.write(tmp_path / "f.csv", b.csv_text(rows)))
    mapping = suggest_mapping(raw, "surveys").mapping
    assert (mapping.source("response_id"), mapping.source("responded_at")) == (
        "id",
        "Marca temporal",
    )


def test_one_column_may_feed_two_fields(tmp_path: Path) -> None:
    rows = [["Call Id", "Date", "Satisfaction rating"], ["ID1", "2021-01-01", "4"]]
    raw = read_file(b.write(tmp_path / "f.csv", b.csv_text(rows)))
    mapping = suggest_mapping(raw, "surveys").mapping.with_columns({"response_id": "Call Id"})
    assert (mapping.source("call_id"), mapping.source("response_id")) == ("Call Id", "Call Id")
    good = validate(raw, mapping).good
    assert good.select("response_id", "call_id", "csat").rows() == [("ID1", "ID1", 4)]


def test_transforms_are_saved_and_reused(store: Store, tmp_path: Path) -> None:
    raw = read_file(_call_log(tmp_path))
    mapping = suggest_mapping(raw, "calls").mapping.with_transform("channel", constant="phone")
    save_mapping(store, "call log", mapping, raw)
    reused = suggest(store, read_file(_call_log(tmp_path)), "calls")
    assert reused.saved_name == "call log" and reused.mapping == mapping
    assert Mapping.from_json(mapping.to_json()) == mapping


# -- the command line ------------------------------------------------------------------------


def run(db: Path, *argv: str) -> int:
    parser = ingest_cli.add_parser(__import__("argparse").ArgumentParser().add_subparsers())
    return int(ingest_cli.run(parser.parse_args([*argv, "--db", str(db)])))


def _db(tmp_path: Path) -> Path:
    return tmp_path / "pulso.duckdb"


def test_cli_loads_the_call_log_with_no_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(_db(tmp_path), "calls", str(_call_log(tmp_path))) == 0
    out = capsys.readouterr().out
    assert "map: abandoned <- 'Answered (Y/N)' (inverted)" in out
    assert "map: started_at <- 'Date' + time 'Time'" in out
    store = connect(str(_db(tmp_path)))
    rate = store.sql("select avg(abandoned::int) as r from calls").item()
    store.close()
    assert rate == pytest.approx(0.25)


def test_cli_transform_flags(tmp_path: Path) -> None:
    rows = [["Folio", "Fecha", "Calificación", "Canal"],
            ["F1", "2024-03-01", "Excelente", "x"], ["F2", "2024-03-02", "Mala", "y"]]  # fmt: skip
    path = b.write(tmp_path / "encuesta.csv", b.csv_text(rows))
    db = _db(tmp_path)
    args = ["surveys", str(path), "--map", "Folio=response_id", "--map", "Calificación=csat"]
    args += ["--values", "csat=excelente:5,mala:1", "--const", "survey_type=transactional"]
    args += ["--skip", "survey_channel"]
    assert run(db, *args) == 0
    store = connect(str(db))
    stored = store.sql(
        "select response_id, csat, survey_type, survey_channel from surveys order by 1"
    ).rows()
    store.close()
    assert stored == [("F1", 5, "transactional", None), ("F2", 1, "transactional", None)]


def test_cli_an_ambiguous_optional_field_can_be_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [["Response ID", "Recorded Date", "Comments", "Comment"],
            ["R1", "2024-03-01", "a", "b"]]  # fmt: skip
    path = b.write(tmp_path / "s.csv", b.csv_text(rows))
    db = _db(tmp_path)
    assert run(db, "surveys", str(path)) == 1
    assert "--skip FIELD" in capsys.readouterr().err
    assert run(db, "surveys", str(path), "--skip", "comment") == 0


def test_cli_bad_transform_flags_are_refused_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _call_log(tmp_path)
    assert run(_db(tmp_path), "calls", str(path), "--unit", "duration_s=hours") == 1
    assert "--unit duration_s=hours: expected one of s, ms, min" in capsys.readouterr().err
    assert run(_db(tmp_path), "calls", str(path), "--values", "csat=nonsense") == 1
    assert "expected LABEL:VALUE" in capsys.readouterr().err


def test_qualtrics_2016_header_with_single_quotes(tmp_path: Path) -> None:
    text = b.csv_text(
        [["ResponseId", "RecordedDate", "Q1"],
         ["Response ID", "Recorded Date", "How likely are you to recommend us?"],
         ["{'ImportId': 'responseId'}", "{'ImportId': 'recordedDate'}", "{'ImportId': 'QID1'}"],
         ["R_1", "2016-05-01 10:00:00", "9"], ["R_2", "2016-05-02 10:00:00", "4"]]
    )  # fmt: skip
    raw = read_file(b.write(tmp_path / "q.csv", text))
    assert (raw.facts.layout, raw.facts.n_rows) == ("qualtrics", 2)
    good = validate(raw, suggest_mapping(raw, "surveys").mapping).good
    assert good.get_column("nps").to_list() == [9, 4]
    assert pl.Series(good.get_column("__row__")).to_list() == [4, 5]
