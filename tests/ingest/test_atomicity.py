"""A batch is one transaction: an error, or the process killed, leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analytics.ingest import ingest, read_file, suggest_mapping
from analytics.store import Store, connect
from tests.ingest import builders as b

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("calls", "ingest_batches", "ingest_before_calls", "rejected_rows")


def snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table a load writes (names are literals)."""
    cur = store.cursor()
    return {t: sorted(cur.execute(f"select * from {t}").fetchall(), key=repr) for t in TABLES}


def _seeded(store: Store, tmp_path: Path) -> None:
    """A store with rows the next load would update, and a batch already logged."""
    path = b.calls_csv(tmp_path / "seed.csv", 100)
    raw = read_file(path)
    ingest(store, raw, suggest_mapping(raw, "calls").mapping)


def test_an_error_mid_load_leaves_the_store_unchanged(store: Store, tmp_path: Path) -> None:
    _seeded(store, tmp_path)
    before = snapshot(store)
    path = b.calls_csv(tmp_path / "next.csv", 3000, start=50, queue="changed")
    raw = read_file(path)

    def explode(fraction: float) -> None:
        if fraction > 0.5:
            raise RuntimeError("disk full, say")

    with pytest.raises(RuntimeError, match="disk full"):
        ingest(
            store, raw, suggest_mapping(raw, "calls").mapping, on_progress=explode, chunk_rows=500
        )
    assert snapshot(store) == before


LOADER = textwrap.dedent(
    """
    import sys
    from analytics.ingest import ingest, read_file, suggest_mapping
    from analytics.store import connect

    store = connect(sys.argv[1])
    raw = read_file(sys.argv[2])
    mapping = suggest_mapping(raw, "calls").mapping

    def report(fraction):
        sys.stdout.write(f"{fraction}\\n")
        sys.stdout.flush()

    ingest(store, raw, mapping, on_progress=report, chunk_rows=15_000)
    sys.stdout.write("committed\\n")
    """
)


def _kill_when(db: Path, big: Path, threshold: float) -> float:
    """Run a load in a child process; SIGKILL it once progress reaches ``threshold``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", LOADER, str(db), str(big)],
        stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert child.stdout is not None
    seen = 0.0
    while seen < threshold:
        line = child.stdout.readline().strip()
        assert line and line != "committed", f"load ended before the kill: {line!r}"
        seen = float(line)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    return seen


@pytest.mark.parametrize("threshold", [0.4, 0.8])
def test_killing_the_process_mid_load_leaves_the_store_unchanged(
    tmp_path: Path, threshold: float
) -> None:
    """0.4: while rows are being staged; 0.8: staging done, the upsert under way."""
    db = tmp_path / "pulso.duckdb"
    store = connect(str(db))
    _seeded(store, tmp_path)
    before = snapshot(store)
    store.close()
    big = b.calls_csv(tmp_path / "big.csv", 120_000, start=50, queue="changed")
    seen = _kill_when(db, big, threshold)
    assert threshold <= seen < 1.0  # progress is only reported inside the transaction
    reopened = connect(str(db))
    try:
        assert snapshot(reopened) == before
        assert reopened.sql("select count(*) as n from calls")["n"][0] == 100
    finally:
        reopened.close()
