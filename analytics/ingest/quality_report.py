"""The data-quality report of a load: what each mapped field holds, and what the file
cannot tell.

:class:`Quality` is shown before a load is confirmed (Upload page), printed by the CLI
and kept in the batch log (``ingest_batches.quality``, as JSON: :func:`of` reads it
back). It only informs: nothing here refuses a row or a file (validation does that),
so a warning never blocks a load that is otherwise valid. ``quality_tally`` measures
it, ``quality_words`` says it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

from analytics.ingest.aliases import Aliased
from analytics.ingest.columns import FieldKind
from analytics.ingest.model import BatchReport, Target

#: Why a field a KPI needs gives nothing: not mapped, mapped but empty in every
#: row, or filled but never readable.
Why = Literal["unmapped", "empty", "unreadable"]
Bound = float | dt.datetime

#: Distinct values are counted exactly up to this many, then "more than". The tally
#: and the table read it as ``quality_report.DISTINCT_CAP``: one setting for both.
DISTINCT_CAP = 10_000

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
