"""The fuzz's machinery: how many files, the doors they go through, and the first
family of files, real public exports damaged byte by byte.

``PULSO_HOSTILE_EXAMPLES`` is the number of fuzzed files of a run (default
:data:`DEFAULT_FILES`, at least 1,000: ``make test`` runs them all); each family's
test gets its :data:`SHARES` of it, and each file goes through both doors. Each
family draws from a fixed seed, so CI meets the same files every time; for a deeper
local run, raise ``PULSO_HOSTILE_EXAMPLES`` and set ``PULSO_HOSTILE_SEED`` to draw
other files (a failure prints the shrunk file that fails).

The seeds are the real exports of ``tests/data/corpus`` (provenance, licences and
SHA-256 in its ``PROVENANCE.md``: Qualtrics, SurveyMonkey, Google Forms, Asterisk
and 911 call logs, under MIT, BSD, CC BY 4.0, CC0 and PDDL), each with what a person
decides to load it (``tests/corpus/test_loads.py``, ``test_call_logs.py``). Big ones
are cut to their first lines; every seed loads whole, untouched, through both doors
(``test_fuzz_exports.py`` checks it), so that a damaged copy that is refused was
refused for its damage.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from analytics.ingest.model import Target
from analytics.store import connect
from tests.hostile import files
from tests.hostile.harness import TALLY, Cli, Engine, Person, Result, Tally, through_cli

#: Fuzzed files per run unless PULSO_HOSTILE_EXAMPLES says otherwise.
DEFAULT_FILES = 1_000
FILES = int(os.environ.get("PULSO_HOSTILE_EXAMPLES", str(DEFAULT_FILES)))
SEED = int(os.environ.get("PULSO_HOSTILE_SEED", "0"))
#: Each family's share of the files (its test asks Hypothesis for that many). A file
#: loaded costs both doors about four times a file refused (the CLI opens, writes and
#: closes its store; ~190 ms against ~50): the families that mostly load (rows,
#: headers) hold fewer files, the rows family long ones.
SHARES = {
    "exports": 0.30, "exports_calls": 0.07, "rows": 0.06, "rows_calls": 0.03,
    "headers": 0.14, "containers": 0.40,
}  # fmt: skip
CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"


def quota(family: str) -> int:
    return max(1, round(FILES * SHARES[family]))


@dataclass(frozen=True)
class Case:
    """One fuzzed file: its name, bytes, target, the data rows it holds when they can
    be counted, and what a person decides (the same for both doors)."""

    name: str
    data: bytes
    target: Target = "surveys"
    rows: int | None = None
    person: Person | None = None


@dataclass
class Doors:
    """One CLI store file and one open engine store, reused for every file."""

    tmp: Path
    cli: Cli
    engine: Engine

    @classmethod
    def open(cls, tmp: Path) -> Doors:
        """Both stores hold one earlier load: a refusal must leave it as it was."""
        first = tmp / "earlier.csv"
        first.write_text(files.csv(files.survey_rows(5)))
        db = tmp / "cli.duckdb"
        assert through_cli(db, first, "surveys", Tally(), 5).outcome == "loaded"
        engine = Engine(connect(str(tmp / "engine.duckdb")), TALLY)
        assert engine.attempt(first.read_bytes(), first.name, "surveys", 5).outcome == "loaded"
        return cls(tmp, Cli(db, TALLY), engine)

    def close(self) -> None:
        self.engine.store.close()

    def both(self, case: Case, family: str | None = None) -> tuple[Result, Result]:
        """The file through the CLI, then through the engine; a fuzzed file is counted
        under its ``family``."""
        if family is not None:
            TALLY.fuzzed_files[family] += 1
            TALLY.fuzzed_rows += case.rows or 0
        path = self.tmp / "in" / case.name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(case.data)
        flags = case.person.flags() if case.person else []
        by_cli = self.cli.attempt(path, case.target, case.rows, *flags)
        path.unlink()
        by_engine = self.engine.attempt(case.data, case.name, case.target, case.rows, case.person)
        return by_cli, by_engine


def run(strategy: st.SearchStrategy[Case], doors: Doors, family: str) -> None:
    """``quota(family)`` files drawn from ``strategy``, each through both doors; the
    run must reach its quota (Hypothesis stops early on a strategy it exhausts)."""
    before = TALLY.fuzzed_files[family]

    @seed(zlib.crc32(family.encode()) + SEED)
    @settings(
        max_examples=quota(family),
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def each(case: Case) -> None:
        doors.both(case, family)

    each()
    doors.cli.recorded()
    assert TALLY.fuzzed_files[family] - before >= quota(family)


# -- real exports, damaged ---------------------------------------------------------------------

SUDZILLA_NPS = "On a scale of 0-10, how would you rate Sudzilla?"
RESTAURANT_CSAT = "¿Qué opinás sobre nuestro servicio al cliente?"


@dataclass(frozen=True)
class Seed:
    file: str
    target: Target
    person: Person | None = None
    #: Only the first lines (header rows included) of a big export.
    head: int | None = None


SURVEY_SEEDS = (
    Seed("qualtrics_current_qualtrics_r.csv", "surveys"),
    Seed("qualtrics_legacy_qualtrics_r.csv", "surveys"),
    Seed("qualtrics_2016_singlequote_qualtricstools.csv", "surveys"),
    Seed("nps_prep_air.csv", "surveys", Person(
        columns={"response_id": "CustomerID"}, constants={"responded_at": "2021-01-01"})),
    Seed("googleforms_sudzilla_nps.csv", "surveys",
         Person(columns={"nps": SUDZILLA_NPS}, dayfirst=False)),
    Seed("googleforms_es_restaurante.csv", "surveys", Person(
        columns={"csat": RESTAURANT_CSAT}, dayfirst=False,
        values={"csat": "excepcional:5,bueno:4,aceptable:3,insatisfactorio:1"}), head=25),
    Seed("surveymonkey_538_steak.csv", "surveys",
         Person(constants={"responded_at": "2014-05-01"}), head=30),
    Seed("surveymonkey_538_sleeping_alone.csv", "surveys", Person(dayfirst=False), head=25),
)  # fmt: skip
CALL_SEEDS = (
    Seed("calls_asterisk_cdr_kelysaina.csv", "calls", Person(
        columns={"call_id": "column_17", "started_at": "column_9", "abandoned": "column_14",
                 "duration_s": "column_13", "queue": "column_3"},
        values={"abandoned": "call_status"}, constants={"channel": "phone"})),
    Seed("calls_seattle_pd_911_csss508.csv", "calls", Person(columns={
        "call_id": "CAD Event Number", "started_at": "Event Clearance Date",
        "queue": "Event Clearance Group", "region": "District/Sector"}), head=30),
    Seed("calls_nola_cfs_2011_excerpt.csv", "calls", Person(columns={
        "call_id": "column_1", "started_at": "column_7", "queue": "column_3",
        "region": "column_15"}, dayfirst=False), head=30),
    Seed("calls_sffd_dispatch_usf.csv", "calls",
         Person(columns={"started_at": "Received DtTm"}), head=30),
)  # fmt: skip


def seed_bytes(seed: Seed) -> bytes:
    return _head(seed.file, seed.head)


@cache
def _head(file: str, lines: int | None) -> bytes:
    data = (CORPUS / file).read_bytes()
    return data if lines is None else b"".join(data.splitlines(keepends=True)[:lines])


#: Bytes a careless tool or a hostile user puts in a file.
HOSTILE_BYTES = (
    b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b'"', b'""', b",", b";", b"\t", b"|",
    b"\r", b"\n", b"\r\n", b"\x1a", b"\x1b[31m", "é".encode(), "é".encode("cp1252"),
    b"\x93\x94", "\u202e".encode(), "\u200b".encode(), "\ufeff".encode(), b"\xc3",
    b"=HYPERLINK(\"http://evil\")", b"<b>x</b>", b"1e999", b"NaN", b"-1", b"\\",
    b"9" * 40, b"x" * 5000,
)  # fmt: skip
ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1", "utf-8-sig")
SUFFIXES = (".csv", ".txt", ".tsv", ".CSV", ".jsonl", ".xlsx", ".parquet", "", ".csv.gz")


def _position(data: bytes) -> st.SearchStrategy[int]:
    return st.integers(0, max(0, len(data) - 1))


@st.composite
def _edit(draw: st.DrawFn, data: bytes) -> bytes:
    """One damage of the kinds files meet: bytes flipped, inserted, deleted, a cut,
    lines dropped or repeated, quotes, delimiters, line ends, the encoding."""
    kind = draw(st.sampled_from(_EDITS))
    return kind(draw, data)


def _flip(draw: st.DrawFn, data: bytes) -> bytes:
    at, mask = draw(_position(data)), draw(st.integers(1, 255))
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :] if data else data


def _insert(draw: st.DrawFn, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    piece = draw(st.sampled_from(HOSTILE_BYTES) | st.binary(min_size=1, max_size=8))
    return data[:at] + piece * draw(st.integers(1, 3)) + data[at:]


def _delete(draw: st.DrawFn, data: bytes) -> bytes:
    at = draw(_position(data))
    return data[:at] + data[at + draw(st.integers(1, 64)) :]


def _cut(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: draw(_position(data))]


def _lines(draw: st.DrawFn, data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    at = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["drop", "repeat", "swap", "blank", "header_again"]))
    if how == "drop":
        del lines[at]
    elif how == "repeat":
        lines.insert(at, lines[at])
    elif how == "swap":
        other = draw(st.integers(0, len(lines) - 1))
        lines[at], lines[other] = lines[other], lines[at]
    elif how == "blank":
        lines.insert(at, draw(st.sampled_from([b"\n", b"\r\n", b",,,,\n", b" \n", b"\t\n"])))
    else:
        lines.insert(at, lines[0])
    return b"".join(lines)


def _quotes(draw: st.DrawFn, data: bytes) -> bytes:
    spots = [m.start() for m in re.finditer(rb'"|,', data)]
    if not spots:
        return data + b'"'
    at = draw(st.sampled_from(spots))
    return data[:at] + draw(st.sampled_from([b"", b'"', b'"""', b"'"])) + data[at + 1 :]


def _delimiters(draw: st.DrawFn, data: bytes) -> bytes:
    old, new = draw(st.sampled_from([b",", b";", b"\t"])), draw(st.sampled_from(
        [b";", b"\t", b"|", b",", b" ", b"\x1f"]))  # fmt: skip
    if draw(st.booleans()):
        return data.replace(old, new)
    return data.replace(old, new, draw(st.integers(1, 5)))


def _line_ends(draw: st.DrawFn, data: bytes) -> bytes:
    body = data.replace(b"\r\n", b"\n")
    return body.replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n", b"\x85"])))


def _encoding(draw: st.DrawFn, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


def _bom(draw: st.DrawFn, data: bytes) -> bytes:
    boms = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf"]
    return draw(st.sampled_from(boms)) + data.removeprefix(b"\xef\xbb\xbf")


_EDITS: tuple[Callable[[st.DrawFn, bytes], bytes], ...] = (
    _flip, _flip, _insert, _insert, _delete, _cut, _lines, _lines, _quotes, _delimiters,
    _line_ends, _encoding, _bom,
)  # fmt: skip


@st.composite
def damaged(draw: st.DrawFn, seeds: tuple[Seed, ...]) -> Case:
    """A real export with one to six damages, sometimes under another suffix."""
    seed = draw(st.sampled_from(seeds))
    data = seed_bytes(seed)
    for _ in range(draw(st.integers(1, 6))):
        data = draw(_edit(data))
    stem = Path(seed.file).stem
    suffix = draw(st.sampled_from(SUFFIXES)) if draw(st.integers(0, 9)) == 0 else ".csv"
    return Case(f"{stem}{suffix}", data, seed.target, None, seed.person)


def seed_case(seed: Seed) -> Case:
    return Case(seed.file, seed_bytes(seed), seed.target, None, seed.person)
