"""Survey-tool exports as they come: the real reference files and NPS surveys in their layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.ingest import ROW, ReadOptions, read_file, suggest_mapping, validate
from tests.ingest import builders as b


def test_real_qualtrics_export(tmp_path: Path) -> None:
    raw = read_file(b.DATA / "qualtrics_sample.csv")
    assert (raw.facts.layout, raw.facts.header_rows, raw.facts.n_rows) == ("qualtrics", 3, 1)
    assert raw.questions["Q1"] == "This is a multiple choice question."
    assert raw.questions["EndDate"] == "Enddatum"
    row = raw.frame.row(0, named=True)
    assert (row[ROW], row["ResponseId"], row["Q2"]) == (4, "R_2YPOQ602ER1jkf1", "Hello World!")
    assert "Q2 - Topics" in raw.columns  # Text iQ column kept


def test_real_qualtrics_legacy_export() -> None:
    raw = read_file(b.DATA / "qualtrics_sample_legacy.csv")
    assert (raw.facts.layout, raw.facts.header_rows) == ("qualtrics_legacy", 2)
    assert raw.columns[:3] == ("ResponseID", "ResponseSet", "Name")  # V1.. take their labels
    assert raw.questions["Q1"] == "This is a multiple choice question."
    assert raw.frame.row(0, named=True)[ROW] == 3


def test_real_surveymonkey_export() -> None:
    raw = read_file(b.DATA / "surveymonkey_sample.csv")
    assert (raw.facts.layout, raw.facts.header_rows, raw.facts.n_rows) == ("surveymonkey", 2, 20)
    matrix = [c for c in raw.columns if c.startswith("Please rate your level of confidence")]
    assert len(matrix) == 8 and matrix[0].endswith(" - Research relevant background literature")
    assert raw.frame.get_column(ROW).to_list()[:2] == [3, 4]
    suggestion = suggest_mapping(raw, "surveys")
    assert suggestion.mapping.as_dict == {
        "response_id": "Respondent ID",
        "responded_at": "End Date",
    }


def _qualtrics(tmp_path: Path) -> Path:
    rows = [
        b.qualtrics_row(1, 9, "Very satisfied"),
        b.qualtrics_row(2, 3, "Dissatisfied", call="C-UNKNOWN"),
        b.qualtrics_row(3, 10, "Extremely satisfied", status="Survey Preview", channel="preview"),
        b.qualtrics_row(4, 0, "Very dissatisfied", status="2"),  # numeric: survey test
        b.qualtrics_row(5, "10 - Extremely likely", "5", channel="email"),
        b.qualtrics_row(6, 7, "Neither satisfied nor dissatisfied", channel="test"),
    ]
    return b.qualtrics_csv(tmp_path / "nps.csv", rows)


def test_qualtrics_nps_export_skips_and_counts_previews_and_tests(tmp_path: Path) -> None:
    raw = read_file(_qualtrics(tmp_path))
    assert raw.facts.layout == "qualtrics"
    assert dict(raw.facts.skipped) == {"preview": 1, "test": 2}
    assert raw.facts.n_rows == 3
    assert raw.frame.get_column(ROW).to_list() == [4, 5, 8]  # 3 header rows
    assert raw.questions["Q1"].startswith("How likely are you to recommend us\nto a friend")


def test_qualtrics_nps_export_maps_and_validates(tmp_path: Path) -> None:
    raw = read_file(_qualtrics(tmp_path))
    suggestion = suggest_mapping(raw, "surveys")
    assert suggestion.is_complete
    assert suggestion.mapping.as_dict == {
        "call_id": "call_id",  # embedded data kept and recognised
        "comment": "Q3",
        "csat": "Q2",
        "nps": "Q1",
        "responded_at": "RecordedDate",
        "response_id": "ResponseId",
        "survey_channel": "DistributionChannel",
        "language": "UserLanguage",
    }
    checked = validate(raw, suggestion.mapping)
    assert checked.rejects.height == 0
    assert checked.good.get_column("nps").to_list() == [9, 3, 10]
    assert checked.good.get_column("csat").to_list() == [5, 2, 5]
    assert checked.good.get_column("survey_channel").to_list() == ["web", "web", "email"]


def test_legacy_status_1_and_2_are_preview_and_test(tmp_path: Path) -> None:
    rows = [["R_1", "Default", "0", "2024-03-01 10:00:00", "2024-03-01 10:01:00", "9", "bien"],
            ["R_2", "Default", "1", "2024-03-01 10:00:00", "2024-03-01 10:01:00", "2", ""],
            ["R_3", "Default", "2", "2024-03-01 10:00:00", "2024-03-01 10:01:00", "5", ""]]  # fmt: skip
    raw = read_file(b.legacy_csv(tmp_path / "legacy.csv", rows))
    assert raw.facts.layout == "qualtrics_legacy"
    assert dict(raw.facts.skipped) == {"preview": 1, "test": 1}
    mapping = suggest_mapping(raw, "surveys").mapping.as_dict
    assert mapping["nps"] == "Q1" and mapping["comment"] == "Q2"


def test_surveymonkey_matrix_and_nps(tmp_path: Path) -> None:
    rows = [["1001", "77", "03/14/2024 10:00:00 AM", "03/14/2024 10:05:00 AM", "10",
             "Very satisfied", "Satisfied", "Great"]]  # fmt: skip
    raw = read_file(b.surveymonkey_csv(tmp_path / "sm.csv", rows))
    assert raw.columns[5:7] == (
        "How satisfied were you with: - The agent",
        "How satisfied were you with: - The wait",
    )
    assert raw.facts.date_order == "monthfirst"  # 14 can only be a day
    suggestion = suggest_mapping(raw, "surveys")
    assert suggestion.mapping.as_dict["nps"].startswith("How likely")
    assert set(suggestion.ambiguous["csat"]) == {raw.columns[5], raw.columns[6]}


@pytest.mark.parametrize("layout", ["plain", "qualtrics"])
def test_layout_can_be_forced(tmp_path: Path, layout: str) -> None:
    raw = read_file(_qualtrics(tmp_path), options=ReadOptions(layout=layout))  # type: ignore[arg-type]
    assert raw.facts.layout == layout


def test_qualtrics_layout_in_an_excel_export(tmp_path: Path) -> None:
    ids = ["ResponseId", "RecordedDate", "Q1", "Status"]
    texts = ["Response ID", "Recorded Date", "How likely are you to recommend us?", "Response Type"]
    imports = ['{"ImportId":"_recordId"}', '{"ImportId":"recordedDate"}', '{"ImportId":"QID1"}',
               '{"ImportId":"status"}']  # fmt: skip
    rows = [ids, texts, imports, ["R1", "2024-03-01 10:00:00", 9, "IP Address"],
            ["R2", "2024-03-01 11:00:00", 10, "Survey Preview"]]  # fmt: skip
    raw = read_file(b.xlsx(tmp_path / "qualtrics.xlsx", {"Sheet0": rows}))
    assert (raw.facts.layout, dict(raw.facts.skipped)) == ("qualtrics", {"preview": 1})
    assert raw.frame.select(ROW, "Q1").rows() == [(4, "9")]
    assert suggest_mapping(raw, "surveys").mapping.source("nps") == "Q1"
