"""Settings in a real browser, against real servers on loopback: an admin sets the
mail server and sends a test e-mail that an SMTP server (aiosmtpd) receives, adds a
Slack webhook and sends it a test that an HTTP server receives, and sees the failure
said plainly when the webhook answers 500. In Spanish, so that the words are the
reader's too.

Screenshots go to tests/artifacts/ (kept by CI as artifacts, git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from analytics.i18n import t
from tests.alerts.conftest import Hooks, Mailbox, hook_server, smtp_server
from tests.browser.server import ARTIFACTS, no_exception

LANG = "es"


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1400, "height": 2600}  # Streamlit scrolls inside: a tall window


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def http() -> Iterator[Hooks]:
    with hook_server() as state:
        yield state


def field(page: Any, label: str) -> Any:
    return page.get_by_label(label, exact=True)


def test_mail_server_and_webhook_each_with_a_test_through_real_servers(
    page: Any, base_url: str, smtp: Mailbox, http: Hooks
) -> None:
    page.goto(f"{base_url}/settings?lang={LANG}")
    page.get_by_role("heading", name=t("settings.title", LANG)).wait_for(timeout=60_000)
    page.get_by_role("tab", name=t("settings.tab.channels", LANG)).click()
    tab = page.get_by_role("tabpanel").filter(visible=True)  # the other tabs' are hidden

    field(tab, t("alerts.smtp.host", LANG)).fill("127.0.0.1")
    port = field(tab, t("alerts.smtp.port", LANG))
    port.fill(str(smtp.port))
    port.press("Tab")
    tab.get_by_test_id("stSelectbox").filter(has_text=t("alerts.smtp.security", LANG)).click()
    page.get_by_role("option", name=t("alerts.smtp.security.none", LANG)).click()
    field(tab, t("alerts.smtp.sender", LANG)).fill("pulso@example.com")
    tab.get_by_role("button", name=t("alerts.save", LANG)).first.click()
    page.get_by_text(t("alerts.smtp.saved", LANG)).wait_for(timeout=30_000)

    field(tab, t("alerts.test.to", LANG)).fill("ana@example.com")
    tab.get_by_role("button", name=t("alerts.test.email", LANG)).first.click()
    page.get_by_text(t("alerts.test.sent", LANG, to="ana@example.com")).wait_for(timeout=30_000)
    (mail,) = smtp.messages
    assert mail["To"] == "ana@example.com"
    assert mail["Subject"] == t("alerts.test.subject", LANG)
    assert mail.get_body(("plain",)) is not None and mail.get_body(("html",)) is not None

    field(tab, t("alerts.hooks.name", LANG)).fill("ops")
    field(tab, t("alerts.hooks.url", LANG)).fill(f"{http.url}/hooks/slack")
    tab.get_by_role("button", name=t("alerts.hooks.save", LANG)).click()
    page.get_by_text(t("alerts.hooks.saved", LANG, name="ops")).wait_for(timeout=30_000)
    test_hook = tab.get_by_role("button", name=t("alerts.test.button", LANG)).nth(1)
    test_hook.click()
    page.get_by_text(t("alerts.test.sent", LANG, to="ops")).wait_for(timeout=30_000)
    ((path, body),) = http.received
    assert path == "/hooks/slack" and t("alerts.test.subject", LANG) in body["text"]
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "settings_channels_es.png"), full_page=True)

    http.status = 500  # the chat service is down: said, not swallowed
    test_hook.click()
    failed = t("alerts.test.failed", LANG, error="").rstrip()
    page.get_by_text(failed, exact=False).wait_for(timeout=30_000)
    assert http.tries == 2
    page.screenshot(path=str(ARTIFACTS / "settings_webhook_500_es.png"), full_page=True)
