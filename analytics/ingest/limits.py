"""Limits on a workbook, checked before any parser sees it.

An ``.xlsx`` is a zip of XML. The parsers (calamine through fastexcel, openpyxl)
trust what it declares: a 1.6 KB file whose sheet says ``<dimension
ref="A1:XFD1048576"/>``, or holds one cell at A1 and one at XFD1048576, makes
calamine allocate the whole rectangle (512 GB) and the process abort; a dense zip
bomb (2 MB of zip, 481 MB of XML) takes a gigabyte and a minute. So, before
parsing, in this order (each cheap, each a refusal naming the file and the limit):

1. the file's own size;
2. the zip's central directory: every member's declared uncompressed size, their
   total, and each large member's compression ratio;
3. each worksheet's declared ``<dimension ref>`` (in its first bytes);
4. one streaming pass over each worksheet's XML (decompressed by Python's
   ``zipfile``, which stops at the declared size and checks the CRC, so a lying
   directory is refused as corrupt): the rectangle its cell references span, its
   rows and its cells, counted as they come, so a lie stops the pass early.

Time is bounded by the sizes: pass 4 reads at most :data:`MAX_UNCOMPRESSED` bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from analytics.ingest.reasons import IngestError

#: The biggest workbook file read (the Upload page's own limit is lower).
MAX_FILE_BYTES = 200_000_000
#: All members together, uncompressed, as declared (and then as read).
MAX_UNCOMPRESSED = 400_000_000
#: Uncompressed / compressed, for members over :data:`RATIO_FROM` bytes. Sheet XML
#: compresses 5-20 times; 100 leaves room for very repetitive sheets.
MAX_RATIO = 100
RATIO_FROM = 1_000_000
#: Rows and columns a sheet may span, and the cells of that rectangle.
MAX_ROWS = 1_048_576  # Excel's own
MAX_COLUMNS = 2_000
MAX_CELLS = 20_000_000

_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([^"]*)"')
_REF = re.compile(r"^\$?([A-Za-z]{1,4})\$?(\d{1,8})$")
#: A cell reference attribute (cells), a row number attribute (rows).
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,4})(\d{1,9})"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_BLOCK = 1 << 20
_OVERLAP = 64  # a reference cut by a block boundary is read in the next block


@dataclass
class _Span:
    """The rectangle a sheet's cell references cover, and its rows and cells."""

    low_row: int = 0
    high_row: int = 0
    low_col: int = 0
    high_col: int = 0
    rows: int = 0
    cells: int = 0

    def add(self, col: int, row: int) -> None:
        if not self.low_row:
            self.low_row = self.high_row = row
            self.low_col = self.high_col = col
            return
        self.low_row, self.high_row = min(self.low_row, row), max(self.high_row, row)
        self.low_col, self.high_col = min(self.low_col, col), max(self.high_col, col)

    @property
    def height(self) -> int:
        return max(self.rows, self.high_row - self.low_row + 1 if self.low_row else 0)

    @property
    def width(self) -> int:
        return self.high_col - self.low_col + 1 if self.low_col else 0


def check_size(size: int, name: str) -> None:
    if size > MAX_FILE_BYTES:
        raise _too_big(name, "file_size", size, MAX_FILE_BYTES)


def check_workbook(data: bytes, name: str) -> None:
    """Refuse a workbook over any limit, before a parser reads it (see the module)."""
    check_size(len(data), name)
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError("unreadable", file=name, detail=f"not an xlsx workbook ({exc})") from exc
    with book:
        members = book.infolist()
        _check_directory(members, name)
        for info in (m for m in members if _SHEET.match(m.filename)):
            _check_sheet(book, info, name)


def _check_directory(members: list[zipfile.ZipInfo], name: str) -> None:
    total = 0
    for info in members:
        total += info.file_size
        if total > MAX_UNCOMPRESSED:
            raise _too_big(name, "uncompressed", total, MAX_UNCOMPRESSED)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM and ratio > MAX_RATIO:
            raise IngestError(
                "workbook_ratio",
                file=name,
                member=info.filename,
                ratio=int(ratio),
                limit=MAX_RATIO,
            )


def _check_sheet(book: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    span = _Span()
    try:
        with book.open(info) as stream:
            head = stream.read(_BLOCK)
            _check_dimension(head, name)
            tail = b""
            block = head
            while block:
                _scan(tail + block, block, span)
                _check_span(span, name)
                tail = block[-_OVERLAP:]
                block = stream.read(_BLOCK)
    # a bad CRC, lying sizes, damaged compressed data, another compression, a password
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError,
            RuntimeError) as exc:  # fmt: skip
        raise IngestError("unreadable", file=name, detail=f"corrupt workbook ({exc})") from exc


def _check_dimension(head: bytes, name: str) -> None:
    found = _DIMENSION.search(head)
    if found is None:
        return
    ends = [_REF.match(part) for part in found.group(1).decode("ascii", "replace").split(":")]
    if not all(ends):
        return  # an odd ref: the cell pass measures the sheet anyway
    span = _Span()
    for end in ends:
        assert end is not None
        span.add(column_number(end.group(1)), int(end.group(2)))
    _check_span(span, name)


def _scan(text: bytes, block: bytes, span: _Span) -> None:
    """Fold one block into ``span``: its references (``text`` is the block after the
    previous block's tail, so a reference cut by the boundary is read whole; one read
    twice changes no bound) and its row and cell tags (one cut in two is not counted)."""
    pairs = _CELL_REF.findall(text)
    if pairs:
        letters = {p[0] for p in pairs}
        rows = {int(d) for d in {p[1] for p in pairs}}
        cols = [column_number(c.decode("ascii")) for c in letters]
        span.add(min(cols), min(rows))
        span.add(max(cols), max(rows))
    span.rows += len(_ROW_TAG.findall(block))
    span.cells += len(_CELL_TAG.findall(block))


def _check_span(span: _Span, name: str) -> None:
    """The sheet's used range (declared, or reached by its cells) against the limits."""
    if span.height > MAX_ROWS:
        raise _sheet_limit(name, "rows", span.height, MAX_ROWS)
    if span.width > MAX_COLUMNS:
        raise _sheet_limit(name, "columns", span.width, MAX_COLUMNS)
    area = max(span.cells, span.height * span.width)
    if area > MAX_CELLS:
        raise _sheet_limit(name, "cells", area, MAX_CELLS)


def column_number(letters: str) -> int:
    """``A`` -> 1, ``XFD`` -> 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _too_big(name: str, what: str, found: int, limit: int) -> IngestError:
    return IngestError(f"workbook_{what}", file=name, found=found, limit=limit)


def _sheet_limit(name: str, what: str, found: int, limit: int) -> IngestError:
    return IngestError(f"workbook_{what}", file=name, found=found, limit=limit)
