"""Writing the batch log: the ``ingest_batches`` row, rejected rows and warnings.

Called inside the load's transaction, so a batch row exists only for a batch that
committed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import duckdb
import polars as pl

from analytics.ingest import upsert
from analytics.ingest.model import ROW, BatchReport, BatchWarning, Mapping, RawTable, Target
from analytics.ingest.quality_report import Quality
from analytics.ingest.sql import one, over

_REJECTS = "pulso_ingest_rejects"


@dataclass(frozen=True, eq=False)
class Batch:
    """What is being loaded, by whom."""

    raw: RawTable
    mapping: Mapping
    #: Canonical columns written (mapped plus derived).
    loaded: tuple[str, ...]
    dayfirst: bool | None
    loaded_by: str

    @property
    def target(self) -> Target:
        return self.mapping.target


def open_batch(cur: duckdb.DuckDBPyConnection, batch: Batch) -> int:
    row = one(
        cur,
        "insert into ingest_batches (target, file_name, sha256, loaded_by, n_rows) "
        "values (?, ?, ?, ?, ?) returning batch_id",
        [batch.target, batch.raw.name, batch.raw.sha256, batch.loaded_by, batch.raw.facts.n_rows],
    )
    assert row is not None
    return int(row[0])


def store_rejects(cur: duckdb.DuckDBPyConnection, batch_id: int, bad: pl.DataFrame) -> None:
    if bad.height == 0:
        return
    insert = (
        "insert into rejected_rows (batch_id, row_number, column_name, raw_values, reason, "  # noqa: S608
        f'field, reason_code, reason_params) select ?, "{ROW}", "column", raw_values, message, '
        f"field, code, params from {_REJECTS}"
    )
    over(cur, _REJECTS, bad.to_arrow(compat_level=pl.CompatLevel.oldest()), insert, [batch_id])


def rejected_count(cur: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """Rows of the batch rejected so far (a row with several problems counts once)."""
    found = one(
        cur, "select count(distinct row_number) from rejected_rows where batch_id = ?", [batch_id]
    )
    return int(found[0]) if found else 0


def close_batch(
    cur: duckdb.DuckDBPyConnection,
    batch_id: int,
    batch: Batch,
    counts: upsert.RowCounts,
    blank: int,
    unknown: upsert.Unknown,
    quality: Quality | None = None,
) -> BatchReport:
    """Fill in the batch row; ``blank`` rows were skipped by validation, ``unknown``
    counts the surveys whose call id is not in ``calls``; ``quality`` is kept as JSON."""
    rejected = rejected_count(cur, batch_id)
    skipped = {**batch.raw.facts.skipped, **({"blank": blank} if blank else {})}
    report = BatchReport(
        batch_id=batch_id,
        target=batch.target,
        file_name=batch.raw.name,
        sha256=batch.raw.sha256,
        n_rows=batch.raw.facts.n_rows - blank,
        inserted=counts["insert"],
        updated=counts["update"],
        unchanged=counts["unchanged"],
        rejected=rejected,
        skipped=skipped,
        warnings=_warnings(cur, batch, batch_id, unknown),
        facts=batch.raw.facts,
        quality=quality.to_json() if quality is not None else None,
    )
    cur.execute(
        "update ingest_batches set n_rows = ?, n_inserted = ?, n_updated = ?, n_unchanged = ?, "
        "n_rejected = ?, n_skipped = ?, details = ?, quality = ? where batch_id = ?",
        [report.n_rows, report.inserted, report.updated, report.unchanged, report.rejected,
         sum(report.skipped.values()), _details(batch, report), report.quality, batch_id],
    )  # fmt: skip
    return report


def _warnings(
    cur: duckdb.DuckDBPyConnection, batch: Batch, batch_id: int, unknown: upsert.Unknown
) -> tuple[BatchWarning, ...]:
    found: list[BatchWarning] = []
    if unknown.count:
        count, examples = unknown.count, unknown.examples
        text = f"{count} survey(s) refer to calls not in the store (e.g. {', '.join(examples)})"
        found.append(BatchWarning("unknown_call_id", count, tuple(examples), text))
    same = one(
        cur,
        "select list(batch_id order by batch_id) from ingest_batches "
        "where sha256 = ? and target = ? and undone_at is null and batch_id <> ?",
        [batch.raw.sha256, batch.target, batch_id],
    )
    if same and same[0]:
        earlier = tuple(str(b) for b in same[0])
        text = f"the same file was already loaded in batch {', '.join(earlier)}"
        found.append(BatchWarning("same_file", len(earlier), earlier, text))
    return tuple(found)


def _details(batch: Batch, report: BatchReport) -> str:
    body = {
        "facts": {**asdict(report.facts), "skipped": dict(report.facts.skipped)},
        "mapping": json.loads(batch.mapping.to_json()),
        "dayfirst": batch.dayfirst,
        "warnings": [asdict(w) for w in report.warnings],
    }
    return json.dumps(body, ensure_ascii=False, default=str)
