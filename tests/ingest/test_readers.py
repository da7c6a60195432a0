"""Reading every supported format: delimiters, encodings, row numbers, refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from analytics.ingest import ROW, IngestError, ReadOptions, ingest, quality, read_file, validate
from analytics.ingest.delimiters import detect
from analytics.ingest.encoding import sniff
from analytics.ingest.mapping import suggest_mapping
from analytics.store import connect
from tests.ingest import builders as b

ROWS = [["call_id", "started_at", "note"], ["C1", "2024-01-02", "a"], ["C2", "2024-01-03", "b"]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    raw = read_file(b.write(tmp_path / "f.txt", b.csv_text(ROWS, delimiter)))
    assert raw.facts.delimiter == delimiter
    assert raw.columns == ("call_id", "started_at", "note")
    assert raw.frame.get_column("call_id").to_list() == ["C1", "C2"]


def test_commas_inside_quoted_questions_do_not_fool_the_sniffer() -> None:
    question = "How likely, on a scale from 0 to 10, are you to recommend us?"
    text = b.csv_text([["id", question], ["R1", "9"], ["R2", "10"]], ";")
    assert detect(text) == ";"


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("cp1252", b"", "cp1252"),  # curly quotes and the euro sign: 0x80-0x9F bytes
        ("latin-1", b"", "latin-1"),
        ("utf-16", b"", "utf-16"),
    ],
)
def test_encodings(tmp_path: Path, encoding: str, bom: bytes, expected: str) -> None:
    text = "id;producto\nC1;Tarifa “Plus” 10 €\nC2;Duración año\n"
    if encoding == "latin-1":  # Latin-1 has no curly quotes nor euro
        text = "id;producto\nC1;Tarifa Plus\nC2;Duración año\n"
    path = tmp_path / "f.csv"
    path.write_bytes(bom + text.encode(encoding))
    raw = read_file(path)
    assert raw.facts.encoding == expected
    expected_values = [line.split(";")[1] for line in text.splitlines()[1:]]
    assert raw.frame.get_column("producto").to_list() == expected_values
    assert raw.columns == ("id", "producto")


def test_sha256_is_of_the_file_bytes(tmp_path: Path) -> None:
    path = b.spanish_calls(tmp_path / "ll.csv")
    import hashlib

    assert read_file(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert sniff([path.read_bytes()]).sha256 == read_file(path.read_bytes(), "ll.csv").sha256


def test_a_latin1_file_with_utf8_letters_after_ascii_blocks_is_mixed() -> None:
    """The ASCII blocks skip the UTF-8 search (a speed-up): the letters of a later
    block, in a file that is not UTF-8, still make it mixed; alone, they are UTF-8."""
    ascii_block = b"call_id,queue\n" + b"C1,Ventas\n" * 100_000
    utf8_letters = "C2,Atenci\u00f3n\n".encode()
    assert sniff([ascii_block, utf8_letters]).encoding == "utf-8"
    found = sniff([ascii_block, utf8_letters, b"C3,Atenci\xf3n\n"])  # then a Latin-1 byte
    assert found.mixed and not sniff([ascii_block, b"C3,Atenci\xf3n\n"]).mixed


def test_an_ascii_block_after_a_cut_utf8_letter_is_not_utf8() -> None:
    """An ASCII block is not decoded (a speed-up) unless a letter of the block before
    waits for its end: a lone lead byte then makes the file not UTF-8."""
    cut = b"call_id,queue\nC1,Atenci\xc3"  # the first byte of "\u00f3", then ASCII
    assert sniff([cut, b"\xb3n\n" + b"C2,Ventas\n" * 10]).encoding == "utf-8"
    assert sniff([cut, b"n\n" + b"C2,Ventas\n" * 10]).encoding != "utf-8"
    # the letter's end after the ASCII block must not complete it
    assert sniff([cut, b"n\nC2,Ventas\n", b"\xb3\n"]).encoding != "utf-8"
    assert sniff([b"C1,Ventas\n", b"C2,Ventas\n"]).encoding == "utf-8"


@pytest.mark.parametrize(
    ("content", "free"),
    [
        (b"call_id,queue\r\nC1,\tVentas\r\n", True),  # tabs and line breaks are text
        (b"call_id,queue\nC1,Ven\x07tas\n", False),  # a bell: counted, then removed
        ("call_id,queue\nC1,Atenci\u00f3n\n".encode(), False),  # not ASCII: C1 possible
        ("call_id,queue\nC1,Ventas\n".encode("utf-16"), False),
        (b"\xef\xbb\xbfcall_id,queue\nC1,Ventas\n", True),  # Excel's UTF-8 BOM
    ],
)
def test_only_plain_ascii_text_skips_the_control_character_count(
    content: bytes, free: bool
) -> None:
    assert read_file(content, "calls.csv").facts.control_free is free


def test_a_control_character_past_the_first_megabyte_is_still_removed_and_counted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "calls.csv"
    rows = b"".join(b"C%d,2024-05-0%d 10:00,Ventas\n" % (i, 1 + i % 9) for i in range(60_000))
    path.write_bytes(b"call_id,started_at,queue\n" + rows + b"C-last,2024-05-01 10:00,Ve\x07nt\n")
    raw = read_file(path)
    assert path.stat().st_size > 1 << 20 and not raw.facts.control_free
    store = connect(str(tmp_path / "s.duckdb"))
    report = ingest(store, raw, suggest_mapping(raw, "calls").mapping)
    last = store.sql("select queue from calls where call_id = 'C-last'")["queue"].to_list()
    store.close()
    found = quality.of(report)
    assert last == ["Vent"] and found is not None and found.control_cells == 1
    plain = tmp_path / "plain.csv"
    plain.write_bytes(path.read_bytes().replace(b"\x07", b""))
    raw = read_file(plain)
    assert raw.facts.control_free
    measured = quality.measure(validate(raw, suggest_mapping(raw, "calls").mapping))
    assert measured.control_cells == 0 and measured.rows == 60_001


def test_spanish_extract_facts(tmp_path: Path) -> None:
    raw = read_file(b.spanish_calls(tmp_path / "llamadas.csv"))
    facts = raw.facts
    assert (facts.delimiter, facts.encoding, facts.decimal) == (";", "cp1252", ",")
    assert (facts.date_order, facts.dayfirst) == ("dayfirst", True)
    assert facts.date_evidence == ("13/02/2024 09:15",)
    assert raw.frame.get_column("Producto").to_list()[0] == "Tarifa “Plus” 10 €"


def test_row_numbers_count_header_and_multiline_cells_as_a_spreadsheet_does(
    tmp_path: Path,
) -> None:
    text = 'id,comment\n1,"two\nlines"\n\n2,x\n'
    raw = read_file(b.write(tmp_path / "f.csv", text))
    frame = raw.frame.filter(pl.col("id").is_not_null())
    assert frame.get_column(ROW).to_list() == [2, 4]  # the blank line is row 3


def test_bytes_and_path_read_the_same(tmp_path: Path) -> None:
    path = b.spanish_calls(tmp_path / "llamadas.csv")
    from_path, from_bytes = read_file(path), read_file(path.read_bytes(), "llamadas.csv")
    assert from_path.frame.equals(from_bytes.frame)
    assert from_path.facts == from_bytes.facts


def test_xlsx_sheet_choice_and_excel_row_numbers(tmp_path: Path) -> None:
    rows = [["ID", "Fecha", "Espera"], ["C1", dt.datetime(2024, 3, 5, 14, 30), 12.5],
            [None, None, None], ["C2", "31/01/2024", 7]]  # fmt: skip
    path = b.xlsx(tmp_path / "book.xlsx", {"Resumen": [["nada"]], "Llamadas": rows}, top=3)
    raw = read_file(path, options=ReadOptions(sheet="Llamadas"))
    assert raw.facts.sheets == ("Resumen", "Llamadas") and raw.facts.sheet == "Llamadas"
    frame = raw.frame.filter(pl.col("ID").is_not_null())
    assert frame.get_column(ROW).to_list() == [4, 6]  # header on Excel row 3
    assert frame.get_column("Fecha").to_list() == ["2024-03-05 14:30:00", "31/01/2024"]
    assert frame.get_column("Espera").to_list() == ["12.5", "7"]
    assert read_file(path, options=ReadOptions(sheet="2")).facts.sheet == "Llamadas"
    with pytest.raises(IngestError, match="no sheet Hoja9"):
        read_file(path, options=ReadOptions(sheet="Hoja9"))


def test_parquet_columns_become_text(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "call_id": ["C1", "C2"],
            "started_at": [dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 1, 3)],
            "wait": [dt.timedelta(seconds=95), dt.timedelta(minutes=2)],
            "resolved": [True, False],
        }
    )
    raw = read_file(b.parquet(tmp_path / "calls.parquet", frame))
    out = raw.frame
    assert out.get_column(ROW).to_list() == [1, 2]
    assert out.get_column("wait").to_list() == ["95.0", "120.0"]
    assert out.get_column("resolved").to_list() == ["true", "false"]
    assert out.get_column("started_at").to_list()[0].startswith("2024-01-02 03:04:05")


def test_jsonl_line_numbers_keys_and_nested_values(tmp_path: Path) -> None:
    records = [{"call_id": "C1", "wait": 5}, None, {"call_id": "C2", "extra": {"a": 1}}]
    raw = read_file(b.jsonl(tmp_path / "calls.jsonl", records))
    assert raw.columns == ("call_id", "wait", "extra")
    assert raw.frame.get_column(ROW).to_list() == [1, 3]
    assert raw.frame.get_column("extra").to_list() == [None, '{"a": 1}']


def test_jsonl_bad_line_is_named(tmp_path: Path) -> None:
    path = b.write(tmp_path / "bad.jsonl", '{"a": 1}\n{"a": 2\n')
    with pytest.raises(IngestError) as err:
        read_file(path)
    assert err.value.code == "invalid_json" and err.value.row == 2


def test_ragged_row_is_refused_naming_the_row(tmp_path: Path) -> None:
    path = b.write(tmp_path / "bad.csv", "a,b\n1,2\n3,4,5\n")
    with pytest.raises(IngestError) as err:
        read_file(path)
    assert (err.value.code, err.value.row, err.value.file) == ("ragged_row", 3, "bad.csv")
    assert "row 3 has 3 fields, expected 2" in str(err.value)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [("empty.csv", b"", "empty_file"), ("x.pdf", b"%PDF-1.4", "unsupported_format")],
)
def test_unreadable_files_are_refused(tmp_path: Path, name: str, content: bytes, code: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        read_file(path)
    assert err.value.code == code and err.value.file == name


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        read_file(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("bad", "code"),
    [("C3999,2024-01-01,x,EXTRA", "ragged_row"), ('C3999,"2024-01-01,x', "malformed_row")],
)
def test_a_broken_row_far_into_the_file_is_refused_by_row(
    tmp_path: Path, bad: str, code: str
) -> None:
    """Found while streaming (past the first rows read up front), still named."""
    from analytics.ingest import Mapping, ingest, validate
    from analytics.store import connect

    lines = ["call_id,started_at,q", *(f"C{i},2024-01-01,x" for i in range(5000))]
    lines[4000] = bad
    raw = read_file(b.write(tmp_path / "late.csv", "\n".join(lines) + "\n"))
    mapping = Mapping.of("calls", {"call_id": "call_id", "started_at": "started_at"})
    store = connect(":memory:")
    for attempt in (lambda: validate(raw, mapping), lambda: ingest(store, raw, mapping)):
        with pytest.raises(IngestError) as err:
            attempt()
        assert (err.value.code, err.value.row, err.value.file) == (code, 4001, "late.csv")
    assert store.sql("select count(*) as n from calls")["n"][0] == 0


def test_a_first_row_of_data_means_no_header_row(tmp_path: Path) -> None:
    """A PBX's call-detail records start with data: a date-time is never a column name."""
    text = '"c1","6789","2023-07-26 01:51:32","ANSWERED"\n"c2","1234","2023-07-26 01:52:11","NO ANSWER"\n'
    raw = read_file(b.write(tmp_path / "Master.csv", text))
    assert (raw.facts.layout, raw.columns[:3], raw.facts.n_rows) == (
        "headerless", ("column_1", "column_2", "column_3"), 2
    )  # fmt: skip
    assert raw.frame.get_column("__row__").to_list() == [1, 2]
    forced = read_file(
        b.write(tmp_path / "plain.csv", "a,b\n1,2\n"), options=ReadOptions(layout="headerless")
    )
    assert forced.frame.get_column("column_1").to_list() == ["a", "1"]
