"""Every role on the Upload page's writes: load, undo, and the value map's save and
delete (AppTest, signed in through a fake ``st.user``; issue 15).

For each role (executive, analyst, manager, admin) the page offers the write or not:
below the analyst its button is disabled and a caption says which role may ("Only
the Analyst role or higher can load files."). And the server refuses even when the
page is bypassed, twice over:

- a forged click on the disabled button (what a hand-made websocket message would
  send) is discarded by Streamlit, which enforces ``disabled`` on the server (1.67);
- with the page's courtesy switched off (``ui.auth.can`` and ``ui.auth.needs`` say
  yes to everyone: a page that forgot to disable its button), the click runs the
  page's own code, which calls the engine with the page's store, bound to the
  signed-in user: the engine refuses, the refusal is on screen, and every table of
  the store is exactly as before (no audit line either).

The roles allowed get the write, and exactly one audit line with their address and
role. The matrix of every role against every write path, and where each pair is
tested, is in the docstring of tests/access/test_write_matrix.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import access
from analytics.access import Actor, Forbidden
from analytics.i18n import t
from analytics.ingest import aliases, ingest, read_file, suggest_mapping
from analytics.ingest.aliases import Alias
from analytics.store import connect
from tests.access.test_pages_access import AUTH
from tests.access.test_write_matrix import EMAIL
from tests.access.test_write_matrix import snapshot as store_snapshot
from tests.apptest import AppDb, new_app
from tests.conftest import DemoStores
from tests.ingest import builders as b
from tests.upload.page import stored, upload
from ui import auth
from ui.markdown import markdown_escape

END = dt.date(2025, 6, 30)
NORD = Alias("region", "Nord", "North")  # in the value map before the test: to delete
# Two known values and one new one ("Sur": South?), for the value map's section.
VALUES = b.csv_text(
    [["call_id", "started_at", "region", "queue"],
     ["AL1", "2025-06-20 10:00", "Sur", "billing"],
     ["AL2", "2025-06-20 10:05", "North", "billing"]]
).encode()  # fmt: skip


@pytest.fixture
def db(demo_stores: DemoStores, tmp_path: Path, app_db: AppDb) -> Path:
    """The demo store with a load of 20 calls (batch 1, to undo) and one value-map
    entry (to delete), both made by the local admin; opened by the app."""
    path = demo_stores.copy(tmp_path, calls=3000, seed=7, end=END)
    store = connect(str(path))
    raw = read_file(b.calls_csv(tmp_path / "earlier.csv", 20, start=800_000))
    ingest(store, raw, suggest_mapping(raw, "calls").mapping)
    aliases.save(store, [NORD])
    store.close()
    return app_db(path)


def as_role(role: access.Role) -> AppTest:
    """The Upload page as a signed-in user of ``role``."""
    at = new_app()
    at.secrets["auth"] = AUTH
    at.secrets["pulso"] = {"roles": {email: r for r, email in EMAIL.items()}}
    at.user = {"is_logged_in": True, "email": EMAIL[role]}
    at.query_params.update({"lang": "en"})
    at.switch_page("views/upload.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def snapshot(db: Path) -> dict[str, list[str]]:
    """Every table of the store, as the app left it (committed)."""
    store = connect(str(db))
    try:
        return store_snapshot(store)
    finally:
        store.close()


def audit_lines(db: Path) -> list[tuple[object, ...]]:
    return stored(db, "select who, role, action from audit_log order by audit_id")


def needs(permission: access.Permission) -> str:
    role = t(f"access.role.{access.minimum_role(permission)}", "en")
    return t("access.needs", "en", role=role, action=t(f"access.permission.{permission}", "en"))


# --- the page's writes: how to reach each button, and what it writes ------------------


def _load_file(at: AppTest, tmp_path: Path) -> AppTest:
    return upload(
        at, "calls.csv", b.calls_csv(tmp_path / "calls.csv", 4, start=900_000).read_bytes()
    )


def _values_file(at: AppTest, tmp_path: Path) -> AppTest:
    return upload(at, "valores.csv", VALUES)


def _pick_nord(at: AppTest, tmp_path: Path) -> AppTest:
    _values_file(at, tmp_path)
    remove = next(m for m in at.multiselect if (m.key or "").startswith("upload_map_remove"))
    remove.set_value([e for e in remove.options if "Nord" in str(e)]).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@dataclass(frozen=True)
class PageWrite:
    permission: access.Permission
    button: str  # the key of the write's button
    reach: Callable[[AppTest, Path], AppTest]  # from the opened page to that button
    written: str  # SQL: one row, True once the write is in the store


PAGE_WRITES: dict[str, PageWrite] = {
    "load": PageWrite(
        "load", "upload_confirm", _load_file,
        "select count(*) = 4 from calls where call_id >= 'C0900000'",
    ),
    "undo": PageWrite(
        "undo", "upload_undo_yes", lambda at, _: at,
        "select undone_at is not null from ingest_batches where batch_id = 1",
    ),
    "aliases.save": PageWrite(
        "aliases", "upload_new_save", _values_file,
        "select count(*) = 1 from value_aliases where alias = 'Sur' and value = 'South'",
    ),
    "aliases.delete": PageWrite(
        "aliases", "upload_map_remove_go", _pick_nord,
        "select count(*) = 0 from value_aliases where alias = 'Nord'",
    ),
}  # fmt: skip


def _written(db: Path, write: PageWrite) -> bool:
    return bool(stored(db, write.written)[0][0])


@pytest.mark.parametrize("role", access.ROLES)
@pytest.mark.parametrize("name", sorted(PAGE_WRITES))
def test_every_role_on_the_upload_pages_writes(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, role: access.Role
) -> None:
    write = PAGE_WRITES[name]
    at = write.reach(as_role(role), tmp_path)
    button = at.button(key=write.button)
    captions = [c.value for c in at.caption]
    before, lines = snapshot(db), audit_lines(db)
    assert not _written(db, write)
    if Actor(EMAIL[role], role).can(write.permission):
        assert not button.disabled and needs(write.permission) not in captions
        button.click().run()
        assert not at.exception, [e.message for e in at.exception]
        assert not at.error, [e.value for e in at.error]
        assert _written(db, write)
        assert audit_lines(db) == [*lines, (EMAIL[role], role, name)]
        return
    # offered to no one below the analyst: disabled, and the page says who may
    assert button.disabled and needs(write.permission) in captions
    # a forged click on the disabled button: Streamlit discards it on the server
    button.proto.disabled = False
    button.click().run()
    assert not at.exception and not at.error
    assert snapshot(db) == before
    # the page's courtesy switched off: the button is offered, the engine refuses
    monkeypatch.setattr(auth, "can", lambda permission: True)
    monkeypatch.setattr(auth, "needs", lambda permission, lang: True)
    at.run()
    button = at.button(key=write.button)
    assert not button.disabled
    button.click().run()
    assert not at.exception, [e.message for e in at.exception]
    refusal = Forbidden(Actor(EMAIL[role], role), write.permission).message("en")
    assert [e.value for e in at.error] == [markdown_escape(refusal)]
    assert snapshot(db) == before  # nothing written, not even an audit line
    assert not _written(db, write)


@pytest.mark.parametrize("role", access.ROLES)
def test_saving_a_column_mapping_needs_the_loaders_role(
    db: Path, tmp_path: Path, role: access.Role
) -> None:
    """A saved mapping decides how the next file with those columns is read: the page
    offers it to the roles that load; the engine (analytics.ingest.saved) refuses the
    others, as tests/access/test_write_matrix.py shows for every role."""
    at = _load_file(as_role(role), tmp_path)
    assert at.button(key="upload_save").disabled is (role == "executive")
