"""A user named outside the app: the CLI's ``--user`` and ``open_store(user=)`` get the
role and scope the app gives them (the store's roles and ``[pulso.roles]`` in the
secrets file); a scoped admin's alert rules are limited to their scope."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import analytics
from analytics import access
from analytics.access import Actor, Forbidden
from analytics.alerts import rules
from analytics.alerts.checks import Invalid
from analytics.cli import main
from analytics.store import connect
from tests.conftest import DemoStores
from tests.ingest import builders as b

END = dt.date(2025, 6, 30)
SECRETS = """
[pulso.roles]
"exec@x.org" = "executive"
"north@x.org" = { role = "executive", scope = { region = ["North"] } }
"group:leads" = "manager"
"""


@pytest.fixture
def db(demo_stores: DemoStores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A demo store; the working folder holds a secrets file with roles; no PULSO_DB."""
    path = demo_stores.copy(tmp_path, calls=3000, seed=7, end=END)
    work = tmp_path / "work"
    (work / ".streamlit").mkdir(parents=True)
    (work / ".streamlit" / "secrets.toml").write_text(SECRETS, encoding="utf-8")
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no secrets of the machine's
    monkeypatch.delenv("PULSO_DB", raising=False)
    return path


def test_open_store_as_a_user_reads_their_scope_and_writes_their_role(db: Path) -> None:
    everyone = analytics.open_store(db)
    assert access.actor_of(everyone).role == "admin"  # no user: the OS user, as admin
    north = analytics.open_store(db, user="North@X.org")
    assert access.actor_of(north) == Actor("North@X.org", "executive", (("region", ("North",)),))
    assert north.sql("select distinct region from calls")["region"].to_list() == ["North"]
    n_north = everyone.sql("select count(*) n from calls where region = 'North'")["n"][0]
    assert north.sql("select count(*) n from calls")["n"][0] == n_north
    with pytest.raises(Forbidden):
        rules.save(north, rules.Rule("x", "overdue", emails=(rules.Email("a@x.org"),)))
    # the store's table wins over the file for the same principal
    access.save_grant(everyone, access.grant("exec@x.org", "analyst"))
    assert access.actor_of(analytics.open_store(db, user="exec@x.org")).role == "analyst"
    with pytest.raises(access.NoRole):
        analytics.open_store(db, user="eve@x.org")


def test_a_user_without_a_role_fills_no_demo_store(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default store is filled with the demo on first use, but not for a user the
    app would refuse: the role is checked before anything is written."""
    from analytics import store as store_module

    default = tmp_path / "default" / "pulso.duckdb"
    monkeypatch.setattr(store_module, "DEFAULT_DB", default)
    with pytest.raises(access.NoRole):
        analytics.open_store(user="eve@x.org")
    assert connect(str(default)).is_empty()


def test_the_cli_acts_as_the_user_given(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def report(*args: str) -> str:
        out = tmp_path / "review.txt"
        code = main([*args, "report", "--db", str(db), "--month", "2025-06", "--format", "text",
                     "--out", str(out)])  # fmt: skip
        assert code == 0
        return out.read_text(encoding="utf-8")

    as_north = report("--user", "north@x.org")
    # The same report as the whole center's filtered to North, first-contact resolution
    # too: its repeat check and its 7-day horizon are the store's (kept at load), so a
    # customer's repeat call in another region still counts.
    north = _filtered(db, tmp_path)
    assert as_north == north
    assert any("First-contact resolution" in line for line in north.splitlines())
    assert "Scope: Region: North" in as_north
    assert as_north != report()  # the whole center differs
    # a write the role does not allow: exit 1, the translated refusal, nothing written
    store = connect(str(db))
    before = _batches(store)
    store.close()
    calls = b.calls_csv(tmp_path / "more.csv", 5, start=900_000)
    capsys.readouterr()
    assert main(["--user", "exec@x.org", "ingest", "calls", str(calls), "--db", str(db)]) == 1
    said = capsys.readouterr().err
    assert Forbidden(Actor("exec@x.org", "executive"), "load").message("en") in said
    store = connect(str(db))
    assert _batches(store) == before
    assert access.actor_of(store).role == "admin"  # the process acts as itself again
    store.close()
    assert main(["--user", "eve@x.org", "report", "--db", str(db)]) == 1
    assert "eve@x.org has no role in Pulso" in capsys.readouterr().err


def _filtered(db: Path, tmp_path: Path) -> str:
    """The whole center's report filtered to North (what a North user must get)."""
    out = tmp_path / "north.txt"
    code = main(["report", "--db", str(db), "--month", "2025-06", "--format", "text",
                 "--region", "North", "--out", str(out)])  # fmt: skip
    assert code == 0
    return out.read_text(encoding="utf-8")


def _batches(store: analytics.Store) -> int:
    return int(store.sql("select count(*) n from ingest_batches")["n"][0])


# --- alert rules of a scoped admin ------------------------------------------------------

NORTH_ADMIN = Actor("na@x.org", "admin", (("region", ("North",)),))
MAIL = (rules.Email("a@x.org"),)


@pytest.mark.parametrize(
    ("asked", "kept"),
    [
        ({}, {"region": ("North",)}),
        ({"region": ("North", "South")}, {"region": ("North",)}),
        ({"queue": ("billing",)}, {"queue": ("billing",), "region": ("North",)}),
    ],
)
def test_a_scoped_admins_rule_is_limited_to_their_scope(
    demo_stores: DemoStores, tmp_path: Path, asked: dict[str, tuple[str, ...]], kept: object
) -> None:
    store = demo_stores.open(tmp_path, calls=3000, seed=7, end=END)
    rule_id = rules.save(
        access.bind(store, NORTH_ADMIN), rules.Rule("n", "overdue", scope=asked, emails=MAIL)
    )
    assert rules.get(store, rule_id).scope == kept
    # an unscoped admin's rule is kept as asked
    other = rules.save(store, rules.Rule("all", "overdue", scope=asked, emails=MAIL))
    assert rules.get(store, other).scope == asked


def test_a_rule_only_outside_the_scope_is_refused(demo_stores: DemoStores, tmp_path: Path) -> None:
    store = demo_stores.open(tmp_path, calls=3000, seed=7, end=END)
    rule = rules.Rule("s", "kpi_down", kpi="nps", scope={"region": ("South",)}, emails=MAIL)
    with pytest.raises(Invalid) as refused:
        rules.save(access.bind(store, NORTH_ADMIN), rule)
    assert [p.key for p in refused.value.problems] == ["access.error.outside_scope"]
    assert "Region: North" in refused.value.problems[0].text("en")
    assert rules.read(store) == []
    # survey type does not filter a call KPI: a survey-type scope leaves that rule alone
    typed = Actor("t@x.org", "admin", (("survey_type", ("transactional",)),))
    aht = rules.Rule("aht", "kpi_down", kpi="aht", emails=MAIL)
    assert rules.within(aht, typed.scope).scope == {}
