"""Saved mappings: named, stored in ``column_mappings``, reused for the same header set.

The header signature is a SHA-256 of the file's column names, each trimmed,
whitespace-collapsed and case-folded, sorted and de-duplicated: the same export
with its columns in another order still matches, a renamed or added column does not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import polars as pl

from analytics import access, audit
from analytics.ingest.mapping import suggest_mapping
from analytics.ingest.model import Mapping, RawTable, Suggestion, Target
from analytics.ingest.reasons import IngestError
from analytics.ingest.roundtrip import is_reason_column
from analytics.ingest.sql import one
from analytics.store import Store


def header_signature(columns: Iterable[str]) -> str:
    """Also the same for a file of rejected rows (its reason column is left out)."""
    kept = (c for c in columns if not is_reason_column(str(c)))
    names = sorted({" ".join(str(c).split()).casefold() for c in kept})
    return hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()


def save_mapping(store: Store, name: str, mapping: Mapping, raw: RawTable) -> None:
    """Save (or replace) ``name`` for this file's header set: it decides how the next
    such file is read, so it needs the role that loads files (audited)."""
    actor = access.require(store, "load")
    signature = header_signature(raw.columns)
    with store.transaction() as cur:
        before = audit.row(
            cur, "select target, header_signature from column_mappings where name = ?", [name]
        )
        cur.execute(
            "insert or replace into column_mappings (name, target, header_signature, mapping, created_at) "
            "values (?, ?, ?, ?, current_timestamp)",
            [name, mapping.target, signature, mapping.to_json()],
        )
        after = {"target": mapping.target, "header_signature": signature}
        audit.record(cur, actor, "mappings.save", name, before, after)


def load_mapping(store: Store, name: str, target: Target | None = None) -> Mapping:
    row = one(store.cursor(), "select target, mapping from column_mappings where name = ?", [name])
    if row is None:
        raise IngestError("mapping_not_found", name=name)
    if target is not None and row[0] != target:
        raise IngestError("mapping_target_mismatch", name=name, found=row[0], expected=target)
    return Mapping.from_json(row[1])


def find_saved(store: Store, raw: RawTable, target: Target) -> tuple[str, Mapping] | None:
    """The most recent mapping saved for this header set and target."""
    row = one(
        store.cursor(),
        "select name, mapping from column_mappings where header_signature = ? and target = ? "
        "order by created_at desc, name limit 1",
        [header_signature(raw.columns), target],
    )
    return (row[0], Mapping.from_json(row[1])) if row else None


def list_mappings(store: Store, target: Target | None = None) -> pl.DataFrame:
    return store.sql(
        "select name, target, header_signature, mapping, created_at from column_mappings "
        "where ? is null or target = ? order by name",
        [target, target],
    )


def suggest(store: Store | None, raw: RawTable, target: Target) -> Suggestion:
    """A saved mapping for this header set if there is one, else a fresh suggestion."""
    fresh = suggest_mapping(raw, target)
    saved = find_saved(store, raw, target) if store is not None else None
    if saved is None:
        return fresh
    name, mapping = saved
    used = set(mapping.sources)
    return Suggestion(
        mapping=mapping,
        ambiguous={},
        missing_required=(),
        unmapped=tuple(c for c in raw.columns if c not in used),
        candidates=fresh.candidates,
        saved_name=name,
    )
