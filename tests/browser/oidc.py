"""A real OpenID Connect provider on loopback (``oidc-provider-mock``) and the app's
secrets pointing at it: shared by the sign-in browser tests, the many-sessions test and
``python -m bench sessions``.

The provider's authorization page lists its users; one click signs one in. Roles (and
scopes) go into ``[pulso.roles]`` as TOML values: ``'"manager"'`` or
``'{ role = "executive", scope = { region = ["North"] } }'``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The sign-in screen's and the sidebar's texts (English).
SIGN_IN_BUTTON = "Sign in"
SIGNED_IN = "Signed in as"


@contextmanager
def provider(
    emails: list[str], claims: Mapping[str, Mapping[str, object]] | None = None
) -> Iterator[str]:
    """The provider, in a thread, knowing ``emails`` (each with its ``claims`` beside
    the address, when given); yields its base URL."""
    from oidc_provider_mock import User, run_server_in_thread

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    more = claims or {}
    users = [User(sub=e, claims={"email": e, **more.get(e, {})}) for e in emails]
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


def write_secrets(path: Path, provider_url: str, roles: Mapping[str, str]) -> Path:
    """A secrets.toml with ``[auth]`` on ``provider_url`` and ``roles`` (email -> TOML
    value); Streamlit fills in ``{port}`` of the redirect address itself."""
    grants = "\n".join(f'"{email}" = {grant}' for email, grant in roles.items())
    path.write_text(
        f"""[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "pulso"
client_secret = "pulso-secret"
server_metadata_url = "{provider_url}/.well-known/openid-configuration"

[pulso.roles]
{grants}
""",
        encoding="utf-8",
    )
    return path


def sign_in(page: Any, base_url: str, email: str, path: str = "") -> None:
    """From the app's sign-in screen through the provider's page and back (sync API)."""
    page.goto(base_url)
    page.get_by_role("button", name=SIGN_IN_BUTTON).click(timeout=90_000)
    page.locator(f"button[name='sub'][value='{email}']").click(timeout=30_000)
    signed_in_as(page, email)
    if path:  # the provider sends the user back to the first page: on from there
        page.goto(f"{base_url}/{path}")
        signed_in_as(page, email)


def signed_in_as(page: Any, email: str) -> None:
    """The sidebar names the user (the address escaped: a word joiner after the @ keeps
    it from becoming a mailto link)."""
    said = page.get_by_text(SIGNED_IN).first
    said.wait_for(timeout=90_000)
    assert f"{SIGNED_IN} {email}" in said.inner_text().replace("\u2060", "")
    assert said.locator("a").count() == 0


async def sign_in_async(page: Any, base_url: str, email: str, timeout: float = 120_000) -> None:
    """:func:`sign_in` with Playwright's async API (many sessions in one event loop)."""
    await page.goto(base_url, timeout=timeout)
    await page.get_by_role("button", name=SIGN_IN_BUTTON).click(timeout=timeout)
    await page.locator(f"button[name='sub'][value='{email}']").click(timeout=timeout)
    said = page.get_by_text(SIGNED_IN).first
    await said.wait_for(timeout=timeout)
    text = (await said.inner_text()).replace("\u2060", "")
    assert f"{SIGNED_IN} {email}" in text, text
