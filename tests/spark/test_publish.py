"""``python -m analytics spark-publish``: an analyst's write, role-checked and audited.

The copy itself is exercised by every Spark test (each store is published by it, over a
local session and over Spark Connect); here: who may run it, and what the log keeps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analytics import access, audit, cli, spark_publish
from analytics.store import Store, connect


class NoSpark:
    """A stand-in that fails if anything reaches Spark."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"Spark touched ({name}) before the role was checked")


def test_an_executive_may_not_publish(tmp_path: Path) -> None:
    store = connect(str(tmp_path / "pulso.duckdb"))
    try:
        viewer = access.bind(store, access.Actor("viewer@example.com", "executive"))
        with pytest.raises(access.Forbidden) as refused:
            spark_publish.publish(viewer, NoSpark())
        assert refused.value.permission == "load"
        assert audit.read(store, action="spark.publish").height == 0
    finally:
        store.close()


@pytest.mark.parametrize("role", ["analyst", "manager", "admin"])
def test_an_analyst_and_up_publish_and_the_log_names_them(
    tmp_path: Path, spark: Any, role: access.Role
) -> None:
    """(tests/access/test_write_matrix.py's row.) An empty store: the tables are there
    with their columns and no rows, and the meta row that says so."""
    store = connect(str(tmp_path / "pulso.duckdb"))
    try:
        user = f"{role}@example.com"
        written = spark_publish.publish(
            access.bind(store, access.Actor(user, role)), spark, database=f"pulso_{role}"
        )
        assert written == {name: 0 for name in spark_publish.tables()} | {"rollup_meta": 1}
        assert tuple(spark.table(f"pulso_{role}.calls").columns) == store.table("calls").columns
        lines = audit.read(store, action="spark.publish")
        assert lines.select("who", "role", "object").rows() == [(user, role, f"pulso_{role}")]
    finally:
        store.close()


def test_the_command_refuses_an_executive_before_starting_spark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pulso.duckdb"
    connect(str(path)).close()
    access.act_as(access.Actor("viewer@example.com", "executive"))  # as --user would
    assert cli.main(["spark-publish", "--db", str(path)]) == 1  # main resets the actor
    assert "viewer@example.com" in capsys.readouterr().err


def test_a_publish_is_audited_with_what_it_wrote(demo_both: tuple) -> None:
    duck, _ = demo_both
    store: Store = duck
    lines = audit.read(store, action="spark.publish").filter(object="pulso_demo")
    assert lines.height == 1  # tests/spark/conftest.py's publish of this store
    after = lines["after_json"][0]
    n_calls = int(store.sql("select count(*) as n from calls")["n"][0])
    assert f'"calls": {n_calls}' in after and '"rollup_meta": 1' in after
    assert lines["role"][0] == "admin"  # no --user: the OS user, as admin
