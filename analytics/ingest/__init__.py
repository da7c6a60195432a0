"""Ingest: files in, canonical rows out, loaded whole or not at all.

The flow (the Upload page, notebooks and the CLI call the same functions)::

    raw = read_file(path_or_bytes, name, ReadOptions())    # RawTable: lazy, all text
    suggestion = suggest(store, raw, "surveys")            # saved mapping, else suggested
    mapping = suggestion.mapping.with_columns({"nps": "Q7"})  # settle what is open
    validated = validate(raw, mapping)                     # .good / .rejects (polars)
    report = load(store, validated, on_progress=bar)       # one transaction
    undo_batch(store, report.batch_id)                     # take it back out

For big files, ``ingest(store, raw, mapping, on_progress=...)`` validates and loads
in one streaming pass with bounded memory (what the CLI does).

Reading (``read_file``)
    CSV/TSV/``;``/``|`` (delimiter detected), UTF-8 with or without BOM, UTF-16,
    Windows-1252, Latin-1 (detected; see ``encoding``); Excel ``.xlsx`` (``sheet``
    option; ``facts.sheets`` lists them); Parquet; JSON Lines. Qualtrics (current
    three-row and legacy two-row) and SurveyMonkey (two-row) exports are recognised;
    their preview/test responses are skipped and counted in ``facts.skipped``
    (blank rows are skipped and counted by validation: ``Validated.skipped``,
    ``BatchReport.skipped``). ``raw.facts`` also tells the delimiter, encoding,
    decimal mark and day/month order decided for the whole file from its values.

Row numbers (column ``ROW`` = ``"__row__"`` everywhere)
    As a person counts rows in the file: for CSV and Excel, the row number a
    spreadsheet shows, header rows included (first data row of a plain CSV is 2, of
    a Qualtrics export 4; a quoted cell with line breaks is still one row; a blank
    line is a row). For JSON Lines, the line number. For Parquet, the record's
    position from 1.

Mapping (``suggest_mapping``; ``suggest`` also reuses saved mappings)
    Scores header names, question texts and sample values against Spanish and
    English synonyms (accent- and case-insensitive); maps only clear winners and
    lists ``ambiguous`` and ``missing_required`` columns. Saved mappings
    (``save_mapping``) are reused automatically for the same header set. CES needs
    ``ces_scale`` (5 or 7) and ``ces_direction`` ("easier"/"harder") declared in the
    Mapping; it is stored higher = easier.

Transforms (``Mapping.transforms``, saved with the mapping; see ``transforms``)
    Per field: ``invert`` (a yes/no that says the opposite: "Answered" feeds
    ``abandoned``), ``time_source`` (date + time of day from two columns),
    ``values`` (labels to values; a label also matches as leading words),
    ``unit`` (what a plain number in a duration counts), ``constant`` (one value for
    the whole file), ``generated`` (a key made from each row's content; suggested
    for survey files with no id, a person's choice for calls). One source column
    may feed several fields; ``Mapping.skipped`` lists fields left unmapped on
    purpose. Suggestions propose them where the headers and values call for them.

Data quality (``quality``)
    Every load measures, per mapped field, the share filled and read, the range and
    distinct values, plus the KPIs the file cannot support and why, rows with no
    score, timestamps all at midnight, duplicate and generated keys. Shown before
    confirming, printed by the CLI, kept in the batch log. It never blocks a load.

Value map (``aliases``; table ``value_aliases``)
    Store-wide, per dimension field (channel, queue, region, product, segment,
    team): a value written another way reads as the stored one ("Sur" -> "South",
    whatever its case and accents). ``ingest`` applies it; for ``validate`` + ``load``
    attach it first: ``validate(raw, aliases.attach(store, mapping))``.
    ``aliases.new_values`` lists a file's values the store does not hold yet, each
    with a suggested stored value (``value_match``); the data-quality report counts
    the cells the map changed.

Dates and numbers (decided per file, never per row)
    ``03/04/2024`` is day-first when any d/m/y value in the file has 13..31 first,
    month-first when any has it second; when none does, validation refuses the file
    (``date_order_ambiguous``) until the caller says which: ``validate(...,
    dayfirst=True)``, ``ReadOptions(dayfirst=...)``, ``--dayfirst``/``--monthfirst``,
    or ``Mapping.dayfirst`` remembered in a saved mapping. Both kinds of proof:
    ``date_order_conflict``. The decimal mark is the one the file's values need
    (``12,5`` vs ``12.5``); ``ReadOptions(decimal=...)`` overrides it.

Validation (``validate``)
    Types, ranges (NPS 0-10, CSAT 1-5 or its labels, CES 1..scale), durations
    (seconds or mm:ss / hh:mm:ss, never negative), booleans in Spanish and English,
    impossible dates, required values, keys repeated within the file. Each problem
    is a reject row: ``__row__, column, field, code, params (JSON), message,
    raw_values (JSON)``; ``code``/``params`` are for translation (see ``reasons``).
    File-level refusals raise :class:`IngestError` naming file, row, column.

Loading (``load``, ``ingest``)
    One transaction per batch: upsert by key (``inserted``/``updated``/``unchanged``;
    an update writes only the mapped columns), rejects stored, batch logged in
    ``ingest_batches`` with the keys it touched and the rows it overwrote, so
    ``undo_batch`` can delete its inserts and restore its updates (refused while a
    later batch still in force changed the same rows). Surveys whose call id is not
    in ``calls`` load with an ``unknown_call_id`` warning.

Command line (``cli``)
    ``python -m analytics ingest calls|surveys FILE [--mapping NAME] [--map S=T ...]
    [--sheet S] [--ces-scale 5|7] [--ces-direction easier|harder]
    [--dayfirst|--monthfirst] [--save-mapping NAME]`` plus the transform flags
    (``--skip --invert --time --values --unit --const --generate-key --no-header``);
    exit 1 when refused; after a load it warns of dimension values new to the store.
    ``python -m analytics aliases list|add FIELD ALIAS VALUE|remove FIELD ALIAS``.

Exports of uploaded values go through ``neutralise_for_export`` (formula injection).
"""

from __future__ import annotations

from analytics.ingest.batches import list_batches, rejected_rows, undo_batch
from analytics.ingest.export import neutralise_for_export
from analytics.ingest.loading import ingest, load
from analytics.ingest.mapping import suggest_mapping
from analytics.ingest.model import (
    ROW,
    BatchReport,
    BatchWarning,
    Candidate,
    FormatFacts,
    Mapping,
    RawTable,
    ReadOptions,
    Suggestion,
    UndoReport,
    Validated,
)
from analytics.ingest.readers import read_file
from analytics.ingest.reasons import IngestError
from analytics.ingest.saved import (
    find_saved,
    header_signature,
    list_mappings,
    load_mapping,
    save_mapping,
    suggest,
)
from analytics.ingest.validation import validate

__all__ = [
    "ROW",
    "BatchReport",
    "BatchWarning",
    "Candidate",
    "FormatFacts",
    "IngestError",
    "Mapping",
    "RawTable",
    "ReadOptions",
    "Suggestion",
    "UndoReport",
    "Validated",
    "find_saved",
    "header_signature",
    "ingest",
    "list_batches",
    "list_mappings",
    "load",
    "load_mapping",
    "neutralise_for_export",
    "read_file",
    "rejected_rows",
    "save_mapping",
    "suggest",
    "suggest_mapping",
    "undo_batch",
    "validate",
]
