"""The mapping the analyst settles on the Upload page: fields, transforms and labels.

What each picker offers (:func:`fields`, :func:`transform_kinds`, :func:`scales_for`,
:func:`examples` for a headerless file), the label tables (:func:`label_rows`,
:func:`label_map`), and the mapping made of the analyst's choices
(:func:`chosen_mapping`), with what it still needs (:func:`needs_date_order`) or
leaves out (:func:`unused_columns`).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, replace

import polars as pl

from analytics.i18n import Lang, t
from analytics.ingest import columns as cols
from analytics.ingest import values
from analytics.ingest import vocabulary as vocab
from analytics.ingest.model import Mapping, RawTable, Target, Transform
from analytics.ingest.reasons import IngestError
from analytics.ingest.validation import resolve_dayfirst


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
