"""What the Upload page shows, in the analyst's language: refusals, reasons, facts, batches.

The engine speaks in codes with parameters (``reasons``); these modules turn them
into sentences through the catalogs (keys ``ingest.<code>``), set-based for reject
tables that may hold a million problems. Values from files are always substituted
as values, never read as templates. Nothing here needs Streamlit, so the page's
logic is tested without a browser.

The names callers use (as ``review.<name>``), from where they live:

- ``review_words``: refusals and warnings as sentences (:func:`explain`,
  :func:`warning_text`), the file's facts (:func:`describe_facts`,
  :func:`skipped_text`, :data:`ENCODINGS`) and the count tiles (:func:`counts`);
- ``review_rejects``: rejected rows, translated (:func:`reasons`), for display
  (:func:`rejects_table`, :func:`values_text`) and download (:func:`rejects_csv`,
  :func:`rejects_file`);
- ``review_mapping``: the mapping the analyst settles (:class:`Field`, :func:`fields`,
  :func:`chosen_mapping`, :func:`transform_kinds`, :func:`scales_for`, the label
  tables, :func:`needs_date_order`, :func:`unused_columns`);
- ``review_preview``: validation before a load (:class:`Preview`, :func:`preview`,
  :data:`PREVIEW_ROWS`);
- ``review_log``: the batch log shown (:func:`batch_log`, :data:`LOG_COLUMNS`,
  :func:`batch_choices`).
"""

from __future__ import annotations

from analytics.ingest.review_log import LOG_COLUMNS, batch_choices, batch_log
from analytics.ingest.review_mapping import (
    LABELLED_KINDS,
    Field,
    chosen_mapping,
    examples,
    fields,
    label_map,
    label_rows,
    needs_date_order,
    scales_for,
    transform_kinds,
    unused_columns,
)
from analytics.ingest.review_preview import PREVIEW_ROWS, Preview, preview
from analytics.ingest.review_rejects import (
    reasons,
    rejects_csv,
    rejects_file,
    rejects_table,
    values_text,
)
from analytics.ingest.review_words import (
    ENCODINGS,
    counts,
    describe_facts,
    explain,
    skipped_text,
    warning_text,
)

__all__ = [
    "ENCODINGS",
    "LABELLED_KINDS",
    "LOG_COLUMNS",
    "PREVIEW_ROWS",
    "Field",
    "Preview",
    "batch_choices",
    "batch_log",
    "chosen_mapping",
    "counts",
    "describe_facts",
    "examples",
    "explain",
    "fields",
    "label_map",
    "label_rows",
    "needs_date_order",
    "preview",
    "reasons",
    "rejects_csv",
    "rejects_file",
    "rejects_table",
    "scales_for",
    "skipped_text",
    "transform_kinds",
    "unused_columns",
    "values_text",
    "warning_text",
]
