"""One hostile file through both doors: the CLI and the Upload page's engine.

The CLI runs in-process (``analytics.cli.main``, as ``python -m analytics``) on its
own store file; the engine runs the functions the Upload page calls, in its order
(``read_file`` -> ``suggest`` -> ``aliases.attach`` -> ``review.preview`` ->
``quality.measure`` -> ``fit.preview_refusal`` -> ``load``/``ingest``) on another.
What a person decides on the page (columns, constants, labels, the date order) is a
:class:`Person`, given to the CLI as its flags and to the engine as the page would.

Each run checks the three promises and returns what happened:

* no crash: every failure is a refusal (``IngestError``; CLI exit 1), never another
  exception, a traceback or another exit code;
* no partial load: a refused file leaves its store exactly as it was (the CLI's
  store file byte for byte, else the row counts and a hash of every row of the
  tables a load writes; the engine's store by that hash);
* nothing lost silently: a loaded file's rows are all accounted for
  (``n_rows = inserted + updated + unchanged + rejected``; the rows the caller wrote,
  when known, are ``n_rows`` plus skipped preview/test and blank rows), and the
  batch the CLI names is the one recorded with those counts.

A store stays open (engine) or on disk (CLI) across many files: the fuzz reuses one
per door, so a file costs one CLI run and one engine run, not a fresh store each.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from analytics import cli
from analytics.ingest import IngestError, aliases, fit, ingest, load, quality, read_file, review
from analytics.ingest import vocabulary as vocab
from analytics.ingest.model import BatchReport, Mapping, Target
from analytics.ingest.saved import suggest
from analytics.store import Store, connect

Door = Literal["cli", "engine"]
Outcome = Literal["loaded", "refused", "needs_person"]
TABLES = ("calls", "surveys", "ingest_batches", "rejected_rows")
State = tuple[tuple[int, int], ...]
Counts = tuple[int, int, int, int, int, int]


def state(store: Store) -> State:
    """Per table a load writes: its rows and a hash of all of them."""
    cur = store.cursor()
    found = []
    for table in TABLES:
        row = cur.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {table} t").fetchone()
        assert row is not None
        found.append((int(row[0]), int(row[1])))
    return tuple(found)


def accounted(counts: Counts, rows_in: int | None) -> None:
    """Nothing lost silently: (n_rows, inserted, updated, unchanged, rejected, skipped)."""
    n_rows, inserted, updated, unchanged, rejected, skipped = counts
    assert n_rows == inserted + updated + unchanged + rejected, counts
    if rows_in is not None:
        assert n_rows + skipped == rows_in, (counts, rows_in)


def of_report(report: BatchReport) -> Counts:
    skipped = sum(report.skipped.values())
    return (report.n_rows, report.inserted, report.updated, report.unchanged, report.rejected,
            skipped)  # fmt: skip


@dataclass(frozen=True)
class Person:
    """What a person settles on the Upload page, or with the CLI's flags."""

    #: field -> source column
    columns: dict[str, str] = field(default_factory=dict)
    #: field -> one value for every row
    constants: dict[str, str] = field(default_factory=dict)
    #: field -> a known scale's name, or ``label:value,...``
    values: dict[str, str] = field(default_factory=dict)
    skip: tuple[str, ...] = ()
    dayfirst: bool | None = None

    def flags(self) -> list[str]:
        out = [f"--map={source}={name}" for name, source in self.columns.items()]
        out += [f"--const={name}={value}" for name, value in self.constants.items()]
        out += [f"--values={name}={spec}" for name, spec in self.values.items()]
        out += [f"--skip={name}" for name in self.skip]
        if self.dayfirst is not None:
            out.append("--dayfirst" if self.dayfirst else "--monthfirst")
        return out

    def settle(self, mapping: Mapping) -> Mapping:
        """The page's choices on the suggested mapping."""
        mapping = mapping.with_columns(self.columns)
        for name, value in self.constants.items():
            mapping = mapping.without(name).with_transform(name, constant=value)
        for name, spec in self.values.items():
            mapping = mapping.with_transform(name, values=_labels(spec))
        return mapping.skipping(*self.skip) if self.skip else mapping

    @property
    def decides(self) -> set[str]:
        return {*self.columns, *self.constants, *self.skip}


def _labels(spec: str) -> tuple[tuple[str, str], ...]:
    if spec in vocab.VALUE_MAPS:
        return tuple(sorted(vocab.VALUE_MAPS[spec].items()))
    pairs = (item.rpartition(":") for item in spec.split(","))
    return tuple(sorted((vocab.normalise(label), value) for label, _, value in pairs))


@dataclass
class Tally:
    """The corpus figures: per door, attempts and outcomes (crashes and partial
    loads fail the test where they happen; they are counted for the report), and
    the fuzzed files and the rows written into them."""

    attempts: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    crashes: int = 0
    partial: int = 0
    fuzzed_files: Counter[str] = field(default_factory=Counter)
    fuzzed_rows: int = 0

    def add(self, door: Door, outcome: Outcome, code: str | None = None) -> None:
        self.attempts[door] += 1
        self.outcomes[(door, outcome)] += 1
        if code:
            self.codes[code] += 1

    def figures(self) -> dict[str, object]:
        return {
            "attempts": dict(self.attempts),
            "outcomes": {f"{d}:{o}": n for (d, o), n in self.outcomes.items()},
            "refusal_codes": dict(self.codes),
            "rows_loaded": self.rows,
            "crashes": self.crashes,
            "partial_loads": self.partial,
            "fuzzed_files": dict(self.fuzzed_files),
            "fuzzed_rows": self.fuzzed_rows,
        }


#: Every test module of the corpus counts here (one per process; see conftest.py).
TALLY = Tally()


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    code: str | None = None
    report: BatchReport | None = None
    out: str = ""
    err: str = ""


_SAID = re.compile(
    r"^batch (?P<batch>\d+): .*\nrows (?P<n>\d+): inserted (?P<i>\d+), updated (?P<u>\d+), "
    r"unchanged (?P<c>\d+), rejected (?P<r>\d+)$(?:\nskipped: (?P<skipped>.*)$)?",
    re.MULTILINE,
)


class Cli:
    """``python -m analytics ingest TARGET PATH`` on one store file: exit 0 or 1,
    nothing else. The counts a load says are checked at once; that the store recorded
    the same batch with the same counts is checked by :meth:`recorded` (one opening of
    the store for many loads: opening it costs as much as a small load)."""

    def __init__(self, db: Path, tally: Tally) -> None:
        self.db = db
        self.tally = tally
        self.said: dict[int, tuple[str, Counts]] = {}

    def attempt(self, path: Path, target: Target, rows_in: int | None, *extra: str) -> Result:
        before = _file(self.db)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli.main(["ingest", target, str(path), "--db", str(self.db), *extra])
        except BaseException as exc:  # a crash: counted, then the test fails with it
            self.tally.crashes += 1
            raise AssertionError(f"CLI crashed on {path.name}: {exc!r}") from exc
        if code != 0:
            if code != 1 or not err.getvalue().startswith(("refused: ", "error: ")):
                self.tally.crashes += 1
                raise AssertionError(f"CLI exit {code} on {path.name}: {err.getvalue()!r}")
            _unchanged(self.db, before, self.tally, path.name)
            self.tally.add("cli", "refused", "cli")
            return Result("refused", out=out.getvalue(), err=err.getvalue())
        said = _SAID.search(out.getvalue())
        assert said is not None, out.getvalue()  # the counts were said
        skipped = sum(int(p.rpartition(" ")[2]) for p in (said["skipped"] or "").split(", ") if p)
        counts = (*(int(said[k]) for k in "niucr"), skipped)
        accounted(counts, rows_in)  # type: ignore[arg-type]
        self.said[int(said["batch"])] = (path.name, counts)  # type: ignore[assignment]
        self.tally.rows += counts[0]
        self.tally.add("cli", "loaded")
        return Result("loaded", out=out.getvalue(), err=err.getvalue())

    def recorded(self) -> None:
        """Every batch said is in the store, naming its file, with the counts said."""
        if not self.said:
            return
        store = connect(str(self.db))
        try:
            rows = (
                store.cursor()
                .execute(
                    "select batch_id, file_name, n_rows, n_inserted, n_updated, n_unchanged, "
                    "n_rejected, n_skipped from ingest_batches"
                )
                .fetchall()
            )
        finally:
            store.close()
        found = {int(r[0]): (r[1], tuple(int(v) for v in r[2:])) for r in rows}
        for batch, said in self.said.items():
            assert found.get(batch) == said, (batch, found.get(batch), said)
        self.said.clear()


def through_cli(
    db: Path, path: Path, target: Target, tally: Tally, rows_in: int | None, *extra: str
) -> Result:
    """One file through the CLI (see :class:`Cli`), its batch checked at once."""
    door = Cli(db, tally)
    result = door.attempt(path, target, rows_in, *extra)
    door.recorded()
    return result


def _file(db: Path) -> tuple[bytes, bytes] | None:
    """The store's bytes and its write-ahead log's (committed loads not yet copied
    into the file), if there is one."""
    if not db.exists():
        return None
    wal = Path(f"{db}.wal")
    return db.read_bytes(), wal.read_bytes() if wal.exists() else b""


def _unchanged(db: Path, before: tuple[bytes, bytes] | None, tally: Tally, name: str) -> None:
    """Byte for byte the same files (cheap), else the same rows in every table."""
    after = _file(db)
    if before is None or after == before:
        return
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "before.duckdb"
        copy.write_bytes(before[0])
        if before[1]:
            Path(f"{copy}.wal").write_bytes(before[1])
        if _state_at(copy) == _state_at(db):
            return
    tally.partial += 1
    raise AssertionError(f"{name}: the CLI refused it but the store changed")


def _state_at(db: Path) -> State:
    store = connect(str(db))
    try:
        return state(store)
    finally:
        store.close()


class Engine:
    """The Upload page's calls on one open store, whose state is carried from file to
    file (one hash per file: the state after one file is the state before the next)."""

    def __init__(self, store: Store, tally: Tally) -> None:
        self.store = store
        self.tally = tally
        self.before = state(store)

    def attempt(
        self, data: bytes, name: str, target: Target, rows_in: int | None,
        person: Person | None = None,
    ) -> Result:  # fmt: skip
        try:
            result = self._attempt(data, name, target, person)
        except IngestError as exc:
            self._unchanged(f"{name}: refused ({exc.code}) but the store changed")
            self.tally.add("engine", "refused", exc.code)
            return Result("refused", code=exc.code, err=str(exc))
        except BaseException as exc:
            self.tally.crashes += 1
            raise AssertionError(f"engine crashed on {name}: {exc!r}") from exc
        if result.report is None:
            self._unchanged(f"{name}: nothing loaded but the store changed")
            self.tally.add("engine", "needs_person")
            return result
        accounted(of_report(result.report), rows_in)
        after = state(self.store)
        assert after != self.before, f"{name}: loaded, but no batch was recorded"
        self.before = after
        self.tally.rows += result.report.n_rows
        self.tally.add("engine", "loaded")
        return result

    def _attempt(self, data: bytes, name: str, target: Target, person: Person | None) -> Result:
        store = self.store
        raw = read_file(data, name)
        proposed = suggest(store, raw, target)
        mapping = proposed.mapping
        settled = set(mapping.fields) | set(mapping.skipped)
        if person is not None:
            mapping = person.settle(mapping)
            settled = set(mapping.fields) | set(mapping.skipped) | person.decides
        if any(f not in settled for f in proposed.missing_required):
            return Result("needs_person")
        if person is None and proposed.ambiguous:  # the page preselects the best one
            return Result("needs_person")
        dayfirst = person.dayfirst if person else None
        mapping = aliases.attach(store, mapping)
        found = review.preview(raw, mapping, dayfirst)
        if found.complete:
            measured = quality.measure(found.validated)
            refused = fit.preview_refusal(found.validated, measured)
            if refused is not None:
                raise refused
            report = load(store, found.validated, loaded_by="hostile", measured=measured)
        else:
            report = ingest(store, raw, mapping, dayfirst=dayfirst, loaded_by="hostile")
        return Result("loaded", report=report)

    def _unchanged(self, message: str) -> None:
        if state(self.store) != self.before:
            self.tally.partial += 1
            raise AssertionError(message)


def through_engine(
    store: Store,
    data: bytes,
    name: str,
    target: Target,
    tally: Tally,
    rows_in: int | None,
    person: Person | None = None,
) -> Result:
    """One file through the Upload page's calls (see :class:`Engine`)."""
    return Engine(store, tally).attempt(data, name, target, rows_in, person)
