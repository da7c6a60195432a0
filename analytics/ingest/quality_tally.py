"""Measuring the data-quality report: a streaming tally of checked chunks.

Measured on the *checked* frames validation produces (per canonical field a value
and an error column, see ``validation.make_plan``): a cell is *filled* when it has
a value or an error, *parsed* when it has a value. :class:`Tally` takes one checked
chunk at a time with one ``select`` of aggregates (no Python per row), so the
streaming load measures the chunks it validates anyway and never reads the file
twice; :func:`measure` does the same for an in-memory :class:`Validated`, checking
again only its rejected rows (its good rows already hold the parsed values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from analytics.ingest import aliases, quality_report, steps, values
from analytics.ingest import columns as cols
from analytics.ingest.aliases import Aliased
from analytics.ingest.columns import FieldKind
from analytics.ingest.model import ROW, Validated
from analytics.ingest.quality_report import Bound, FieldQuality, Quality, gaps
from analytics.ingest.validation import BLANK, Plan, finish_slow, make_plan, parsing

#: Kinds whose range (min, max) is reported.
RANGED: frozenset[FieldKind] = frozenset({"timestamp", "duration", "count", "nps", "csat", "ces"})
SCORES = ("nps", "csat", "ces")
DUPLICATE = "duplicate_key"
REQUIRED = "required"


@dataclass
class _Field:
    """Running aggregates of one field (mutable: see :class:`Tally`)."""

    filled: int = 0
    parsed: int = 0
    low: Bound | None = None
    high: Bound | None = None
    #: Distinct values so far; None once there are more than DISTINCT_CAP.
    seen: pl.Series | None = None
    #: Some value has a time of day other than 00:00.
    timed: bool = False


@dataclass(eq=False)
class Tally:
    """Folds checked chunks into a :class:`Quality`: ``add`` each, then ``result``.

    Mutable on purpose, unlike the rest of ingest: the streaming load's validating
    thread adds chunks as it makes them, and the load reads ``result`` after the
    last one. Each ``add`` is one ``select`` of aggregates over the chunk.
    """

    plan: Plan
    rows: int = 0
    no_score: int = 0
    duplicate_rows: int = 0
    duplicate_keys: pl.Series = field(default_factory=lambda: pl.Series("key", [], pl.String))
    fields: dict[str, _Field] = field(default_factory=dict)
    aliased: tuple[Aliased, ...] = ()
    #: Count the cells the value map changed (the chunks keep their input text).
    count_aliased: bool = True
    #: Cells with control characters (the chunks keep their source columns).
    count_control: bool = True
    control: int = 0

    def __post_init__(self) -> None:
        if self.plan.raw.facts.control_free:  # the file's bytes hold none: 0 without a look
            self.count_control = False
        for col in self.plan.columns:
            self.fields[col.name] = _Field(seen=pl.Series("v", [], col.dtype))

    def add(self, checked: pl.DataFrame) -> None:
        """Count one checked chunk (as ``plan.check`` makes it, slow dates finished)."""
        frame = checked.lazy().filter(~pl.col(BLANK)).select(self._aggregates()).collect()
        got = frame.select(pl.exclude(pl.List)).row(0, named=True)
        self.rows += got["rows"]
        self.no_score += got.get("no_score") or 0
        self.duplicate_rows += got["dup_rows"]
        self.control += got.get("control") or 0
        self.duplicate_keys = _union(self.duplicate_keys, frame.get_column("dup_keys")[0])
        for i, col in enumerate(self.plan.columns):
            _fold(self.fields[col.name], got, frame, i)
        if self.count_aliased:
            self.aliased = aliases.combine(self.aliased, aliases.usage(checked.lazy(), self.plan))

    def _aggregates(self) -> list[pl.Expr]:
        key = cols.KEYS[self.plan.target]
        repeated = pl.col(steps.error_name(key)) == DUPLICATE
        out = [
            pl.len().alias("rows"),
            repeated.sum().alias("dup_rows"),
            pl.col(steps.value_name(key)).filter(repeated).unique().implode().alias("dup_keys"),
        ]
        if self.plan.target == "surveys":
            out.append(_no_score(self.plan).alias("no_score"))
        if self.count_control:
            out.append(control_cells(self.plan).alias("control"))
        for i, col in enumerate(self.plan.columns):
            out += _field_aggregates(i, col.name, col.kind, self.fields[col.name])
        return out

    def result(self) -> Quality:
        fields = tuple(self._field(c.name, c.kind) for c in self.plan.columns)
        target = self.plan.target
        return Quality(
            target=target,
            rows=self.rows,
            fields=fields,
            gaps=gaps(target, {f.field: f for f in fields}),
            no_score=self.no_score if target == "surveys" else None,
            duplicate_keys=self.duplicate_keys.len(),
            duplicate_rows=self.duplicate_rows,
            generated_key=self.plan.mapping.transform(cols.KEYS[target]).generated,
            aliased=self.aliased,
            control_cells=self.control,
        )

    def _field(self, name: str, kind: FieldKind) -> FieldQuality:
        acc = self.fields[name]
        return FieldQuality(
            field=name,
            source=self.plan.label(name),
            kind=kind,
            rows=self.rows,
            filled=acc.filled,
            parsed=acc.parsed,
            low=acc.low,
            high=acc.high,
            distinct=None if acc.seen is None else acc.seen.len(),
            midnight=kind == "timestamp" and acc.parsed > 0 and not acc.timed,
        )


def control_cells(plan: Plan) -> pl.Expr:
    """Mapped source cells holding a control character (removed when read)."""
    sources = [s for s in plan.mapping.sources if s in plan.raw.columns]
    found = [pl.col(s).str.contains(values.CONTROL).fill_null(False).sum() for s in sources]
    return pl.sum_horizontal(found) if found else pl.lit(0)


def _no_score(plan: Plan) -> pl.Expr:
    mapped = [pl.col(steps.value_name(s)).is_null() for s in SCORES if s in plan.loaded]
    return pl.all_horizontal(mapped).sum() if mapped else pl.len()


def _field_aggregates(i: int, name: str, kind: FieldKind, acc: _Field) -> list[pl.Expr]:
    value, error = pl.col(steps.value_name(name)), pl.col(steps.error_name(name))
    # A required field's empty cell has an error too ("required"): not filled.
    filled = value.is_not_null() | (error != REQUIRED).fill_null(False)
    out = [
        filled.sum().alias(f"filled{i}"),
        value.count().alias(f"parsed{i}"),
    ]
    if kind in RANGED:
        out += [value.min().alias(f"low{i}"), value.max().alias(f"high{i}")]
    if kind == "timestamp" and not acc.timed:
        out.append((value.dt.time() != dt.time(0)).any().alias(f"timed{i}"))
    if acc.seen is not None:
        # Bounded: a chunk with more than the cap settles it; no need to list them all.
        cap = quality_report.DISTINCT_CAP
        out.append(value.drop_nulls().unique().head(cap + 1).implode().alias(f"seen{i}"))
    return out


def _fold(acc: _Field, got: dict[str, Any], frame: pl.DataFrame, i: int) -> None:
    acc.filled += got[f"filled{i}"]
    acc.parsed += got[f"parsed{i}"]
    acc.low = _pick(min, acc.low, got.get(f"low{i}"))
    acc.high = _pick(max, acc.high, got.get(f"high{i}"))
    acc.timed = acc.timed or bool(got.get(f"timed{i}"))
    if acc.seen is not None:
        acc.seen = _union(acc.seen, frame.get_column(f"seen{i}")[0])
        if acc.seen.len() > quality_report.DISTINCT_CAP:
            acc.seen = None


def _pick(how: Callable[[Any, Any], Any], old: Any, new: Any) -> Any:
    return new if old is None else old if new is None else how(old, new)


def _union(seen: pl.Series, new: pl.Series) -> pl.Series:
    return seen if new.is_empty() else pl.concat([seen, new.cast(seen.dtype)]).unique()


def measure(validated: Validated) -> Quality:
    """The report of an in-memory validation. Its good rows already hold the parsed
    values; only its rejected rows are read and checked again (usually few)."""
    raw = validated.raw
    plan = make_plan(raw, validated.mapping, dayfirst=validated.dayfirst, find_duplicates=False)
    tally = Tally(plan, count_aliased=False, count_control=False)
    tally.add(_good_as_checked(validated.good, plan))
    with parsing(raw):
        if validated.rejects.height:
            tally.add(_rejected_checked(validated, plan))
        # Good rows no longer hold their input text: the value map's cells are counted
        # on the file (only the mapped fields' text and value are computed).
        tally.aliased = aliases.usage(plan.check(raw.data), plan)
        if not raw.facts.control_free:  # else none: the file's bytes say so
            tally.control = int(raw.data.select(control_cells(plan)).collect().item())
    return tally.result()


def _good_as_checked(good: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    none = pl.lit(None, pl.String)
    return good.select(
        pl.lit(False).alias(BLANK),
        *[pl.col(c.name).alias(steps.value_name(c.name)) for c in plan.columns],
        *[none.alias(steps.error_name(c.name)) for c in plan.columns],
    )


def _rejected_checked(validated: Validated, plan: Plan) -> pl.DataFrame:
    """The rejected rows checked again; the plan did not look for repeated keys (a pass
    over the file), so the rejects say which rows repeat one."""
    rejects = validated.rejects
    rows = rejects.get_column(ROW).unique().implode()
    repeated = rejects.filter(pl.col("code") == DUPLICATE).get_column(ROW).unique().implode()
    checked = plan.check(validated.raw.data.filter(pl.col(ROW).is_in(rows))).collect()
    key_error = steps.error_name(cols.KEYS[plan.target])
    marked = pl.when(pl.col(ROW).is_in(repeated)).then(pl.lit(DUPLICATE))
    return finish_slow(checked, plan).with_columns(
        marked.otherwise(pl.col(key_error)).alias(key_error)
    )
