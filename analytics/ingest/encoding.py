"""Text encodings: detect UTF-8 (with or without BOM), UTF-16, Windows-1252, Latin-1.

One streaming pass computes the SHA-256 and checks UTF-8 validity. Latin-1 and
Windows-1252 differ only in bytes 0x80-0x9F: control characters in Latin-1 that no
real text contains, but curly quotes, dashes and the euro sign in Windows-1252. So
those bytes mean Windows-1252, unless one of the five it leaves undefined appears.
Files that are not UTF-8 are transcoded to UTF-8 (streaming) before parsing.

One file, one encoding: a file that is not valid UTF-8 but holds UTF-8 letters or
quotes (``é`` written as the two bytes ``C3 A9``, which Windows-1252 would read as
``Ã©``) was written by two programs, and decoding it either way stores mojibake. It is refused (``Sniffed.mixed``), unless the caller
names the encoding.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

BLOCK = 1 << 20
_C1 = bytes(range(0x80, 0xA0))
_CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"
# bytes.translate(None, delete) keeps what is not deleted, at memcpy speed.
_NOT_C1 = bytes(b for b in range(256) if b not in _C1)
_NOT_UNDEFINED = bytes(b for b in range(256) if b not in _CP1252_UNDEFINED)
# The ASCII control characters a cell cannot hold (``values.CONTROL`` less its C1 range).
_C0 = bytes((*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
_NOT_C0 = bytes(b for b in range(256) if b not in _C0)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: UTF-8 for the letters and typography of Spanish and English text (à-ÿ, Œ, Š, Ž,
#: dashes, curly quotes, the ellipsis, €): in a Windows-1252 or Latin-1 file these
#: bytes read "Ã©", "â€œ", i.e. mojibake no one types. U+0080-U+00BF (C2 xx) are left
#: out: "Â" then a symbol ("Â¿") is rare but real text.
UTF8_SEQUENCE = re.compile(
    rb"\xC3[\x80-\xBF]|\xC5[\x92\x93\xA0\xA1\xB8\xBD\xBE]"
    rb"|\xE2\x80[\x93\x94\x98\x99\x9C\x9D\xA6]|\xE2\x82\xAC"
)
#: Encodings polars reads natively (it strips a UTF-8 BOM itself).
NATIVE = frozenset({"utf-8", "utf-8-sig"})


@dataclass(frozen=True)
class Sniffed:
    encoding: str
    sha256: str
    #: Not UTF-8, yet with UTF-8 text in it (see the module docstring).
    mixed: bool = False
    #: UTF-8 of printable ASCII, tabs and line breaks only: no cell can hold a control
    #: character (the data-quality count of them is skipped: 0.2 s of a 1M-row load).
    plain: bool = False


def blocks_of(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            yield block


def sniff(blocks: Iterable[bytes], declared: str | None = None) -> Sniffed:
    """Hash the bytes and name their encoding (``declared`` wins when given)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, c1, undefined, first, some_utf8 = True, False, False, b"", False
    plain = True
    for block in blocks:
        digest.update(block)
        ascii = block.isascii()  # once per block: each test below reads it
        text = block.removeprefix(codecs.BOM_UTF8) if not first else block  # Excel's BOM
        plain = plain and (ascii or text.isascii()) and not text.translate(None, _NOT_C0)
        first = first or block[:4]
        # ASCII is UTF-8 when no sequence of the block before waits for its end: no need
        # to decode it (0.1 s of reading a 116 MB file)
        if utf8 and not (ascii and not decoder.getstate()[0]):
            try:
                decoder.decode(block)
                some_utf8 = some_utf8 or _has_utf8_text(block)
            except UnicodeDecodeError:
                utf8 = False
        if not utf8:  # UTF-8 continuation bytes are C1 too: only judge non-UTF-8 text
            c1 = c1 or bool(block.translate(None, _NOT_C1))
            undefined = undefined or bool(block.translate(None, _NOT_UNDEFINED))
            some_utf8 = some_utf8 or _has_utf8_text(block)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    encoding = declared or _name(first, utf8, c1, undefined)
    mixed = not declared and not utf8 and some_utf8 and encoding in ("cp1252", "latin-1")
    name = codecs.lookup(encoding).name if declared else encoding
    return Sniffed(name, digest.hexdigest(), mixed, plain and name in NATIVE)


def _has_utf8_text(block: bytes) -> bool:
    """A :data:`UTF8_SEQUENCE` in ``block``. Every one starts with a byte above 0x7F, so
    an ASCII block (most blocks of most extracts) is answered without the regex, which
    was 0.3 s of reading a 116 MB file."""
    return not block.isascii() and UTF8_SEQUENCE.search(block) is not None


def first_utf8_line(lines: Iterable[bytes]) -> tuple[int, str]:
    """The first line holding a :data:`UTF8_SEQUENCE`, and that sequence in its
    context (for a refusal: only runs when a file is already refused)."""
    for number, line in enumerate(lines, start=1):
        found = UTF8_SEQUENCE.search(line)
        if found is not None:
            start, end = max(found.start() - 12, 0), found.end() + 12
            return number, line[start:end].decode("utf-8", "replace").strip()
    return 0, ""


def _name(first: bytes, utf8: bool, c1: bool, undefined: bool) -> str:
    for bom, name in _BOMS:
        if first.startswith(bom):
            return name
    if utf8:
        return "utf-8"
    return "cp1252" if c1 and not undefined else "latin-1"


def digest(blocks: Iterable[bytes]) -> str:
    """SHA-256 of a byte stream, for binary formats."""
    sha = hashlib.sha256()
    for block in blocks:
        sha.update(block)
    return sha.hexdigest()


def decode_head(data: bytes, encoding: str) -> str:
    """The start of the text, cut at the last complete line."""
    text = data.decode(encoding, errors="replace")
    cut = text.rfind("\n")
    return text if cut < 0 or len(data) < BLOCK else text[: cut + 1]


def transcode_file(path: Path, encoding: str) -> Path:
    """A temporary UTF-8 copy of ``path``; the caller deletes it."""
    decoder = codecs.getincrementaldecoder(encoding)()
    fd, name = tempfile.mkstemp(prefix="pulso-ingest-", suffix=".csv")
    try:
        with os.fdopen(fd, "wb") as out:
            for block in blocks_of(path):
                out.write(decoder.decode(block).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException:  # not text in that encoding: no copy left behind
        os.remove(name)
        raise
    return Path(name)


def transcode_bytes(data: bytes, encoding: str) -> bytes:
    if encoding in NATIVE:
        return data
    return data.decode(encoding).encode("utf-8")
