"""The process-change registry: create, read, edit, delete, validate."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import registry
from analytics.registry import Change
from analytics.store import Store

IVR = Change("New IVR menu", dt.date(2026, 3, 2), "Shorter menu", queues=("billing",), owner="Ops")


def test_create_read_edit_delete(empty_store: Store) -> None:
    cid = registry.save_change(empty_store, IVR)
    got = registry.get_change(empty_store, cid)
    assert got == IVR and got.change_id == cid
    assert got.scope == {"queues": ("billing",)}

    edited = Change(**{**got.__dict__, "ended_on": dt.date(2026, 6, 1), "regions": ("North",)})
    assert registry.save_change(empty_store, edited) == cid
    again = registry.get_change(empty_store, cid)
    assert again.ended_on == dt.date(2026, 6, 1) and again.regions == ("North",)

    registry.delete_change(empty_store, cid)
    assert registry.list_changes(empty_store).is_empty()
    with pytest.raises(KeyError):
        registry.get_change(empty_store, cid)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (Change("  ", dt.date(2026, 1, 1)), "registry.error.name"),
        (
            Change("X", dt.date(2026, 2, 1), ended_on=dt.date(2026, 1, 1)),
            "registry.error.end_before_start",
        ),
    ],
)
def test_invalid_changes_are_refused(empty_store: Store, change: Change, problem: str) -> None:
    assert problem in change.problems()
    with pytest.raises(ValueError, match=problem):
        registry.save_change(empty_store, change)
    assert registry.list_changes(empty_store).is_empty()


def test_names_with_quotes_are_stored_verbatim(empty_store: Store) -> None:
    name = "Refund policy'); drop table calls; --"
    cid = registry.save_change(empty_store, Change(name, dt.date(2026, 1, 5)))
    assert registry.get_change(empty_store, cid).name == name
    assert empty_store.sql("select count(*) as n from calls")["n"][0] == 0  # calls still there


def test_changes_in_a_range_for_annotations(empty_store: Store) -> None:
    registry.save_change(empty_store, IVR)
    registry.save_change(empty_store, Change("Callback", dt.date(2025, 6, 1)))
    names = registry.changes_in(empty_store, dt.date(2026, 1, 1), dt.date(2026, 12, 31))["name"]
    assert names.to_list() == ["New IVR menu"]
