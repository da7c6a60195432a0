"""The process-change registry: create, read, edit, delete, validate."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.changes import registry
from analytics.changes.registry import Change
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


def test_products_and_segments_are_part_of_the_scope(empty_store: Store) -> None:
    change = Change("Fibre bundle script", dt.date(2026, 3, 2), products=("tv", "bundle"),
                    segments=("B2B",), queues=("sales",))  # fmt: skip
    got = registry.get_change(empty_store, registry.save_change(empty_store, change))
    assert got == change
    assert got.scope == {"queues": ("sales",), "products": ("tv", "bundle"), "segments": ("B2B",)}
    listed = registry.list_changes(empty_store).row(0, named=True)
    assert (listed["products"], listed["segments"]) == (["tv", "bundle"], ["B2B"])
    registry.save_change(empty_store, Change(**{**got.__dict__, "segments": ()}))
    assert registry.get_change(empty_store, got.change_id or 0).segments == ()


SUNDAY, WEDNESDAY = dt.date(2026, 6, 28), dt.date(2026, 7, 1)


@pytest.mark.parametrize(
    ("bounds", "expected", "why"),
    [
        # 12 weeks back from Sunday 28 June: Monday 6 April; 6 Apr .. 28 Jun is 84 days.
        ((dt.date(2024, 7, 1), SUNDAY), dt.date(2026, 4, 6), "registry.default.after"),
        # From Wednesday 1 July: Thursday 9 April, back to its Monday (more than 12 weeks).
        ((dt.date(2024, 7, 1), WEDNESDAY), dt.date(2026, 4, 6), "registry.default.after"),
        # 1 May .. 28 June is under 24 weeks: the middle, Saturday 30 May -> Monday 25 May.
        ((dt.date(2026, 5, 1), SUNDAY), dt.date(2026, 5, 25), "registry.default.middle"),
        (None, dt.date(2026, 7, 15), "registry.default.no_data"),
    ],
)
def test_a_new_change_proposes_a_start_that_can_be_analysed(
    bounds: tuple[dt.date, dt.date] | None, expected: dt.date, why: str
) -> None:
    """Issue 12: the form proposed today, the data's last day, which cannot be analysed."""
    assert registry.default_start(bounds, 12, today=dt.date(2026, 7, 15)) == (expected, why)
    if why == "registry.default.after" and bounds is not None:
        assert (bounds[1] - expected).days + 1 >= 12 * 7 and expected.weekday() == 0


# -- change types and roll-out schedules (issue 17) ----------------------------------------

KEYPAD = Change("IVR keypad order", dt.date(2026, 3, 2), kind="survey_design", instruments=("ivr",))
STAGGERED = Change(
    "Callback option",
    dt.date(2026, 3, 2),
    queues=("billing", "sales"),
    rollout=(("queue", "sales", dt.date(2026, 5, 4)), ("queue", "billing", dt.date(2026, 3, 2))),
)


def test_type_instruments_and_schedule_are_stored(empty_store: Store) -> None:
    for change in (KEYPAD, STAGGERED):
        cid = registry.save_change(empty_store, change)
        assert registry.get_change(empty_store, cid) == change
    listed = registry.list_changes(empty_store).sort("change_id")
    assert listed["kind"].to_list() == ["survey_design", "process"]
    assert registry.survey_design_changes(empty_store)["name"].to_list() == ["IVR keypad order"]
    schedule = registry.rollout(empty_store, 2)
    assert schedule.columns == ["dimension", "unit", "started_on"]
    assert schedule.rows() == [
        ("queue", "billing", dt.date(2026, 3, 2)),
        ("queue", "sales", dt.date(2026, 5, 4)),
    ]  # earliest first
    assert registry.rollout(empty_store, 1).is_empty()


def test_editing_replaces_the_schedule_and_the_audit_log_keeps_both(empty_store: Store) -> None:
    cid = registry.save_change(empty_store, STAGGERED)
    later = (("queue", "billing", dt.date(2026, 3, 2)), ("queue", "sales", dt.date(2026, 6, 1)))
    registry.save_change(
        empty_store, Change(**{**STAGGERED.__dict__, "rollout": later, "change_id": cid})
    )
    assert registry.rollout(empty_store, cid)["started_on"].to_list() == [
        dt.date(2026, 3, 2), dt.date(2026, 6, 1)
    ]  # fmt: skip
    log = empty_store.sql(
        "select action, before_json, after_json from audit_log order by audit_id"
    ).rows()
    assert [a for a, _, _ in log] == ["registry.create", "registry.edit"]
    assert '"2026-05-04"' in log[1][1] and '"2026-06-01"' in log[1][2]
    registry.delete_change(empty_store, cid)
    assert registry.rollout(empty_store, cid).is_empty()  # the schedule goes with it


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"kind": "survey"}, "registry.error.kind"),
        ({"kind": "survey_design"}, "registry.error.instruments"),
        ({"instruments": ("ivr",)}, "registry.error.instruments_process"),
        ({"rollout": (("agent", "A1", dt.date(2026, 3, 2)),)}, "registry.error.rollout_dimension"),
        (
            {
                "rollout": (
                    ("queue", "sales", dt.date(2026, 3, 9)),
                    ("region", "North", dt.date(2026, 3, 9)),
                )
            },
            "registry.error.rollout_mixed",
        ),
        ({"rollout": (("queue", " ", dt.date(2026, 3, 9)),)}, "registry.error.rollout_unit"),
        (
            {
                "rollout": (
                    ("queue", "sales", dt.date(2026, 3, 9)),
                    ("queue", "sales ", dt.date(2026, 4, 6)),
                )
            },
            "registry.error.rollout_repeated",
        ),
        ({"rollout": (("queue", "sales", dt.date(2026, 2, 23)),)}, "registry.error.rollout_dates"),
        (
            {"ended_on": dt.date(2026, 4, 1), "rollout": (("team", "T1", dt.date(2026, 4, 6)),)},
            "registry.error.rollout_dates",
        ),
    ],
)
def test_bad_types_and_schedules_are_refused(
    empty_store: Store, changes: dict[str, object], problem: str
) -> None:
    change = Change(**{**Change("X", dt.date(2026, 3, 2)).__dict__, **changes})
    assert problem in change.problems()
    with pytest.raises(ValueError, match=problem):
        registry.save_change(empty_store, change)
    assert registry.list_changes(empty_store).is_empty()


@pytest.mark.parametrize("role", ["executive", "analyst", "manager", "admin"])
def test_only_managers_and_admins_write_a_schedule(empty_store: Store, role: str) -> None:
    from analytics import access

    bound = access.bind(empty_store, access.Actor(f"{role}@x.org", role))  # type: ignore[arg-type]
    if role in ("manager", "admin"):
        cid = registry.save_change(bound, STAGGERED)
        assert len(registry.rollout(empty_store, cid)) == 2
    else:
        with pytest.raises(access.Forbidden):
            registry.save_change(bound, STAGGERED)
        assert empty_store.sql("select count(*) from change_rollouts").item() == 0
