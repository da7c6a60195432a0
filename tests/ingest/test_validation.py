"""Validation: reasons per row (code, params, message, raw values) and file refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics.ingest import ROW, IngestError, Mapping, read_file, suggest_mapping, validate
from tests.ingest import builders as b

CALLS = {"call_id": "id", "started_at": "when", "duration_s": "dur", "resolved": "ok"}


def _calls(tmp_path: Path, *rows: list[str], delimiter: str = ",") -> Path:
    header = ["id", "when", "dur", "ok"]
    return b.write(tmp_path / "calls.csv", b.csv_text([header, *rows], delimiter))


def test_reject_rows_name_row_column_and_expectation(tmp_path: Path) -> None:
    path = _calls(
        tmp_path, ["C1", "2024-01-01", "60", "yes"], ["C2", "2024-02-31", "-5", "perhaps"]
    )
    checked = validate(read_file(path), Mapping.of("calls", CALLS))
    assert checked.good.get_column("call_id").to_list() == ["C1"]
    rejects = checked.rejects.to_dicts()
    assert [(r[ROW], r["column"], r["field"], r["code"]) for r in rejects] == [
        (3, "when", "started_at", "impossible_date"),
        (3, "dur", "duration_s", "negative_duration"),
        (3, "ok", "resolved", "unknown_boolean"),
    ]
    assert rejects[1]["message"] == (
        "row 3, column 'dur' (duration_s): expected a duration of 0 or more, got '-5'"
    )
    assert json.loads(rejects[2]["params"]) == {
        "column": "ok",
        "field": "resolved",
        "value": "perhaps",
    }
    assert json.loads(rejects[0]["raw_values"]) == {
        "id": "C2", "when": "2024-02-31", "dur": "-5", "ok": "perhaps"
    }  # fmt: skip
    assert checked.n_rejected == 1 and checked.n_rows == 2


def test_range_params_for_translation(tmp_path: Path) -> None:
    path = b.write(tmp_path / "s.csv", "rid,at,nps\nR1,2024-01-01,11\n")
    mapping = Mapping.of("surveys", {"response_id": "rid", "responded_at": "at", "nps": "nps"})
    reject = validate(read_file(path), mapping).rejects.row(0, named=True)
    assert json.loads(reject["params"]) == {
        "column": "nps", "field": "nps", "value": "11", "min": 0, "max": 10
    }  # fmt: skip
    assert reject["message"].endswith("expected a value from 0 to 10, got '11'")


def test_duplicate_keys_reject_every_copy_naming_the_rows(tmp_path: Path) -> None:
    path = _calls(tmp_path, ["C1", "2024-01-01", "1", "y"], ["C2", "2024-01-01", "1", "y"],
                  [" C1 ", "2024-01-02", "2", "n"])  # fmt: skip
    checked = validate(read_file(path), Mapping.of("calls", CALLS))
    assert checked.good.get_column("call_id").to_list() == ["C2"]
    dups = checked.rejects.filter(checked.rejects["code"] == "duplicate_key")
    assert dups.get_column(ROW).to_list() == [2, 4]
    assert json.loads(dups.row(0, named=True)["params"])["rows"] == [2, 4]
    assert "(rows 2, 4)" in dups.row(1, named=True)["message"]


def test_required_values(tmp_path: Path) -> None:
    checked = validate(read_file(_calls(tmp_path, ["", "2024-01-01", "1", "y"], ["C2", " ", "1", "y"])),
                       Mapping.of("calls", CALLS))  # fmt: skip
    assert checked.rejects.select("field", "code").rows() == [
        ("call_id", "required"), ("started_at", "required")
    ]  # fmt: skip


def test_file_without_a_required_key_column_is_refused(tmp_path: Path) -> None:
    raw = read_file(b.write(tmp_path / "nokey.csv", "fecha,dur\n2024-01-01,5\n"))
    with pytest.raises(IngestError) as err:
        validate(raw, Mapping.of("calls", {"started_at": "fecha"}))
    assert (err.value.code, err.value.params["field"], err.value.file) == (
        "missing_required_column", "call_id", "nokey.csv"
    )  # fmt: skip
    assert str(err.value) == "nokey.csv: no column is mapped to call_id, which is required"
    assert suggest_mapping(raw, "calls").missing_required == ("call_id",)


def test_mapping_to_a_column_not_in_the_file_is_refused(tmp_path: Path) -> None:
    raw = read_file(_calls(tmp_path, ["C1", "2024-01-01", "1", "y"]))
    with pytest.raises(IngestError, match="uses column 'Fecha', which is not in the file"):
        validate(raw, Mapping.of("calls", {**CALLS, "started_at": "Fecha"}))


def test_ces_needs_a_declared_scale_and_direction(tmp_path: Path) -> None:
    raw = read_file(b.write(tmp_path / "s.csv", "rid,at,esfuerzo\nR1,2024-01-01,2\n"))
    columns = {"response_id": "rid", "responded_at": "at", "ces": "esfuerzo"}
    with pytest.raises(IngestError) as err:
        validate(raw, Mapping.of("surveys", columns))
    assert err.value.code == "ces_scale_required" and err.value.column == "esfuerzo"
    good = validate(raw, Mapping.of("surveys", columns, ces_scale=7, ces_direction="harder")).good
    assert good.select("ces", "ces_scale").row(0) == (6.0, 7)


def test_ambiguous_dates_are_refused_until_the_order_is_said(tmp_path: Path) -> None:
    path = _calls(tmp_path, ["C1", "05/03/2024", "1", "y"], ["C2", "06/03/2024", "1", "y"])
    raw = read_file(path)
    assert (raw.facts.date_order, raw.facts.dayfirst) == ("ambiguous", None)
    with pytest.raises(IngestError) as err:
        validate(raw, Mapping.of("calls", CALLS))
    assert err.value.code == "date_order_ambiguous" and "05/03/2024" in str(err.value)
    march = validate(raw, Mapping.of("calls", CALLS), dayfirst=True).good["started_at"]
    may = validate(raw, Mapping.of("calls", CALLS), dayfirst=False).good["started_at"]
    assert march.dt.month().to_list() == [3, 3] and may.dt.month().to_list() == [5, 6]
    remembered = validate(raw, Mapping.of("calls", CALLS, dayfirst=True)).good["started_at"]
    assert remembered.equals(march)


def test_one_proof_decides_the_whole_file_never_per_row(tmp_path: Path) -> None:
    rows = [["C1", "05/03/2024", "1", "y"]] * 1 + [["C2", "25/03/2024", "1", "y"]]
    checked = validate(read_file(_calls(tmp_path, *rows)), Mapping.of("calls", CALLS))
    assert checked.good["started_at"].dt.month().to_list() == [3, 3]


def test_conflicting_date_orders_are_refused(tmp_path: Path) -> None:
    path = _calls(tmp_path, ["C1", "25/03/2024", "1", "y"], ["C2", "03/25/2024", "1", "y"])
    raw = read_file(path)
    assert raw.facts.date_order == "conflict"
    with pytest.raises(IngestError, match="only make sense day-first"):
        validate(raw, Mapping.of("calls", CALLS))
    forced = validate(raw, Mapping.of("calls", CALLS), dayfirst=True)
    assert forced.rejects.select(ROW, "code").rows() == [(3, "impossible_date")]


def test_spanish_extract_validates_completely(tmp_path: Path) -> None:
    raw = read_file(b.spanish_calls(tmp_path / "llamadas.csv"))
    suggestion = suggest_mapping(raw, "calls")
    mapping = suggestion.mapping.with_columns({"channel": "Canal", "product": "Producto"})
    checked = validate(raw, mapping)
    assert checked.rejects.height == 0
    good = checked.good.sort("call_id")
    assert good["duration_s"].to_list() == [125.5, 1250.0, 60.0]
    assert good["wait_s"].to_list() == [65.0, 30.0, 0.0]
    assert good["resolved"].to_list() == [True, False, True]
    assert good["started_at"].dt.strftime("%Y-%m-%d %H:%M").to_list() == [
        "2024-02-13 09:15", "2024-03-05 17:40", "2024-03-05 00:00"
    ]  # fmt: skip
