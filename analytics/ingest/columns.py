"""The canonical columns a file can feed, and the only identifiers SQL may contain.

Every column name that reaches a SQL string goes through :func:`ident`, which refuses
anything outside this allow-list; headers and values from files never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from analytics.ingest.model import Target

FieldKind = Literal[
    "key", "text", "timestamp", "duration", "count", "bool",
    "nps", "csat", "ces", "survey_type", "survey_channel",
]  # fmt: skip


@dataclass(frozen=True)
class Column:
    name: str
    kind: FieldKind
    required: bool = False

    @property
    def dtype(self) -> pl.DataType:
        return DTYPES[self.kind]


DTYPES: dict[FieldKind, pl.DataType] = {
    "key": pl.String(),
    "text": pl.String(),
    "timestamp": pl.Datetime("us"),
    "duration": pl.Float64(),
    "count": pl.Int32(),
    "bool": pl.Boolean(),
    "nps": pl.Int8(),
    "csat": pl.Int8(),
    "ces": pl.Float64(),
    "survey_type": pl.String(),
    "survey_channel": pl.String(),
}

CALLS: tuple[Column, ...] = (
    Column("call_id", "key", required=True),
    Column("started_at", "timestamp", required=True),
    Column("channel", "text"),
    Column("queue", "text"),
    Column("region", "text"),
    Column("product", "text"),
    Column("segment", "text"),
    Column("agent_id", "text"),
    Column("team", "text"),
    Column("customer_id", "text"),
    Column("wait_s", "duration"),
    Column("duration_s", "duration"),
    Column("hold_s", "duration"),
    Column("transfers", "count"),
    Column("resolved", "bool"),
    Column("abandoned", "bool"),
    Column("escalated", "bool"),
)

SURVEYS: tuple[Column, ...] = (
    Column("response_id", "key", required=True),
    Column("call_id", "text"),
    Column("customer_id", "text"),
    Column("responded_at", "timestamp", required=True),
    Column("survey_type", "survey_type"),
    Column("survey_channel", "survey_channel"),
    # The instrument's question or scale version ("csat-v2", "keypad 1=best"): a change
    # of it is a survey-design change (``changes.survey_design``), not a service change.
    Column("survey_version", "text"),
    Column("nps", "nps"),
    Column("csat", "csat"),
    Column("ces", "ces"),
    Column("comment", "text"),
    Column("language", "text"),
)

TARGETS: dict[Target, tuple[Column, ...]] = {"calls": CALLS, "surveys": SURVEYS}
KEYS: dict[Target, str] = {"calls": "call_id", "surveys": "response_id"}
#: Tables holding the rows a batch overwrote, by target.
BEFORE_TABLES: dict[Target, str] = {
    "calls": "ingest_before_calls",
    "surveys": "ingest_before_surveys",
}


def columns(target: Target) -> tuple[Column, ...]:
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; expected one of {sorted(TARGETS)}")
    return TARGETS[target]


def column(target: Target, name: str) -> Column:
    for col in columns(target):
        if col.name == name:
            return col
    raise ValueError(f"{name!r} is not a column of {target}")


def stored_columns(target: Target) -> tuple[str, ...]:
    """Every column of the target table, in table order."""
    names = [c.name for c in columns(target)]
    if target == "surveys":
        names.insert(names.index("ces") + 1, "ces_scale")
    return tuple(names)


def ident(target: Target, name: str) -> str:
    """A quoted SQL identifier, only for canonical columns and known tables."""
    allowed = set(stored_columns(target)) | {target, BEFORE_TABLES[target]}
    if name not in allowed:
        raise ValueError(f"{name!r} is not an allowed identifier for {target}")
    return f'"{name}"'
