"""One hostile file through both doors: the CLI and the Upload page's engine.

The CLI runs in-process (``analytics.cli.main``, as ``python -m analytics``) on its
own store file; the engine runs the functions the Upload page calls, in its order
(``read_file`` -> ``suggest`` -> ``aliases.attach`` -> ``review.preview`` ->
``quality.measure`` -> ``fit.preview_refusal`` -> ``load``/``ingest``) on another.

Each run checks the three promises and returns what happened:

* no crash: every failure is a refusal (``IngestError``; CLI exit 1), never another
  exception, a traceback or another exit code;
* no partial load: a refused file leaves its store exactly as it was (row counts and
  a hash of every row of the tables a load writes);
* nothing lost silently: a loaded file's rows are all accounted for
  (``n_rows = inserted + updated + unchanged + rejected + blank``; the rows the
  caller wrote, when known, are ``n_rows`` plus skipped preview/test rows).
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from analytics import cli
from analytics.ingest import IngestError, aliases, fit, ingest, load, quality, read_file, review
from analytics.ingest.model import BatchReport, Target
from analytics.ingest.saved import suggest
from analytics.store import Store, connect

Door = Literal["cli", "engine"]
Outcome = Literal["loaded", "refused", "needs_person"]
TABLES = ("calls", "surveys", "ingest_batches", "rejected_rows")


def state(store: Store) -> tuple[tuple[int, int], ...]:
    """Per table a load writes: its rows and a hash of all of them."""
    cur = store.cursor()
    found = []
    for table in TABLES:
        row = cur.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {table} t").fetchone()
        assert row is not None
        found.append((int(row[0]), int(row[1])))
    return tuple(found)


def accounted(counts: tuple[int, int, int, int, int, int], rows_in: int | None) -> None:
    """Nothing lost silently: (n_rows, inserted, updated, unchanged, rejected, skipped)."""
    n_rows, inserted, updated, unchanged, rejected, skipped = counts
    assert n_rows == inserted + updated + unchanged + rejected, counts
    if rows_in is not None:
        assert n_rows + skipped == rows_in, (counts, rows_in)


def of_report(report: BatchReport) -> tuple[int, int, int, int, int, int]:
    skipped = sum(report.skipped.values())
    return (report.n_rows, report.inserted, report.updated, report.unchanged, report.rejected,
            skipped)  # fmt: skip


@dataclass
class Tally:
    """The corpus figures: per door, attempts and outcomes (crashes and partial
    loads fail the test where they happen; they are counted for the report)."""

    attempts: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    crashes: int = 0
    partial: int = 0

    def add(self, door: Door, outcome: Outcome, code: str | None = None) -> None:
        self.attempts[door] += 1
        self.outcomes[(door, outcome)] += 1
        if code:
            self.codes[code] += 1


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    code: str | None = None
    report: BatchReport | None = None
    out: str = ""
    err: str = ""


def through_cli(
    db: Path, path: Path, target: Target, tally: Tally, rows_in: int | None, *extra: str
) -> Result:
    """``python -m analytics ingest TARGET PATH``: exit 0 or 1, nothing else."""
    before = _state_at(db)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["ingest", target, str(path), "--db", str(db), *extra])
    except BaseException as exc:  # a crash: counted, then the test fails with it
        tally.crashes += 1
        raise AssertionError(f"CLI crashed on {path.name}: {exc!r}") from exc
    if code != 0:
        if code != 1 or not err.getvalue().startswith(("refused: ", "error: ")):
            tally.crashes += 1
            raise AssertionError(f"CLI exit {code} on {path.name}: {err.getvalue()!r}")
        _unchanged(db, before, tally, path.name)
        tally.add("cli", "refused", "cli")
        return Result("refused", out=out.getvalue(), err=err.getvalue())
    assert "rejected" in out.getvalue(), out.getvalue()  # the counts were said
    store = connect(str(db))
    try:
        row = (
            store.cursor()
            .execute(
                "select n_rows, n_inserted, n_updated, n_unchanged, n_rejected, n_skipped "
                "from ingest_batches order by batch_id desc limit 1"
            )
            .fetchone()
        )
    finally:
        store.close()
    assert row is not None
    counts = tuple(int(v) for v in row)
    accounted(counts, rows_in)  # type: ignore[arg-type]
    tally.rows += counts[0]
    tally.add("cli", "loaded")
    return Result("loaded", out=out.getvalue(), err=err.getvalue())


def through_engine(
    store: Store,
    data: bytes,
    name: str,
    target: Target,
    tally: Tally,
    rows_in: int | None,
    mapping_fields: dict[str, str] | None = None,
) -> Result:
    """The Upload page's calls; ``mapping_fields`` settles columns as a person would."""
    before = state(store)
    try:
        raw = read_file(data, name)
        proposed = suggest(store, raw, target)
        mapping = proposed.mapping
        if mapping_fields:
            mapping = mapping.with_columns(mapping_fields)
        settled = set(mapping.fields) | set(mapping.skipped)
        if not mapping_fields and any(f not in settled for f in proposed.missing_required):
            tally.add("engine", "needs_person")
            return Result("needs_person")
        if mapping_fields is None and proposed.ambiguous:
            tally.add("engine", "needs_person")
            return Result("needs_person")
        mapping = aliases.attach(store, mapping)
        found = review.preview(raw, mapping, None)
        if found.complete:
            measured = quality.measure(found.validated)
            refused = fit.preview_refusal(found.validated, measured)
            if refused is not None:
                raise refused
            report = load(store, found.validated, loaded_by="hostile", measured=measured)
        else:
            report = ingest(store, raw, mapping, loaded_by="hostile")
    except IngestError as exc:
        if state(store) != before:
            tally.partial += 1
            raise AssertionError(f"{name}: refused ({exc.code}) but the store changed") from exc
        tally.add("engine", "refused", exc.code)
        return Result("refused", code=exc.code, err=str(exc))
    except BaseException as exc:
        tally.crashes += 1
        raise AssertionError(f"engine crashed on {name}: {exc!r}") from exc
    accounted(of_report(report), rows_in)
    tally.rows += report.n_rows
    tally.add("engine", "loaded")
    return Result("loaded", report=report)


def _state_at(db: Path) -> tuple[tuple[int, int], ...] | None:
    if not db.exists():
        return None
    store = connect(str(db))
    try:
        return state(store)
    finally:
        store.close()


def _unchanged(
    db: Path, before: tuple[tuple[int, int], ...] | None, tally: Tally, name: str
) -> None:
    after = _state_at(db)
    if before is not None and after != before:
        tally.partial += 1
        raise AssertionError(f"{name}: the CLI refused it but the store changed")
