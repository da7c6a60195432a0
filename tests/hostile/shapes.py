"""Fuzzed files built from values: many rows of hostile cells, hostile headers, and
damaged containers (workbooks, Parquet, JSON Lines).

Rows: per canonical column a few hostile values drawn by Hypothesis (numbers that
overflow or are not numbers, dates in many formats and impossible ones, control
characters, right-to-left and zero-width marks, formulas, markup, very long text),
spread over up to a few hundred rows by a Hypothesis-controlled random generator,
so that a file of many rows costs Hypothesis a few draws, not one per cell. The
first row stays plain, so that the layout read (a plain header) is known and every
row written can be counted in or out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from functools import cache

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

from analytics.ingest.model import Target
from tests.hostile import files
from tests.hostile.fuzz import Case

HOSTILE_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30
)  # control characters, NUL, RTL marks, emoji, line breaks...
HOSTILE_STRINGS = (
    "", " ", "\u00a0", "\u200b", "\u202eevil", "\ufeffx", "x\x00y", "\x1b[31mred", "\r", "a\nb",
    '"', '""', "'", ",", ";", "\t", "\\", "=1+1", "+SUM(A1)", "-2+3", "@cmd", "=HYPERLINK(\"x\")",
    "<a href=\"https://evil.example\">x</a>", "<b>x</b>", "[x](javascript:alert(1))", "**b**",
    "null", "NULL", "None", "NaN", "N/A", "#DIV/0!", "undefined", "true", "0", "-0",
    "Nоrth", "North ", "NORTH", "ｎｏｒｔｈ", "ש", "مرحبا", "😀", "👩‍👩‍👧", "x" * 5000,
)  # fmt: skip
BAD_NUMBERS = (
    "1e999", "-1e999", "NaN", "nan", "inf", "-inf", "Infinity", "-1", "-0", "10.5", "10,5",
    "11", "99999999999999999999", "9223372036854775808", "1e308", "0x9", "9e0", "+9", " 9 ",
    "٩", "９", "9 points", "=1+1", "", "½",
)  # fmt: skip
BAD_DATES = (
    "2024-02-30", "2023-02-29 10:00", "2024-13-01", "0000-00-00", "1899-12-31", "2101-01-01",
    "9999-12-31 23:59:59", "24:61", "2024-03-01 25:00", "31/03/2024", "03/31/2024",
    "04/03/2024", "1/2/03", "2024-03-01T10:00:00Z", "2024-03-01T10:00:00+14:00",
    "2024-03-01 10:00:00.123456789", "1711893900", "45382.5", "-1", "31 Mar 2024",
    "31 de marzo de 2024", "marzo", "yesterday", "2024/03/01", "20240301", "", "NaT",
)  # fmt: skip
BAD_DURATIONS = (
    "1:35", "01:02:03", "-5", "-00:01", "99:99", "1e308", "inf", "NaN", "1,5", "95.5",
    "5 min", "PT5M", "::", "", "٩٥",
)  # fmt: skip
BOOLEANS = (
    "yes", "no", "sí", "Sí", "SI", "true", "FALSE", "1", "0", "y", "n", "verdadero", "yes ",
    "maybe", "2", "-1", "",
)  # fmt: skip
SCALE_LABELS = ("Muy satisfecho", "Very satisfied", "satisfecho", "neutral", "5/5", "★★★★")
KINDS = {
    "surveys": {
        "response_id": "key", "call_id": "text", "customer_id": "text", "responded_at": "date",
        "survey_type": "survey_type", "survey_channel": "text", "nps": "nps", "csat": "csat",
        "comment": "text", "language": "text",
    },
    "calls": {
        "call_id": "key", "started_at": "date", "channel": "text", "queue": "text",
        "region": "text", "product": "text", "segment": "text", "agent_id": "text",
        "team": "text", "customer_id": "text", "wait_s": "duration", "duration_s": "duration",
        "hold_s": "duration", "transfers": "count", "resolved": "bool", "abandoned": "bool",
        "escalated": "bool",
    },
}  # fmt: skip
REQUIRED = {"surveys": ("response_id", "responded_at"), "calls": ("call_id", "started_at")}


DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S.%f")
DATES = st.builds(
    lambda d, f: d.strftime(f),
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2035, 1, 1)),
    st.sampled_from(DATE_FORMATS),
)
BAD = {
    "key": st.one_of(st.from_regex(r"[A-Z]{1,2}[0-9]{1,6}", fullmatch=True), HOSTILE_TEXT),
    "text": st.one_of(HOSTILE_TEXT, st.sampled_from(HOSTILE_STRINGS)),
    "date": st.one_of(DATES, st.sampled_from(BAD_DATES), HOSTILE_TEXT),
    "nps": st.one_of(st.integers(0, 10).map(str), st.sampled_from(BAD_NUMBERS), HOSTILE_TEXT),
    "csat": st.one_of(
        st.integers(1, 5).map(str), st.sampled_from(SCALE_LABELS), st.sampled_from(BAD_NUMBERS)
    ),
    "survey_type": st.sampled_from(["transactional", "relational", "Relacional", "other", ""]),
    "duration": st.one_of(st.integers(0, 5000).map(str), st.sampled_from(BAD_DURATIONS)),
    "count": st.one_of(st.integers(0, 5).map(str), st.sampled_from(BAD_NUMBERS)),
    "bool": st.sampled_from(BOOLEANS),
}


def _good(kind: str, i: int, rnd: random.Random) -> str:
    """A plain value of that kind, so that most rows of a file load."""
    return {
        "key": f"K{i:05d}",
        "text": rnd.choice(["North", "South", "phone", "chat", "ok", "A-1", "Team 2"]),
        "date": f"2024-03-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}",
        "nps": str(rnd.randint(0, 10)),
        "csat": str(rnd.randint(1, 5)),
        "survey_type": "transactional",
        "duration": str(rnd.randint(0, 900)),
        "count": str(rnd.randint(0, 3)),
        "bool": rnd.choice(["yes", "no"]),
    }[kind]


@st.composite
def table(
    draw: st.DrawFn, target: Target, max_rows: int = 400
) -> tuple[list[str], list[list[str]]]:
    """A header of canonical names (required ones kept, order shuffled) and rows whose
    cells are plain or drawn from a few hostile values per column."""
    kinds = KINDS[target]
    optional = [c for c in kinds if c not in REQUIRED[target]]
    chosen = list(REQUIRED[target]) + draw(st.lists(st.sampled_from(optional), unique=True))
    header = draw(st.permutations(chosen))
    pools = {c: draw(st.lists(BAD[kinds[c]], min_size=1, max_size=4)) for c in header}
    bad_share = draw(st.sampled_from([0.02, 0.1, 0.3, 0.8]))
    n = draw(st.integers(1, max_rows))
    rnd = draw(st.randoms(use_true_random=False))
    rows = [[_good(kinds[c], 0, rnd) for c in header]]
    for i in range(1, n):
        rows.append([rnd.choice(pools[c]) if rnd.random() < bad_share else _good(kinds[c], i, rnd)
                     for c in header])  # fmt: skip
    return header, rows


@st.composite
def row_file(draw: st.DrawFn, target: Target) -> Case:
    """Many fuzzed rows as delimited text (any delimiter, quoting, encoding) or JSON
    Lines (some values typed: numbers, booleans, nulls)."""
    header, rows = draw(table(target))
    if draw(st.integers(0, 4)) == 0:
        lines = [json.dumps(dict(zip(header, [_typed(v) for v in row], strict=True)))
                 for row in rows]  # fmt: skip
        return Case("rows.jsonl", ("\n".join(lines) + "\n").encode(), target, len(rows))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    out = io.StringIO()
    csv.writer(out, delimiter=sep, quoting=quoting, lineterminator="\n").writerows([header, *rows])
    enc = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    suffix = draw(st.sampled_from([".csv", ".txt", ".tsv"]))
    return Case(f"rows{suffix}", out.getvalue().encode(enc, errors="replace"), target, len(rows))


def _typed(value: str) -> object:
    """Some JSON values as JSON types (a number is a number, 'true' a boolean)."""
    if re.fullmatch(r"-?\d{1,18}", value):
        return int(value)
    if value in ("true", "false"):
        return value == "true"
    if value in ("null", "NULL"):
        return None
    return value


# -- headers -------------------------------------------------------------------------------

LOOKALIKES = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "i": "і", "_": " "})
HOSTILE_NAMES = (
    "", " ", "__row__", "__row__ (source)", "__line__", "column_1", "__index_level_0__",
    "=cmd|' /C calc'!A0", "<b>nps</b>", "[nps](http://e)", "n\nps", 'nps"', "nps,csat",
    "1", "2024-03-01 10:00", "RespondentID", '{"ImportId":"x"}', "\ufeffresponse_id",
    "x" * 5000, "nps\u200b", "\u202enps", "NPS", "Nps ", "ＮＰＳ",
)  # fmt: skip


def _renamed(draw: st.DrawFn, name: str) -> str:
    how = draw(st.sampled_from(["lookalike", "case", "space", "zero_width", "hostile"]))
    if how == "lookalike":
        return name.translate(LOOKALIKES)
    if how == "case":
        return draw(st.sampled_from([name.upper(), name.title().replace("_", " "),
                                     re.sub(r"_(.)", lambda m: m[1].upper(), name)]))  # fmt: skip
    if how == "space":
        return draw(st.sampled_from([f" {name} ", name.replace("_", "-"), f"{name}\t"]))
    if how == "zero_width":
        at = draw(st.integers(0, len(name)))
        return (
            name[:at] + draw(st.sampled_from(["\u200b", "\u200d", "\u00ad", "\ufeff"])) + name[at:]
        )
    return draw(st.sampled_from(HOSTILE_NAMES))


@st.composite
def header_file(draw: st.DrawFn) -> Case:
    """A small plain table whose header is damaged: names duplicated, blank, reordered,
    renamed to lookalikes or hostile text, dropped, or out of step with the rows."""
    target: Target = draw(st.sampled_from(["surveys", "calls"]))
    header, rows = draw(table(target, max_rows=6))
    columns = [[name, *(r[i] for r in rows)] for i, name in enumerate(header)]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(columns) - 1))
        how = draw(st.sampled_from(["duplicate", "rename", "rename", "drop", "blank", "extra"]))
        if how == "duplicate":
            columns.insert(draw(st.integers(0, len(columns))), list(columns[at]))
        elif how == "rename":
            columns[at][0] = _renamed(draw, columns[at][0])
        elif how == "drop" and len(columns) > 1:
            del columns[at]
        elif how == "blank":
            columns[at][0] = draw(st.sampled_from(["", " ", "\t"]))
        elif how == "extra":
            columns.append(
                [draw(st.sampled_from(HOSTILE_NAMES)), *(draw(HOSTILE_TEXT) for _ in rows)]
            )
    names = [c[0] for c in columns]
    body = [list(r) for r in zip(*(c[1:] for c in columns), strict=True)]
    shape = draw(st.sampled_from(["csv", "csv", "csv", "ragged", "jsonl", "parquet"]))
    return Case(*_header_bytes(draw, shape, names, body), target=target)


def _header_bytes(
    draw: st.DrawFn, shape: str, names: list[str], body: list[list[str]]
) -> tuple[str, bytes]:
    if shape == "jsonl":  # duplicate keys and all: written by hand
        pairs = [zip(names, r, strict=True) for r in body]
        lines = ["{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in p) + "}"
                 for p in pairs]  # fmt: skip
        return "headers.jsonl", ("\n".join(lines) + "\n").encode()
    if shape == "parquet":  # Arrow allows repeated and blank names
        arrays = [pa.array([r[i] for r in body], pa.string()) for i in range(len(names))]
        out = io.BytesIO()
        pq.write_table(pa.Table.from_arrays(arrays, names=names), out)
        return "headers.parquet", out.getvalue()
    if shape == "ragged":
        names = (
            names + [""] * draw(st.integers(-len(names) + 1, 2)) if draw(st.booleans()) else names
        )
        names = names[: max(1, len(names))]
    return "headers.csv", files.csv(body, header=names).encode()


# -- containers ----------------------------------------------------------------------------


@cache
def _workbook(rows: int) -> bytes:
    return files.workbook([files.HEADER, *files.survey_rows(rows)])


def _sheet_edit(draw: st.DrawFn) -> Callable[[bytes], bytes]:
    """A damage to a worksheet's XML: bytes, or cells no spreadsheet program writes."""
    cell = draw(st.sampled_from([
        b'<c r="B2" t="e"><v>#DIV/0!</v></c>', b'<c r="C2" t="b"><v>2</v></c>',
        b'<c r="A2" t="s"><v>99999</v></c>', b'<c r="C3" t="s"><v>-1</v></c>',
        b'<c r="C2" t="d"><v>2024-02-30T10:00:00</v></c>', b'<c r="C2"><v>1e308</v></c>',
        b'<c r="C2"><v>NaN</v></c>', b'<c r="B2" s="1"><v>-5</v></c>', b'<c r="B2"><f>1/0</f></c>',
        b'<c r="A2"><v>1</v></c><c r="A2"><v>2</v></c>', b'<c r="ZZZZ99999999"><v>1</v></c>',
        b'<c r="a2" t="inlineStr"><is><t>\x00</t></is></c>', b'<c t="inlineStr"><is></is></c>',
        b'<c r="E2" t="inlineStr"><is><t>' + b"x" * 40000 + b"</t></is></c>",
    ]))  # fmt: skip
    how = draw(st.sampled_from(["cell", "flip", "cut", "dimension", "rows"]))
    at = draw(st.integers(0, 10**6))
    if how == "cell":
        return lambda x: re.sub(rb"(<row r=\"2\"[^>]*>)", lambda m: m[1] + cell, x, count=1)
    if how == "flip":
        return lambda x: x[: at % len(x)] + bytes([x[at % len(x)] ^ 0x20]) + x[at % len(x) + 1 :]
    if how == "cut":
        return lambda x: x[: at % len(x)]
    if how == "dimension":
        ref = draw(st.sampled_from([b"A1:A1", b"", b"A1:", b"ZZ1:A1", b"A0:B0", b"A1:E-5"]))
        return lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref + b'"', x)
    return lambda x: re.sub(rb'<row r="(\d+)"', lambda m: b'<row r="' + m[1] * 3 + b'"', x)


def _zip_edit(draw: st.DrawFn, data: bytes) -> bytes:
    """A damage to a worksheet, or a part of the workbook cut in half or left out."""
    how = draw(st.sampled_from(["sheet", "sheet", "sheet", "drop", "cut"]))
    if how == "sheet":
        return files.rezip(data, _sheet_edit(draw))
    src = zipfile.ZipFile(io.BytesIO(data))
    victim = draw(st.sampled_from([i.filename for i in src.infolist()]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == victim:
                if how == "drop":
                    continue
                body = body[: len(body) // 2]
            book.writestr(info.filename, body)
    return out.getvalue()


def _flip(draw: st.DrawFn, data: bytes) -> bytes:
    """One byte of the file changed (the zip's or Parquet's own structure, or data)."""
    at = draw(st.integers(0, len(data) - 1))
    return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]


PARQUET_COLUMNS: dict[str, Callable[[int], pa.Array]] = {
    "int64": lambda n: pa.array([2**63 - 1, -(2**63), 0, 10, -1][:n] + [5] * max(0, n - 5)),
    "float": lambda n: pa.array([float("nan"), float("inf"), -0.0, 1e300, 10.5][:n] + [9.0] * max(0, n - 5)),
    "timestamp_tz": lambda n: pa.array([1_700_000_000_000_000] * n, pa.timestamp("us", "Asia/Kolkata")),
    "timestamp_ns": lambda n: pa.array([2**62] * n, pa.timestamp("ns")),
    "timestamp_far": lambda n: pa.array([9 * 10**15] * n, pa.timestamp("ms")),
    "date_far": lambda n: pa.array([10**8] * n, pa.date32()),
    "date32": lambda n: pa.array([-(10**6), 0, 10**6, 19000, 20000][:n] + [19500] * max(0, n - 5), pa.date32()),
    "duration": lambda n: pa.array([-(10**9)] + [10**12] * (n - 1), pa.duration("us")),
    "bool": lambda n: pa.array([True, False, None][:n] + [True] * max(0, n - 3)),
    "dictionary": lambda n: pa.array(["a", "b"] * n, pa.string())[:n].dictionary_encode(),
    "decimal": lambda n: pa.array([10**37] * n, pa.decimal128(38, 0)),
    "null": lambda n: pa.nulls(n),
    "binary": lambda n: pa.array([b"\x00\xff"] * n, pa.binary()),
    "list": lambda n: pa.array([[1, 2]] * n),
    "struct": lambda n: pa.array([{"a": 1}] * n),
    "string_nul": lambda n: pa.array(["x\x00y"] * n),
    "large_string": lambda n: pa.array(["9"] * n, pa.large_string()),
}  # fmt: skip


@st.composite
def container_file(draw: st.DrawFn) -> Case:
    """A damaged workbook, a Parquet file of odd types (or damaged bytes), or JSON
    Lines no JSON writer makes."""
    kind = draw(st.sampled_from(["xlsx", "xlsx", "parquet", "parquet", "jsonl"]))
    if kind == "xlsx":
        data = _workbook(draw(st.sampled_from([3, 40])))
        for _ in range(draw(st.integers(0, 2))):
            data = _zip_edit(draw, data)
        if draw(st.integers(0, 3)) == 0:
            data = _flip(draw, data)
        return Case("damaged.xlsx", data)
    if kind == "parquet":
        n = draw(st.integers(1, 8))
        names = ["response_id", "responded_at", "nps", "csat"]
        cols = {"response_id": pa.array([f"P{i}" for i in range(n)]),
                "responded_at": pa.array(["2024-03-01 10:00"] * n)}  # fmt: skip
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3)):
            cols[name] = PARQUET_COLUMNS[draw(st.sampled_from(sorted(PARQUET_COLUMNS)))](n)
        out = io.BytesIO()
        pq.write_table(pa.table(cols), out)
        data = out.getvalue()
        if draw(st.integers(0, 3)) == 0:
            data = _flip(draw, data)
        return Case("typed.parquet", data)
    lines = draw(st.lists(st.sampled_from(JSON_LINES) | HOSTILE_TEXT.map(json.dumps), min_size=1,
                          max_size=8))  # fmt: skip
    first = '{"response_id": "J0", "responded_at": "2024-03-01 10:00", "nps": 9}'
    return Case("odd.jsonl", "\n".join([first, *lines]).encode())


JSON_LINES = (
    '{"response_id": "J1", "responded_at": "2024-03-01 10:00", "nps": 1e400}',
    '{"response_id": "J2", "responded_at": "2024-03-01 10:00", "nps": NaN}',
    '{"response_id": "J3", "responded_at": "2024-03-01 10:00", "nps": 123456789012345678901234}',
    '{"response_id": "J4", "responded_at": "2024-03-01 10:00", "nps": {"a": [1]}}',
    '{"response_id": "J5", "response_id": "J6", "responded_at": "2024-03-01 10:00"}',
    '{"response_id": ["J7"], "responded_at": 20240301}',
    '{"response_id": null, "responded_at": true}',
    '{"other": 1}', "{}", "[]", "1", '"x"', "null", "", "   ", "\t", "\x0b", "\x1f",
    '{"response_id": "J8", "responded_at": "2024-03-01 10:00"', "// comment",
    '{"response_id": "J9\\u0000", "responded_at": "2024-03-01 10:00", "nps": "9"}',
    '{"response_id": "J10", "responded_at": "2024-03-01 10:00", "nps": -0.0}',
    '\ufeff{"response_id": "J11", "responded_at": "2024-03-01 10:00"}',
    '{"response_id": "J12", "responded_at": "2024-03-01 10:00"}\r',
)  # fmt: skip
