"""A column that is named right but does not hold what its name says.

An NPS column on a 0-100 scale, a score column of words, huge floats in Parquet:
read cell by cell, each value is "not readable", and the file used to load with the
field NULL everywhere (the suggestion left the column unmapped, or every row was
rejected) and exit 0. The rule, one for the CLI and the Upload page:

* **more than half** of a mapped field's non-empty values unreadable: the file is
  **refused** (nothing written), naming the column, examples and what was expected.
  Such a column is the wrong column or on another scale; loading the rest of each
  row would store the row with that field missing, which reads as "not measured"
  where the file did measure it. A person decides: map another column, translate
  the values (``--values``), or leave the field unmapped (``--skip``);
* **some** (half or fewer) unreadable: those rows are rejected with their reasons,
  the rest load, as before (a few typos must not block a day's file);
* a column whose *header* names a field but whose sample values mostly do not fit
  is not mapped silently: the suggestion lists it (:class:`Misfit`), the CLI refuses
  until ``--map`` or ``--skip`` settles it, and the Upload page says so.

Keys and free text are never "unreadable" (a repeated key is a row problem).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

import polars as pl

from analytics.ingest import vocabulary as vocab
from analytics.ingest.columns import Column, column
from analytics.ingest.model import Mapping, Misfit, Validated
from analytics.ingest.reasons import IngestError, expected_text

if TYPE_CHECKING:  # quality imports validation, which this module must not wait for
    from analytics.ingest.quality import Quality

#: More than this share of a field's non-empty values unreadable refuses the file.
UNREADABLE_SHARE = 0.5
#: Kinds whose values can fail to read.
CHECKED = frozenset(
    {"timestamp", "duration", "count", "bool", "nps", "csat", "ces", "survey_type",
     "survey_channel"}
)  # fmt: skip
#: Row-level codes that say nothing about the column's values.
NOT_UNREADABLE = frozenset({"required", "duplicate_key"})
EXAMPLES = 3
__all__ = ["Misfit", "expected", "preview_refusal", "refusal", "too_unreadable", "values_of"]


def too_unreadable(kind: str, filled: int, parsed: int) -> bool:
    return kind in CHECKED and filled > 0 and filled - parsed > UNREADABLE_SHARE * filled


def expected(col: Column, mapping: Mapping) -> str:
    """What the field's values should look like, in the words of a row's reason."""
    code, params = _EXPECTED.get(col.kind, ("not_a_number", {}))
    if col.kind == "ces":
        params = {"min": 1, "max": mapping.ces_scale or "5 or 7"}
    if col.kind in ("survey_type", "survey_channel"):
        words = vocab.SURVEY_TYPES if col.kind == "survey_type" else vocab.SURVEY_CHANNELS
        params = {"allowed": ", ".join(sorted(set(words.values())))}
    return expected_text(code, params)


_EXPECTED: dict[str, tuple[str, dict[str, object]]] = {
    "timestamp": ("date_format", {}),
    "duration": ("duration_format", {}),
    "count": ("not_negative", {}),
    "bool": ("unknown_boolean", {}),
    "nps": ("out_of_range", {"min": 0, "max": 10}),
    "csat": ("unknown_label", {}),
    "survey_type": ("not_allowed", {}),
    "survey_channel": ("not_allowed", {}),
}


def refusal(
    file: str,
    col: Column,
    source: str,
    counts: tuple[int, int],
    examples: Iterable[str],
    mapping: Mapping,
) -> IngestError:
    """``column_unreadable`` for ``col`` fed by ``source``; ``counts`` = (filled, parsed)."""
    filled, parsed = counts
    return IngestError(
        "column_unreadable",
        file=file,
        column=source,
        field=col.name,
        bad=filled - parsed,
        filled=filled,
        examples=", ".join(f"'{e}'" for e in list(examples)[:EXAMPLES]) or "-",
        expected=expected(col, mapping),
    )


def values_of(params: Iterable[str | None]) -> list[str]:
    """The cell values quoted in rejects' JSON params (distinct, in order)."""
    seen: dict[str, None] = {}
    for text in params:
        value = json.loads(text).get("value") if text else None
        if value is not None:
            seen.setdefault(str(value)[:40], None)
    return list(seen)


def preview_refusal(validated: Validated, measured: Quality) -> IngestError | None:
    """The refusal the load would make (see :func:`too_unreadable`), from the checked
    rows of a preview and their data-quality report, so the page says it first."""
    for f in measured.fields:
        if too_unreadable(f.kind, f.filled, f.parsed):
            rejects = validated.rejects.filter(
                (pl.col("field") == f.field) & ~pl.col("code").is_in(list(NOT_UNREADABLE))
            )
            examples = values_of(rejects.get_column("params").head(20).to_list())
            col = column(validated.mapping.target, f.field)
            counts = (f.filled, f.parsed)
            return refusal(validated.raw.name, col, f.source, counts, examples, validated.mapping)
    return None
