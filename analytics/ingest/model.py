"""The ingest vocabulary: options, format facts and results, all frozen dataclasses.

Nothing here does work; the modules that do (``readers``, ``mapping``, ``validate``,
``load``, ``batches``) exchange these values, and the Upload page renders them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from collections.abc import Mapping as AbcMapping
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Literal

import polars as pl

from analytics.ingest.reasons import IngestError, unreadable

Target = Literal["calls", "surveys"]
FileFormat = Literal["csv", "xlsx", "parquet", "jsonl"]
Layout = Literal["plain", "headerless", "qualtrics", "qualtrics_legacy", "surveymonkey"]
DateOrder = Literal["dayfirst", "monthfirst", "ambiguous", "conflict", "none"]
CesDirection = Literal["easier", "harder"]
#: What a plain number in a duration cell counts (clock texts ``mm:ss`` are read as
#: such whatever the unit): seconds, milliseconds, minutes, an Excel fraction of a
#: day (``0.0017`` = 2:27); ``hms`` and ``excel_time`` say what the cells hold (a
#: clock, or an Excel time cell read as ``1899-12-31 00:02:23``) and read as seconds.
DurationUnit = Literal["s", "ms", "min", "hms", "excel_days", "excel_time"]
DURATION_UNITS: tuple[DurationUnit, ...] = ("s", "ms", "min", "hms", "excel_days", "excel_time")

#: Name of the source-row-number column in every frame the engine hands out.
ROW = "__row__"


@dataclass(frozen=True)
class ReadOptions:
    """What the caller knows about a file; ``None`` means "detect it"."""

    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | int | None = None
    layout: Layout | None = None
    decimal: Literal[",", "."] | None = None
    #: Day-first (True) or month-first (False) dates; None = decide from the values.
    dayfirst: bool | None = None


@dataclass(frozen=True)
class FormatFacts:
    """What was detected about a file, shown to the analyst before loading."""

    format: FileFormat
    layout: Layout = "plain"
    encoding: str | None = None
    delimiter: str | None = None
    decimal: Literal[",", "."] = "."
    #: What the date values say, across every dd/mm-or-mm/dd column of the file.
    date_order: DateOrder = "none"
    #: The decision (evidence, else the caller's option); None = ambiguous, ask.
    dayfirst: bool | None = None
    #: Up to three values that decided (or would decide) the date order.
    date_evidence: tuple[str, ...] = ()
    #: Columns holding dd/mm/yyyy-or-mm/dd/yyyy values.
    dmy_columns: tuple[str, ...] = ()
    header_rows: int = 1
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    #: Data records after preview/test responses (blank rows still included:
    #: validation skips and counts them).
    n_rows: int = 0
    #: Rows not loaded on purpose, by reason: "preview", "test".
    skipped: AbcMapping[str, int] = field(default_factory=dict)
    #: The bytes prove that no cell holds a control character (plain ASCII text).
    control_free: bool = False


#: ``pieces(rows)``: the data as frames of ``rows`` records each (the last fewer),
#: in order, read in one streaming pass that waits while a piece waits, so a loop
#: over them holds about one piece at a time. (A slice per piece re-read the file
#: up to the slice: a load's reading grew with the square of its rows. The
#: streaming engine's ``collect_batches`` reads ahead of a slower consumer.)
Pieces = Callable[[int], Iterator[pl.LazyFrame]]


@dataclass(frozen=True, eq=False)
class RawTable:
    """A file as read: every source column as text, plus its source row number.

    ``data`` is lazy (a scan of the file, or of an in-memory copy): nothing is held
    in memory until collected. Column ``ROW`` holds the row number as a person
    counts it (see the package docstring).
    """

    name: str
    sha256: str
    data: pl.LazyFrame
    columns: tuple[str, ...]
    facts: FormatFacts
    #: ``data`` in pieces, for loading big files: see :data:`Pieces`.
    pieces: Pieces = field(repr=False)
    #: Question text by column, for survey-tool exports.
    questions: AbcMapping[str, str] = field(default_factory=dict)
    #: Turns a parse failure met later (validation streams the file again) into a
    #: refusal naming the row.
    diagnose: Callable[[Exception], IngestError] | None = field(default=None, repr=False)

    def refusal(self, exc: Exception) -> IngestError:
        return self.diagnose(exc) if self.diagnose is not None else unreadable(self.name, exc)

    @cached_property
    def frame(self) -> pl.DataFrame:
        """All rows in memory (fine for page-sized uploads)."""
        return self._collect(self.data)

    def head(self, n: int = 20) -> pl.DataFrame:
        return self._collect(self.data.head(n))

    def _collect(self, frame: pl.LazyFrame) -> pl.DataFrame:
        try:
            return frame.collect()
        except pl.exceptions.PolarsError as exc:
            raise self.refusal(exc) from exc


@dataclass(frozen=True)
class Transform:
    """How one canonical field is read, beyond "that column's cells as they are".

    Saved with the mapping, so the next file of the same export is read the same way.
    """

    #: Yes/no turned round: "Answered = Y" means "abandoned = no".
    invert: bool = False
    #: A second source column with the time of day (the field's own column has the date).
    time_source: str | None = None
    #: Labels (normalised: lower case, no accents) -> the value the field takes,
    #: e.g. ``("excelente", "5")``. Cells not in the map are parsed as they are.
    values: tuple[tuple[str, str], ...] = ()
    #: Durations: what the cells count (see :data:`DurationUnit`); None = seconds.
    unit: DurationUnit | None = None
    #: One value for every row of the file; the field then needs no source column.
    constant: str | None = None
    #: The key made from the row's content, for files with no id column: the same
    #: row loaded again gets the same key, so a reload adds nothing.
    generated: bool = False

    @property
    def is_identity(self) -> bool:
        return self == Transform()

    @property
    def feeds_alone(self) -> bool:
        """True when the field has a value without any source column."""
        return self.constant is not None or self.generated

    def to_dict(self) -> dict[str, object]:
        body = {k: v for k, v in asdict(self).items() if v != getattr(_IDENTITY, k)}
        if "values" in body:
            body["values"] = dict(self.values)
        return body

    @classmethod
    def from_dict(cls, body: AbcMapping[str, object]) -> Transform:
        kw = dict(body)
        if "values" in kw:
            kw["values"] = tuple(sorted(dict(kw["values"]).items()))  # type: ignore[call-overload]
        return cls(**kw)  # type: ignore[arg-type]


_IDENTITY = Transform()


@dataclass(frozen=True)
class Mapping:
    """Which source column feeds which canonical column, how, plus declared scales.

    A source column may feed several fields (a "Call Id" that is both the response's
    key and its link to the call). A field may be fed by a transform alone (a
    constant, a generated key), or left unmapped on purpose (``skipped``), so that
    nobody is asked about it again.
    """

    target: Target
    #: (canonical column, source column) pairs.
    columns: tuple[tuple[str, str], ...]
    ces_scale: Literal[5, 7] | None = None
    ces_direction: CesDirection | None = None
    #: Remembered date order for files whose values leave it ambiguous.
    dayfirst: bool | None = None
    #: (canonical column, transform) pairs; a field not listed is read as it is.
    transforms: tuple[tuple[str, Transform], ...] = ()
    #: Canonical columns deliberately left unmapped.
    skipped: tuple[str, ...] = ()
    #: The store's value map for the dimension fields, as (field, key, value): a cell
    #: whose ``values.value_key`` is ``key`` reads as ``value``. Store-wide, not part of
    #: a saved mapping: the caller attaches it (``aliases.attach``) before validating.
    aliases: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def of(
        cls,
        target: Target,
        columns: AbcMapping[str, str],
        transforms: AbcMapping[str, Transform] | None = None,
        **kw: object,
    ) -> Mapping:
        kept = tuple(sorted((k, t) for k, t in (transforms or {}).items() if not t.is_identity))
        return cls(target, tuple(sorted(columns.items())), transforms=kept, **kw)  # type: ignore[arg-type]

    @property
    def as_dict(self) -> dict[str, str]:
        return dict(self.columns)

    def source(self, canonical: str) -> str | None:
        return self.as_dict.get(canonical)

    def transform(self, canonical: str) -> Transform:
        return dict(self.transforms).get(canonical, _IDENTITY)

    def alias_map(self, canonical: str) -> dict[str, str]:
        """The value map of one field: key -> value (empty for most fields)."""
        return {key: value for field, key, value in self.aliases if field == canonical}

    @property
    def fields(self) -> tuple[str, ...]:
        """Every canonical column this mapping feeds (from a column or a transform)."""
        alone = [k for k, t in self.transforms if t.feeds_alone]
        return tuple(sorted({*self.as_dict, *alone}))

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source column read (time-of-day columns included)."""
        times = [t.time_source for _, t in self.transforms if t.time_source]
        return tuple(dict.fromkeys([*self.as_dict.values(), *times]))

    def without(self, *canonical: str) -> Mapping:
        """This mapping with some canonical columns left unmapped (transforms too)."""
        kept = tuple((k, v) for k, v in self.columns if k not in canonical)
        transforms = tuple((k, t) for k, t in self.transforms if k not in canonical)
        return replace(self, columns=kept, transforms=transforms)

    def with_columns(self, columns: AbcMapping[str, str]) -> Mapping:
        """This mapping with some canonical columns (re)assigned. Other fields keep
        their source, even when it is the same column: one column may feed several."""
        merged = {**self.as_dict, **columns}
        skipped = tuple(f for f in self.skipped if f not in columns)
        # A field now read from a column is no longer a constant or a generated key.
        kept = tuple((k, t) for k, t in self.transforms if not (k in columns and t.feeds_alone))
        return replace(
            self, columns=tuple(sorted(merged.items())), skipped=skipped, transforms=kept
        )

    def with_transform(self, canonical: str, **changes: object) -> Mapping:
        """This mapping with ``canonical``'s transform changed (e.g. ``invert=True``)."""
        updated = replace(self.transform(canonical), **changes)  # type: ignore[arg-type]
        others = {k: t for k, t in self.transforms if k != canonical}
        if not updated.is_identity:
            others[canonical] = updated
        skipped = tuple(f for f in self.skipped if f != canonical)
        return replace(self, transforms=tuple(sorted(others.items())), skipped=skipped)

    def skipping(self, *canonical: str) -> Mapping:
        """This mapping with ``canonical`` deliberately left unmapped."""
        return replace(self.without(*canonical), skipped=tuple(sorted({*self.skipped, *canonical})))

    def to_json(self) -> str:
        body = {
            "target": self.target,
            "columns": self.as_dict,
            "ces_scale": self.ces_scale,
            "ces_direction": self.ces_direction,
            "dayfirst": self.dayfirst,
            "transforms": {k: t.to_dict() for k, t in self.transforms},
            "skipped": list(self.skipped),
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Mapping:
        body = json.loads(text)
        transforms = {k: Transform.from_dict(v) for k, v in body.get("transforms", {}).items()}
        return cls.of(
            body["target"],
            body["columns"],
            transforms,
            ces_scale=body.get("ces_scale"),
            ces_direction=body.get("ces_direction"),
            dayfirst=body.get("dayfirst"),
            skipped=tuple(body.get("skipped", ())),
        )


@dataclass(frozen=True)
class Candidate:
    source: str
    score: float
    why: str
    #: How the column would feed the field (e.g. inverted), when not as it is.
    transform: Transform = field(default_factory=Transform)
    #: Share of the sample's non-empty values that read as the field.
    fit: float = 1.0
    #: The header (or question) alone names the field clearly (score >= threshold).
    named: bool = False


@dataclass(frozen=True)
class Misfit:
    """A source column whose header names ``field`` but whose values do not fit it."""

    field: str
    source: str
    #: Share of the sample's non-empty values that read as the field.
    fit: float
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """A proposed mapping and what a person still has to decide."""

    mapping: Mapping
    #: Canonical column -> competing source columns, best first.
    ambiguous: AbcMapping[str, tuple[str, ...]]
    #: Required canonical columns with no source column.
    missing_required: tuple[str, ...]
    #: Source columns not used by the mapping.
    unmapped: tuple[str, ...]
    #: Canonical column -> scored candidates, best first (for the page's pickers).
    candidates: AbcMapping[str, tuple[Candidate, ...]]
    #: The saved mapping reused for this header set, if any.
    saved_name: str | None = None
    #: What the suggestion did that a person should know ("generated_key").
    notes: tuple[str, ...] = ()
    #: Columns named like a field whose values mostly do not fit it, left unmapped
    #: (see ``fit``): a person maps them (the load then refuses or rejects their
    #: rows) or leaves the field unmapped on purpose.
    misfits: tuple[Misfit, ...] = ()

    @property
    def is_complete(self) -> bool:
        """True when the mapping can be used without asking anyone."""
        return not self.ambiguous and not self.missing_required


@dataclass(frozen=True, eq=False)
class Validated:
    """Rows split into loadable (typed, canonical) and rejected (with reasons)."""

    raw: RawTable
    mapping: Mapping
    #: ROW plus the mapped canonical columns, typed as in the store.
    good: pl.DataFrame
    #: One row per problem: see ``rejects.REJECT_SCHEMA``.
    rejects: pl.DataFrame
    dayfirst: bool | None
    #: Rows not loaded on purpose: the file's preview/test rows, plus "blank".
    skipped: AbcMapping[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """Rows that count: loadable plus rejected (skipped ones excluded)."""
        return self.good.height + self.n_rejected

    @property
    def n_rejected(self) -> int:
        """Distinct source rows rejected (a row may have several problems)."""
        return self.rejects.get_column(ROW).n_unique() if self.rejects.height else 0


@dataclass(frozen=True)
class BatchWarning:
    code: str
    count: int
    examples: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class BatchReport:
    """What one load did. ``n_rows == inserted + updated + unchanged + rejected``."""

    batch_id: int
    target: Target
    file_name: str
    sha256: str
    n_rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    skipped: AbcMapping[str, int]
    warnings: tuple[BatchWarning, ...]
    facts: FormatFacts
    #: The data-quality report as stored in the batch log: JSON of
    #: ``quality.Quality`` (read it with ``quality.of(report)``); None if not measured.
    quality: str | None = None


@dataclass(frozen=True)
class UndoReport:
    batch_id: int
    target: Target
    deleted: int
    restored: int
