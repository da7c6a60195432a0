"""Delimiter detection: the candidate that splits the first records most consistently.

``csv.Sniffer`` guesses from character frequencies and is fooled by commas inside
quoted question texts; parsing the sample with each candidate (quotes respected)
and keeping the one whose records agree on a field count of two or more is not.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

CANDIDATES = (",", ";", "\t", "|")
SAMPLE_RECORDS = 50


def records(text: str, delimiter: str, limit: int = SAMPLE_RECORDS) -> list[list[str]]:
    """The first ``limit`` records of ``text``, quotes and embedded newlines respected."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[list[str]] = []
    try:
        for record in reader:
            out.append(record)
            if len(out) >= limit:
                break
    except csv.Error:
        pass  # a sample cut inside a quoted field: judge on what parsed
    return out


def _score(text: str, delimiter: str) -> tuple[float, int]:
    counts = [len(r) for r in records(text, delimiter) if any(cell.strip() for cell in r)]
    if not counts:
        return 0.0, 0
    width, times = Counter(counts).most_common(1)[0]
    if width < 2:
        return 0.0, width
    # Headers of survey exports may be wider than data rows with trailing blanks;
    # agreement of the header with the modal width matters most.
    agreement = times / len(counts) + (0.5 if counts[0] == width else 0.0)
    return agreement, width


def detect(text: str, prefer: str | None = None) -> str:
    """The delimiter of a CSV sample; ``prefer`` wins ties (e.g. tab for .tsv)."""
    best, best_key = ",", (0.0, 0, False)
    for delimiter in CANDIDATES:
        agreement, width = _score(text, delimiter)
        key = (round(agreement, 6), width, delimiter == prefer)
        if key > best_key:
            best, best_key = delimiter, key
    return best
