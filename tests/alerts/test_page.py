"""AppTest of the Settings page's alert rules: a wrong rule is refused with every
reason, in the reader's language, and nothing is saved; a right one is saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.alerts import rules
from analytics.i18n import Lang, t
from analytics.store import connect
from tests.alerts.conftest import LAST_WEEK, answers, mix
from tests.apptest import AppDb, open_app


@pytest.fixture
def db(tmp_path: Path, app_db: AppDb) -> Path:
    path = tmp_path / "pulso.duckdb"
    store = connect(str(path))
    answers(store, LAST_WEEK, mix(10, 5, 5))
    store.close()
    return app_db(path)


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


@pytest.mark.parametrize(
    ("lang", "bad_email", "bad_entry"),
    [
        ("en", "Not an e-mail address: ana@example.", "optionally followed by its language"),
        ("es", "No es una dirección de correo: ana@example.", "seguida opcionalmente de su idioma"),
    ],
)
def test_a_wrong_rule_is_refused_with_its_reasons(
    db: Path, lang: Lang, bad_email: str, bad_entry: str
) -> None:
    at = open_app("views/settings.py", lang=lang)
    assert not at.exception, [e.message for e in at.exception]
    assert t("alerts.rules.empty", lang) in [i.value for i in at.info]
    at.text_input(key="alerts_name_-1").set_value("")
    at.text_area(key="alerts_emails_-1").set_value("ana@example.\nluis@example.com fr")
    at.button(key="FormSubmitter:alerts_rule_form_-1-" + t("alerts.save", lang)).click().run()
    assert not at.exception, [e.message for e in at.exception]
    said = errors(at)
    assert t("alerts.not_saved", lang) in said
    assert t("alerts.error.name", lang) in said and bad_email in said and bad_entry in said
    store = connect(str(db))
    assert rules.read(store) == []
    store.close()


def test_a_right_rule_is_saved(db: Path) -> None:
    at = open_app("views/settings.py", lang="en")
    at.selectbox(key="alerts_kind_-1").set_value("overdue").run()
    at.text_input(key="alerts_name_-1").set_value("Late in the North")
    at.multiselect(key="alerts_scope_region_-1").set_value(["North"])
    at.text_area(key="alerts_emails_-1").set_value("ana@example.com es")
    at.button(key="FormSubmitter:alerts_rule_form_-1-Save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert errors(at) == ""
    assert "Rule “Late in the North” saved." in [s.value for s in at.success]
    store = connect(str(db))
    (rule,) = rules.read(store)
    store.close()
    assert (rule.name, rule.kind, rule.kpi) == ("Late in the North", "overdue", None)
    assert rule.scope == {"region": ("North",)}
    assert rule.emails == (rules.Email("ana@example.com", "es"),)


def test_the_log_and_channels_show_what_happened(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from analytics.alerts import channels, deliver

    monkeypatch.setenv(channels.PASSWORD_ENV, "never shown")
    store = connect(str(db))
    channels.save_webhook(
        store, channels.Webhook("ops", "json", "http://127.0.0.1:9/hooks/T0KEN-x9q")
    )
    rules.save(store, rules.Rule("Weekly", "digest", webhooks=("ops",)))
    now = dt.datetime(2025, 3, 24, 7)
    deliver.run(store, now, retry=deliver.Retry(tries=1, delay=0, max_attempts=1))
    store.close()
    at = open_app("views/settings.py", lang="es")
    assert not at.exception, [e.message for e in at.exception]
    shown = " ".join(m.value for m in at.markdown) + " ".join(i.value for i in at.info)
    assert "http://127.0.0.1:9/…" in shown and "T0KEN" not in shown  # the path is the key
    assert "never shown" not in shown
    assert t("alerts.smtp.password.env", "es", var=channels.PASSWORD_ENV) in shown
    assert at.button(key="alerts_retry").label == t("alerts.log.retry", "es", count="1")
    (log,) = [d.value for d in at.dataframe if "status" in d.value.columns]  # the alert log
    assert list(log["status"]) == [t("alerts.status.failed", "es")]
    assert "Connection refused" in log["last_error"][0]
