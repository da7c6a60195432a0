"""Store: schema, migrations, transactions, and the errors a user can hit."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

import analytics
from analytics import migrations, thresholds
from analytics import settings as app_settings
from analytics.changes import registry
from analytics.ingest import IngestError, undo_batch
from analytics.store import Store, StoreError, connect, migrate


def test_new_store_has_canonical_tables_at_latest_version(empty_store: Store) -> None:
    tables = set(empty_store.sql("select table_name from information_schema.tables")["table_name"])
    assert {
        "calls",
        "surveys",
        "process_changes",
        "ingest_batches",
        "rejected_rows",
        "column_mappings",
        "schema_version",
    } <= tables
    assert empty_store.schema_version() == migrations.LATEST


def test_opening_an_older_file_upgrades_it_and_keeps_rows(tmp_path: Path) -> None:
    path = str(tmp_path / "old.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=1)  # a file as version 1 of Pulso left it
    con.execute(
        "insert into calls (call_id, started_at) values ('C1', timestamp '2025-01-02 10:00')"
    )
    con.close()

    store = connect(path)
    assert store.schema_version() == migrations.LATEST
    assert store.sql("select call_id from calls")["call_id"].to_list() == ["C1"]
    store.sql("insert into process_changes (name, started_on) values ('IVR', date '2025-02-01')")
    assert store.sql("select count(*) as n from process_changes")["n"][0] == 1
    versions = store.sql("select version from schema_version order by version")["version"].to_list()
    assert versions == list(range(1, migrations.LATEST + 1))


def test_upgrading_to_lineage_carries_the_key_log_over(tmp_path: Path) -> None:
    """A version-4 store (undo by a per-key log) keeps its undo history in version 5."""
    path = str(tmp_path / "v4.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=4)
    # Batch 1 inserted C1, C2, C4; batch 2 changed C1; batch 3 inserted C3 and was
    # undone (C3 gone); batch 4 changed C4 and was undone (C4 as batch 1 left it).
    con.execute(
        "insert into ingest_batches (batch_id, target, undone_at) values "
        "(1, 'calls', null), (2, 'calls', null), (3, 'calls', now()), (4, 'calls', now())"
    )
    con.execute(
        "insert into ingest_batch_keys values (1, 'calls', 'C1', 'insert'), "
        "(1, 'calls', 'C2', 'insert'), (1, 'calls', 'C4', 'insert'), "
        "(2, 'calls', 'C1', 'update'), (3, 'calls', 'C3', 'insert'), (4, 'calls', 'C4', 'update')"
    )
    con.execute(
        "insert into calls (call_id, started_at, queue) values "
        "('C1', '2025-01-01', 'new'), ('C2', '2025-01-01', 'x'), ('C4', '2025-01-01', 'x')"
    )
    con.execute(
        "insert into ingest_before_calls (batch_id, call_id, started_at, queue) values "
        "(2, 'C1', '2025-01-01', 'old'), (4, 'C4', '2025-01-01', 'x')"
    )
    con.close()

    store = connect(path)
    lineage = store.sql("select call_id, batch_id from calls order by 1").rows()
    assert lineage == [("C1", 2), ("C2", 1), ("C4", 1)]
    prior = store.sql("select batch_id, prior_batch_id from ingest_before_calls order by 1")
    assert prior.rows() == [(2, 1), (4, 1)]
    tables = store.sql("select table_name from information_schema.tables")["table_name"]
    assert "ingest_batch_keys" not in tables.to_list()
    with pytest.raises(IngestError) as err:
        undo_batch(store, 1)
    assert err.value.params["later"] == "2"
    assert undo_batch(store, 2).restored == 1
    assert store.sql("select queue, batch_id from calls where call_id = 'C1'").rows() == [
        ("old", 1)
    ]
    assert undo_batch(store, 1).deleted == 3
    assert store.is_empty()


def test_a_failed_migration_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "db.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=1)
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        (
            *migrations.MIGRATIONS[:1],
            "create table broken (",
        ),
    )
    monkeypatch.setattr("analytics.store.MIGRATIONS", migrations.MIGRATIONS)
    with pytest.raises(duckdb.Error):
        migrate(con, target=2)
    assert con.execute("select max(version) from schema_version").fetchone() == (1,)
    assert con.execute(
        "select count(*) from information_schema.tables where table_name = 'process_changes'"
    ).fetchone() == (0,)


def test_transaction_rolls_back_on_error(empty_store: Store) -> None:
    with pytest.raises(RuntimeError), empty_store.transaction() as cur:
        cur.execute("insert into calls (call_id, started_at) values ('C1', now())")
        raise RuntimeError("boom")
    assert empty_store.is_empty()


def test_check_constraints_refuse_impossible_values(empty_store: Store) -> None:
    with pytest.raises(duckdb.ConstraintException):
        empty_store.sql(
            "insert into surveys (response_id, responded_at, nps) values ('R', now(), 11)"
        )
    with pytest.raises(duckdb.ConstraintException):
        empty_store.sql("insert into calls (call_id, started_at, wait_s) values ('C', now(), -1)")


def test_pulso_db_that_does_not_exist_is_created_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sub" / "new.duckdb"
    monkeypatch.setenv("PULSO_DB", str(path))
    store = analytics.open_store()
    assert path.exists() and store.is_empty()
    assert store.path == str(path)


def test_url_forms(tmp_path: Path) -> None:
    assert analytics.open_store("duckdb://" + str(tmp_path / "a.duckdb")).is_empty()
    assert analytics.open_store(":memory:").is_empty()


def test_garbage_file_gives_a_store_error(tmp_path: Path) -> None:
    bad = tmp_path / "pulso.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as info:
        connect(str(bad))
    assert info.value.reason == "store_unreadable"
    assert str(bad) in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_folder_gives_a_store_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    with pytest.raises(StoreError) as info:
        connect(str(folder / "pulso.duckdb"))
    assert info.value.reason == "folder_unwritable"


def test_folder_that_cannot_be_created_gives_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(StoreError) as info:
        connect(str(blocker / "data" / "pulso.duckdb"))
    assert info.value.reason == "folder_unwritable"


def test_data_version_changes_when_a_batch_is_logged(empty_store: Store) -> None:
    before = empty_store.data_version()
    empty_store.sql("insert into ingest_batches (target) values ('calls')")
    assert empty_store.data_version() != before


def test_ces_without_its_scale_is_refused(empty_store: Store) -> None:
    with pytest.raises(duckdb.ConstraintException):
        empty_store.sql(
            "insert into surveys (response_id, responded_at, ces) values ('R', now(), 4)"
        )


def test_a_store_with_only_a_registered_change_is_not_empty(empty_store: Store) -> None:
    empty_store.sql(
        "insert into process_changes (name, started_on) values ('IVR', date '2026-01-05')"
    )
    assert not empty_store.is_empty()


def test_upgrading_drops_the_key_index_and_keeps_rows_and_checks(tmp_path: Path) -> None:
    """Version 7 rebuilds the fact tables without a primary key (ingest keeps keys
    unique): every row and column stays, the checks still refuse impossible values."""
    path = str(tmp_path / "v6.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=6)
    con.execute(
        "insert into calls (call_id, started_at, queue, wait_s, batch_id) values "
        "('C1', '2025-01-01 10:00', 'billing', 12.5, 3), ('C2', '2025-01-02', null, null, null)"
    )
    con.execute(
        "insert into surveys (response_id, responded_at, nps, ces, ces_scale, batch_id) "
        "values ('R1', '2025-01-01', 9, 4, 5, 3)"
    )
    before = {
        t: con.execute(f"select * from {t} order by 1").fetchall() for t in ("calls", "surveys")
    }
    con.close()

    store = connect(path)
    for table, rows in before.items():
        derived = (  # columns added later: version 13 (calls), 14 (surveys)
            " exclude (repeat_7d, prior_7d, surveyed)"
            if table == "calls"
            else " exclude (survey_version)"
        )
        assert store.sql(f"select *{derived} from {table} order by 1").rows() == rows
    keys = store.sql(
        "select table_name from duckdb_constraints() where constraint_type = 'PRIMARY KEY'"
    )["table_name"].to_list()
    assert "calls" not in keys and "surveys" not in keys
    with pytest.raises(duckdb.ConstraintException):
        store.sql("insert into calls (call_id, started_at, wait_s) values ('C3', now(), -1)")
    with pytest.raises(duckdb.ConstraintException):
        store.sql("insert into calls (call_id, started_at) values (null, now())")


def test_upgrading_adds_an_empty_value_map_with_one_entry_per_field_and_key(
    tmp_path: Path,
) -> None:
    """Version 8 adds the value map (``ingest.aliases``); the rows stay as they were."""
    path = str(tmp_path / "v7.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=7)
    con.execute(
        "insert into calls (call_id, started_at, region, batch_id) "
        "values ('C1', '2025-01-01 10:00', 'South', 1)"
    )
    con.close()

    store = connect(path)
    assert store.sql("select call_id, region from calls").rows() == [("C1", "South")]
    assert store.sql("select count(*) from value_aliases").item() == 0
    store.sql(
        "insert into value_aliases (field, alias_key, alias, value) "
        "values ('region', 'sur', 'Sur', 'South')"
    )
    assert store.sql("select created_at is not null from value_aliases").item()
    with pytest.raises(duckdb.ConstraintException):
        store.sql(
            "insert into value_aliases (field, alias_key, alias, value) "
            "values ('region', 'sur', 'SUR', 'North')"
        )


def test_upgrading_adds_product_and_segment_to_change_scopes(tmp_path: Path) -> None:
    """Version 9: a change registered before keeps its scope, with no product or
    segment restriction; new changes can name products and segments."""
    path = str(tmp_path / "v8.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=8)
    con.execute(
        "insert into process_changes (name, started_on, scope_queues, owner) "
        "values ('IVR', date '2025-02-03', ['billing'], 'Ops')"
    )
    con.close()

    store = connect(path)
    old = registry.get_change(store, 1)
    assert (old.name, old.queues, old.owner) == ("IVR", ("billing",), "Ops")
    assert (old.products, old.segments) == ((), ())
    assert old.scope == {"queues": ("billing",)}
    new = registry.Change("Bundle", old.started_on, products=("tv",), segments=("B2B",))
    got = registry.get_change(store, registry.save_change(store, new))
    assert got.scope == {"products": ("tv",), "segments": ("B2B",)}


def test_upgrading_adds_minimum_meaningful_changes_read_as_the_defaults(tmp_path: Path) -> None:
    """Version 10: a store from before reads every KPI's default minimum meaningful
    change; a stored one takes over, one per KPI, never negative."""
    path = str(tmp_path / "v9.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=9)
    con.execute("insert into calls (call_id, started_at) values ('C1', '2025-01-01 10:00')")
    con.close()

    store = connect(path)
    assert store.sql("select call_id from calls").rows() == [("C1",)]
    assert thresholds.read(store) == thresholds.DEFAULTS
    store.sql("insert into meaningful_changes (kpi, meaningful) values ('asa', 10)")
    assert thresholds.read(store)["asa"] == 10.0
    assert store.sql("select updated_at is not null from meaningful_changes").item()
    with pytest.raises(duckdb.ConstraintException):
        store.sql("insert into meaningful_changes (kpi, meaningful) values ('asa', 2)")
    with pytest.raises(duckdb.ConstraintException):
        store.sql("insert into meaningful_changes (kpi, meaningful) values ('nps', -1)")


def test_upgrading_adds_targets_settings_and_alert_tables_empty(tmp_path: Path) -> None:
    """Version 11: a store from before keeps its rows and gains empty targets, settings,
    holidays, webhooks, alert rules, events and deliveries; an event is recorded once
    per rule, and a segment target needs both its dimension and its value."""
    path = str(tmp_path / "v10.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=10)
    con.execute("insert into calls (call_id, started_at) values ('C1', '2025-01-01 10:00')")
    con.close()

    store = connect(path)
    assert store.sql("select call_id from calls").rows() == [("C1",)]
    for table in ("targets", "settings", "holidays", "webhooks", "alert_rules", "alert_events"):
        assert store.sql(f"select count(*) from {table}").item() == 0, table
    event = (
        "insert into alert_events (rule_id, event_key, message_key) values (1, 'nps:2026-W47', 'm')"
    )
    store.sql(event)
    with pytest.raises(duckdb.ConstraintException):
        store.sql(event)
    with pytest.raises(duckdb.ConstraintException):
        store.sql(
            "insert into targets (kpi, dimension, target, valid_from)"
            " values ('nps', 'region', 30, '2026-01-01')"
        )


def test_settings_are_json_documents_by_name(empty_store: Store) -> None:
    assert app_settings.get(empty_store, "smtp") is None
    app_settings.put(empty_store, "smtp", {"host": "mail.example", "port": 587}, by="ana")
    app_settings.put(empty_store, "smtp", {"host": "mx.example", "port": 25})
    assert app_settings.get(empty_store, "smtp") == {"host": "mx.example", "port": 25}
    assert empty_store.sql("select count(*) from settings").item() == 1
    empty_store.sql("update settings set value = 'not json' where name = 'smtp'")
    assert app_settings.get(empty_store, "smtp") is None  # a hand edit reads as unset
    app_settings.delete(empty_store, "smtp")
    assert empty_store.sql("select count(*) from settings").item() == 0


def test_a_store_another_process_writes_is_named_locked_with_its_holder(tmp_path: Path) -> None:
    """DuckDB lets one process write a file: the second is told who holds it, and the
    command line says what to do (the app evaluates alerts itself), not "unreadable"."""
    import subprocess
    import sys

    path = tmp_path / "held.duckdb"
    connect(str(path)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r});"
         "print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError) as caught:
            connect(str(path))
        assert caught.value.reason == "store_locked"
        assert f"PID {holder.pid}" in caught.value.detail
        run = subprocess.run(
            [sys.executable, "-m", "analytics", "alerts", "run", "--db", str(path)],
            capture_output=True, text=True, cwd=Path(analytics.__file__).parent.parent,
        )  # fmt: skip
        assert run.returncode == 1  # a held lock: refused, nothing done (README)
        assert f"PID {holder.pid}" in run.stderr and "evaluates the alert rules" in run.stderr
    finally:
        holder.kill()
        holder.wait()  # the lock goes with the process
    assert connect(str(path)).schema_version() == migrations.LATEST


def test_upgrading_adds_survey_design_and_rollouts_keeping_changes(tmp_path: Path) -> None:
    """Version 14: a change registered before is a process change with no schedule; the
    answers gain an empty survey version (and so do the undo images)."""
    path = str(tmp_path / "v13.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=13)
    con.execute(
        "insert into process_changes (name, started_on, scope_queues) "
        "values ('IVR', date '2026-01-05', ['billing'])"
    )
    con.execute(
        "insert into surveys (response_id, responded_at, csat) values ('R1', '2026-01-06', 4)"
    )
    con.close()

    store = connect(path)
    assert store.schema_version() == migrations.LATEST
    assert migrations.MIGRATIONS[13] is migrations.V14_SURVEY_DESIGN_ROLLOUT
    from analytics.changes import registry

    change = registry.get_change(store, 1)
    assert (change.name, change.kind, change.instruments, change.rollout) == (
        "IVR", "process", (), ()
    )  # fmt: skip
    assert change.queues == ("billing",)
    assert store.sql("select response_id, csat, survey_version from surveys").rows() == [
        ("R1", 4, None)
    ]
    columns = store.sql("describe ingest_before_surveys")["column_name"].to_list()
    assert "survey_version" in columns
    with pytest.raises(duckdb.ConstraintException):  # a schedule goes by queue, region or team
        store.sql("insert into change_rollouts values (1, 'agent', 'A1', date '2026-01-05')")


def test_the_app_caps_duckdbs_memory_and_reads_a_size_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """DuckDB's own default (80% of the RAM) let the app hold 5.5 GB at 100M calls: the
    store is opened with 2 GiB (less on a smaller machine), or ``PULSO_MEMORY_LIMIT``."""
    from analytics import store as store_module

    def limit(name: str) -> str:
        opened = store_module.connect(str(tmp_path / name))
        value = opened.sql("select current_setting('memory_limit') v")["v"][0]
        opened.close()
        return str(value)

    monkeypatch.delenv(store_module.MEMORY_LIMIT, raising=False)
    assert limit("a.duckdb") == "2.0 GiB"
    monkeypatch.setenv(store_module.MEMORY_LIMIT, "512MiB")
    assert limit("b.duckdb") == "512.0 MiB"
    monkeypatch.setenv(store_module.MEMORY_LIMIT, "lots")
    assert limit("c.duckdb") == "2.0 GiB"
    assert "PULSO_MEMORY_LIMIT='lots' is not a size" in caplog.text
    small = {"PULSO_MEMORY_LIMIT": ""}
    monkeypatch.setattr(os, "sysconf", lambda name: 1024 if name == "SC_PAGE_SIZE" else 1024**2)
    assert store_module.memory_limit(small) == "819MiB"  # 80% of a 1 GiB machine
