"""The value map: a dimension value written another way is read as the stored one.

A file from another system writes "Sur" where Pulso has "South", "facturación" where
it has "billing". Unmapped, they load as new regions and queues and split every
breakdown in two. The value map (table ``value_aliases``, store-wide) says what such
a value stands for, per dimension field (:data:`FIELDS`). It is applied when a file is
validated (``values.aliased``), on every load after it is saved: the caller attaches
it to the mapping (:func:`attach`; ``ingest`` does it itself). A cell matches an
entry whatever its case and accents ("SUR", "sur", "Súr").

:func:`new_values` lists, per field, the values of a checked file that the store does
not hold yet, each with a suggested stored value (``value_match``): the Upload page
asks the analyst about them before loading, the CLI warns after loading
(:func:`new_in_batch`). :func:`usage` counts the cells the map changed, for the
data-quality report. Values are always bound parameters; field names pass ``ident``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from analytics import access, audit
from analytics.i18n import Lang, number, t
from analytics.ingest import values
from analytics.ingest.columns import BEFORE_TABLES, ident
from analytics.ingest.model import Mapping as FieldMapping
from analytics.ingest.model import Target
from analytics.ingest.reasons import IngestError
from analytics.ingest.steps import value_name
from analytics.ingest.value_match import Match, suggest
from analytics.store import Store

if TYPE_CHECKING:
    from analytics.ingest.validation import Plan

#: The dimension fields a value map applies to, by target: the breakdowns of
#: ``queries.DIMENSIONS`` that hold names (agent ids are codes, not names). Survey
#: channels are a closed list (``vocabulary.SURVEY_CHANNELS``), not free values.
FIELDS: dict[Target, tuple[str, ...]] = {
    "calls": ("channel", "queue", "region", "product", "segment", "team"),
    "surveys": (),
}
ALL_FIELDS = tuple(f for fields in FIELDS.values() for f in fields)
#: New values given a suggestion, per field, most frequent first (each costs a pass
#: over the field's stored values).
SUGGESTED = 200
#: Readings named in a line of the data-quality report ("Sur → South"), per field.
SHOWN = 5
#: Steps followed through entries that point at another entry's value.
_CHAIN = 8


@dataclass(frozen=True)
class Alias:
    """One entry of the value map: ``alias`` (as a file writes it) reads as ``value``."""

    field: str
    alias: str
    value: str

    @property
    def key(self) -> str:
        return key(self.alias)


@dataclass(frozen=True)
class NewValue:
    """A value of a file (or batch) that the store does not hold yet for ``field``."""

    field: str
    value: str
    rows: int
    match: Match | None = None
    #: Other spellings of the file that the same entry would read ("FACTURACION").
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Aliased:
    """The cells of one field the value map changed: (as written, read as), and rows."""

    field: str
    pairs: tuple[tuple[str, str], ...]
    rows: int

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> Aliased:
        return cls(body["field"], tuple((a, v) for a, v in body["pairs"]), body["rows"])


def target_of(field: str) -> Target:
    """The table whose ``field`` the value map applies to."""
    return next(target for target, fields in FIELDS.items() if field in fields)


def key(text: str) -> str:
    """What an entry is matched on (``values.value_key``, the very expression
    validation applies to each cell, so the two always agree)."""
    return keys([text])[0]


def matchable(text: str) -> bool:
    """A value an entry can name: one with a letter or a digit (not "-" or "?")."""
    return any(ch.isalnum() for ch in text)


def keys(texts: Iterable[str]) -> list[str]:
    found = pl.Series("t", list(texts), pl.String).to_frame().select(values.value_key(pl.col("t")))
    return [k or "" for k in found.to_series().to_list()]


# -- the table -------------------------------------------------------------------------------


def read(store: Store, fields: Iterable[str] | None = None) -> tuple[Alias, ...]:
    """The value map (of ``fields``, or all of it), by field and alias."""
    rows = store.cursor().execute(
        "select field, alias, value from value_aliases order by field, alias_key"
    )
    wanted = set(ALL_FIELDS if fields is None else fields)
    return tuple(Alias(*row) for row in rows.fetchall() if row[0] in wanted)


def save(store: Store, entries: Iterable[Alias], by: str | None = None) -> int:
    """Add or replace entries (one per field and key); how many were saved.

    An entry that reads a value as itself changes nothing and is left out.
    """
    actor = access.require(store, "aliases")
    kept = [_checked(e) for e in entries]
    kept = [e for e in kept if e.alias != e.value]
    with store.transaction() as cur:
        for entry in kept:
            cur.execute(
                "insert or replace into value_aliases (field, alias_key, alias, value, "
                "created_at, created_by) values (?, ?, ?, ?, current_timestamp, ?)",
                [entry.field, entry.key, entry.alias, entry.value, by or actor.user],
            )
        after = [{"field": e.field, "alias": e.alias, "value": e.value} for e in kept]
        audit.record(cur, actor, "aliases.save", None, None, after)
    return len(kept)


def remove(store: Store, field: str, alias: str) -> None:
    """Take an entry out of the map (``alias`` matched as cells are)."""
    actor = access.require(store, "aliases")
    entry = _checked(Alias(field, alias, alias))
    with store.transaction() as cur:
        found = cur.execute(
            "delete from value_aliases where field = ? and alias_key = ? returning value",
            [entry.field, entry.key],
        ).fetchall()
        if found:
            before = {"field": field, "alias": alias, "value": found[0][0]}
            audit.record(cur, actor, "aliases.delete", f"{field}:{alias}", before, None)
    if not found:
        raise IngestError("alias_not_found", field=field, alias=alias)


def _checked(entry: Alias) -> Alias:
    if entry.field not in ALL_FIELDS:
        raise IngestError("alias_unknown_field", field=entry.field, allowed=", ".join(ALL_FIELDS))
    alias, value = entry.alias.strip(), entry.value.strip()
    if not matchable(alias) or not value:
        raise IngestError("alias_blank", field=entry.field, alias=alias, value=value)
    return Alias(entry.field, alias, value)


def attach(store: Store, mapping: FieldMapping) -> FieldMapping:
    """``mapping`` with the store's value map for the dimension fields it feeds."""
    fields = [f for f in FIELDS[mapping.target] if f in mapping.fields]
    return replace(mapping, aliases=resolved(read(store, fields)) if fields else ())


def resolved(entries: Iterable[Alias]) -> tuple[tuple[str, str, str], ...]:
    """(field, key, value) per entry, chains followed: with "Sur" -> "South" and
    "South" -> "Southern", "Sur" reads as "Southern" (a cycle stops where it closes)."""
    listed = list(entries)
    texts = list({t for e in listed for t in (e.alias, e.value)})
    key_of = dict(zip(texts, keys(texts), strict=True))
    maps: dict[str, dict[str, str]] = {}
    for e in listed:
        maps.setdefault(e.field, {})[key_of[e.alias]] = e.value
    out = []
    for field, found in maps.items():
        for k, value in found.items():
            seen = {k}
            while key_of[value] in found and key_of[value] not in seen and len(seen) < _CHAIN:
                seen.add(key_of[value])
                value = found[key_of[value]]
            out.append((field, k, value))
    return tuple(sorted(out))


# -- new values ------------------------------------------------------------------------------


ValueCounts = Mapping[str, Mapping[str, int]]


def known(
    cur: duckdb.DuckDBPyConnection,
    target: Target,
    fields: Iterable[str],
    except_batch: int | None = None,
) -> dict[str, dict[str, int]]:
    """Per field, the values the store holds and their rows; ``except_batch``: as they
    were before that batch (its rows left out, the rows it overwrote put back)."""
    found: dict[str, dict[str, int]] = {}
    for field in fields:
        col = ident(target, field)
        query = _KNOWN.format(
            col=col, table=ident(target, target), before=ident(target, BEFORE_TABLES[target])
        )
        counts: dict[str, int] = {}
        params = [except_batch, except_batch, except_batch]
        for value, rows in cur.execute(query, params).fetchall():
            counts[value] = counts.get(value, 0) + rows
        found[field] = counts
    return found


#: A field's stored values and rows; with a batch id, as they were before that batch.
_KNOWN = (
    "select {col}, count(*) from {table} where {col} is not null "
    "and (?::integer is null or batch_id is distinct from ?) group by 1 "
    "union all select {col}, count(*) from {before} where batch_id = ? and {col} is not null "
    "group by 1"
)


def in_rows(good: pl.DataFrame, target: Target) -> dict[str, dict[str, int]]:
    """Per dimension field of ``good`` (validated rows), its values and their rows."""
    fields = [f for f in FIELDS[target] if f in good.columns]
    return {
        f: dict(good.get_column(f).drop_nulls().value_counts(name="n").iter_rows()) for f in fields
    }


def new_values(found: ValueCounts, stored: ValueCounts) -> tuple[NewValue, ...]:
    """The values of ``found`` not in ``stored`` (both: field -> value -> rows), most
    rows first, with a suggested stored value. Spellings one entry of the map would
    read alike ("facturación", "FACTURACION") are one new value. A field the store
    holds no value of yet is left out: everything in it would be new, with nothing
    to match; so is a value with no letter or digit (no entry can match it)."""
    out: list[NewValue] = []
    for field, counts in found.items():
        have = stored.get(field) or {}
        new = [v for v in counts if v not in have and matchable(v)] if have else []
        groups: dict[str, list[str]] = {}
        for value, k in zip(new, keys(new), strict=True):
            groups.setdefault(k, []).append(value)
        spelled = [sorted(g, key=lambda v: (-counts[v], v)) for g in groups.values()]
        spelled.sort(key=lambda g: (-sum(counts[v] for v in g), g[0]))
        for i, (value, *also) in enumerate(spelled):
            match = suggest(value, have) if i < SUGGESTED else None
            rows = sum(counts[v] for v in (value, *also))
            out.append(NewValue(field, value, rows, match, tuple(also)))
    return tuple(out)


def new_in_batch(store: Store, batch_id: int, target: Target) -> tuple[NewValue, ...]:
    """The values a loaded batch brought that the store did not hold before it."""
    cur = store.cursor()
    table = ident(target, target)
    mine: dict[str, dict[str, int]] = {}
    for field in FIELDS[target]:
        col = ident(target, field)
        rows = cur.execute(
            f"select {col}, count(*) from {table} where batch_id = ? and {col} is not null "  # noqa: S608
            "group by 1",
            [batch_id],
        ).fetchall()
        if rows:
            mine[field] = dict(rows)
    return new_values(mine, known(cur, target, mine, except_batch=batch_id)) if mine else ()


# -- what the map changed --------------------------------------------------------------------


def usage(checked: pl.LazyFrame, plan: Plan) -> tuple[Aliased, ...]:
    """The cells of each mapped field that the value map changed, in checked rows
    (``plan.check``'s frame: it keeps each field's input text). One pass for all
    fields: a row count and the distinct (as written, read as) pairs of each."""
    fields = [c.name for c in plan.columns if plan.mapping.alias_map(c.name)]
    if not fields:
        return ()
    exprs = []
    for i, name in enumerate(fields):
        text, value = values.clean(plan.text(name)), pl.col(value_name(name))
        changed = value.is_not_null() & (value != text)
        pairs = pl.struct(text.alias("alias"), value.alias("value")).filter(changed)
        exprs += [changed.sum().alias(f"rows{i}"), pairs.unique().implode().alias(f"pairs{i}")]
    got = checked.select(exprs).collect().row(0, named=True)
    found: list[Aliased] = []
    for i, name in enumerate(fields):
        seen = sorted((p["alias"], p["value"]) for p in got[f"pairs{i}"])
        if seen:
            found.append(Aliased(name, tuple(seen), int(got[f"rows{i}"])))
    return tuple(found)


def combine(a: Iterable[Aliased], b: Iterable[Aliased]) -> tuple[Aliased, ...]:
    """Two chunks' :func:`usage` as one."""
    merged: dict[str, tuple[set[tuple[str, str]], int]] = {}
    for item in (*a, *b):
        pairs, rows = merged.get(item.field, (set(), 0))
        merged[item.field] = (pairs | set(item.pairs), rows + item.rows)
    return tuple(Aliased(f, tuple(sorted(p)), r) for f, (p, r) in merged.items())


def describe(found: Aliased, lang: Lang, escape: Callable[[str], str] | None = None) -> str:
    """One line of the data-quality report: "Region: 2 values read through the value
    map (Norte → North, Sur → South), 14 rows." (``escape`` applies to the values)."""
    shown = ", ".join(f"{alias} → {value}" for alias, value in found.pairs[:SHOWN])
    more = len(found.pairs) - SHOWN
    examples = shown + (f", … (+{number(more, lang, 0)})" if more > 0 else "")
    return t(
        "quality.aliased",
        lang,
        field=t(f"upload.field.{found.field}", lang),
        count=number(len(found.pairs), lang, 0),
        rows=number(found.rows, lang, 0),
        examples=escape(examples) if escape is not None else examples,
    )
