"""Delimited text (CSV, TSV, ``;``/``|`` separated), any supported encoding.

The header records are read with Python's ``csv`` module (quoted line breaks in
question texts are common in survey exports); the data is scanned lazily by polars
with every column as text, so nothing is typed or lost before validation.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from analytics.ingest import delimiters, encoding, surveytools
from analytics.ingest.model import ReadOptions
from analytics.ingest.reasons import IngestError, unreadable
from analytics.ingest.source import (
    FileSource,
    Scanned,
    as_utf8,
    head_bytes,
    path_of,
    safe_names,
    with_row_numbers,
)

_TAB_SUFFIXES = (".tsv", ".tab")


def scan(source: FileSource, name: str, options: ReadOptions) -> Scanned:
    path = path_of(source)
    blocks = encoding.blocks_of(path) if path else [source]
    sniffed = encoding.sniff(blocks, options.encoding)  # type: ignore[arg-type]
    if sniffed.mixed:
        raise mixed_encoding(source, name, sniffed.encoding)
    text = encoding.decode_head(head_bytes(source, encoding.BLOCK), sniffed.encoding)
    prefer = "\t" if name.lower().endswith(_TAB_SUFFIXES) else None
    delimiter = options.delimiter or delimiters.detect(text, prefer)
    first = delimiters.records(text, delimiter, limit=3)
    if not first:
        raise IngestError("empty_file", file=name)
    header = surveytools.detect(first, options.layout)
    header = _with_names(header, safe_names(header.names))
    readable, temporary = as_utf8(source, sniffed.encoding, name)
    base = pl.scan_csv(
        readable,
        has_header=False,
        skip_rows=header.header_rows,
        separator=delimiter,
        schema={n: pl.String for n in header.names},
        raise_if_empty=False,
        glob=False,  # the name is literal: 'glob*.csv' is that file, not its siblings
    )
    return Scanned(
        base=with_row_numbers(base, header.header_rows + 1),
        header=header,
        sha256=sniffed.sha256,
        format="csv",
        encoding=sniffed.encoding,
        delimiter=delimiter,
        temporary=temporary,
        control_free=sniffed.plain,
        diagnose=lambda exc: diagnose(readable, name, delimiter, len(header.names), exc),
    )


def mixed_encoding(source: FileSource, name: str, found: str) -> IngestError:
    """The refusal of a file that mixes UTF-8 with another encoding (see ``encoding``)."""
    label = {"cp1252": "Windows-1252", "latin-1": "Latin-1"}.get(found, found)
    if isinstance(source, bytes):
        row, example = encoding.first_utf8_line(source.splitlines())
    else:
        with Path(source).open("rb") as handle:
            row, example = encoding.first_utf8_line(handle)
    return IngestError("mixed_encoding", file=name, encoding=label, row=row, example=example)


def _with_names(header: surveytools.Header, names: tuple[str, ...]) -> surveytools.Header:
    questions = {
        names[i]: header.questions[n] for i, n in enumerate(header.names) if n in header.questions
    }
    return surveytools.Header(header.layout, names, header.header_rows, questions)


def diagnose(
    readable: Path | bytes, name: str, delimiter: str, width: int, exc: Exception
) -> IngestError:
    """Find the record polars choked on; only runs when a file is already refused."""
    if isinstance(readable, bytes):
        text = io.StringIO(readable.decode("utf-8-sig", "replace"), newline="")
        return _first_bad(text, name, delimiter, width, exc)
    with readable.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        return _first_bad(handle, name, delimiter, width, exc)


def _first_bad(
    handle: io.TextIOBase, name: str, delimiter: str, width: int, exc: Exception
) -> IngestError:
    """The first record that is too wide or badly quoted (strict CSV), by row number."""
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    row = 0
    try:
        for row, record in enumerate(reader, start=1):
            if len(record) > width:
                return IngestError(
                    "ragged_row", file=name, row=row, found=len(record), expected=width
                )
    except csv.Error as err:
        return IngestError("malformed_row", file=name, row=row + 1, detail=str(err))
    return unreadable(name, exc)
