"""Hostile files, built in the test (nothing binary is committed): one per class of
the issue-15 findings, plus the classic ways a file goes wrong.

Each builder returns a :class:`Bad`: the file's name and bytes, the target, the rows
it holds (when it can be counted), and what must happen: ``refused`` with a code (or
any refusal: ``"*"``), or ``loaded``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tests.hostile.harness import Person

HEADER = ["response_id", "responded_at", "nps", "csat", "comment"]
NPS_MAPPED = Person(columns={"nps": "nps"})


@dataclass(frozen=True)
class Bad:
    name: str
    data: bytes
    expect: str  # "loaded" or a refusal code, "*" for any refusal
    target: str = "surveys"
    rows: int | None = None
    #: What a person settles (CLI flags; the Upload page's choices).
    person: Person | None = None


def csv(rows: list[list[str]], header: list[str] = HEADER, sep: str = ",") -> str:
    out = io.StringIO()
    import csv as csvmodule

    csvmodule.writer(out, delimiter=sep, lineterminator="\n").writerows([header, *rows])
    return out.getvalue()


def survey_rows(n: int, nps: Callable[[int], str] = lambda i: str(i % 11)) -> list[list[str]]:
    return [[f"R{i:04d}", f"2024-03-{1 + i % 28:02d} 10:{i % 60:02d}", nps(i), "4", f"c{i}"]
            for i in range(n)]  # fmt: skip


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, sheet: Callable[[bytes], bytes], level: int = 6) -> bytes:
    """The workbook with its worksheets' XML rewritten."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as book:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                body = sheet(body)
            book.writestr(info.filename, body)
    return out.getvalue()


def _small_book() -> bytes:
    return workbook([HEADER, *survey_rows(3)])


def xlsx_dimension() -> Bad:
    """F6: 1.6 KB whose used range is declared to reach XFD1048576."""
    data = rezip(
        _small_book(),
        lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', x),
    )
    return Bad("dimension.xlsx", data, "workbook_columns")


def xlsx_far_cell() -> Bad:
    """F6: no dimension; one cell at XFD1048576 (calamine spans the rectangle)."""
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    data = rezip(
        _small_book(),
        lambda x: re.sub(rb"<dimension[^>]*/>", b"", x).replace(b"</sheetData>", far),
    )
    return Bad("far.xlsx", data, "workbook_columns")


def xlsx_tall() -> Bad:
    """A declared range of two million rows in one column."""
    data = rezip(
        _small_book(),
        lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:E2000000"', x),
    )
    return Bad("tall.xlsx", data, "workbook_rows")


def xlsx_bomb() -> Bad:
    """F6: a dense zip bomb (~24 MB of XML in a few tens of KB)."""
    cells = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 500_000
    data = rezip(_small_book(), lambda x: x.replace(b"</sheetData>", cells + b"</sheetData>"), 9)
    return Bad("bomb.xlsx", data, "workbook_ratio")


def xlsx_corrupt() -> Bad:
    """A workbook cut in half."""
    data = _small_book()
    return Bad("cut.xlsx", data[: len(data) // 2], "unreadable")


def xlsx_not_zip() -> Bad:
    return Bad("fake.xlsx", b"PK\x03\x04 this is not a zip at all" * 20, "unreadable")


def nps_0_100() -> Bad:
    """F7: NPS on a 0-100 scale, mapped by a person: refused, not NULLs."""
    text = csv(survey_rows(40, lambda i: str(10 + i * 2)))
    return Bad("nps100.csv", text.encode(), "column_unreadable", rows=40, person=NPS_MAPPED)


def nps_words() -> Bad:
    text = csv(survey_rows(30, lambda i: ["good", "bad", "meh"][i % 3]))
    return Bad("npswords.csv", text.encode(), "column_unreadable", rows=30, person=NPS_MAPPED)


def nps_huge_parquet() -> Bad:
    """F7: huge floats in a typed Parquet column."""
    frame = pl.DataFrame(
        {
            "response_id": [f"P{i}" for i in range(25)],
            "responded_at": ["2024-03-01 10:00"] * 25,
            "nps": [1e300 * (i + 1) for i in range(25)],
        }
    )
    out = io.BytesIO()
    frame.write_parquet(out)
    return Bad("huge.parquet", out.getvalue(), "column_unreadable", rows=25, person=NPS_MAPPED)


def nps_some_bad() -> Bad:
    """F7, the other side: a few bad values reject their rows; the rest load."""
    text = csv(survey_rows(20, lambda i: "15" if i < 3 else str(i % 11)))
    return Bad("some_bad.csv", text.encode(), "loaded", rows=20)


def mixed_encoding() -> Bad:
    """F9: UTF-8 lines and Windows-1252 lines in one file."""
    head = csv(survey_rows(2)).encode("utf-8") + "R9000,2024-03-01 10:00,9,5,café bueno\n".encode()
    tail = "R9001,2024-03-01 10:00,9,5,“atención” rápida\n".encode("cp1252")
    return Bad("mixed.csv", head + tail, "mixed_encoding")


def control_characters() -> Bad:
    """F9: NUL and other control characters in ids and values: removed, counted."""
    rows = [[f"R\x00{i}", "2024-03-01 10:00", "9", "5", f"a\x07b\x1b[31m{i}"] for i in range(5)]
    return Bad("control.csv", csv(rows).encode(), "loaded", rows=5)


def header_only() -> Bad:
    return Bad("header.csv", (",".join(HEADER) + "\n").encode(), "no_rows")


def blank_rows_only() -> Bad:
    return Bad("blank.csv", (",".join(HEADER) + "\n" + ",,,,\n" * 4).encode(), "no_rows")


def empty() -> Bad:
    return Bad("empty.csv", b"", "empty_file")


def ragged() -> Bad:
    text = csv(survey_rows(3)) + "R0099,2024-03-01 10:00,9,5,x,extra,more\n"
    return Bad("ragged.csv", text.encode(), "ragged_row")


def bad_quotes() -> Bad:
    text = csv(survey_rows(3)) + 'R0098,2024-03-01 10:00,9,5,"never closed\n'
    return Bad("quotes.csv", text.encode(), "*")


def json_not_object() -> Bad:
    lines = [json.dumps({"response_id": "J1", "responded_at": "2024-03-01 10:00"}), "[1, 2]"]
    return Bad("lines.jsonl", ("\n".join(lines) + "\n").encode(), "invalid_json")


def parquet_truncated() -> Bad:
    out = io.BytesIO()
    pl.DataFrame({"response_id": ["a"], "responded_at": ["2024-03-01"]}).write_parquet(out)
    return Bad("cut.parquet", out.getvalue()[:40], "unreadable")


def binary_garbage() -> Bad:
    data = bytes((i * 131 + 7) % 256 for i in range(4000))
    return Bad("garbage.csv", data, "*")


def formulas_and_markup() -> Bad:
    """Formula and markup text in values: stored as text (exports neutralise them)."""
    rows = [[f"F{i}", "2024-03-01 10:00", "9", "5", v] for i, v in
            enumerate(["=HYPERLINK(\"http://evil\")", "+1+1", "<b>x</b>", "[x](http://e)"])]  # fmt: skip
    return Bad("formulas.csv", csv(rows).encode(), "loaded", rows=4)


def utf16() -> Bad:
    return Bad("utf16.csv", csv(survey_rows(5)).encode("utf-16"), "loaded", rows=5)


def huge_cell() -> Bad:
    rows = [["H1", "2024-03-01 10:00", "9", "5", "x" * 2_000_000]]
    return Bad("hugecell.csv", csv(rows).encode(), "loaded", rows=1)


def markdown_name() -> Bad:
    """F3: a file name that is a Markdown link."""
    return Bad(
        "[click](javascript:alert(1)) **b**.csv", csv(survey_rows(2)).encode(), "loaded", rows=2
    )


# -- found by the fuzz (test_fuzz_*.py): each crashed, or hung, before its fix -----------------


def utf16_mark_on_utf8() -> Bad:
    """A UTF-16 byte-order mark before UTF-8 text, an odd number of bytes: decoding
    as UTF-16 raised UnicodeDecodeError through both doors (now: unreadable)."""
    data = b"\xff\xfe" + csv(survey_rows(3)).encode()
    return Bad("bom16.csv", data if len(data) % 2 else data + b"x", "unreadable")


def xlsx_sheet_cut() -> Bad:
    """A worksheet's XML cut in half inside a sound zip: calamine's error escaped
    (``load_sheet`` parses the sheet, not ``read_excel``)."""
    return Bad("sheetcut.xlsx", rezip(_small_book(), lambda x: x[: len(x) // 2]), "unreadable")


def xlsx_sheet_root_renamed() -> Bad:
    """XML calamine reads and openpyxl does not: openpyxl's ParseError escaped."""
    data = rezip(_small_book(), lambda x: x.replace(b"<worksheet", b"<work sheet", 1))
    return Bad("sheetroot.xlsx", data, "unreadable")


def xlsx_deflate_damaged() -> Bad:
    """A byte of a worksheet's compressed data changed: zipfile's zlib.error escaped
    the workbook limits' check (it caught only the zip's own errors)."""
    data = _small_book()
    book = zipfile.ZipFile(io.BytesIO(data))
    sheet = book.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename) + len(sheet.extra)
    for at in range(start, start + sheet.compress_size):
        bad = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
        try:
            zipfile.ZipFile(io.BytesIO(bad)).read(sheet.filename)
        except zlib.error:
            return Bad("deflate.xlsx", bad, "unreadable")
        except Exception:  # another error (a bad CRC): try the next byte
            continue
    raise AssertionError("no byte of the sheet gives zlib.error")


def many_labels() -> Bad:
    """A CSAT label map of 24 labels: its expression doubled per label, and planning
    it took polars hours (14 labels: 31 s). Now it loads; the labels are read."""
    labels = [f"nivel {chr(97 + i)}" for i in range(24)]
    rows = [[f"L{i}", "2024-03-01 10:00", "9", labels[i % 24], "c"] for i in range(30)]
    spec = ",".join(f"{label}:{1 + i % 5}" for i, label in enumerate(labels))
    person = Person(columns={"csat": "csat"}, values={"csat": spec})
    return Bad("labels.csv", csv(rows).encode(), "loaded", rows=30, person=person)


def _parquet(table: dict[str, pa.Array], group: int | None = None) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.table(table), out, row_group_size=group)
    return out.getvalue()


def _three() -> bytes:
    return _parquet({"response_id": pa.array(["P0", "P1", "P2"]),
                     "responded_at": pa.array(["2024-03-01 10:00"] * 3), "nps": pa.array([1, 2, 3])})  # fmt: skip


def _flip(data: bytes, at: int, mask: int) -> bytes:
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]


def _first_flip(data: bytes, mask: int, damaged: Callable[[pq.FileMetaData], bool]) -> bytes:
    """The file with the first byte of its footer whose flip leaves every page readable
    by pyarrow but gives ``damaged`` metadata. The pages are read before the metadata
    is looked at, as the product does: pyarrow's metadata accessors abort the process
    on some footers its reader refuses cleanly."""
    footer = int.from_bytes(data[-8:-4], "little")
    for at in range(len(data) - 9, len(data) - 9 - footer, -1):
        bad = _flip(data, at, mask)
        try:
            parquet = pq.ParquetFile(io.BytesIO(bad))
            for _ in parquet.iter_batches():
                pass
        except Exception:  # that flip breaks the file: try the next
            continue
        if damaged(parquet.metadata):
            return bad
    raise AssertionError("no such flip: the writer's layout changed")


def parquet_page_size() -> Bad:
    """One flipped byte in a data page's header (its declared size): polars allocated
    2**61 bytes and the process aborted (the whole server, through the Upload page).
    pyarrow now decodes every page first and refuses it."""
    data = _three()
    page = pq.read_metadata(io.BytesIO(data)).row_group(0).column(0).data_page_offset
    return Bad("pagesize.parquet", _flip(data, page + 8, 1), "unreadable")


def parquet_count_lies() -> Bad:
    """A footer whose column declares -4 values for 3 rows: polars panicked (through
    the CLI; pyarrow does not look). Now the counts are checked."""
    bad = _first_flip(_three(), 1, lambda m: m.row_group(0).column(0).num_values < 0)
    return Bad("counts.parquet", bad, "unreadable")


def parquet_far_dates() -> Bad:
    """Valid Parquet, dates beyond year 9999 (a millisecond timestamp of 9e15, day
    10**8): polars panicked writing them as text. Now those rows are rejected."""
    table = {
        "response_id": pa.array([f"D{i}" for i in range(6)]),
        "responded_at": pa.array([9 * 10**15, -(2**62), *[1_700_000_000_000] * 4],
                                 pa.timestamp("ms")),
        "day": pa.array([10**8, -(2**31), *[19_000] * 4], pa.date32()),
    }  # fmt: skip
    person = Person(columns={"responded_at": "responded_at"})
    return Bad("fardates.parquet", _parquet(table), "loaded", rows=6, person=person)


def parquet_stats_field() -> Bad:
    """A flipped byte that unsets one column chunk's statistics: the data is whole, and
    both doors load it (polars's own Parquet reader panicked on it when the CLI read the
    path lazily; Pulso reads Parquet pages through pyarrow)."""
    table = {"response_id": pa.array(["S0", "S1", "S2", "S3", "S4"]),
             "responded_at": pa.array(["2024-03-01 10:00"] * 5),
             "comment": pa.array(["a", None, "ccc", "d" * 50, "é"])}  # fmt: skip
    last = (len(table["response_id"]) - 1) // 2
    bad = _first_flip(
        _parquet(table, group=2), 32, lambda m: not m.row_group(last).column(2).is_stats_set
    )
    return Bad("stats.parquet", bad, "loaded", rows=5)


BUILDERS: tuple[Callable[[], Bad], ...] = (
    xlsx_dimension, xlsx_far_cell, xlsx_tall, xlsx_bomb, xlsx_corrupt, xlsx_not_zip,
    nps_0_100, nps_words, nps_huge_parquet, nps_some_bad, mixed_encoding, control_characters,
    header_only, blank_rows_only, empty, ragged, bad_quotes, json_not_object, parquet_truncated,
    binary_garbage, formulas_and_markup, utf16, huge_cell, markdown_name,
    utf16_mark_on_utf8, xlsx_sheet_cut, xlsx_sheet_root_renamed, xlsx_deflate_damaged, many_labels,
    parquet_page_size, parquet_count_lies, parquet_far_dates, parquet_stats_field,
)  # fmt: skip
