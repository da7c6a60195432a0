"""Sign-in, roles and scope in the app (AppTest): the banner without sign-in, the
sign-in screen, buttons a role cannot use, and a scoped user's pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from analytics.i18n import t
from tests.apptest import AppDb, new_app, open_app
from tests.conftest import DemoStores

END = dt.date(2025, 6, 30)
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-secret",
    "client_id": "pulso",
    "client_secret": "x",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
ROLES = {
    "exec@x.org": "executive",
    "boss@x.org": "manager",
    "north@x.org": {"role": "executive", "scope": {"region": ["North"]}},
}


@pytest.fixture
def db(demo_stores: DemoStores, tmp_path: Path, app_db: AppDb) -> Path:
    return app_db(demo_stores.copy(tmp_path, calls=3000, seed=7, end=END))


def signed_in(page: str, email: str | None, **params: Any) -> AppTest:
    at = new_app()
    at.secrets["auth"] = AUTH
    at.secrets["pulso"] = {"roles": ROLES}
    at.user = {"is_logged_in": email is not None, **({"email": email} if email else {})}
    at.query_params.update({"lang": "en", **params})
    at.switch_page(page)
    return at.run()


def texts(at: AppTest) -> str:
    return " ".join(
        e.value for kind in (at.markdown, at.caption, at.warning, at.error) for e in kind
    )


def test_without_sign_in_every_page_says_everyone_is_an_admin(db: Path) -> None:
    for page in ("views/overview.py", "views/registry.py", "views/settings.py"):
        at = open_app(page, lang="en")
        assert not at.exception, [e.message for e in at.exception]
        assert [w.value for w in at.warning if w.value == t("access.banner", "en")]


def test_a_visitor_sees_only_the_sign_in_screen(db: Path) -> None:
    at = signed_in("views/overview.py", None)
    assert not at.exception
    assert [b.label for b in at.button] == [t("access.sign_in.button", "en")]
    assert not at.metric and t("access.banner", "en") not in texts(at)


def test_a_user_with_no_role_is_refused(db: Path) -> None:
    at = signed_in("views/overview.py", "eve@x.org")
    assert t("access.no_role", "en", user="eve@x.org") in texts(at)
    assert not at.metric


def test_an_executive_cannot_save_to_the_registry_a_manager_can(db: Path) -> None:
    exec_ = signed_in("views/registry.py", "exec@x.org")
    assert not exec_.exception, [e.message for e in exec_.exception]
    save = t("registry.save", "en")
    assert [b.disabled for b in exec_.button if b.label == save] == [True]
    boss = signed_in("views/registry.py", "boss@x.org")
    assert [b.disabled for b in boss.button if b.label == save] == [False]
    # the settings' admin tabs are closed to a manager, the targets tab open
    settings = signed_in("views/settings.py", "boss@x.org")
    needs_admin = t(
        "access.needs", "en", role=t("access.role.admin", "en"),
        action=t("access.permission.roles", "en"),
    )  # fmt: skip
    assert needs_admin in texts(settings)


@pytest.mark.parametrize(
    "page", ["views/overview.py", "views/voice.py", "views/followup.py", "views/rankings.py"]
)
def test_a_north_user_sees_only_north_and_south_finds_nothing(db: Path, page: str) -> None:
    at = signed_in(page, "north@x.org")
    assert not at.exception, [e.message for e in at.exception]
    region = next(m for m in at.sidebar.multiselect if m.key == "region")
    assert list(region.options) == ["North"]
    shown = texts(at)
    for other in ("South", "East", "West"):
        assert other not in " ".join(str(df.value) for df in at.dataframe)
    assert "North" in shown or at.dataframe or at.metric
