"""Validation: every mapped cell parsed to its canonical type, or a reason why not.

A :class:`Plan` is the lazy, set-based check of a whole file (one polars
expression per column, no Python per row). :func:`validate` runs it in memory for
the Upload page; ``load.ingest`` streams it in chunks for big files. Both split the
checked rows the same way (:func:`split`), so they accept and reject the same rows.

File-level refusals (:class:`IngestError`) come first: a required column with no
source, a mapping naming a column the file lacks, an undeclared CES scale, or a
day/month order nobody decided.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import polars as pl

from analytics.ingest import columns as cols
from analytics.ingest import dates, rejects, steps, transforms, values, vocabulary
from analytics.ingest.columns import Column
from analytics.ingest.fast import ColumnReader, choose_reader, read_stages
from analytics.ingest.model import ROW, FormatFacts, Mapping, RawTable, Target, Validated
from analytics.ingest.reasons import IngestError


@dataclass(frozen=True, eq=False)
class Context:
    """What parsing a column needs beyond its text: one value per file."""

    mapping: Mapping
    facts: FormatFacts
    dayfirst: bool | None
    #: Keys used by more than one row: key -> row numbers (usually empty).
    duplicates: pl.DataFrame
    #: Canonical column -> how most of its values are read fast (see ``fast``).
    fast: dict[str, ColumnReader]
    #: The file's source columns (a generated key is made from all of them).
    columns: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Plan:
    """How to check one file against one target (lazy; nothing has run yet)."""

    raw: RawTable
    mapping: Mapping
    target: Target
    #: Mapped canonical columns, in table order.
    columns: tuple[Column, ...]
    context: Context
    #: Source columns, plus a value and an error column per canonical column.
    checked: pl.LazyFrame
    #: ``checked`` of any run of ``raw.data``'s rows (e.g. one of ``raw.pieces``).
    check: Callable[[pl.LazyFrame], pl.LazyFrame] = dataclasses.field(repr=False)

    @property
    def dayfirst(self) -> bool | None:
        return self.context.dayfirst

    @property
    def duplicates(self) -> pl.DataFrame:
        return self.context.duplicates

    def text(self, canonical: str) -> pl.Expr:
        """The field's input as a reject shows it: the source cell as written, or the
        text the transforms made (kept in ``checked`` for transformed fields)."""
        if transforms.is_transformed(canonical, self.mapping):
            return pl.col(steps.cols_for(canonical).name("text"))
        return pl.col(self.mapping.as_dict[canonical])

    def label(self, canonical: str) -> str:
        """The field's column as a person reads it in a reject."""
        return transforms.cell_label(canonical, self.mapping)

    @property
    def loaded(self) -> tuple[str, ...]:
        """Canonical columns written to the store (mapped plus derived)."""
        names = tuple(c.name for c in self.columns)
        return names + (("ces_scale",) if "ces" in names else ())


def validate(raw: RawTable, mapping: Mapping, *, dayfirst: bool | None = None) -> Validated:
    """Check every row in memory; ``dayfirst`` overrides the file's date order."""
    plan = make_plan(raw, mapping, dayfirst=dayfirst)
    with parsing(raw):
        good, bad, blank = split(finish_slow(plan.checked.collect(), plan), plan)
    skipped = {**raw.facts.skipped, **({"blank": blank} if blank else {})}
    return Validated(
        raw=raw, mapping=mapping, good=good, rejects=bad, dayfirst=plan.dayfirst, skipped=skipped
    )


@contextmanager
def parsing(raw: RawTable) -> Iterator[None]:
    """Parse errors met while streaming the file become refusals naming the row."""
    try:
        yield
    except pl.exceptions.PolarsError as exc:
        raise raw.refusal(exc) from exc


def make_plan(
    raw: RawTable, mapping: Mapping, *, dayfirst: bool | None = None, find_duplicates: bool = True
) -> Plan:
    """The lazy check of ``raw``; ``find_duplicates=False`` skips the pass that finds
    repeated keys (the caller then checks the keys it staged, see ``loading``)."""
    target = mapping.target
    if raw.facts.n_rows == 0 and not raw.facts.skipped:  # a header alone: no empty batch
        raise IngestError("no_rows", file=raw.name)
    mapped = _check_mapping(raw, mapping)
    order = resolve_dayfirst(raw, mapping, dayfirst)
    keyed = transforms.field_text(cols.KEYS[target], mapping, raw.columns, raw.data)
    with parsing(raw):
        duplicates = repeated_keys(keyed, pl.col("text")) if find_duplicates else NO_DUPLICATES
        readers = _fast_readers(raw, mapping, mapped, order)
    context = Context(mapping, raw.facts, order, duplicates, readers, raw.columns)
    stages = steps.merge(column_stages(c, context) for c in mapped)
    blank = pl.all_horizontal([pl.col(n).is_null() for n in raw.columns]).alias(BLANK)
    keep = [pl.col(ROW), blank, *[pl.col(n) for n in raw.columns]]
    keep += [pl.col(name(c.name)) for c in mapped for name in (steps.value_name, steps.error_name)]
    keep += [
        pl.col(steps.cols_for(c.name).name("text"))
        for c in mapped
        if transforms.is_transformed(c.name, mapping)
    ]
    check = lambda rows: steps.run(rows, stages).select(keep)  # noqa: E731
    return Plan(raw, mapping, target, mapped, context, check(raw.data), check)


def _fast_readers(
    raw: RawTable, mapping: Mapping, mapped: tuple[Column, ...], dayfirst: bool | None
) -> dict[str, ColumnReader]:
    sample = raw.head(1000).lazy()
    found = {}
    for col in mapped:
        if col.kind in ("timestamp", "duration", "count", "bool"):
            text = transforms.field_text(col.name, mapping, raw.columns, sample)
            texts = text.select("text").collect().to_series()
            how = mapping.transform(col.name)
            reader = choose_reader(col, texts, how, dayfirst, raw.facts.decimal)
            if reader is not None:
                found[col.name] = reader
    return found


def _check_mapping(raw: RawTable, mapping: Mapping) -> tuple[Column, ...]:
    target, fed = mapping.target, mapping.fields
    allowed = [c.name for c in cols.columns(target)]
    for field in fed:
        if field not in allowed:
            raise IngestError(
                "unknown_target_column", field=field, target=target, allowed=", ".join(allowed)
            )
    sources = [*mapping.columns]
    sources += [(f, t.time_source) for f, t in mapping.transforms if t.time_source and f in fed]
    for field, source in sources:
        if source not in raw.columns:
            raise IngestError("unknown_source_column", file=raw.name, column=source, field=field)
    for col in cols.columns(target):
        if col.required and col.name not in fed:
            raise IngestError("missing_required_column", file=raw.name, field=col.name)
    if "ces" in fed and (mapping.ces_scale not in (5, 7) or mapping.ces_direction is None):
        raise IngestError("ces_scale_required", file=raw.name, column=mapping.as_dict.get("ces"))
    return tuple(c for c in cols.columns(target) if c.name in fed)


def resolve_dayfirst(raw: RawTable, mapping: Mapping, override: bool | None) -> bool | None:
    """The file's one day/month order: the caller's word, the values, or the saved choice."""
    facts = raw.facts
    if override is not None:
        return override
    if facts.dayfirst is not None:
        return facts.dayfirst
    if facts.date_order == "ambiguous" and mapping.dayfirst is not None:
        return mapping.dayfirst
    timestamps = [c.name for c in cols.columns(mapping.target) if c.kind == "timestamp"]
    affected = [s for f, s in mapping.columns if f in timestamps and s in facts.dmy_columns]
    if affected and facts.date_order == "conflict":
        day, month = (*facts.date_evidence, "", "")[:2]
        raise IngestError(
            "date_order_conflict",
            file=raw.name,
            columns=", ".join(affected),
            dayfirst=day,
            monthfirst=month,
        )
    if affected:
        examples = ", ".join(facts.date_evidence)
        raise IngestError(
            "date_order_ambiguous", file=raw.name, columns=", ".join(affected), examples=examples
        )
    return None


#: Checked-frame column: every source cell of the row is empty (skipped, counted).
BLANK = "\x00blank"
NO_DUPLICATES = pl.DataFrame(schema={"key": pl.String, "rows": pl.List(pl.Int64)})


def repeated_keys(data: pl.LazyFrame, key_text: pl.Expr) -> pl.DataFrame:
    """Keys on more than one row, with their row numbers (two cheap streaming passes)."""
    key = key_text.alias("key")
    counts = (
        data.select(key)
        .group_by("key")
        .len()
        .filter((pl.col("len") > 1) & pl.col("key").is_not_null())
    )
    repeated = counts.collect(engine="streaming").get_column("key")
    if repeated.is_empty():
        return NO_DUPLICATES
    found = data.select(key, pl.col(ROW)).filter(pl.col("key").is_in(repeated.implode()))
    return found.group_by("key").agg(pl.col(ROW).sort().alias("rows")).collect()


def column_stages(col: Column, context: Context, fast: bool = True) -> steps.Stages:
    """Clean the source cell, parse it, then apply "required" and the stored type."""
    c = steps.cols_for(col.name)
    quick = fast and col.name in context.fast
    plain = context.facts.control_free
    first = transforms.text_stages(col.name, context.mapping, context.columns, c, quick, plain)
    error = pl.when(c.text.is_null()).then(pl.lit("required")).otherwise(c("error"))
    last = {c.name("value"): c("value").cast(col.dtype)}
    if col.required:
        last[c.name("error")] = error
    return [*first, *parse_column(col, c, context, fast), last]


def parse_column(col: Column, c: steps.Cols, context: Context, fast: bool = True) -> steps.Stages:
    """Stages filling ``value`` and ``error`` for one canonical column from ``c.text``."""
    mapping, dups, dayfirst = context.mapping, context.duplicates, context.dayfirst
    decimal, kind = context.facts.decimal, col.kind
    if kind == "key":
        if dups.is_empty():  # the usual case, and the streaming load's (see ``loading``)
            return [{c.name("value"): c.text, c.name("error"): values.NONE}]
        repeated = pl.when(c.text.is_in(dups.get_column("key").implode())).then(
            pl.lit("duplicate_key")
        )
        return [{c.name("value"): c.text, c.name("error"): repeated.otherwise(values.NONE)}]
    if fast and col.name in context.fast:
        unit = mapping.transform(col.name).unit if kind == "duration" else None
        return read_stages(context.fast[col.name], c, decimal, unit)
    if kind == "timestamp":
        return dates.timestamp(c, dayfirst)
    if kind == "duration":
        return values.duration(c, decimal, mapping.transform(col.name).unit)
    if kind == "count":
        return values.count(c, decimal)
    if kind == "bool":
        return values.boolean(c, invert=mapping.transform(col.name).invert)
    if kind == "nps":
        return values.scale(c, decimal, 0, 10)
    if kind == "csat":
        return values.csat(c, decimal)
    if kind == "ces":
        return values.ces(c, decimal, mapping.ces_scale or 5, mapping.ces_direction == "harder")
    if kind in ("survey_type", "survey_channel"):
        words = vocabulary.SURVEY_TYPES if kind == "survey_type" else vocabulary.SURVEY_CHANNELS
        return values.choice(c, words)
    aliases = mapping.alias_map(col.name)  # the store's value map: "Sur" -> "South"
    return values.aliased(c, aliases) if aliases else values.text(c)


def split(checked: pl.DataFrame, plan: Plan) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Checked rows, finished (:func:`finish_slow`) -> (good rows in canonical columns,
    one reject row per problem, number of blank rows skipped)."""
    blank = int(checked.get_column(BLANK).sum())
    checked = checked.filter(~pl.col(BLANK))
    errors = [pl.col(steps.error_name(c.name)).is_not_null() for c in plan.columns]
    bad = pl.any_horizontal(errors)
    good = checked.filter(~bad).select(pl.col(ROW), *_canonical(plan))
    return good, rejects.build(checked.filter(bad), plan), blank


def finish_slow(checked: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Run the full parser on the cells the fast reader left (see ``fast``): their
    value, error and, for a transformed field, the text a reject shows."""
    slow = {name: pl.col(steps.error_name(name)) == dates.SLOW for name in plan.context.fast}
    if not slow:
        return checked
    found = checked.select(**{name: s.any() for name, s in slow.items()}).row(0, named=True)
    for name in (n for n, any_slow in found.items() if any_slow):
        out = [steps.value_name(name), steps.error_name(name)]
        if transforms.is_transformed(name, plan.mapping):
            out.append(steps.cols_for(name).name("text"))
        todo = checked.filter(slow[name])
        stages = column_stages(cols.column(plan.target, name), plan.context, fast=False)
        done = steps.run(todo.lazy(), stages).select(ROW, *out).collect()
        checked = checked.update(done, on=ROW, include_nulls=True)
    return checked


def _canonical(plan: Plan) -> list[pl.Expr]:
    out = [pl.col(steps.value_name(c.name)).alias(c.name) for c in plan.columns]
    if "ces" in plan.loaded:
        scale = pl.when(pl.col(steps.value_name("ces")).is_not_null()).then(
            pl.lit(plan.mapping.ces_scale)
        )
        out.append(scale.cast(pl.Int8).alias("ces_scale"))
    return out
