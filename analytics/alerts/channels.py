"""Where alerts go: the mail server's settings, its credentials, and the webhooks.

The SMTP settings are the settings document ``smtp`` (:mod:`analytics.settings`):
host, port, security (``starttls``, ``tls`` or ``none``), user, sender and timeout.
The password is never stored: it comes from the environment (``PULSO_SMTP_PASSWORD``,
and ``PULSO_SMTP_USER`` for the user) or from Streamlit's secrets file, section
``[smtp]`` (``password``, ``user``), read here with tomllib so that the command line
finds the same secrets as the app (``analytics/`` never imports Streamlit). The
environment wins: it is what a scheduled job is given.

Webhooks (table ``webhooks``) have a name the rules use, a format (Slack, Microsoft
Teams or plain JSON), a URL and the language of their messages.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args
from urllib.parse import urlsplit

from analytics import access, audit, settings
from analytics.alerts import rules
from analytics.alerts.checks import Problem, email_ok, name_problems, raise_if
from analytics.i18n import LANGS, Lang
from analytics.store import Store

Security = Literal["starttls", "tls", "none"]
SECURITIES: tuple[Security, ...] = get_args(Security)
DEFAULT_PORTS: dict[Security, int] = {"starttls": 587, "tls": 465, "none": 25}
Format = Literal["slack", "teams", "json"]
FORMATS: tuple[Format, ...] = get_args(Format)
SETTING = "smtp"
PASSWORD_ENV, USER_ENV = "PULSO_SMTP_PASSWORD", "PULSO_SMTP_USER"
MAX_TIMEOUT = 300.0


@dataclass(frozen=True)
class Smtp:
    """The mail server (no password: see :func:`credentials`)."""

    host: str
    sender: str
    port: int = 587
    security: Security = "starttls"
    user: str = ""
    timeout: float = 30.0


def check_smtp(smtp: Smtp) -> list[Problem]:
    problems = []
    if not smtp.host.strip() or any(c.isspace() for c in smtp.host.strip()):
        problems.append(Problem("alerts.error.host"))
    if not 1 <= smtp.port <= 65535:
        problems.append(Problem("alerts.error.port", {"port": smtp.port}))
    if smtp.security not in SECURITIES:
        problems.append(Problem("alerts.error.security", {"security": smtp.security}))
    if not email_ok(smtp.sender.strip()):
        problems.append(Problem("alerts.error.sender", {"address": smtp.sender}))
    if not 1 <= smtp.timeout <= MAX_TIMEOUT:
        problems.append(Problem("alerts.error.timeout", {"max": int(MAX_TIMEOUT)}))
    return problems


def read_smtp(store: Store) -> Smtp | None:
    """The saved settings, or None when never saved (or no longer readable)."""
    doc = settings.get(store, SETTING)
    if doc is None:
        return None
    try:
        smtp = Smtp(
            host=str(doc["host"]),
            sender=str(doc["sender"]),
            port=int(doc.get("port", 587)),
            security=cast(Security, doc.get("security", "starttls")),
            user=str(doc.get("user") or ""),
            timeout=float(doc.get("timeout", 30.0)),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return None if check_smtp(smtp) else smtp


def save_smtp(store: Store, smtp: Smtp, by: str | None = None) -> None:
    """Check and save the settings (nothing is written when a value is wrong)."""
    smtp = Smtp(
        smtp.host.strip(), smtp.sender.strip(), smtp.port, smtp.security, smtp.user.strip(),
        float(smtp.timeout),
    )  # fmt: skip
    raise_if(check_smtp(smtp))
    settings.put(store, SETTING, asdict(smtp), by)


# -- credentials -------------------------------------------------------------------------------

Source = Literal["env", "secrets", "none"]


@dataclass(frozen=True)
class Credentials:
    """The login, and where the password was found (``path``: the secrets file)."""

    user: str
    password: str | None
    source: Source
    path: str | None = None


def secrets_files(cwd: Path | None = None, home: Path | None = None) -> list[Path]:
    """Where Streamlit looks for secrets: the working folder's, then the user's."""
    return [
        (cwd or Path.cwd()) / ".streamlit" / "secrets.toml",
        (home or Path.home()) / ".streamlit" / "secrets.toml",
    ]


def credentials(
    smtp: Smtp | None,
    env: Mapping[str, str] = os.environ,
    files: Sequence[Path] | None = None,
) -> Credentials:
    """The user and password for ``smtp``: the environment first, then the first
    secrets file with an ``[smtp]`` section; the user from there, else the settings'."""
    configured = smtp.user if smtp is not None else ""
    if env.get(PASSWORD_ENV):
        return Credentials(env.get(USER_ENV) or configured, env[PASSWORD_ENV], "env")
    for path in secrets_files() if files is None else files:
        section = _smtp_section(path)
        if section.get("password"):
            user = str(section.get("user") or env.get(USER_ENV) or configured)
            return Credentials(user, str(section["password"]), "secrets", str(path))
    return Credentials(env.get(USER_ENV) or configured, None, "none")


def _smtp_section(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    section = data.get("smtp")
    return section if isinstance(section, dict) else {}


# -- webhooks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    name: str
    format: Format
    url: str
    lang: Lang = "en"

    @property
    def shown_url(self) -> str:
        """The URL without its path: a webhook's path is its secret."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}/…"


def check_webhook(hook: Webhook) -> list[Problem]:
    problems = name_problems(hook.name, "alerts.error.webhook_name")
    if hook.format not in FORMATS:
        problems.append(Problem("alerts.error.format", {"format": hook.format}))
    parts = urlsplit(hook.url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        problems.append(Problem("alerts.error.url"))
    if hook.lang not in LANGS:
        problems.append(Problem("alerts.error.lang", {"language": hook.lang}))
    return problems


def webhooks(store: Store) -> list[Webhook]:
    rows = store.cursor().execute("select name, format, url, lang from webhooks order by name")
    return [Webhook(n, cast(Format, f), u, cast(Lang, lg)) for n, f, u, lg in rows.fetchall()]


def webhook(store: Store, name: str) -> Webhook | None:
    return next((w for w in webhooks(store) if w.name == name), None)


def save_webhook(
    store: Store, hook: Webhook, by: str | None = None, now: dt.datetime | None = None
) -> None:
    """Add a webhook, or replace the one with the same name."""
    actor = access.require(store, "settings")
    hook = Webhook(hook.name.strip(), hook.format, hook.url.strip(), hook.lang)
    raise_if(check_webhook(hook))
    at = now or dt.datetime.now().replace(microsecond=0)
    with store.transaction() as cur:
        before = audit.row(cur, _HOOK, [hook.name])  # never the URL: it is a credential
        cur.execute("delete from webhooks where name = ?", [hook.name])
        cur.execute(
            "insert into webhooks (name, format, url, lang, updated_at, updated_by)"
            " values (?, ?, ?, ?, ?, ?)",
            [hook.name, hook.format, hook.url, hook.lang, at, by or actor.user],
        )
        after = {"format": hook.format, "lang": hook.lang}
        audit.record(cur, actor, "webhooks.save", hook.name, before, after)


_HOOK = "select format, lang from webhooks where name = ?"


def delete_webhook(store: Store, name: str) -> None:
    """Remove a webhook no rule sends to (Invalid names the rules that do)."""
    users = rules.uses_webhook(store, name)
    raise_if(
        [Problem("alerts.error.webhook_used", {"name": name, "rules": ", ".join(users)})]
        if users
        else []
    )
    actor = access.require(store, "settings")
    with store.transaction() as cur:
        before = audit.row(cur, _HOOK, [name])
        cur.execute("delete from webhooks where name = ?", [name])
        audit.record(cur, actor, "webhooks.delete", name, before, None)
