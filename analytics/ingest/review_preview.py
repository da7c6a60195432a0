"""The preview before a load: the whole file validated in memory, or its first rows.

A file bigger than :data:`PREVIEW_ROWS` is previewed on its first rows and checked in
full by the streaming load; :class:`Preview` says how many rows were checked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from analytics.ingest.model import Mapping, RawTable, Validated
from analytics.ingest.validation import validate

#: Rows validated in memory before loading; bigger files are previewed on their
#: first rows and checked in full by the streaming load.
PREVIEW_ROWS = 200_000


@dataclass(frozen=True, eq=False)
class Preview:
    """Validation of the whole file, or of its first rows when it is big."""

    validated: Validated
    checked_rows: int
    total_rows: int

    @property
    def complete(self) -> bool:
        return self.checked_rows >= self.total_rows


def preview(
    raw: RawTable, mapping: Mapping, dayfirst: bool | None, limit: int = PREVIEW_ROWS
) -> Preview:
    """Validate in memory (raises :class:`IngestError` for file-level refusals)."""
    total = raw.facts.n_rows
    if total <= limit:
        return Preview(validate(raw, mapping, dayfirst=dayfirst), total, total)
    head = replace(raw, data=raw.data.head(limit))
    return Preview(validate(head, mapping, dayfirst=dayfirst), limit, total)
