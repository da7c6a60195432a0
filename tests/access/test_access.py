"""Roles on every write path, the audit log, and scope in the read path (the engine).

Every write function is run as each role: the roles that hold its permission succeed
and leave one audit line; the others get Forbidden and leave the store exactly as it
was (every table compared). A scoped handle reads only its region's rows, whichever
read path (Ibis or SQL) and whatever filter is asked for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from analytics import access, audit, overview, settings, targets, thresholds
from analytics.access import Actor, Forbidden
from analytics.alerts import channels, rules
from analytics.changes import registry
from analytics.feedback import fatigue, followup
from analytics.feedback import queue as followup_queue
from analytics.feedback.queue import ListFilter
from analytics.ingest import aliases, ingest, read_file, suggest_mapping, undo_batch
from analytics.ingest.aliases import Alias
from analytics.queries import Filters
from analytics.store import Store
from tests.conftest import DemoStores
from tests.ingest import builders as b

END = dt.date(2025, 6, 30)
TABLES = (
    "calls", "surveys", "ingest_batches", "value_aliases", "process_changes",
    "followup_items", "followup_actions", "targets", "settings", "holidays", "webhooks",
    "alert_rules", "meaningful_changes", "roles", "audit_log",
)  # fmt: skip


@pytest.fixture
def demo(demo_stores: DemoStores, tmp_path: Path) -> Store:
    store = demo_stores.open(tmp_path, calls=3000, seed=7, end=END)
    followup.sync_items(store)
    return store


def snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    cur = store.con.cursor()
    return {name: sorted(map(repr, cur.execute(f"from {name}").fetchall())) for name in TABLES}  # type: ignore[misc]


def audit_lines(store: Store) -> list[tuple[str, str, str]]:
    return [
        (r["who"], r["role"], r["action"])
        for r in audit.read(store).sort("audit_id").iter_rows(named=True)
    ]


def _item(store: Store) -> int:
    return int(store.con.cursor().execute("select min(item_id) from followup_items").fetchone()[0])


# Each write: the permission it needs, and the call (on a store bound to the actor).
Write = Callable[[Store, Path], object]
WRITES: dict[str, tuple[access.Permission, Write]] = {
    "load": ("load", lambda s, p: _load(s, p)),
    "undo": ("undo", lambda s, p: undo_batch(s, _batch(s))),
    "aliases.save": ("aliases", lambda s, p: aliases.save(s, [Alias("region", "Nord", "North")])),
    "registry.create": (
        "registry",
        lambda s, p: registry.save_change(s, registry.Change("IVR", dt.date(2025, 5, 1))),
    ),
    "registry.delete": ("registry", lambda s, p: registry.delete_change(s, _change(s))),
    "followup.assigned": ("followup", lambda s, p: followup.assign(s, _item(s), "Mallory")),
    "followup.contacted": ("followup", lambda s, p: followup.record_contact(s, _item(s), "x")),
    "targets.create": (
        "targets",
        lambda s, p: targets.save(s, targets.Target("nps", 40.0, dt.date(2025, 1, 1))),
    ),
    "settings.save": (
        "settings",
        lambda s, p: followup.save_policy(s, followup.Policy(3, 5)),
    ),
    "holidays.add": (
        "settings",
        lambda s, p: followup.add_holiday(s, followup.Holiday(dt.date(2025, 12, 25), "*")),
    ),
    "thresholds.save": ("settings", lambda s, p: thresholds.save(s, {"nps": 7.0})),
    "webhooks.save": (
        "settings",
        lambda s, p: channels.save_webhook(
            s, channels.Webhook("ops", "json", "https://hooks.example.org/x", "en")
        ),
    ),
    "alerts.create": (
        "alerts",
        lambda s, p: rules.save(
            s, rules.Rule(name="overdue", kind="overdue", emails=(rules.Email("a@x.org"),))
        ),
    ),
    "roles.save": (
        "roles",
        lambda s, p: access.save_grant(s, access.grant("ana@x.org", "analyst")),
    ),
}


def _load(store: Store, folder: Path) -> object:
    path = b.calls_csv(folder / "more.csv", 20, start=900_000)
    raw = read_file(path)
    return ingest(store, raw, suggest_mapping(raw, "calls").mapping)


def _batch(store: Store) -> int:
    row = store.con.cursor().execute("select max(batch_id) from ingest_batches").fetchone()
    return int(row[0])


def _change(store: Store) -> int:
    row = store.con.cursor().execute("select min(change_id) from process_changes").fetchone()
    return int(row[0])


@pytest.fixture
def prepared(demo: Store, tmp_path: Path) -> Store:
    """The demo with one batch of our own to undo (loaded as the local admin)."""
    (tmp_path / "pre").mkdir()
    _load(demo, tmp_path / "pre")
    return demo


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("role", access.ROLES)
def test_every_role_against_every_write_path(
    prepared: Store, tmp_path: Path, write: str, role: access.Role
) -> None:
    permission, run = WRITES[write]
    actor = Actor(f"{role}@x.org", role)
    bound = access.bind(prepared, actor)
    before = snapshot(prepared)
    if role in {r for r in access.ROLES if permission in access.permissions(r)}:
        run(bound, tmp_path)
        lines = [line for line in audit_lines(prepared) if line[0] == actor.user]
        assert lines and lines[-1][1] == role and lines[-1][2] == write
    else:
        with pytest.raises(Forbidden) as refused:
            run(bound, tmp_path)
        assert refused.value.permission == permission
        assert snapshot(prepared) == before  # nothing written, not even a log line


def test_the_role_ladder() -> None:
    assert access.permissions("executive") == {"read"}
    assert access.permissions("analyst") == {"read", "load", "undo", "aliases"}
    assert access.permissions("manager") - access.permissions("analyst") == {
        "registry", "followup", "targets",
    }  # fmt: skip
    assert access.permissions("admin") - access.permissions("manager") == {
        "settings", "alerts", "roles",
    }  # fmt: skip


def test_writes_record_the_signed_in_user_with_before_and_after(
    prepared: Store, tmp_path: Path
) -> None:
    boss = access.bind(prepared, Actor("maria@x.org", "manager"))
    item = _item(prepared)
    followup.assign(boss, item, "Ana", by="spoofed")
    acted = prepared.sql(
        "select acted_by from followup_actions where item_id = ? order by action_id desc limit 1",
        [item],
    )
    assert acted["acted_by"][0] == "maria@x.org"  # not the OS user, not what the caller said
    line = audit.read(prepared, limit=1).row(0, named=True)
    assert (line["who"], line["role"], line["action"]) == (
        "maria@x.org",
        "manager",
        "followup.assigned",
    )
    assert json.loads(line["after_json"])["owner"] == "Ana"
    analyst = access.bind(prepared, Actor("li@x.org", "analyst"))
    report = _load(analyst, tmp_path)
    by = prepared.sql("select loaded_by from ingest_batches where batch_id = ?", [report.batch_id])
    assert by["loaded_by"][0] == "li@x.org"
    saved = targets.save(boss, targets.Target("nps", 40.0, dt.date(2025, 1, 1)))
    targets.save(boss, targets.Target("nps", 45.0, dt.date(2025, 1, 1), target_id=saved.target_id))
    edit = audit.read(prepared, limit=1).row(0, named=True)
    assert json.loads(edit["before_json"])["target"] == 40.0
    assert json.loads(edit["after_json"])["target"] == 45.0


def test_the_webhook_url_never_reaches_the_audit_log(prepared: Store) -> None:
    hook = channels.Webhook("ops", "json", "https://hooks.example.org/SECRET", "en")
    channels.save_webhook(access.bind(prepared, Actor("a@x.org", "admin")), hook)
    assert "SECRET" not in repr(audit.read(prepared).rows())


# --- scope ---------------------------------------------------------------------------

NORTH = Actor("n@x.org", "manager", (("region", ("North",)),))


def test_a_scoped_user_sees_only_their_region_on_every_read_path(prepared: Store) -> None:
    north = access.bind(prepared, NORTH)
    everything = Filters(start=dt.date(2025, 1, 1), end=END)
    only_north = Filters(start=dt.date(2025, 1, 1), end=END, region=("North",))
    mine = {t.kpi: t.current for t in overview.tiles(north, everything, ("nps", "csat"))}
    truth = {t.kpi: t.current for t in overview.tiles(prepared, only_north, ("nps", "csat"))}
    whole = {t.kpi: t.current for t in overview.tiles(prepared, everything, ("nps", "csat"))}
    assert mine == truth and mine["nps"].n > 0 and mine["nps"].n < whole["nps"].n
    # another region asked for: nothing, never that region
    south = Filters(start=everything.start, end=END, region=("South",))
    assert overview.tiles(north, south, ("nps",))[0].current.n == 0
    assert overview.dimension_values(north, "region") == ["North"]
    # raw SQL paths: the follow-up queue, survey fatigue, plain SQL
    items = followup_queue.list_items(north, ListFilter(statuses=()))
    regions = prepared.sql(
        "select distinct c.region from followup_items i join surveys s using (response_id)"
        " join calls c using (call_id) where i.item_id in (select unnest(?))",
        [items["item_id"].to_list()],
    )["region"].to_list()
    assert regions == ["North"]
    assert north.sql("select distinct region from calls")["region"].to_list() == ["North"]
    n_north = prepared.sql(
        "select count(*) as n from surveys s join calls c using (call_id) where c.region = 'North'"
    )["n"][0]
    assert north.sql("select count(*) as n from surveys")["n"][0] == n_north
    assert north.sql("select count(*) as n from rejected_rows")["n"][0] == 0
    summary = fatigue.summary(north, fatigue.FatiguePolicy(), END)
    assert (
        summary.active_customers
        < fatigue.summary(prepared, fatigue.FatiguePolicy(), END).active_customers
    )


def test_the_scope_reads_answers_through_the_kept_answers_or_the_calls_alike(
    prepared: Store,
) -> None:
    """A scoped user's surveys and follow-up items are the same whether the scope reads
    the kept answers (current) or every call (after a direct write, not yet rebuilt)."""
    north = access.bind(prepared, NORTH)
    queries = ("select response_id from surveys", "select item_id from followup_items")
    through_answers = [sorted(north.sql(q).to_series().to_list()) for q in queries]
    assert prepared.answers() is not None and all(through_answers)
    prepared.con.execute(  # a call no answer names, in the scope: counts move, no rebuild
        "insert into calls (call_id, started_at, region) values ('X-direct', ?, 'North')",
        [dt.datetime(2025, 3, 1)],
    )
    assert prepared.answers() is None
    through_calls = [sorted(north.sql(q).to_series().to_list()) for q in queries]
    assert through_calls == through_answers
    n_north = prepared.sql(
        "select count(*) as n from surveys s join calls c using (call_id) where c.region = 'North'"
    )["n"][0]
    assert len(through_answers[0]) == n_north


def test_a_scoped_user_cannot_act_on_another_regions_item(prepared: Store) -> None:
    south_item = prepared.sql(
        "select min(item_id) as i from followup_items join surveys using (response_id)"
        " join calls using (call_id) where region = 'South'"
    )["i"][0]
    before = snapshot(prepared)
    with pytest.raises(KeyError):
        followup.assign(access.bind(prepared, NORTH), int(south_item), "Mallory")
    assert snapshot(prepared) == before


def test_resolving_users_and_groups() -> None:
    grants = access.grants_from_config(
        {
            "Ana@X.org": "manager",
            "group:cx-leads": {"role": "analyst", "scope": {"region": ["North"]}},
            "group:admins": "admin",
        }
    )
    assert access.resolve("ana@x.org", [], grants) == Actor("ana@x.org", "manager")
    lead = access.resolve("bo@x.org", ["CX-Leads"], grants)
    assert lead == Actor("bo@x.org", "analyst", (("region", ("North",)),))
    assert access.resolve("cy@x.org", ["cx-leads", "admins"], grants).role == "admin"  # type: ignore[union-attr]
    assert access.resolve("eve@x.org", ["other"], grants) is None
    with pytest.raises(ValueError):
        access.grants_from_config({"x@y.org": "superuser"})
    with pytest.raises(ValueError):
        access.grant("x@y.org", "analyst", {"not_a_dimension": ["a"]})


def test_forbidden_says_who_what_and_which_role_in_both_languages() -> None:
    exc = Forbidden(Actor("eve@x.org", "executive"), "load")
    assert "eve@x.org" in exc.message("en") and "Analyst" in exc.message("en")
    assert "cargar archivos" in exc.message("es") and "Analista" in exc.message("es")


def test_the_settings_store_refuses_a_manager(prepared: Store) -> None:
    with pytest.raises(Forbidden):
        settings.put(access.bind(prepared, Actor("m@x.org", "manager")), "smtp", {"host": "x"})
