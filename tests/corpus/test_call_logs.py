"""Real per-call logs, loaded as an analyst would, give the numbers computed by hand.

A PBX's call-detail records (no header row, dispositions as words), two 911
calls-for-service extracts (12-hour clocks; one headerless), and a fire-dispatch log
with one row per unit sent. Each loads through the command line with only the flags a
person must decide; the KPIs are read through the app's read path and compared with
``expected`` (polars on the raw bytes). What a file cannot measure must come back as
not measured, never 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from analytics import kpis, queries
from analytics.ingest import cli
from analytics.store import Store, connect
from tests.corpus import expected

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"

ASTERISK = (
    "--map", "column_17=call_id", "--map", "column_9=started_at", "--map", "column_14=abandoned",
    "--values", "abandoned=call_status", "--map", "column_13=duration_s", "--map", "column_3=queue",
    "--const", "channel=phone",
)  # fmt: skip
SEATTLE = (
    "--map", "CAD Event Number=call_id", "--map", "Event Clearance Date=started_at",
    "--map", "Event Clearance Group=queue", "--map", "District/Sector=region",
)  # fmt: skip
NOLA = (
    "--map", "column_1=call_id", "--map", "column_7=started_at", "--map", "column_3=queue",
    "--map", "column_15=region",
)  # fmt: skip


def load(db: Path, path: Path, *flags: str) -> int:
    parser = cli.add_parser(argparse.ArgumentParser().add_subparsers())
    return int(cli.run(parser.parse_args(["calls", str(path), *flags, "--db", str(db)])))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "pulso.duckdb"


def call_kpis(store: Store) -> dict[str, kpis.Estimate]:  # type: ignore[name-defined]
    facts = queries.call_facts(store.table("calls"), store.table("surveys"))
    row = store.read(queries.call_stats(facts)).row(0, named=True)
    return {k.key: k.estimate(row) for k in kpis.KPIS if k.source == "calls"}


def top_queue(store: Store) -> tuple[str, float]:
    share = store.sql(
        "select queue, count(*) * 100.0 / sum(count(*)) over () as pct from calls "
        "group by queue order by count(*) desc, queue limit 1"
    )
    return share.row(0)  # type: ignore[return-value]


def stored(db: Path) -> Store:
    return connect(str(db))


def loaded_and_repeated(db: Path) -> tuple[int, int]:
    """Calls stored, and rows rejected because their key repeats."""
    store = stored(db)
    try:
        loaded = store.sql("select count(*) from calls").item()
        repeated = store.sql(
            "select count(distinct row_number) from rejected_rows where reason_code = 'duplicate_key'"
        ).item()
    finally:
        store.close()
    return int(loaded), int(repeated)


def test_pbx_call_detail_records(db: Path) -> None:
    want = expected.calls_asterisk_cdr_kelysaina()
    assert load(db, CORPUS / "calls_asterisk_cdr_kelysaina.csv", *ASTERISK) == 0
    store = stored(db)
    try:
        found = call_kpis(store)
        assert found["abandonment"].n == want["rows"]
        assert found["abandonment"].value == pytest.approx(want["abandonment_pct"])
        assert found["aht"].value == pytest.approx(want["avg_handle_s"])
        # Nothing in the file says when a call was answered relative to its start in
        # a column of its own, so speed of answer is not measured (not 0 s).
        assert found["asa"].empty
        assert found["resolution"].empty and found["transfer_rate"].empty
        first, last = store.sql("select min(started_at), max(started_at) from calls").row(0)
    finally:
        store.close()
    assert (str(first), str(last)) == (want["first_start"], want["last_start"])


@pytest.mark.parametrize(
    ("file", "flags", "expect"),
    [
        ("calls_seattle_pd_911_csss508.csv", SEATTLE, expected.calls_seattle_pd_911_csss508),
        # 01/01/2011 reads both ways: the analyst says month-first (a US city's data).
        (
            "calls_nola_cfs_2011_excerpt.csv",
            (*NOLA, "--monthfirst"),
            expected.calls_nola_cfs_2011_excerpt,
        ),
    ],
)
def test_911_extracts_count_calls_and_measure_nothing_they_lack(
    db: Path, file: str, flags: tuple[str, ...], expect: object
) -> None:
    want = expect()  # type: ignore[operator]
    assert load(db, CORPUS / file, *flags) == 0
    store = stored(db)
    try:
        count = store.sql("select count(*) as n from calls").item()
        queue, pct = top_queue(store)
        found = call_kpis(store)
    finally:
        store.close()
    assert count == want["rows"]
    top = want.get("top_group", want.get("top_type"))
    share = want.get("top_group_pct", want.get("top_type_pct"))
    assert (queue, pct) == (top, pytest.approx(share))
    # No column says whether a call was answered, resolved or transferred.
    keys = ("abandonment", "service_level", "resolution", "transfer_rate", "aht", "asa")
    assert [key for key in keys if not found[key].empty] == []


def test_seattle_twelve_hour_clock_sorts_as_time_not_text(db: Path) -> None:
    want = expected.calls_seattle_pd_911_csss508()
    assert load(db, CORPUS / "calls_seattle_pd_911_csss508.csv", *SEATTLE) == 0
    store = stored(db)
    try:
        first, last = store.sql("select min(started_at), max(started_at) from calls").row(0)
    finally:
        store.close()
    assert (str(first), str(last)) == (want["first_cleared"], want["last_cleared"])


def test_nola_extract_as_an_excel_workbook(db: Path, tmp_path: Path) -> None:
    """The same CC0 extract saved as a workbook, as an analyst who opened it in Excel
    would have it: date-time cells, not text (no licensed Excel call log was found)."""
    rows = list(
        pl.read_csv(
            CORPUS / "calls_nola_cfs_2011_excerpt.csv", has_header=False, infer_schema=False
        ).iter_rows()
    )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        cells: list[object] = list(row)
        cells[6] = dt.datetime.strptime(str(row[6]), "%m/%d/%Y %I:%M:%S %p")
        sheet.append(cells)
    path = tmp_path / "nola.xlsx"
    book.save(path)
    want = expected.calls_nola_cfs_2011_excerpt()
    assert load(db, path, *NOLA) == 0
    store = stored(db)
    try:
        count, first, last = store.sql(
            "select count(*), min(started_at), max(started_at) from calls"
        ).row(0)
    finally:
        store.close()
    assert (count, str(first), str(last)) == (
        want["rows"], want["first_created"], want["last_created"]
    )  # fmt: skip


def test_one_row_per_unit_sent_is_refused_row_by_row_naming_the_repeats(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """San Francisco's dispatch log repeats each call once per unit sent: keyed by
    call number, every repeated call is rejected with the rows it shares a key with;
    only calls with a single unit load. Nothing is merged or dropped silently."""
    want = expected.calls_sffd_dispatch_usf()
    assert (
        load(db, CORPUS / "calls_sffd_dispatch_usf.csv", "--map", "Received DtTm=started_at") == 0
    )
    out = capsys.readouterr().out
    assert "map: call_id <- 'Call Number'" in out
    loaded, rejected = loaded_and_repeated(db)
    assert loaded + rejected == want["rows"]
    raw = pl.read_csv(CORPUS / "calls_sffd_dispatch_usf.csv", infer_schema=False)
    single = raw.group_by("Call Number").len().filter(pl.col("len") == 1).height
    assert loaded == single
