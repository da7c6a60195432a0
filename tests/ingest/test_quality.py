"""Data quality of a load: shares, ranges, KPIs a file cannot support, the same
report from the in-memory and the streaming flow, kept in the batch log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from analytics import i18n, migrations
from analytics.ingest import (
    Mapping,
    ingest,
    list_batches,
    load,
    quality,
    quality_report,
    read_file,
    suggest_mapping,
    undo_batch,
    validate,
)
from analytics.ingest.quality import Quality
from analytics.store import Store, connect, migrate
from tests.ingest import builders as b

CALLS = Mapping.of(
    "calls",
    {"call_id": "id", "started_at": "at", "wait_s": "wait", "transfers": "transfers"},
)
SURVEYS = Mapping.of(
    "surveys",
    {"response_id": "rid", "responded_at": "at", "nps": "nps", "csat": "csat", "ces": "ces"},
    ces_scale=7,
    ces_direction="easier",
)


def _csv(tmp_path: Path, name: str, header: list[str], rows: list[list[str]]) -> Path:
    return b.write(tmp_path / name, b.csv_text([header, *rows]))


def _measured(path: Path, mapping: Mapping) -> Quality:
    return quality.measure(validate(read_file(path), mapping))


# -- what the report says --------------------------------------------------------------------


def test_calls_without_an_answered_column_cannot_give_abandonment(tmp_path: Path) -> None:
    rows = [[f"C{i}", f"2024-01-0{i} 10:1{i}", "30", "0"] for i in range(1, 4)]
    q = _measured(_csv(tmp_path, "c.csv", ["id", "at", "wait", "transfers"], rows), CALLS)
    by_field = {g.field: g for g in q.gaps}
    assert by_field["abandoned"].why == "unmapped"
    assert by_field["abandoned"].kpis == ("abandonment", "service_level")
    assert {"abandonment", "service_level", "resolution", "fcr", "aht"} <= set(q.unsupported)
    assert {"asa", "transfer_rate"}.isdisjoint(q.unsupported)  # wait_s, transfers mapped
    text = "\n".join(quality.lines(q, "en"))
    assert "Abandonment" in text and "no column says whether a call was answered" in text
    assert "ninguna columna indica si la llamada fue atendida" in "\n".join(quality.lines(q, "es"))


def test_a_mapped_column_empty_in_every_row_counts_as_not_captured(tmp_path: Path) -> None:
    rows = [["C1", "2024-01-01 10:00", "", "1"], ["C2", "2024-01-02 11:00", " ", "0"]]
    q = _measured(_csv(tmp_path, "c.csv", ["id", "at", "wait", "transfers"], rows), CALLS)
    (gap,) = [g for g in q.gaps if g.field == "wait_s"]
    assert (gap.why, gap.kpis) == ("empty", ("service_level", "asa"))
    assert any(
        "column wait (Wait (seconds)) is empty in every row" in x for x in quality.lines(q, "en")
    )


def test_timestamps_all_at_midnight_are_flagged(tmp_path: Path) -> None:
    header = ["id", "at", "wait", "transfers"]
    dates = _csv(tmp_path, "d.csv", header, [["C1", "2024-01-01", "1", "0"],
                                             ["C2", "2024-01-02 00:00", "1", "0"]])  # fmt: skip
    timed = _csv(tmp_path, "t.csv", header, [["C1", "2024-01-01", "1", "0"],
                                             ["C2", "2024-01-02 09:30", "1", "0"]])  # fmt: skip
    flagged = _measured(dates, CALLS)
    assert [f.field for f in flagged.midnight] == ["started_at"]
    assert any("every time is 00:00" in x for x in quality.lines(flagged, "en"))
    assert not _measured(timed, CALLS).midnight


def test_survey_rows_without_any_score_are_counted(tmp_path: Path) -> None:
    rows = [
        ["R1", "2024-03-01", "9", "", ""],
        ["R2", "2024-03-01", "", "", ""],
        ["R3", "2024-03-02", "", "4", ""],
        ["R4", "2024-03-02", " ", "", ""],
        ["R5", "2024-03-03", "", "", "6"],
        ["R6", "2024-03-03", "", "", ""],
    ]
    path = _csv(tmp_path, "s.csv", ["rid", "at", "nps", "csat", "ces"], rows)
    by_hand = sum(1 for r in rows if not any(c.strip() for c in r[2:]))
    q = _measured(path, SURVEYS)
    assert q.no_score == by_hand == 3
    assert "3 of 6 responses have no score" in "\n".join(quality.lines(q, "en"))
    assert [(g.field, g.kpis) for g in q.gaps] == [("call_id", ("response_rate",))]


def test_duplicate_keys_are_counted_in_both_flows(store: Store, tmp_path: Path) -> None:
    one, two = ["C1", "2024-01-01 10:00", "1", "0"], ["C2", "2024-01-01 10:00", "1", "0"]
    rows = [one, two, one, ["C3", "2024-01-02 10:00", "1", "0"], two, one]
    path = _csv(tmp_path, "k.csv", ["id", "at", "wait", "transfers"], rows)
    q = _measured(path, CALLS)
    assert (q.duplicate_keys, q.duplicate_rows) == (2, 5)
    streamed = quality.of(ingest(store, read_file(path), CALLS, chunk_rows=2))
    assert streamed == q
    assert "Keys used by more than one row: 2 (5 rows)" in "\n".join(quality.lines(q, "en"))


def test_shares_and_ranges_match_polars_on_the_raw_file(tmp_path: Path) -> None:
    rows = [
        ["C1", "2024-01-05 08:00", "30", "1"],
        ["C2", "2024-01-01 09:15", "", "x"],
        ["C3", "nope", "  ", ""],
        ["C4", "2024-02-10 17:45", "abc", "2"],
        ["C5", "", "12.5", "0"],
        ["C6", "2024-01-20 10:00", "7.25", "-1"],
        ["C7", "2024-01-21 10:00", "600", "3"],
    ]
    path = _csv(tmp_path, "r.csv", ["id", "at", "wait", "transfers"], rows)
    q = _measured(path, CALLS)
    frame = pl.read_csv(path, infer_schema=False)
    text = lambda c: pl.col(c).str.strip_chars().replace("", None)  # noqa: E731
    wait = text("wait").cast(pl.Float64, strict=False)
    count = text("transfers").cast(pl.Int64, strict=False)
    count = pl.when(count >= 0).then(count)
    at = text("at").str.to_datetime("%Y-%m-%d %H:%M", strict=False)
    expected = frame.select(
        rows=pl.len(),
        wait_filled=text("wait").count(), wait_parsed=wait.count(),
        wait_low=wait.min(), wait_high=wait.max(),
        transfers_filled=text("transfers").count(), transfers_parsed=count.count(),
        transfers_low=count.min(), transfers_high=count.max(),
        at_filled=text("at").count(), at_parsed=at.count(), at_low=at.min(), at_high=at.max(),
    ).row(0, named=True)  # fmt: skip
    for name, field in (("wait", "wait_s"), ("transfers", "transfers"), ("at", "started_at")):
        f = q.for_field(field)
        assert f is not None
        assert (f.rows, f.filled, f.parsed) == (
            expected["rows"], expected[f"{name}_filled"], expected[f"{name}_parsed"]
        )  # fmt: skip
        assert (f.low, f.high) == (expected[f"{name}_low"], expected[f"{name}_high"])
        assert f.filled_share == pytest.approx(f.filled / 7)
        assert f.parsed_share == pytest.approx(f.parsed / f.filled)
    assert (q.for_field("wait_s").filled, q.for_field("wait_s").parsed) == (5, 4)  # type: ignore[union-attr]


def test_distinct_values_are_exact_up_to_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[f"C{i}", "2024-01-01 10:00", str(i % 4), str(i % 7)] for i in range(40)]
    path = _csv(tmp_path, "d.csv", ["id", "at", "wait", "transfers"], rows)
    monkeypatch.setattr(quality_report, "DISTINCT_CAP", 5)
    q = _measured(path, CALLS)
    assert q.for_field("wait_s").distinct == 4  # type: ignore[union-attr]
    assert q.for_field("transfers").distinct is None  # type: ignore[union-attr]
    assert q.for_field("call_id").distinct is None  # type: ignore[union-attr]
    shown = quality.table(q, "es")
    assert shown.columns[-1] == "Valores distintos"
    assert shown.row(0)[-1] == "más de 5"


# -- one report, however the file is loaded --------------------------------------------------


def _messy_surveys(tmp_path: Path) -> Path:
    rows = [[f"R{i}", f"2024-03-{1 + i % 28:02d} 1{i % 10}:00" if i % 9 else "2024-03-05",
             str(i % 11) if i % 3 else "", str(1 + i % 5) if i % 4 else "bad", "", f"c{i % 6}"]
            for i in range(1, 60)]  # fmt: skip
    rows[10] = ["", "", "", "", "", ""]  # blank: skipped, not measured
    rows[20] = list(rows[0])  # a repeated key
    rows[30][1] = "31/02/2024"  # not a date
    header = ["rid", "at", "nps", "csat", "ces", "comment"]
    return _csv(tmp_path, "m.csv", header, rows)


@pytest.mark.parametrize("chunk_rows", [7, 1000])
def test_streaming_ingest_gives_the_report_of_validate_and_load(
    store: Store, tmp_path: Path, chunk_rows: int
) -> None:
    path = _messy_surveys(tmp_path)
    mapping = Mapping.of("surveys", {**SURVEYS.as_dict, "comment": "comment"}, ces_scale=7,
                         ces_direction="easier")  # fmt: skip
    validated = validate(read_file(path), mapping)
    eager = load(store, validated)
    measured = quality.of(eager)
    assert measured == quality.measure(validated)
    assert measured is not None and measured.rows == eager.n_rows == 58
    undo_batch(store, eager.batch_id)
    streamed = ingest(store, read_file(path), mapping, chunk_rows=chunk_rows)
    assert quality.of(streamed) == measured
    assert (measured.duplicate_keys, measured.duplicate_rows) == (1, 2)
    assert measured.for_field("ces").filled == 0  # type: ignore[union-attr]
    assert [g.why for g in measured.gaps if g.field == "ces"] == ["empty"]


def test_a_preview_report_can_be_passed_to_load(store: Store, tmp_path: Path) -> None:
    validated = validate(read_file(_messy_surveys(tmp_path)), SURVEYS)
    measured = quality.measure(validated)
    assert quality.of(load(store, validated, measured=measured)) == measured


# -- kept in the batch log --------------------------------------------------------------------


def test_the_report_is_kept_in_the_batch_log(store: Store, tmp_path: Path) -> None:
    path = _messy_surveys(tmp_path)
    report = ingest(store, read_file(path), SURVEYS, chunk_rows=10)
    logged = list_batches(store).row(0, named=True)["quality"]
    assert logged == report.quality
    back = Quality.from_json(logged)
    assert back == quality.of(report)
    assert isinstance(back.for_field("responded_at").low, dt.datetime)  # type: ignore[union-attr]
    assert Quality.from_json(back.to_json()) == back


def test_an_older_store_upgrades_and_its_batches_have_no_report(tmp_path: Path) -> None:
    path = str(tmp_path / "v5.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=5)
    con.execute("insert into ingest_batches (target, file_name) values ('calls', 'a.csv')")
    con.close()
    store = connect(path)
    try:
        assert store.schema_version() == migrations.LATEST
        batches = list_batches(store)
        assert batches["quality"].to_list() == [None]
        rows = [["C1", "2024-01-01 10:00", "1", "0"]]
        ingest(store, read_file(_csv(tmp_path, "c.csv", ["id", "at", "wait", "transfers"], rows)),
               CALLS)  # fmt: skip
        assert list_batches(store)["quality"][0] is not None
    finally:
        store.close()


# -- words -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_field_and_gap_has_words_in_both_languages(tmp_path: Path, lang: i18n.Lang) -> None:
    needed = {f for target in quality.NEEDS.values() for _, fields in target for f in fields}
    catalog = i18n.catalog(lang)
    assert sorted(f for f in needed if f"quality.why.{f}" not in catalog) == []
    rows = [["C1", "2024-01-01", "", "1"], ["C1", "2024-01-02", "", "1"]]
    q = _measured(_csv(tmp_path, "w.csv", ["id", "at", "wait", "transfers"], rows), CALLS)
    said = quality.lines(q, lang, lambda s: s.upper())
    assert said and not any("{" in line or "quality." in line for line in said)
    assert any("WAIT" in line for line in said)  # the file's names are escaped
    assert quality.table(q, "en").row(2)[2:5] == ("0.0%", "–", "")


@pytest.mark.parametrize(
    ("lang", "generated", "constant"),
    [("en", "made from each row's content", "“web” for every row"),
     ("es", "formada con el contenido de cada fila", "«web» para todas las filas")],
)  # fmt: skip
def test_a_generated_key_and_a_constant_are_named_in_words(
    tmp_path: Path, lang: str, generated: str, constant: str
) -> None:
    text = b.csv_text([["Timestamp", "NPS"], ["2024-03-01 10:00", "9"]])
    raw = read_file(b.write(tmp_path / "form.csv", text))
    mapping = suggest_mapping(raw, "surveys").mapping.with_transform(
        "survey_channel", constant="web"
    )
    shown = quality.table(quality.measure(validate(raw, mapping)), lang)
    sources = shown.get_column(shown.columns[1]).to_list()
    assert generated in sources and constant in sources


@pytest.mark.parametrize(
    ("at", "lang", "shown"),
    [
        (("2024-01-05 08:00", "2024-02-10 17:45"), "es", "de 05/01/2024 08:00 a 10/02/2024 17:45"),
        (("2024-01-05 08:00", "2024-02-10 17:45"), "en", "2024-01-05 08:00 to 2024-02-10 17:45"),
        (("2024-01-05", "2024-02-10"), "es", "de 5 ene 2024 a 10 feb 2024"),
        (("2024-01-05", "2024-02-10"), "en", "5 Jan 2024 to 10 Feb 2024"),
    ],
)
def test_date_ranges_read_as_the_reader_writes_dates(
    tmp_path: Path, at: tuple[str, str], lang: str, shown: str
) -> None:
    rows = [[f"C{i}", day, "30", "1"] for i, day in enumerate(at)]
    q = _measured(_csv(tmp_path, "d.csv", ["id", "at", "wait", "transfers"], rows), CALLS)
    table = quality.table(q, lang)
    assert shown in table.get_column(table.columns[4]).to_list()  # the "range" column
