"""Data quality of a load: what each mapped field holds, and what the file cannot tell.

Shown before a load is confirmed (Upload page), printed by the CLI (:func:`lines`)
and kept in the batch log (``ingest_batches.quality``). It only informs: nothing
here refuses a row or a file (validation does that), so a warning never blocks a
load that is otherwise valid.

The names callers use, from where they live:

- ``quality_report``: the report (:class:`Quality`, :class:`FieldQuality`,
  :class:`Gap`), the KPIs each field feeds (:data:`NEEDS`), :func:`of` (the report
  a load kept);
- ``quality_tally``: measuring it, chunk by chunk (:class:`Tally`, the streaming
  load's) or from an in-memory validation (:func:`measure`);
- ``quality_words``: saying it (:func:`lines`, :func:`table`, :func:`source_text`).
"""

from __future__ import annotations

from analytics.ingest.quality_report import NEEDS, FieldQuality, Gap, Quality, Why, gaps, of
from analytics.ingest.quality_tally import Tally, control_cells, measure
from analytics.ingest.quality_words import lines, source_text, table

__all__ = [
    "NEEDS",
    "FieldQuality",
    "Gap",
    "Quality",
    "Tally",
    "Why",
    "control_cells",
    "gaps",
    "lines",
    "measure",
    "of",
    "source_text",
    "table",
]
