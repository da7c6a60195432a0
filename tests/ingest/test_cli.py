"""``python -m analytics ingest``: counts printed, refusals explained, exit codes."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from analytics.ingest import cli
from analytics.store import connect
from tests.ingest import builders as b


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="analytics")
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["ingest", *argv])
    return int(args.func(args))


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.duckdb"
    monkeypatch.setenv("PULSO_DB", str(path))
    return path


def count(db: Path, table: str) -> int:
    store = connect(str(db))
    try:
        return int(store.sql(f"select count(*) as n from {table}")["n"][0])
    finally:
        store.close()


def test_unambiguous_file_loads_and_prints_counts(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = b.calls_csv(tmp_path / "calls.csv", 30)
    assert run("calls", str(path)) == 0
    out = capsys.readouterr().out
    assert "inserted 30, updated 0, unchanged 0, rejected 0" in out
    assert run("calls", str(path)) == 0
    assert "unchanged 30" in capsys.readouterr().out
    assert count(db, "calls") == 30


def test_ambiguous_columns_are_refused_then_settled_with_map(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "call_id,Fecha llamada,Fecha de llamada,notas\nC1,2024-01-01,2024-01-02,x\n"
    path = b.write(tmp_path / "two_dates.csv", text)
    assert run("calls", str(path)) == 1
    err = capsys.readouterr().err
    assert "refused: two_dates.csv: cannot map the columns without help" in err
    assert "started_at could be any of 'Fecha de llamada', 'Fecha llamada'" in err or (
        "started_at could be any of 'Fecha llamada', 'Fecha de llamada'" in err
    )
    assert "unmapped columns:" in err and "'notas'" in err
    assert count(db, "calls") == 0
    assert run("calls", str(path), "--map", "Fecha llamada=started_at", "--save-mapping", "x") == 0
    assert count(db, "calls") == 1
    assert run("calls", str(path)) == 0  # the saved mapping is found by header set


def test_saved_mapping_by_name(db: Path, tmp_path: Path) -> None:
    path = b.calls_csv(tmp_path / "calls.csv", 5)
    assert run("calls", str(path), "--save-mapping", "diario") == 0
    other = b.calls_csv(tmp_path / "more.csv", 5, start=5)
    assert run("calls", str(other), "--mapping", "diario") == 0
    assert count(db, "calls") == 10
    assert run("calls", str(other), "--mapping", "nope") == 1


def test_day_first_must_be_said_when_the_file_cannot_tell(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = b.write(tmp_path / "ambig.csv", "call_id;Fecha\nC1;05/03/2024\nC2;06/03/2024\n")
    assert run("calls", str(path)) == 1
    assert "say which: dayfirst or monthfirst" in capsys.readouterr().err
    assert run("calls", str(path), "--dayfirst") == 0
    store = connect(str(db))
    months = store.sql("select month(started_at) as m from calls")["m"].to_list()
    store.close()
    assert months == [3, 3]


def test_missing_key_column_is_refused_unless_a_key_is_generated(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = b.write(tmp_path / "nokey.csv", "Fecha,cola\n2024-01-01,x\n2024-01-02,y\n")
    assert run("calls", str(path)) == 1
    assert "no column found for required call_id" in capsys.readouterr().err
    assert run("calls", str(path), "--generate-key") == 0
    out = capsys.readouterr().out
    assert "quality: Call ID: the file has no key column" in out
    assert "inserted 2" in out
    assert run("calls", str(path), "--generate-key") == 0  # the same rows again: nothing new
    assert "inserted 0, updated 0, unchanged 2" in capsys.readouterr().out


def test_missing_date_column_is_refused_naming_it(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = b.write(tmp_path / "nodate.csv", "Call ID,cola\nC1,x\n")
    assert run("calls", str(path)) == 1
    assert "no column found for required started_at" in capsys.readouterr().err


def test_survey_with_declared_ces_scale_from_an_excel_sheet(db: Path, tmp_path: Path) -> None:
    rows = [["ID de respuesta", "Fecha de respuesta", "Esfuerzo (CES)", "NPS"],
            ["R1", "2024-03-01 10:00", 2, 9], ["R2", "2024-03-02 11:00", 7, 10]]  # fmt: skip
    path = b.xlsx(tmp_path / "encuestas.xlsx", {"Notas": [["-"]], "Respuestas": rows})
    args = ["surveys", str(path), "--sheet", "Respuestas"]
    assert run(*args) == 1  # CES without a declared scale
    assert run(*args, "--ces-scale", "7", "--ces-direction", "harder") == 0
    store = connect(str(db))
    stored = store.sql("select ces, ces_scale from surveys order by response_id").rows()
    store.close()
    assert stored == [(6.0, 7), (1.0, 7)]


def test_python_dash_m_analytics_ingest_is_the_entry_point(db: Path, tmp_path: Path) -> None:
    """The command an analyst schedules, run as a process: counts printed, a refused
    file exits 1 and writes nothing, and a fresh default-style store gets no demo rows."""
    import os
    import subprocess
    import sys

    good = b.calls_csv(tmp_path / "calls.csv", 12)
    env = {**os.environ, "PULSO_DB": str(db)}
    cmd = [sys.executable, "-m", "analytics", "ingest", "calls"]
    ok = subprocess.run([*cmd, str(good)], env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "12" in ok.stdout
    assert count(db, "calls") == 12
    bad = tmp_path / "nokey.csv"
    bad.write_text("duration_s;wait_s\n10;5\n", encoding="utf-8")
    refused = subprocess.run([*cmd, str(bad)], env=env, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert "nokey.csv" in refused.stderr
    assert count(db, "calls") == 12


def test_a_surveys_load_creates_follow_up_items_once(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Detractors (NPS 0-6) and dissatisfied (CSAT 1-2) loaded from the command line
    get their follow-up items at once; loading the same file again adds none."""
    path = b.write(
        tmp_path / "surveys.csv",
        b.csv_text(
            [
                ["response_id", "responded_at", "nps", "csat"],
                ["R1", "2026-03-02 10:00", 3, 4],  # detractor
                ["R2", "2026-03-02 11:00", 9, 1],  # dissatisfied
                ["R3", "2026-03-02 12:00", 10, 5],  # promoter: no item
            ]
        ),
    )
    assert run("surveys", str(path)) == 0
    assert "follow-up: 2 new items" in capsys.readouterr().out
    assert run("surveys", str(path)) == 0
    assert "follow-up" not in capsys.readouterr().out
    assert count(db, "followup_items") == 2


def test_strict_refuses_a_file_with_a_rejected_row_and_writes_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = b.calls_csv(tmp_path / "calls.csv", 400).read_text().splitlines()
    lines[350] = lines[350].replace(",yes", ",maybe", 1)  # a row far from the first chunk
    path = b.write(tmp_path / "calls.csv", "\n".join(lines) + "\n")
    assert run("calls", str(path), "--strict") == 1
    err = capsys.readouterr().err
    assert "calls.csv: the load refuses the file if any row is rejected, and 1 would be" in err
    assert "(the first: row 351, column 'resolved')" in err
    assert "nothing was written" in err
    assert count(db, "calls") == 0 and count(db, "ingest_batches") == 0
    assert count(db, "rejected_rows") == 0
    assert run("calls", str(path)) == 0  # without --strict: the valid rows load
    assert "inserted 399, updated 0, unchanged 0, rejected 1" in capsys.readouterr().out
