"""A main instance publishing its snapshot and a read-only replica serving it, as two
real app servers: the main instance's clock publishes on its first page view; the
replica shows the copy's numbers, says what it is in both languages, and offers no
write (the registry's Save is off, with the reason)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics import replica
from analytics.store import connect
from tests.browser.server import ARTIFACTS, app_server, no_exception


@pytest.fixture(scope="module")
def published(
    demo_db: Path, chromium: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The main instance, with PULSO_SNAPSHOT: one page view starts its clock, which
    publishes at once; yields the snapshot's name once it exists."""
    dest = tmp_path_factory.mktemp("shared") / "pulso-snapshot.duckdb"
    env = {replica.SNAPSHOT_ENV: str(dest), replica.EVERY_ENV: "0.05"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with app_server(demo_db) as url:
            page = chromium.new_page()
            page.goto(url)
            page.get_by_test_id("stMetric").first.wait_for(timeout=90_000)
            deadline = time.monotonic() + 60
            while not dest.is_symlink() and time.monotonic() < deadline:
                time.sleep(0.5)
            page.close()
            assert dest.is_symlink(), "the main instance published no snapshot"
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    yield dest


@pytest.fixture(scope="module")
def base_url(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    os.environ[replica.REPLICA_ENV] = str(published)
    try:
        unused = tmp_path_factory.mktemp("unused") / "pulso.duckdb"
        with app_server(unused) as url:
            yield url
    finally:
        os.environ.pop(replica.REPLICA_ENV, None)
    assert not unused.exists()  # PULSO_DB is never opened by a replica


@pytest.mark.parametrize(
    ("lang", "banner", "closed"),
    [
        ("en", "Read-only copy of the data", "read-only copy of Pulso"),
        ("es", "Copia de solo lectura de los datos", "copia de solo lectura de Pulso"),
    ],
)
def test_a_replica_shows_the_copy_and_offers_no_write(
    page: Any, base_url: str, published: Path, lang: str, banner: str, closed: str
) -> None:
    page.goto(f"{base_url}/?lang={lang}")
    page.get_by_test_id("stMetric").first.wait_for(timeout=90_000)
    page.get_by_text(banner).first.wait_for(timeout=30_000)
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / f"replica_overview_{lang}.png"), full_page=True)
    snapshot = connect(str(published.resolve()), read_only=True)
    changes = snapshot.sql("select count(*) n from process_changes")["n"][0]
    snapshot.close()
    page.goto(f"{base_url}/registry?lang={lang}")
    page.get_by_text(closed).first.wait_for(timeout=60_000)
    save = page.get_by_test_id("stBaseButton-primaryFormSubmit")
    save.first.wait_for(timeout=30_000)
    assert save.first.is_disabled()
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / f"replica_registry_{lang}.png"), full_page=True)
    assert changes > 0  # the demo's changes are in the copy the page lists
