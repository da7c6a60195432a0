"""``read_file``: any supported file (path or uploaded bytes) as a :class:`RawTable`.

The format comes from the file name, else from the first bytes (Parquet and ZIP
magic numbers, a leading ``{`` for JSON Lines). Reading never types or drops a
value: every cell stays text until validation, and survey preview/test responses
are counted in ``facts.skipped``, not silently lost (blank rows are counted when
validation meets them).
"""

from __future__ import annotations

import contextlib
import os
import weakref
from pathlib import Path

from analytics.ingest import columnar, csvfiles, excel, facts
from analytics.ingest.model import FileFormat, RawTable, ReadOptions
from analytics.ingest.reasons import IngestError
from analytics.ingest.source import FileSource, Scanned, head_bytes

SUFFIXES: dict[str, FileFormat] = {
    ".csv": "csv", ".tsv": "csv", ".tab": "csv", ".txt": "csv",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
}  # fmt: skip


def read_file(
    source: FileSource, name: str | None = None, options: ReadOptions | None = None
) -> RawTable:
    """Read a file into a lazy all-text table with its row numbers and format facts.

    ``source`` is a path or the bytes of an upload; ``name`` is what the analyst
    calls the file (defaults to the path's name) and appears in every message.
    """
    options = options or ReadOptions()
    label = name or (Path(source).name if not isinstance(source, bytes) else "upload")
    if not isinstance(source, bytes) and not Path(source).is_file():
        raise IngestError("unreadable", file=label, detail="no such file")
    scanned = _scan(source, label, options)
    try:
        file_facts, data, pieces = facts.inspect(scanned, options, label)
    except BaseException:
        _remove(scanned.temporary)
        raise
    raw = RawTable(
        name=label,
        sha256=scanned.sha256,
        data=data,
        columns=scanned.header.names,
        facts=file_facts,
        questions=scanned.header.questions,
        diagnose=scanned.diagnose,
        pieces=pieces,
    )
    if scanned.temporary is not None:
        weakref.finalize(raw, _remove, scanned.temporary)
    return raw


def detect_format(source: FileSource, name: str) -> FileFormat:
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    head = head_bytes(source, 512)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.lstrip().startswith(b"{"):
        return "jsonl"
    if suffix in ("", ".dat", ".export"):
        return "csv"
    raise IngestError("unsupported_format", file=name, suffix=suffix)


def _scan(source: FileSource, name: str, options: ReadOptions) -> Scanned:
    kind = detect_format(source, name)
    if kind == "xlsx":
        return excel.scan(source, name, options)
    if kind == "parquet":
        return columnar.scan_parquet(source, name)
    if kind == "jsonl":
        return columnar.scan_jsonl(source, name)
    return csvfiles.scan(source, name, options)


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
