"""Self-describing formats: Parquet and JSON Lines, turned into text columns.

Typed values become text the same way for every format (ISO date-times, ``.``
decimals, ``true``/``false``), so validation has one set of rules. Row numbers:
the record's position for Parquet, the line number for JSON Lines (blank lines
count, as in an editor).
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from analytics.ingest import encoding, surveytools
from analytics.ingest.model import ROW
from analytics.ingest.reasons import IngestError
from analytics.ingest.source import (
    FileSource,
    Scanned,
    as_utf8,
    path_of,
    safe_names,
    with_row_numbers,
)

_LINE = "__line__"
_BATCH = 65_536


def scan_parquet(source: FileSource, name: str) -> Scanned:
    path = path_of(source)
    sha256 = encoding.digest(encoding.blocks_of(path) if path else [source])  # type: ignore[list-item]
    _decodes(path if path is not None else io.BytesIO(source), name)  # type: ignore[arg-type]
    try:
        if path is not None:
            # pyarrow reads the pages, lazily and in order: polars's own Parquet reader
            # panics on a file whose one column chunk lost its statistics, which
            # pyarrow (and _decodes) read. A dataset path is literal, never a pattern.
            frame = pl.scan_pyarrow_dataset(pads.dataset(path, format="parquet"))
        else:
            frame = pl.from_arrow(pq.read_table(io.BytesIO(source))).lazy()  # type: ignore[arg-type, union-attr]
        schema = frame.collect_schema()
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError, ValueError) as exc:
        raise IngestError("unreadable", file=name, detail=str(exc).splitlines()[0]) from exc
    names = safe_names(surveytools.unique_names(list(schema)))
    texts = [
        _as_text(col, dtype, name).alias(new)
        for (col, dtype), new in zip(schema.items(), names, strict=True)
    ]
    header = surveytools.Header("plain", names, 0)
    return Scanned(with_row_numbers(frame.select(texts), 1), header, sha256, "parquet")


def _decodes(readable: Path | io.BytesIO, name: str) -> None:
    """Every page of a Parquet file decodes, read by pyarrow (batch by batch), and the
    counts its footer declares are those of its data, before polars sees it: polars
    trusts a damaged page's declared size and aborts the whole process allocating
    2**61 bytes (one flipped byte in a 1 KB file), and panics on a count that lies."""
    try:
        parquet = pq.ParquetFile(readable)
        rows = sum(batch.num_rows for batch in parquet.iter_batches(batch_size=_BATCH))
        meta = parquet.metadata
        groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
        flat = [parquet.schema.column(c).max_repetition_level == 0 for c in range(meta.num_columns)]
        lies = rows != meta.num_rows or rows != sum(g.num_rows for g in groups) or any(
            g.column(c).num_values != g.num_rows for g in groups for c in range(g.num_columns)
            if flat[c]
        )  # fmt: skip
    except Exception as exc:  # pyarrow: ArrowInvalid, OSError, UnicodeDecodeError...
        detail = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise IngestError("unreadable", file=name, detail=detail) from exc
    if lies:
        detail = f"its footer declares other row counts than its {rows} rows hold"
        raise IngestError("unreadable", file=name, detail=detail)


def _as_text(col: str, dtype: pl.DataType, file: str) -> pl.Expr:
    expr = pl.col(col)
    if dtype.is_nested() or dtype == pl.Binary or dtype == pl.Object:
        raise IngestError("unsupported_column_type", file=file, column=col, dtype=str(dtype))
    if isinstance(dtype, pl.Duration):
        expr = expr.dt.total_microseconds() / 1_000_000  # durations load as seconds
    if isinstance(dtype, pl.Datetime | pl.Date):
        return _calendar_text(expr, dtype)
    return expr.cast(pl.String)


def _calendar_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Dates and times as ISO text; one beyond years 1-9999 (valid Parquet, but polars
    panics writing it as text) as its raw number and unit, which no date reads: its
    row is rejected with the value shown, not the file a crash."""
    raw = expr.to_physical()
    unit: str
    if isinstance(dtype, pl.Datetime):
        seconds = expr.dt.epoch("s")
        fits, unit = seconds.is_between(-62_135_596_800, 253_402_300_799), dtype.time_unit
    else:
        fits, unit = raw.is_between(-719_162, 2_932_896), "days"
    shown = pl.when(fits).then(expr).cast(pl.String)  # out of range: null before the cast
    return pl.coalesce(shown, pl.when(~fits).then(raw.cast(pl.String) + f" {unit}"))


def scan_jsonl(source: FileSource, name: str) -> Scanned:
    path = path_of(source)
    sniffed = encoding.sniff(encoding.blocks_of(path) if path else [source])  # type: ignore[list-item]
    if sniffed.mixed:
        from analytics.ingest.csvfiles import mixed_encoding

        raise mixed_encoding(source, name, sniffed.encoding)
    readable, temporary = as_utf8(source, sniffed.encoding, name)
    if temporary is None and isinstance(readable, Path) and literal_needs_copy(readable):
        # scan_ndjson has no glob=False: a name such as 'day*.jsonl' is read from a copy
        readable = temporary = encoding.transcode_file(readable, "utf-8")
    try:
        schema = pl.scan_ndjson(_io(readable), infer_schema_length=None).collect_schema()
    except pl.exceptions.PolarsError as exc:
        raise _bad_line(readable, name, exc) from exc
    names = tuple(schema)
    records = pl.scan_ndjson(_io(readable), schema={n: pl.String for n in names})
    lines = pl.scan_csv(
        _io(readable),
        has_header=False,
        separator="\x1f",
        quote_char=None,
        schema={_LINE: pl.String},
        glob=False,
    )  # a JSON line cannot contain a raw 0x1f, so each line is one field
    numbered = with_row_numbers(lines, 1).filter(
        pl.col(_LINE).str.strip_chars().str.len_bytes() > 0
    )
    safe = safe_names(surveytools.unique_names(names))
    frame = pl.concat(
        [numbered.select(ROW), records.rename(dict(zip(names, safe, strict=True)))],
        how="horizontal",
    )
    header = surveytools.Header("plain", safe, 0)
    return Scanned(
        frame, header, sniffed.sha256, "jsonl", encoding=sniffed.encoding, temporary=temporary
    )


def literal_needs_copy(path: Path) -> bool:
    """A path polars would expand as a wildcard pattern (CLI paths are literal)."""
    return any(c in str(path) for c in "*?[]{}")


def _io(readable: Path | bytes) -> Path | io.BytesIO:
    return io.BytesIO(readable) if isinstance(readable, bytes) else readable


def _bad_line(readable: Path | bytes, name: str, exc: Exception) -> IngestError:
    """Name the first line that is not a JSON object (error path only)."""
    import json

    data = readable if isinstance(readable, bytes) else readable.read_bytes()
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            if not isinstance(json.loads(line), dict):
                return IngestError("invalid_json", file=name, row=number, detail="not an object")
        except ValueError as err:
            return IngestError("invalid_json", file=name, row=number, detail=str(err))
    return IngestError("unreadable", file=name, detail=str(exc).splitlines()[0])
