"""Every role against every write path (issue 15): the matrix, the pairs not tested
elsewhere, the CLI's demo, and a check that no audited write is left out.

Y: allowed, written, one audit line with the user and role. N: refused (Forbidden),
every table of the store as before, no audit line. One row per audit action; the Y/N
columns and the rows themselves are checked below (test_the_matrix_is_the_role_ladder,
test_every_audited_write_is_in_the_matrix).

    write path                           audit action            exec anl mgr adm  tested
    load a file (page, ingest CLI)       load                      N   Y   Y   Y    P T O
    undo a load                          undo                      N   Y   Y   Y    P T S
    save a column mapping                mappings.save             N   Y   Y   Y    W p
    value map: save                      aliases.save              N   Y   Y   Y    P T
    value map: delete                    aliases.delete            N   Y   Y   Y    P W
    change registry: create              registry.create           N   N   Y   Y    T S A
    change registry: edit                registry.edit             N   N   Y   Y    W
    change registry: delete              registry.delete           N   N   Y   Y    T S
    follow-up: assign                    followup.assigned         N   N   Y   Y    T S
    follow-up: record a contact          followup.contacted        N   N   Y   Y    T
    follow-up: close, recovered          followup.recovered        N   N   Y   Y    W
    follow-up: close, not recovered      followup.not_recovered    N   N   Y   Y    W
    targets: create                      targets.create            N   N   Y   Y    T S
    targets: edit                        targets.edit              N   N   Y   Y    W
    targets: delete                      targets.delete            N   N   Y   Y    W
    settings: follow-up deadlines, SMTP  settings.save             N   N   N   Y    T W S
    settings: deadlines reset            settings.delete           N   N   N   Y    W
    settings: holiday add                holidays.add              N   N   N   Y    T
    settings: holiday delete             holidays.delete           N   N   N   Y    W
    settings: holidays import            holidays.import           N   N   N   Y    W
    settings: meaningful changes         thresholds.save           N   N   N   Y    T
    settings: meaningful changes reset   thresholds.reset          N   N   N   Y    W
    channels: webhook save               webhooks.save             N   N   N   Y    T
    channels: webhook delete             webhooks.delete           N   N   N   Y    W
    alert rules: create                  alerts.create             N   N   N   Y    T S
    alert rules: edit                    alerts.edit               N   N   N   Y    W
    alert rules: on/off                  alerts.enable             N   N   N   Y    W
    alert rules: delete                  alerts.delete             N   N   N   Y    W
    roles: grant                         roles.save                N   N   N   Y    T S
    roles: take away                     roles.delete              N   N   N   Y    W
    demo data (CLI)                      demo.generate             N   N   N   Y    C
    snapshot for replicas (CLI)          store.snapshot            N   N   N   Y    R
    publish to Spark (CLI)               spark.publish             N   Y   Y   Y    K

Where, each for every role unless said:
    P  tests/access/test_pages_write_roles.py: the Upload page (offered or disabled with
       the role it needs; a forged click discarded; the page bypassed, the engine refuses)
    p  the same page: Save mapping disabled for the executive only
    T  tests/access/test_access.py::test_every_role_against_every_write_path (engine)
    W  here: test_every_role_against_the_other_write_paths (engine, the same checks)
    C  here: test_the_demo_needs_an_admin (``python -m analytics --user ... demo``)
    R  here: test_the_snapshot_needs_an_admin (``python -m analytics --user ... snapshot``)
    K  tests/spark/test_publish.py: each role publishes or is refused before Spark starts
       (``python -m analytics --user ... spark-publish``; skipped without Java)
    O  tests/access/test_outside_app.py: the ingest CLI's --user (the executive refused)
    S  tests/access/test_pages_scope.py: the page shows the role just below it nothing
       enabled (undo, registry, follow-up, and the Settings tabs of targets, settings,
       alert rules and roles), and the engine refuses that role
    A  tests/access/test_pages_access.py: the registry's Save, executive and manager
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from analytics import access, audit, targets, thresholds
from analytics.access import Actor, Forbidden
from analytics.alerts import channels, rules
from analytics.changes import registry
from analytics.cli import DemoRefused, main
from analytics.feedback import followup
from analytics.ingest import aliases, read_file, save_mapping, suggest_mapping
from analytics.ingest.aliases import Alias
from analytics.store import Store, connect
from tests.access.test_access import WRITES as ENGINE_WRITES
from tests.apptest import ROOT
from tests.conftest import DemoStores
from tests.ingest import builders as b

END = dt.date(2025, 6, 30)
EMAIL: dict[access.Role, str] = {role: f"{role}@x.org" for role in access.ROLES}
XMAS = dt.date(2025, 12, 25)
MAIL = (rules.Email("a@x.org"),)


def snapshot(store: Store) -> dict[str, list[str]]:
    """Every table of the store (whatever the schema's version), rows in a fixed order."""
    cur = store.con.cursor()
    names = cur.execute(
        "select table_name from information_schema.tables"
        " where table_schema = 'main' and table_type = 'BASE TABLE' order by 1"
    ).fetchall()
    return {n: sorted(map(repr, cur.execute(f'from "{n}"').fetchall())) for (n,) in names}


def lines_of(store: Store) -> list[tuple[str, str, str]]:
    return [
        (r["who"], r["role"], r["action"])
        for r in audit.read(store).sort("audit_id").iter_rows(named=True)
    ]


def _one(store: Store, sql: str) -> int:
    row = store.con.cursor().execute(sql).fetchone()
    assert row is not None and row[0] is not None, sql
    return int(row[0])


def _item(s: Store) -> int:
    return _one(s, "select min(item_id) from followup_items where status in ('open', 'assigned')")


def _mapping(s: Store, folder: Path) -> None:
    raw = read_file(b.calls_csv(folder / "crm.csv", 3, start=700_000))
    save_mapping(s, "CRM export", suggest_mapping(raw, "calls").mapping, raw)


# The write paths test_access.py does not run for every role: the permission, the audit
# action, and the call (on a store bound to the actor; a folder of its own).
Write = Callable[[Store, Path], object]
OTHER_WRITES: dict[str, tuple[access.Permission, str, Write]] = {
    "mappings.save": ("load", "mappings.save", _mapping),
    "aliases.delete": (
        "aliases",
        "aliases.delete",
        lambda s, p: aliases.remove(s, "region", "Nord"),
    ),
    "registry.edit": (
        "registry",
        "registry.edit",
        lambda s, p: registry.save_change(
            s,
            registry.Change(
                "IVR, second wave",
                dt.date(2025, 5, 1),
                change_id=_one(s, "select min(change_id) from process_changes"),
            ),
        ),
    ),
    "followup.recovered": (
        "followup",
        "followup.recovered",
        lambda s, p: followup.close(s, _item(s), True),
    ),
    "followup.not_recovered": (
        "followup",
        "followup.not_recovered",
        lambda s, p: followup.close(s, _item(s), False),
    ),
    "targets.edit": (
        "targets",
        "targets.edit",
        lambda s, p: targets.save(
            s,
            targets.Target(
                "nps",
                45.0,
                dt.date(2025, 1, 1),
                target_id=_one(s, "select min(target_id) from targets"),
            ),
        ),
    ),
    "targets.delete": (
        "targets",
        "targets.delete",
        lambda s, p: targets.delete(s, _one(s, "select min(target_id) from targets")),
    ),
    "settings.delete": ("settings", "settings.delete", lambda s, p: followup.reset_policy(s)),
    "holidays.delete": (
        "settings",
        "holidays.delete",
        lambda s, p: followup.delete_holiday(s, XMAS, "*"),
    ),
    "holidays.import": (
        "settings",
        "holidays.import",
        lambda s, p: followup.import_holidays(s, "ES", 2025),
    ),
    "thresholds.reset": ("settings", "thresholds.reset", lambda s, p: thresholds.reset(s)),
    "smtp.save": (
        "settings",
        "settings.save",
        lambda s, p: channels.save_smtp(s, channels.Smtp("smtp.example.org", "pulso@example.org")),
    ),
    "webhooks.delete": (
        "settings",
        "webhooks.delete",
        lambda s, p: channels.delete_webhook(s, "ops"),
    ),
    "alerts.edit": (
        "alerts",
        "alerts.edit",
        lambda s, p: rules.save(s, replace(rules.get(s, _rule(s)), name="overdue, again")),
    ),
    "alerts.enable": (
        "alerts",
        "alerts.enable",
        lambda s, p: rules.set_enabled(s, _rule(s), False),
    ),
    "alerts.delete": ("alerts", "alerts.delete", lambda s, p: rules.delete(s, _rule(s))),
    "roles.delete": ("roles", "roles.delete", lambda s, p: access.delete_grant(s, "ana@x.org")),
}


def _rule(s: Store) -> int:
    return _one(s, "select min(rule_id) from alert_rules")


@pytest.fixture
def prepared(demo_stores: DemoStores, tmp_path: Path) -> Store:
    """The demo store with something for each write to edit or delete, all made by the
    local admin: follow-up items, a value-map entry, a target, deadlines, a holiday, a
    meaningful change, a webhook, an alert rule and a grant."""
    store = demo_stores.open(tmp_path, calls=3000, seed=7, end=END)
    followup.sync_items(store)
    aliases.save(store, [Alias("region", "Nord", "North")])
    targets.save(store, targets.Target("nps", 40.0, dt.date(2025, 1, 1)))
    followup.save_policy(store, followup.Policy(3, 5))
    followup.add_holiday(store, followup.Holiday(XMAS, "*"))
    thresholds.save(store, {"nps": 7.0})
    channels.save_webhook(
        store, channels.Webhook("ops", "json", "https://hooks.example.org/x", "en")
    )
    rules.save(store, rules.Rule(name="overdue", kind="overdue", emails=MAIL))
    access.save_grant(store, access.grant("ana@x.org", "analyst"))
    return store


@pytest.mark.parametrize("write", sorted(OTHER_WRITES))
@pytest.mark.parametrize("role", access.ROLES)
def test_every_role_against_the_other_write_paths(
    prepared: Store, tmp_path: Path, write: str, role: access.Role
) -> None:
    permission, action, run = OTHER_WRITES[write]
    actor = Actor(EMAIL[role], role)
    bound = access.bind(prepared, actor)
    before, lines = snapshot(prepared), lines_of(prepared)
    if actor.can(permission):
        run(bound, tmp_path)
        assert lines_of(prepared) == [*lines, (actor.user, role, action)]
        assert snapshot(prepared) != before
    else:
        with pytest.raises(Forbidden) as refused:
            run(bound, tmp_path)
        assert refused.value.permission == permission
        assert snapshot(prepared) == before  # nothing written, not even a log line


# --- no audited write is left out ---------------------------------------------------------

RECORD = re.compile(r'audit\.record\(\s*cur,\s*actor,\s*(f?)"([^"]+)"')
FOLLOWUP_ACTIONS = ("assigned", "contacted", "recovered", "not_recovered")


def audited_actions() -> set[str]:
    """Every action a write in ``analytics`` records (read from the source)."""
    found: set[str] = set()
    for path in (ROOT / "analytics").rglob("*.py"):
        for is_f, action in RECORD.findall(path.read_text(encoding="utf-8")):
            if is_f:  # the follow-up's one f-string: each of its actions
                assert action == "followup.{entry.action}", (path, action)
                found |= {f"followup.{a}" for a in FOLLOWUP_ACTIONS}
            else:
                found.add(action)
    return found


ROW = re.compile(
    r"^ {4}(?P<what>\S.*?) {2,}(?P<action>[a-z_.]+)"
    r" +(?P<yn>[YN](?: +[YN]){3}) +(?P<where>[A-Za-z ]+)$",
    re.MULTILINE,
)


def matrix() -> dict[str, tuple[str, ...]]:
    """The docstring's rows: audit action -> Y/N for executive, analyst, manager, admin."""
    return {m["action"]: tuple(m["yn"].split()) for m in ROW.finditer(__doc__ or "")}


def needed() -> dict[str, access.Permission | None]:
    """Each tested action's permission (None: the demo, an admin's alone)."""
    found: dict[str, access.Permission | None] = {w: p for w, (p, _) in ENGINE_WRITES.items()}
    found |= {action: p for p, action, _ in OTHER_WRITES.values()}
    return found | {"demo.generate": None, "store.snapshot": "settings", "spark.publish": "load"}


def test_the_matrix_is_the_role_ladder() -> None:
    """Each row's Y/N are what the roles' permissions allow, and what the tests run."""
    rows, permission = matrix(), needed()
    assert len(rows) == 33 and set(rows) == set(permission)
    for action, yn in rows.items():
        need = permission[action]
        expected = [
            "Y" if (role == "admin" if need is None else Actor("x", role).can(need)) else "N"
            for role in access.ROLES
        ]
        assert list(yn) == expected, action


def test_every_audited_write_is_in_the_matrix() -> None:
    """A new write path (a new audit action) fails here until it is run for every role
    and has its row."""
    found = audited_actions()
    assert {"load", "undo", "aliases.delete", "mappings.save", "demo.generate"} <= found
    assert found == set(needed()) == set(matrix())


# --- the CLI's demo: an admin's alone ---------------------------------------------------


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PULSO_DB names an empty store; the working folder's secrets give each role."""
    work = tmp_path / "work"
    (work / ".streamlit").mkdir(parents=True)
    roles = "".join(f'"{email}" = "{role}"\n' for role, email in EMAIL.items())
    (work / ".streamlit" / "secrets.toml").write_text(f"[pulso.roles]\n{roles}", encoding="utf-8")
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no secrets of the machine's
    path = tmp_path / "pulso.duckdb"
    monkeypatch.setenv("PULSO_DB", str(path))
    connect(str(path)).close()  # the schema, no rows
    return path


DEMO = ["demo", "--calls", "400", "--seed", "3", "--end", "2025-06-30"]


@pytest.mark.parametrize("role", access.ROLES)
def test_the_demo_needs_an_admin(
    empty_db: Path, role: access.Role, capsys: pytest.CaptureFixture[str]
) -> None:
    store = connect(str(empty_db))
    before = snapshot(store)
    store.close()
    code = main(["--user", EMAIL[role], *DEMO])
    said = capsys.readouterr()
    store = connect(str(empty_db))
    try:
        if role != "admin":
            assert code == 1  # as every refused CLI write
            refusal = DemoRefused(Actor(EMAIL[role], role)).message("en")
            assert said.err == f"error: {refusal}\n"
            assert snapshot(store) == before and store.is_empty()
            return
        assert code == 0 and said.err == ""
        line = audit.read(store).row(0, named=True)
        assert lines_of(store) == [(EMAIL[role], "admin", "demo.generate")]
        after = json.loads(line["after_json"])
        counted = (
            store.con.cursor()
            .execute("select (select count(*) from calls), (select count(*) from surveys)")
            .fetchone()
        )
        assert (after["calls"], after["surveys"]) == counted and counted[0] == 400
        assert (after["seed"], after["end"]) == (3, "2025-06-30")
    finally:
        store.close()


@pytest.mark.parametrize("role", access.ROLES)
def test_the_snapshot_needs_an_admin(
    empty_db: Path, role: access.Role, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A snapshot copies every region's rows: an admin's alone, audited."""
    dest = tmp_path / "shared" / "snap.duckdb"
    code = main(["--user", EMAIL[role], "snapshot", str(dest)])
    said = capsys.readouterr()
    store = connect(str(empty_db))
    try:
        if role != "admin":
            assert code == 1 and not dest.exists() and lines_of(store) == []
            assert Forbidden(Actor(EMAIL[role], role), "settings").message("en") in said.err
            return
        assert code == 0 and dest.is_symlink()
        assert lines_of(store) == [(EMAIL[role], "admin", "store.snapshot")]
    finally:
        store.close()


def test_the_demo_refusal_says_what_and_who_in_both_languages() -> None:
    refused = DemoRefused(Actor("li@x.org", "analyst"))
    assert refused.message("en") == (
        "li@x.org (Analyst) may not fill the store with demo data: that needs the Admin"
        " role. Nothing was changed."
    )
    assert "datos de demostración" in refused.message("es")
    assert "Administrador" in refused.message("es")
    assert isinstance(refused, Forbidden)  # the CLI's and the app's refusals alike


def test_without_user_the_demo_acts_as_the_os_user_as_admin(
    empty_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(DEMO) == 0
    assert "400 calls" in capsys.readouterr().out
    store = connect(str(empty_db))
    try:
        assert lines_of(store) == [(access.local_actor().user, "admin", "demo.generate")]
        assert main(DEMO) == 2  # a store with data: refused as before, nothing added
        assert len(lines_of(store)) == 1
    finally:
        store.close()
