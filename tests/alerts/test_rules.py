"""Rules, webhooks and the mail server's settings: every problem said, nothing saved
on error; the password never stored, and found where the docs say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics import settings
from analytics.alerts import channels, deliver, history, rules
from analytics.alerts.channels import Smtp, Webhook
from analytics.alerts.checks import Invalid
from analytics.alerts.rules import Email, Rule
from analytics.store import Store
from tests.alerts.conftest import NOW


def keys(exc: pytest.ExceptionInfo[Invalid]) -> list[str]:
    return [p.key for p in exc.value.problems]


def test_every_problem_is_listed_and_nothing_saved(empty_store: Store) -> None:
    bad = Rule(
        name="  ",
        kind="kpi_down",
        kpi=None,
        scope={"planet": ("Mars",)},
        emails=(Email("ana@example"), Email("b@example.com", "fr")),  # type: ignore[arg-type]
        webhooks=("nowhere",),
    )
    with pytest.raises(Invalid) as exc:
        rules.save(empty_store, bad)
    assert keys(exc) == [
        "alerts.error.name", "alerts.error.kpi_missing", "alerts.error.dimension",
        "alerts.error.email", "alerts.error.lang", "alerts.error.webhook",
    ]  # fmt: skip
    assert rules.read(empty_store) == []
    with pytest.raises(Invalid) as exc:
        rules.save(empty_store, Rule("Nobody told", "digest"))
    assert keys(exc) == ["alerts.error.no_recipient"]
    # Survey type does not filter a call KPI: the rule would watch every call.
    with pytest.raises(Invalid) as exc:
        rules.save(
            empty_store,
            Rule("AHT", "kpi_down", "aht", {"survey_type": ("relational",)}, (Email("a@b.co"),)),
        )
    assert keys(exc) == ["alerts.error.not_applied"]
    assert "Survey type does not filter this KPI" in str(exc.value)


def test_a_rule_round_trips_and_switches(empty_store: Store) -> None:
    channels.save_webhook(empty_store, Webhook("ops", "teams", "https://example.com/hook", "es"))
    rule = Rule(
        " North NPS ", "kpi_down", "nps", {"region": ("North", "South"), "queue": ()},
        (Email(" ana@example.com ", "es"),), ("ops",),
    )  # fmt: skip
    rule_id = rules.save(empty_store, rule, by="lead", now=NOW)
    saved = rules.get(empty_store, rule_id)
    assert saved == Rule(
        "North NPS", "kpi_down", "nps", {"region": ("North", "South")},
        (Email("ana@example.com", "es"),), ("ops",), True, rule_id, NOW, "lead",
    )  # fmt: skip
    assert saved.filters().region == ("North", "South") and saved.filters().queue == ()
    rules.set_enabled(empty_store, rule_id, False)
    assert rules.get(empty_store, rule_id).enabled is False
    # A digest watches no KPI: a KPI left in the form is dropped.
    digest = rules.save(empty_store, Rule("D", "digest", "nps", emails=(Email("a@b.co"),)))
    assert rules.get(empty_store, digest).kpi is None
    with pytest.raises(Invalid) as exc:  # a webhook a rule uses stays
        channels.delete_webhook(empty_store, "ops")
    assert keys(exc) == ["alerts.error.webhook_used"]


def test_deleting_a_rule_drops_what_it_had_still_to_send(empty_store: Store) -> None:
    rule_id = rules.save(empty_store, Rule("D", "digest", emails=(Email("a@b.co"),)))
    report = deliver.run(empty_store, NOW, retry=deliver.Retry(tries=1, delay=0))
    assert [o.status for o in report.outcomes] == ["pending"]  # no mail server yet
    rules.delete(empty_store, rule_id)
    assert history.deliveries(empty_store).is_empty()
    assert deliver.run(empty_store, NOW + dt.timedelta(days=1)).outcomes == []


def test_webhook_checks(empty_store: Store) -> None:
    with pytest.raises(Invalid) as exc:
        channels.save_webhook(empty_store, Webhook("", "fax", "ftp://x", "de"))  # type: ignore[arg-type]
    assert keys(exc) == [
        "alerts.error.webhook_name", "alerts.error.format", "alerts.error.url", "alerts.error.lang"
    ]  # fmt: skip
    hook = Webhook("chat", "slack", "https://hooks.slack.com/services/T0/B0/secret")
    channels.save_webhook(empty_store, hook)
    assert channels.webhooks(empty_store) == [hook]
    assert hook.shown_url == "https://hooks.slack.com/…"  # the path is the secret


def test_smtp_settings_never_hold_the_password(empty_store: Store) -> None:
    with pytest.raises(Invalid) as exc:
        channels.save_smtp(empty_store, Smtp("mail host", "pulso", 0, "ssl", timeout=0))  # type: ignore[arg-type]
    assert keys(exc) == [
        "alerts.error.host", "alerts.error.port", "alerts.error.security",
        "alerts.error.sender", "alerts.error.timeout",
    ]  # fmt: skip
    assert channels.read_smtp(empty_store) is None
    smtp = Smtp("smtp.example.com", "pulso@example.com", 465, "tls", "robot", 20.0)
    channels.save_smtp(empty_store, smtp)
    assert channels.read_smtp(empty_store) == smtp
    assert set(settings.get(empty_store, "smtp") or {}) == {
        "host", "sender", "port", "security", "user", "timeout"
    }  # fmt: skip


def test_the_password_comes_from_the_environment_then_the_secrets(tmp_path: Path) -> None:
    smtp = Smtp("smtp.example.com", "pulso@example.com", user="robot")
    here, home = tmp_path / "here.toml", tmp_path / "home.toml"
    home.write_text('[smtp]\npassword = "from-home"\nuser = "home-user"\n', encoding="utf-8")
    files = [here, home]
    assert channels.credentials(smtp, {}, files) == channels.Credentials(
        "home-user", "from-home", "secrets", str(home)
    )
    here.write_text('[smtp]\npassword = "from-cwd"\n', encoding="utf-8")
    found = channels.credentials(smtp, {}, files)
    assert (found.user, found.password, found.path) == ("robot", "from-cwd", str(here))
    env = {channels.PASSWORD_ENV: "from-env", channels.USER_ENV: "env-user"}
    assert channels.credentials(smtp, env, files) == channels.Credentials(
        "env-user", "from-env", "env"
    )
    assert channels.credentials(smtp, {}, [tmp_path / "none.toml"]).source == "none"
    cwd, home = tmp_path / "work", tmp_path / "home"
    assert channels.secrets_files(cwd, home) == [
        cwd / ".streamlit" / "secrets.toml", home / ".streamlit" / "secrets.toml"
    ]  # fmt: skip
