"""What the Upload page shows, in the analyst's language: refusals, reasons, facts, batches.

The engine speaks in codes with parameters (``reasons``); this module turns them
into sentences through the catalogs (keys ``ingest.<code>``), set-based for reject
tables that may hold a million problems. Values from files are always substituted
as values, never read as templates. Nothing here needs Streamlit, so the page's
logic is tested without a browser.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from analytics.i18n import MOMENT, Lang, catalog, moment, number, t
from analytics.ingest import columns as cols
from analytics.ingest import roundtrip, values
from analytics.ingest import vocabulary as vocab
from analytics.ingest.export import neutralise_for_export
from analytics.ingest.model import (
    ROW,
    BatchWarning,
    FormatFacts,
    Mapping,
    RawTable,
    Target,
    Transform,
    Validated,
)
from analytics.ingest.reasons import ROW_EXPECTED, IngestError
from analytics.ingest.validation import resolve_dayfirst, validate

#: Rows validated in memory before loading; bigger files are previewed on their
#: first rows and checked in full by the streaming load.
PREVIEW_ROWS = 200_000
#: The parameters a reject's reason may use (see ``rejects``).
_PARAMS = pl.Struct(
    {
        "value": pl.String,
        "min": pl.Int64,
        "max": pl.Int64,
        "allowed": pl.String,
        "rows": pl.List(pl.Int64),
    }
)
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
}


class _Keep(dict[str, Any]):
    """Leaves a placeholder the parameters lack visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _text(key: str, lang: Lang, fallback: str, **params: Any) -> str:
    template = catalog(lang).get(key) or catalog("en").get(key)
    return template.format_map(_Keep(params)) if template else fallback


def explain(error: IngestError, lang: Lang, escape: Any = None) -> str:
    """A refusal as a sentence; ``escape`` (e.g. markdown escaping) applies to values."""
    params = {k: _listed(v) for k, v in error.params.items()}
    if escape is not None:
        params = {k: escape(v) for k, v in params.items()}
    return _text(f"ingest.{error.code}", lang, str(error), **params)


def _listed(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


# -- rejected rows ---------------------------------------------------------------------------


def reasons(rejects: pl.DataFrame, lang: Lang) -> pl.Series:
    """One translated reason per reject row (set-based: one expression per code)."""
    params = pl.col("params").str.json_decode(_PARAMS)
    fields = {
        "value": params.struct.field("value"),
        "min": params.struct.field("min").cast(pl.String),
        "max": params.struct.field("max").cast(pl.String),
        "allowed": params.struct.field("allowed"),
        "rows": params.struct.field("rows").cast(pl.List(pl.String)).list.join(", "),
    }
    expr = pl.col("message")  # codes without a translation keep the engine's English
    for code in ROW_EXPECTED:
        template = catalog(lang).get(f"ingest.{code}") or catalog("en").get(f"ingest.{code}")
        if template:
            expr = pl.when(pl.col("code") == code).then(_fill(template, fields)).otherwise(expr)
    return rejects.select(expr.alias("reason")).to_series()


def _fill(template: str, fields: AbcMapping[str, pl.Expr]) -> pl.Expr:
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name:
            parts.append(fields[name].fill_null("") if name in fields else pl.lit("{" + name + "}"))
    return pl.concat_str(parts) if parts else pl.lit("")


def rejects_table(rejects: pl.DataFrame, lang: Lang, limit: int | None = 1000) -> pl.DataFrame:
    """Row, column, reason and the row's values as the file had them (for display)."""
    shown = rejects if limit is None else rejects.head(limit)
    return pl.DataFrame(
        {
            "row": shown.get_column(ROW),
            "column": shown.get_column("column"),
            "reason": reasons(shown, lang),
            "values": [values_text(v) for v in shown.get_column("raw_values")],
        }
    )


def rejects_csv(rejects: pl.DataFrame, lang: Lang) -> bytes:
    """Every problem, with the row's source values in their own columns, as CSV.

    Headers are translated; cells (and headers) that a spreadsheet would run as a
    formula are neutralised.
    """
    fixed = {
        t("upload.col.row", lang): rejects.get_column(ROW),
        t("upload.col.column", lang): rejects.get_column("column"),
        t("upload.col.field", lang): rejects.get_column("field"),
        t("upload.col.code", lang): rejects.get_column("code"),
        t("upload.col.reason", lang): reasons(rejects, lang),
    }
    frame = pl.DataFrame(fixed).hstack(_raw_columns(rejects, set(fixed), lang))
    return neutralise_for_export(frame).write_csv().encode("utf-8")


def rejects_file(rejects: pl.DataFrame, lang: Lang, shape: roundtrip.Shape) -> roundtrip.FileOut:
    """The rejected rows to fix and load again (see ``roundtrip``)."""
    return roundtrip.rejected_file(rejects, reasons(rejects, lang), shape, lang)


def _raw_columns(rejects: pl.DataFrame, taken: set[str], lang: Lang) -> list[pl.Series]:
    """The source row's values (kept as JSON) back in columns, named as in the file."""
    if rejects.height == 0:
        return []
    names = list(json.loads(rejects.get_column("raw_values")[0]))
    dtype = pl.Struct({n: pl.String for n in names})
    values = rejects.select(pl.col("raw_values").str.json_decode(dtype)).to_series()
    out = []
    for name in names:
        series = values.struct.field(name)
        label = name if name not in taken else f"{name} ({t('upload.col.source', lang)})"
        out.append(series.alias(label))
        taken.add(label)
    return out


def values_text(raw_values: str) -> str:
    """``{"a": "1", "b": null}`` -> ``a: 1 · b: –`` (for one row's detail)."""
    body = json.loads(raw_values)
    return " · ".join(f"{k}: {'–' if v is None else v}" for k, v in body.items())


# -- format facts ----------------------------------------------------------------------------


def describe_facts(facts: FormatFacts, lang: Lang) -> list[tuple[str, str]]:
    """(label, value) pairs: what was detected about the file, for the analyst to check."""
    shown: list[tuple[str, str]] = [
        (t("upload.fact.format", lang), t(f"upload.format.{facts.format}", lang)),
        (t("upload.fact.layout", lang), t(f"upload.layout.{facts.layout}", lang)),
    ]
    if facts.sheet is not None:
        shown.append((t("upload.fact.sheet", lang), facts.sheet))
    if facts.encoding is not None:
        shown.append(
            (t("upload.fact.encoding", lang), ENCODINGS.get(facts.encoding, facts.encoding))
        )
    if facts.delimiter is not None:
        shown.append((t("upload.fact.delimiter", lang), _delimiter(facts.delimiter, lang)))
    shown.append((t("upload.fact.decimal", lang), f"“{facts.decimal}”"))
    shown.append((t("upload.fact.dates", lang), _dates(facts, lang)))
    shown.append((t("upload.fact.rows", lang), number(facts.n_rows, lang, 0)))
    if facts.skipped:
        shown.append((t("upload.fact.skipped", lang), skipped_text(facts.skipped, lang)))
    return shown


def _delimiter(delimiter: str, lang: Lang) -> str:
    return t("upload.delimiter.tab", lang) if delimiter == "\t" else f"“{delimiter}”"


def _dates(facts: FormatFacts, lang: Lang) -> str:
    examples = ", ".join(facts.date_evidence)
    if facts.date_order == "conflict":
        day, month = (*facts.date_evidence, "", "")[:2]
        return t("upload.dates.conflict", lang, dayfirst=day, monthfirst=month)
    return t(f"upload.dates.{facts.date_order}", lang, examples=examples)


def skipped_text(skipped: AbcMapping[str, int], lang: Lang) -> str:
    """``{"preview": 2, "blank": 1}`` -> "2 survey-preview responses, 1 blank row"."""
    parts = [
        t(f"upload.skipped.{reason}", lang, count=number(count, lang, 0))
        for reason, count in skipped.items()
        if count
    ]
    return ", ".join(parts) if parts else "0"


def warning_text(warning: BatchWarning, lang: Lang) -> str:
    examples = ", ".join(warning.examples)
    return _text(
        f"ingest.warning.{warning.code}",
        lang,
        warning.message,
        count=number(warning.count, lang, 0),
        examples=examples,
    )


# -- mapping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One canonical column the analyst maps: its name, label and whether it is required."""

    name: str
    label: str
    required: bool


def fields(target: Target, lang: Lang) -> tuple[Field, ...]:
    return tuple(
        Field(c.name, t(f"upload.field.{c.name}", lang) + (" *" if c.required else ""), c.required)
        for c in cols.columns(target)
    )


def chosen_mapping(
    base: Mapping,
    chosen: AbcMapping[str, str | None],
    *,
    transforms: AbcMapping[str, Transform] | None = None,
    ces_scale: int | None = None,
    ces_direction: str | None = None,
    dayfirst: bool | None = None,
) -> Mapping:
    """The mapping the analyst settled: ``chosen`` is canonical column -> source (or
    None), ``transforms`` how each field is read (default: the base mapping's, for
    the fields still mapped). A field chosen as None is left unmapped on purpose."""
    columns = tuple(sorted((k, v) for k, v in chosen.items() if v))
    kept = dict(base.transforms) if transforms is None else dict(transforms)
    fed = {k for k, _ in columns} | {k for k, t in kept.items() if t.feeds_alone}
    settled = tuple(sorted((k, t) for k, t in kept.items() if k in fed and not t.is_identity))
    mapped_ces = "ces" in fed
    return replace(
        base,
        columns=columns,
        transforms=settled,
        skipped=tuple(sorted(k for k, v in chosen.items() if not v and k not in fed)),
        ces_scale=ces_scale if mapped_ces else None,  # type: ignore[arg-type]
        ces_direction=ces_direction if mapped_ces else None,  # type: ignore[arg-type]
        dayfirst=dayfirst if dayfirst is not None else base.dayfirst,
    )


#: Which transforms a field's kind can take on the Upload page.
LABELLED_KINDS = ("nps", "csat", "ces", "bool", "survey_type", "survey_channel")


def transform_kinds(target: Target, field: str) -> tuple[str, ...]:
    """The transform controls that make sense for ``field``: "invert", "time",
    "unit", "values" (each field can also be a constant, chosen with its column)."""
    kind = cols.column(target, field).kind
    found = {"bool": ("invert", "values"), "timestamp": ("time",), "duration": ("unit",)}
    return found.get(kind, ("values",) if kind in LABELLED_KINDS else ())


def scales_for(target: Target, field: str) -> tuple[str, ...]:
    """Named label scales worth offering for ``field`` (see ``vocabulary.VALUE_MAPS``)."""
    from analytics.ingest.mapping import LABELLED

    return LABELLED.get(cols.column(target, field).kind, ())


def examples(raw: RawTable, rows: int = 20) -> dict[str, str]:
    """A first non-empty value per column (for naming the columns of a headerless
    file in the pickers: "column_14" says nothing, "column_14 · ANSWERED" does)."""
    head = raw.head(rows)
    found = {}
    for name in raw.columns:
        values_ = head.select(values.clean(pl.col(name))).to_series().drop_nulls()
        if values_.len():
            found[name] = str(values_[0])[:40]
    return found


def label_rows(
    raw: RawTable, source: str, saved: tuple[tuple[str, str], ...], limit: int = 40
) -> list[tuple[str, str]]:
    """The rows of a label table: the saved (label, value) pairs, then the column's most
    frequent values (in its first rows) that no saved label reads, with no value yet."""
    head = raw.head(2000).select(values.clean(pl.col(source)).alias("v")).drop_nulls()
    found = head.group_by("v").len().sort(["len", "v"], descending=[True, False]).head(limit)
    if saved:
        found = found.filter(values.relabel(pl.col("v"), dict(saved)) == pl.col("v"))
    return [*saved, *((label, "") for label in found.get_column("v").to_list())]


def label_map(pairs: Iterable[tuple[str | None, str | None]]) -> tuple[tuple[str, str], ...]:
    """An edited label table as a value map: labels normalised, rows with no value dropped."""
    return tuple(
        sorted(
            (vocab.normalise(label), value.strip())
            for label, value in pairs
            if label and value and value.strip() and vocab.normalise(label)
        )
    )


def needs_date_order(raw: RawTable, mapping: Mapping) -> bool:
    """True when the file's dates read both ways and a mapped date column is one of them."""
    try:
        resolve_dayfirst(raw, replace(mapping, dayfirst=None), None)
    except IngestError as exc:
        return exc.code in ("date_order_ambiguous", "date_order_conflict")
    return False


def unused_columns(raw: RawTable, mapping: Mapping) -> tuple[str, ...]:
    used = set(mapping.sources)
    return tuple(c for c in raw.columns if c not in used)


# -- preview ---------------------------------------------------------------------------------


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


# -- batch log -------------------------------------------------------------------------------

#: The status (undone, and when) beside the file, where the table shows it without a
#: scroll: the account column is wide, and an undone load must not read as a live one.
LOG_COLUMNS = (
    "batch_id", "target", "file_name", "loaded_at", "status", "loaded_by", "n_rows",
    "n_inserted", "n_updated", "n_unchanged", "n_rejected", "n_skipped",
)  # fmt: skip


def batch_log(batches: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """The batch log for display: translated target and status (with the undo moment as
    the reader writes it), counts; ``loaded_at`` stays a datetime, for the table to write
    in the language and sort by (the file's SHA-256 stays in the store: no one reads it)."""
    undone = pl.col("undone_at").dt.strftime(MOMENT[lang])
    status = (
        pl.when(pl.col("undone_at").is_null())
        .then(pl.lit(t("upload.log.active", lang)))
        .otherwise(pl.concat_str(pl.lit(t("upload.log.undone", lang) + " "), undone))
    )
    target = pl.col("target").replace_strict(
        {k: t(f"upload.target.{k}", lang) for k in cols.TARGETS}, default=pl.col("target")
    )
    # Without sign-in a load is recorded under the computer's account ("root"): say so.
    account = pl.concat_str(pl.col("loaded_by"), pl.lit(f" ({t('upload.log.os_account', lang)})"))
    by = pl.when(pl.col("loaded_by").str.contains("@", literal=True)).then(pl.col("loaded_by"))
    loaded_by = by.otherwise(account)
    return batches.with_columns(target=target, status=status, loaded_by=loaded_by).select(
        LOG_COLUMNS
    )


def batch_choices(batches: pl.DataFrame, lang: Lang) -> dict[int, str]:
    """Batch id -> "12 · calls.csv · 2026-06-28 10:05" for a picker, newest first."""
    return {
        int(r["batch_id"]): " · ".join(
            (str(r["batch_id"]), r["file_name"], moment(r["loaded_at"], lang))
            + ((t("upload.log.undone", lang),) if r["undone_at"] is not None else ())
        )
        for r in batches.iter_rows(named=True)
    }


def counts(values: Iterable[tuple[str, int]], lang: Lang) -> list[tuple[str, str]]:
    """(label, formatted count) pairs for the count tiles."""
    return [(t(f"upload.count.{k}", lang), number(v, lang, 0)) for k, v in values]
