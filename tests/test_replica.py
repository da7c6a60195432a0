"""Read-only replicas (analytics.replica): the writer publishes a consistent copy, any
number of processes read it, a newer copy replaces the open one, and nothing can be
written in a replica, whatever the role: the engine refuses, the pages offer no write.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

import analytics
from analytics import access, audit, overview, replica
from analytics.access import Actor, Forbidden
from analytics.changes import registry
from analytics.cli import main
from analytics.i18n import t
from analytics.queries import Filters
from analytics.store import Store, StoreError, connect
from tests.apptest import ROOT, AppDb, open_app
from tests.conftest import DemoStores
from tests.ingest import builders as b

END = dt.date(2025, 6, 30)
MONTH = Filters(start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))


@pytest.fixture
def live(demo_stores: DemoStores, tmp_path: Path) -> Path:
    return demo_stores.copy(tmp_path, calls=3000, seed=7, end=END)


def _tiles(store: Store) -> dict[str, object]:
    return overview.window_stats(store, MONTH, "calls").drop("window").row(0, named=True)


def _load_more(db: Path, tmp_path: Path, n: int = 40) -> None:
    calls = b.calls_csv(tmp_path / f"more{n}.csv", n, start=900_000)
    assert main(["ingest", "calls", str(calls), "--db", str(db)]) == 0


def test_a_snapshot_reads_as_the_store_and_refuses_every_write(
    live: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = connect(str(live))
    snap = tmp_path / "shared" / "snap.duckdb"
    target = replica.publish(store, snap)
    assert snap.is_symlink() and snap.resolve() == target  # the name links the newest copy
    expected, version = _tiles(store), store.data_version()
    store.close()
    monkeypatch.setenv(replica.REPLICA_ENV, str(snap))
    copy = analytics.open_store()
    assert copy.data_version() == version
    assert _tiles(copy) == expected
    # everyone reads; nobody writes, an admin included, and the message says why
    admin = access.bind(copy, Actor("boss@x.org", "admin"))
    assert admin.sql("select count(*) n from calls")["n"][0] > 0
    with pytest.raises(Forbidden) as refused:
        registry.save_change(admin, registry.Change("Callback", dt.date(2025, 6, 1)))
    assert "solo lectura" in refused.value.message("es")
    assert "read-only copy" in refused.value.message("en")
    # below the role check, DuckDB holds the file read-only too
    with pytest.raises(Exception, match="read-only"):
        copy.cursor().execute("delete from audit_log")


def test_a_scoped_user_reads_only_their_region_in_a_replica(
    live: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = connect(str(live))
    north = _tiles(access.bind(store, Actor("n@x.org", "executive", (("region", ("North",)),))))
    snap = tmp_path / "snap.duckdb"
    replica.publish(store, snap)
    store.close()
    monkeypatch.setenv(replica.REPLICA_ENV, str(snap))
    copy = access.bind(
        analytics.open_store(), Actor("n@x.org", "executive", (("region", ("North",)),))
    )
    assert copy.sql("select distinct region from calls")["region"].to_list() == ["North"]
    assert _tiles(copy) == north  # temporary scope views work on a read-only file


def test_a_newer_snapshot_replaces_the_open_one(
    live: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "snap.duckdb"
    store = connect(str(live))
    replica.publish(store, dest)
    store.close()
    monkeypatch.setenv(replica.REPLICA_ENV, str(dest))
    old = analytics.open_store()
    before = old.sql("select count(*) n from calls")["n"][0]
    assert not replica.stale(str(dest))
    monkeypatch.delenv(replica.REPLICA_ENV)  # the main instance, where loads happen
    _load_more(live, tmp_path)
    store = connect(str(live))
    replica.publish(store, dest)
    store.close()
    monkeypatch.setenv(replica.REPLICA_ENV, str(dest))
    assert replica.stale(str(dest))
    # the open copy still reads the file it opened (a run under way finishes on it)
    assert old.sql("select count(*) n from calls")["n"][0] == before
    new = analytics.open_store()
    assert new.sql("select count(*) n from calls")["n"][0] == before + 40
    assert not replica.stale(str(dest))
    for _ in range(3):  # the two newest copies stay (a replica may read the one before)
        store = connect(str(live))
        replica.publish(store, dest)
        store.close()
    assert len(list(tmp_path.glob("snap.*.duckdb"))) == 2
    assert dest.resolve().exists()


def test_the_publisher_copies_only_when_something_changed(live: Path, tmp_path: Path) -> None:
    dest = tmp_path / "snap.duckdb"
    store = connect(str(live))
    publisher = replica.Publisher(str(dest))
    assert publisher(store) and publisher.published == 1
    assert not publisher(store)  # nothing changed: no copy
    registry.save_change(
        store, registry.Change("Callback", dt.date(2025, 6, 1))
    )  # an audited write
    assert publisher(store) and publisher.published == 2
    store.close()
    copy = connect(str(dest), read_only=True)
    assert "Callback" in copy.sql("select name from process_changes")["name"].to_list()
    copy.close()


def test_many_processes_read_one_snapshot_at_once(live: Path, tmp_path: Path) -> None:
    store = connect(str(live))
    dest = tmp_path / "snap.duckdb"
    replica.publish(store, dest)
    n = store.sql("select count(*) n from calls")["n"][0]
    store.close()
    held = connect(str(dest), read_only=True)  # this process keeps it open meanwhile
    code = (
        "import sys; from analytics.store import connect;"
        "s = connect(sys.argv[1], read_only=True);"
        "print(s.sql('select count(*) n from calls')['n'][0])"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code, str(dest)], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
        for _ in range(2)
    ]  # fmt: skip
    assert [r.stdout.strip() for r in runs] == [str(n), str(n)], [r.stderr for r in runs]
    held.close()


def test_the_snapshot_command_is_an_admins_and_audited(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "out" / "snap.duckdb"
    monkeypatch.setattr(access, "process_actor", lambda: Actor("exec@x.org", "executive"))
    assert main(["snapshot", str(dest), "--db", str(live)]) == 1
    assert "exec@x.org" in capsys.readouterr().err and not dest.exists()
    monkeypatch.undo()
    assert main(["snapshot", str(live), "--db", str(live)]) == 2  # never over the store
    assert main(["snapshot", str(dest), "--db", str(live)]) == 0
    assert "Published a read-only copy" in capsys.readouterr().out
    store = connect(str(live))
    lines = audit.read(store).filter(audit.read(store)["action"] == "store.snapshot")
    assert lines.height == 1 and lines["object"][0] == str(dest.absolute())
    assert json.loads(lines["after_json"][0])["file"] == dest.resolve().name
    store.close()


def test_a_missing_snapshot_is_said_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(replica.REPLICA_ENV, str(tmp_path / "nowhere.duckdb"))
    with pytest.raises(StoreError) as missing:
        analytics.open_store()
    assert missing.value.reason == "replica_missing"
    assert not (tmp_path / "nowhere.duckdb").exists()


def test_snapshot_interval_is_read_strictly() -> None:
    every = replica.snapshot_every({"PULSO_SNAPSHOT": "s.duckdb"})
    assert every == ("s.duckdb", dt.timedelta(minutes=5))
    assert replica.snapshot_every({"PULSO_SNAPSHOT": "s.duckdb", replica.EVERY_ENV: "0.5"}) == (
        "s.duckdb",
        dt.timedelta(seconds=30),
    )
    for bad in ("0", "-1", "soon", "inf", "nan"):
        assert replica.snapshot_every({"PULSO_SNAPSHOT": "s", replica.EVERY_ENV: bad}) is None
    assert replica.snapshot_every({}) is None


# -- the app as a replica ----------------------------------------------------------------


@pytest.fixture
def replica_app(live: Path, tmp_path: Path, app_db: AppDb, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = connect(str(live))
    dest = tmp_path / "snap.duckdb"
    replica.publish(store, dest)
    store.close()
    app_db(tmp_path / "unused.duckdb")  # caches emptied; the replica never opens PULSO_DB
    monkeypatch.setenv(replica.REPLICA_ENV, str(dest))
    return dest


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_app_as_a_replica_says_so_and_offers_no_write(replica_app: Path, lang: str) -> None:
    at = open_app(lang=lang)
    assert not at.exception
    infos = [i.value for i in at.info]
    assert any(("Read-only copy" if lang == "en" else "Copia de solo lectura") in v for v in infos)
    banner = [w.value for w in at.warning]
    assert t("replica.open_access", lang) in banner and t("access.banner", lang) not in banner
    at = open_app("views/registry.py", lang=lang)
    assert not at.exception
    saves = [x for x in at.button if x.label == t("registry.save", lang)]
    assert saves and all(x.disabled for x in saves)
    assert t("access.replica_forbidden", lang) in [c.value for c in at.caption]
    assert not (replica_app.parent / "unused.duckdb").exists()  # PULSO_DB never opened


def test_the_replica_app_creates_no_follow_up_items(replica_app: Path) -> None:
    at = open_app("views/followup.py")
    assert not at.exception
    copy = connect(str(replica_app), read_only=True)
    assert copy.sql("select count(*) n from followup_items")["n"][0] > 0  # the writer's
    copy.close()
