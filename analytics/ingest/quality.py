"""Data quality of a load: what each mapped field holds, and what the file cannot tell.

Shown before a load is confirmed (Upload page), printed by the CLI (:func:`lines`)
and kept in the batch log (``ingest_batches.quality``). It only informs: nothing
here refuses a row or a file (validation does that), so a warning never blocks a
load that is otherwise valid.

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
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import polars as pl

from analytics.i18n import Lang, day, kpi_value, moment, number, t
from analytics.ingest import aliases, steps, transforms, values
from analytics.ingest import columns as cols
from analytics.ingest.aliases import Aliased
from analytics.ingest.columns import FieldKind
from analytics.ingest.model import ROW, BatchReport, Target, Validated
from analytics.ingest.validation import BLANK, Plan, finish_slow, make_plan, parsing

#: Why a field a KPI needs gives nothing: not mapped, mapped but empty in every
#: row, or filled but never readable.
Why = Literal["unmapped", "empty", "unreadable"]
Bound = float | dt.datetime
Escape = Callable[[str], str]

#: Distinct values are counted exactly up to this many, then "more than".
DISTINCT_CAP = 10_000
#: Kinds whose range (min, max) is reported.
RANGED: frozenset[FieldKind] = frozenset({"timestamp", "duration", "count", "nps", "csat", "ces"})
SCORES = ("nps", "csat", "ces")
DUPLICATE = "duplicate_key"
REQUIRED = "required"

#: KPI -> the fields it is computed from, by target (see ``kpis`` and
#: ``queries.call_stats``/``survey_stats``). Response rate is a calls KPI, but what
#: a survey file can lack for it is the call each response is about.
NEEDS: dict[Target, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "calls": (
        ("abandonment", ("abandoned",)),
        ("service_level", ("abandoned", "wait_s")),
        ("resolution", ("resolved",)),
        ("fcr", ("resolved", "customer_id")),
        ("aht", ("duration_s",)),
        ("asa", ("wait_s",)),
        ("transfer_rate", ("transfers",)),
    ),
    "surveys": (
        ("nps", ("nps",)),
        ("csat", ("csat",)),
        ("csat_mean", ("csat",)),
        ("ces", ("ces",)),
        ("ces_easy", ("ces",)),
        ("response_rate", ("call_id",)),
    ),
}


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldQuality:
    """One mapped canonical field: how much of its column is filled and readable."""

    field: str
    #: The source column (or what stands for it: a constant, a generated key).
    source: str
    kind: FieldKind
    rows: int
    filled: int
    parsed: int
    low: Bound | None = None
    high: Bound | None = None
    #: Distinct parsed values; None = more than :data:`DISTINCT_CAP`.
    distinct: int | None = 0
    #: Timestamps: every parsed value is at 00:00 (the time of day was not captured).
    midnight: bool = False

    @property
    def filled_share(self) -> float | None:
        return self.filled / self.rows if self.rows else None

    @property
    def parsed_share(self) -> float | None:
        return self.parsed / self.filled if self.filled else None

    @property
    def missing(self) -> Why | None:
        """Why this field gives no value at all (None when it gives some)."""
        if self.filled == 0:
            return "empty"
        return "unreadable" if self.parsed == 0 else None


@dataclass(frozen=True)
class Gap:
    """A field some KPIs need that this file does not give."""

    field: str
    why: Why
    kpis: tuple[str, ...]


@dataclass(frozen=True)
class Quality:
    """The data-quality report of one file (or of the rows a preview checked)."""

    target: Target
    #: Rows that count (blank rows and survey-tool preview/test rows left out).
    rows: int
    fields: tuple[FieldQuality, ...]
    gaps: tuple[Gap, ...] = ()
    #: Surveys: rows with none of NPS, CSAT, CES (None for calls).
    no_score: int | None = None
    #: Keys used by more than one row, and the rows using them (all rejected).
    duplicate_keys: int = 0
    duplicate_rows: int = 0
    #: The key was made from each row's content (the file has no key column).
    generated_key: bool = False
    #: Per dimension field, the cells the value map read as a stored value ("Sur" ->
    #: "South"; see ``aliases``).
    aliased: tuple[Aliased, ...] = ()
    #: Mapped cells that held control characters (NUL...), removed (``values.CONTROL``).
    control_cells: int = 0

    @property
    def unsupported(self) -> tuple[str, ...]:
        """KPIs this file cannot support, in the order of :data:`NEEDS`."""
        blocked = {k for g in self.gaps for k in g.kpis}
        return tuple(k for k, _ in NEEDS[self.target] if k in blocked)

    @property
    def midnight(self) -> tuple[FieldQuality, ...]:
        return tuple(f for f in self.fields if f.midnight)

    def for_field(self, name: str) -> FieldQuality | None:
        return next((f for f in self.fields if f.field == name), None)

    def to_json(self) -> str:
        body = asdict(self)
        for item in body["fields"]:
            item["low"], item["high"] = _dump(item["low"]), _dump(item["high"])
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Quality:
        body = json.loads(text)
        fields = tuple(_field_from(item) for item in body.pop("fields"))
        gaps = tuple(Gap(g["field"], g["why"], tuple(g["kpis"])) for g in body.pop("gaps"))
        aliased = tuple(Aliased.from_dict(a) for a in body.pop("aliased", ()))
        return cls(fields=fields, gaps=gaps, aliased=aliased, **body)


def _dump(bound: Bound | None) -> float | str | None:
    return bound.isoformat() if isinstance(bound, dt.datetime) else bound


def _field_from(item: dict[str, Any]) -> FieldQuality:
    if item["kind"] == "timestamp":
        for end in ("low", "high"):
            item[end] = None if item[end] is None else dt.datetime.fromisoformat(item[end])
    return FieldQuality(**item)


def of(report: BatchReport) -> Quality | None:
    """The report a load kept (``BatchReport.quality`` holds it as JSON)."""
    return Quality.from_json(report.quality) if report.quality else None


# -- measuring -------------------------------------------------------------------------------


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
        out.append(value.drop_nulls().unique().head(DISTINCT_CAP + 1).implode().alias(f"seen{i}"))
    return out


def _fold(acc: _Field, got: dict[str, Any], frame: pl.DataFrame, i: int) -> None:
    acc.filled += got[f"filled{i}"]
    acc.parsed += got[f"parsed{i}"]
    acc.low = _pick(min, acc.low, got.get(f"low{i}"))
    acc.high = _pick(max, acc.high, got.get(f"high{i}"))
    acc.timed = acc.timed or bool(got.get(f"timed{i}"))
    if acc.seen is not None:
        acc.seen = _union(acc.seen, frame.get_column(f"seen{i}")[0])
        if acc.seen.len() > DISTINCT_CAP:
            acc.seen = None


def _pick(how: Callable[[Any, Any], Any], old: Any, new: Any) -> Any:
    return new if old is None else old if new is None else how(old, new)


def _union(seen: pl.Series, new: pl.Series) -> pl.Series:
    return seen if new.is_empty() else pl.concat([seen, new.cast(seen.dtype)]).unique()


def gaps(target: Target, fields: dict[str, FieldQuality]) -> tuple[Gap, ...]:
    """The fields the target's KPIs need that give nothing, with the KPIs they block."""
    blocked: dict[str, list[str]] = {}
    for kpi, needs in NEEDS[target]:
        for name in needs:
            if name not in fields or fields[name].missing is not None:
                blocked.setdefault(name, []).append(kpi)
    return tuple(Gap(name, _why(fields.get(name)), tuple(k)) for name, k in blocked.items())


def _why(found: FieldQuality | None) -> Why:
    return "unmapped" if found is None else found.missing or "unmapped"


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


# -- words -----------------------------------------------------------------------------------


def lines(q: Quality, lang: Lang, escape: Escape | None = None) -> list[str]:
    """The warnings as plain sentences (``escape``, e.g. markdown escaping, applies to
    the file's column names)."""
    esc = escape or (lambda s: s)
    found = [_gap_line(q, g, lang, esc) for g in q.gaps]
    if q.generated_key:
        found.append(
            t("quality.generated_key", lang, field=t(f"upload.field.{cols.KEYS[q.target]}", lang))
        )
    in_gaps = {g.field for g in q.gaps}
    for f in q.fields:
        names = {
            "field": t(f"upload.field.{f.field}", lang),
            "column": esc(source_text(f.source, lang)),
        }
        if f.filled == 0 and f.field not in in_gaps:
            found.append(t("quality.empty", lang, **names))
        if f.midnight:
            found.append(t("quality.midnight", lang, **names))
    if q.no_score:
        count, rows = number(q.no_score, lang, 0), number(q.rows, lang, 0)
        found.append(t("quality.no_score", lang, count=count, rows=rows))
    if q.duplicate_keys:
        keys, rows = number(q.duplicate_keys, lang, 0), number(q.duplicate_rows, lang, 0)
        found.append(t("quality.duplicates", lang, keys=keys, rows=rows))
    if q.control_cells:
        found.append(t("quality.control", lang, count=number(q.control_cells, lang, 0)))
    return found + [aliases.describe(a, lang, esc) for a in q.aliased]


def _gap_line(q: Quality, gap: Gap, lang: Lang, esc: Escape) -> str:
    kpis = ", ".join(t(f"kpi.{k}", lang) for k in gap.kpis)
    if gap.why == "unmapped":
        reason = t(f"quality.why.{gap.field}", lang)
    else:
        source = source_text(f.source, lang) if (f := q.for_field(gap.field)) else gap.field
        field_name = t(f"upload.field.{gap.field}", lang)
        reason = t(f"quality.why.{gap.why}", lang, field=field_name, column=esc(source))
    return t("quality.gap", lang, kpis=kpis, reason=reason)


TABLE_COLUMNS = ("field", "source", "filled", "parsed", "range", "distinct")


def source_text(source: str, lang: Lang) -> str:
    """A field's column as a person reads it: a constant or a generated key in words."""
    if source == transforms.GENERATED_LABEL:
        return t("quality.source.generated", lang)
    if source.startswith(transforms.CONSTANT_PREFIX):
        value = source.removeprefix(transforms.CONSTANT_PREFIX)
        return t("quality.source.constant", lang, value=value)
    return source


def table(q: Quality, lang: Lang, escape: Escape | None = None) -> pl.DataFrame:
    """One row per mapped field, every cell as text, headers translated."""
    esc = escape or (lambda s: s)
    rows = [
        (
            t(f"upload.field.{f.field}", lang),
            esc(source_text(f.source, lang)),
            _share(f.filled_share, lang),
            _share(f.parsed_share, lang),
            _range(f, lang),
            _distinct(f.distinct, lang),
        )
        for f in q.fields
    ]
    names = [t(f"quality.col.{c}", lang) for c in TABLE_COLUMNS]
    return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")


def _share(share: float | None, lang: Lang) -> str:
    return "–" if share is None else kpi_value("percent", 100 * share, lang)


def _range(f: FieldQuality, lang: Lang) -> str:
    if f.low is None or f.high is None:
        return ""
    return t("quality.range", lang, low=_bound(f, f.low, lang), high=_bound(f, f.high, lang))


def _bound(f: FieldQuality, value: Bound, lang: Lang) -> str:
    if isinstance(value, dt.datetime):  # as the reader writes dates, not ISO
        return day(value, lang) if f.midnight else moment(value, lang)
    # Durations too as plain seconds: the field's name says "(seconds)".
    return number(value, lang, 0 if float(value).is_integer() else 1)


def _distinct(distinct: int | None, lang: Lang) -> str:
    if distinct is None:
        return t("quality.distinct.more", lang, count=number(DISTINCT_CAP, lang, 0))
    return number(distinct, lang, 0)
