"""The hostile-input corpus: every bad file through the CLI and the Upload engine.

0 crashes (every failure a clean refusal, or rejected rows with reasons), 0 partial
loads (a refused file changes nothing), nothing lost silently (rows in = loaded +
rejected + skipped). The fuzzed files are in ``test_fuzz_*.py``;
``PULSO_HOSTILE_FIGURES=path`` writes the figures of both as JSON (``conftest.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import cli
from analytics.ingest import quality
from analytics.store import Store, connect
from tests.hostile import files
from tests.hostile.harness import TALLY, Tally, through_cli, through_engine


def _seeded(tmp: Path) -> tuple[Path, Store]:
    """A CLI store and an engine store, each holding one earlier load (a refusal must
    leave it exactly as it was)."""
    first = tmp / "earlier.csv"
    first.write_text(files.csv(files.survey_rows(5)))
    db = tmp / "cli.duckdb"
    assert cli.main(["ingest", "surveys", str(first), "--db", str(db)]) == 0
    store = connect(str(tmp / "engine.duckdb"))
    through_engine(store, first.read_bytes(), "earlier.csv", "surveys", Tally(), 5)
    return db, store


@pytest.mark.parametrize("build", files.BUILDERS, ids=lambda b: b.__name__)
def test_a_hostile_file_is_refused_cleanly_or_loaded_whole(
    build: files.Callable[[], files.Bad], tmp_path: Path
) -> None:
    _both_doors(build(), tmp_path, TALLY)


def _both_doors(bad: files.Bad, tmp_path: Path, tally: Tally) -> None:
    db, store = _seeded(tmp_path)
    path = tmp_path / bad.name
    path.write_bytes(bad.data)
    target = bad.target  # type: ignore[arg-type]
    flags = bad.person.flags() if bad.person else []
    try:
        by_cli = through_cli(db, path, target, tally, bad.rows, *flags)
        by_engine = through_engine(store, bad.data, bad.name, target, tally, bad.rows, bad.person)
    finally:
        store.close()
    if bad.expect == "loaded":
        assert (by_cli.outcome, by_engine.outcome) == ("loaded", "loaded"), by_cli.err
    else:
        assert by_cli.outcome == "refused", by_cli.out
        assert by_engine.outcome == "refused"
        assert by_cli.err.count("\n") <= 1  # one sentence, no traceback
        if bad.expect != "*":
            assert by_engine.code == bad.expect, by_engine.err
            assert bad.name in by_engine.err  # the refusal names the file


def test_a_misnamed_scale_is_not_mapped_in_silence(tmp_path: Path) -> None:
    """F7 without a person's mapping: the CLI refuses until --map/--skip settles it;
    the suggestion lists the column (the Upload page warns)."""
    bad = files.nps_0_100()
    path = tmp_path / bad.name
    path.write_bytes(bad.data)
    db = tmp_path / "cli.duckdb"
    result = through_cli(db, path, "surveys", TALLY, bad.rows)
    assert result.outcome == "refused"
    assert "column 'nps' is named like nps" in result.err and "'12', '14'" in result.err
    skipped = through_cli(db, path, "surveys", TALLY, bad.rows, "--skip", "nps")
    assert skipped.outcome == "loaded"  # the person decided: no NPS from this file
    from analytics.ingest import read_file
    from analytics.ingest.saved import suggest

    store = connect(str(tmp_path / "engine.duckdb"))
    misfits = suggest(store, read_file(bad.data, bad.name), "surveys").misfits
    store.close()
    assert [(m.field, m.source) for m in misfits] == [("nps", "nps")]
    assert misfits[0].examples[:2] == ("12", "14")


def test_control_characters_are_removed_and_counted(tmp_path: Path) -> None:
    bad = files.control_characters()
    store = connect(str(tmp_path / "engine.duckdb"))
    result = through_engine(store, bad.data, bad.name, "surveys", TALLY, bad.rows)
    assert result.report is not None
    ids = store.sql("select response_id, comment from surveys")
    store.close()
    assert sorted(ids["response_id"].to_list()) == [f"R{i}" for i in range(5)]
    assert all("\x07" not in c and "\x1b" not in c for c in ids["comment"].to_list())
    found = quality.of(result.report)
    assert found is not None and found.control_cells == 10
    assert any("control characters" in line for line in quality.lines(found, "en"))


def test_cli_paths_are_literal(tmp_path: Path) -> None:
    """F8: 'glob*.csv' is that file only; a pattern matching no file is 'no such file'."""
    folder = tmp_path / "dir"
    folder.mkdir()
    for name, rows in (("glob*.csv", 1), ("glob1.csv", 3), ("glob2.csv", 4)):
        (folder / name).write_text(files.csv(files.survey_rows(rows)))
    db = tmp_path / "cli.duckdb"
    result = through_cli(db, folder / "glob*.csv", "surveys", TALLY, 1)
    assert result.outcome == "loaded"
    assert "rows 1: inserted 1" in result.out
    missing = through_cli(db, folder / "glo?.csv", "surveys", TALLY, None)
    assert missing.outcome == "refused" and "no such file" in missing.err
    lines = folder / "day*.jsonl"
    lines.write_text(json.dumps({"response_id": "J1", "responded_at": "2024-03-01 10:00"}) + "\n")
    (folder / "day2.jsonl").write_text(lines.read_text().replace("J1", "J2"))
    assert "rows 1: inserted 1" in through_cli(db, lines, "surveys", TALLY, 1).out


def test_a_locked_store_exits_1_naming_its_holder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "held.duckdb"
    connect(str(db)).close()
    path = tmp_path / "ok.csv"
    path.write_text(files.csv(files.survey_rows(2)))
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r});"
         "print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        assert cli.main(["ingest", "surveys", str(path), "--db", str(db)]) == 1
        err = capsys.readouterr().err
        assert f"PID {holder.pid}" in err and "stop that program first" in err
    finally:
        holder.kill()
        holder.wait()
