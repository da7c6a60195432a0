"""What a format reader hands back: a lazy scan plus what it learnt on the way."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analytics.ingest import encoding
from analytics.ingest.model import ROW, FileFormat
from analytics.ingest.reasons import IngestError
from analytics.ingest.surveytools import Header

#: A file on disk, or the bytes of an upload.
FileSource = str | os.PathLike[str] | bytes


@dataclass(frozen=True)
class Scanned:
    """Source columns (all text) plus ``ROW``, before preview/test rows are dropped."""

    base: pl.LazyFrame
    header: Header
    sha256: str
    format: FileFormat
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    #: A temporary file the scan reads, deleted with the RawTable.
    temporary: Path | None = None
    #: No cell can hold a control character (``encoding.Sniffed.plain``).
    control_free: bool = False
    #: Turns a parse failure met while scanning into a precise refusal.
    diagnose: Callable[[Exception], IngestError] | None = None


def path_of(source: FileSource) -> Path | None:
    return None if isinstance(source, bytes) else Path(source)


def head_bytes(source: FileSource, size: int) -> bytes:
    if isinstance(source, bytes):
        return source[:size]
    with Path(source).open("rb") as handle:
        return handle.read(size)


def with_row_numbers(frame: pl.LazyFrame, first: int) -> pl.LazyFrame:
    """Number rows from ``first`` (the row number of the first data record)."""
    return frame.with_row_index(ROW, offset=first).with_columns(pl.col(ROW).cast(pl.Int64))


def safe_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """Keep the reserved row-number name free for the engine."""
    return tuple(f"{n} (source)" if n == ROW else n for n in names)


def as_utf8(source: FileSource, enc: str, name: str) -> tuple[Path | bytes, Path | None]:
    """Something polars can scan as UTF-8, and the temporary copy made for it; a file
    whose bytes are not text in ``enc`` (a UTF-16 byte-order mark on UTF-8 text, an
    odd number of UTF-16 bytes) is refused."""
    try:
        if isinstance(source, bytes):
            return encoding.transcode_bytes(source, enc), None
        if enc in encoding.NATIVE:
            return Path(source), None
        copy = encoding.transcode_file(Path(source), enc)
    except UnicodeDecodeError as exc:
        detail = f"the text is not valid {exc.encoding.upper()} ({exc.reason})"
        raise IngestError("unreadable", file=name, detail=detail) from exc
    return copy, copy
