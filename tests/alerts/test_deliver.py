"""Alerts through real servers on loopback: an SMTP server (aiosmtpd) parses what it
receives, an HTTP server keeps the webhooks' payloads; refusing servers get retries
with backoff, then a failure on record; nothing is sent twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from analytics.alerts import channels, deliver, history, rules
from analytics.alerts.channels import Smtp, Webhook
from analytics.alerts.deliver import Retry
from analytics.alerts.rules import Email, Rule
from analytics.cli import main
from analytics.feedback import followup, queue
from analytics.store import Store
from tests.alerts.conftest import (
    LAST_WEEK,
    NOW,
    PASSWORD,
    USER,
    WEEK_BEFORE,
    Hooks,
    Mailbox,
    answers,
    mix,
)

FAST = Retry(tries=3, delay=0.01, later=dt.timedelta(minutes=10), max_attempts=6)
LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _no_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No password from the machine running the tests: the environment and the
    secrets files are this test's."""
    monkeypatch.delenv(channels.PASSWORD_ENV, raising=False)
    monkeypatch.delenv(channels.USER_ENV, raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


def mail_to(store: Store, port: int, security: str = "none", user: str = "") -> None:
    smtp = Smtp("127.0.0.1", "pulso@example.com", port, security, user, timeout=5)  # type: ignore[arg-type]
    channels.save_smtp(store, smtp)


def drop_and_overdue(store: Store) -> tuple[int, int]:
    """North's NPS falls from 40 to -5 (a kpi_down event), and 40 detractors of the
    week before are past their deadline: a rule for each, in English and Spanish."""
    answers(store, WEEK_BEFORE, mix(120, 40, 40))
    answers(store, LAST_WEEK, mix(70, 50, 80), first=1000)
    followup.sync_items(store, now=WEEK_BEFORE)
    to = (Email("ana@example.com", "en"), Email("luis@example.com", "es"))
    at = dt.datetime(2025, 3, 1)
    down = rules.save(store, Rule("NPS watch", "kpi_down", "nps", emails=to), now=at)
    late = rules.save(store, Rule("Late calls", "overdue", emails=to[:1]), now=at)
    return down, late


def test_one_multipart_message_per_rule_and_recipient_in_their_language(
    empty_store: Store, mailbox: Mailbox
) -> None:
    mail_to(empty_store, mailbox.port)
    _down, late = drop_and_overdue(empty_store)
    report = deliver.run(empty_store, NOW, retry=FAST)
    assert report.failed == [] and report.messages == 2
    # 74 overdue items (40 of the week before, 34 of last week's first days) are one
    # e-mail, and one recorded event each.
    late_now = queue.status_counts(empty_store, now=NOW)["overdue_open"]
    overdue = empty_store.sql(f"select count(*) as n from alert_events where rule_id = {late}")
    assert overdue["n"][0] == late_now == 74
    assert sorted(m["To"] for m in mailbox.messages) == [
        "ana@example.com", "ana@example.com", "luis@example.com"
    ]  # fmt: skip
    by = {(m["To"], m["Subject"].split(":")[0]): m for m in mailbox.messages}
    en = by[("ana@example.com", "NPS worse")]
    es = by[("luis@example.com", "NPS empeora")]
    assert en["Subject"] == "NPS worse: -45.0 in week 12 of 2025 (the whole center)"
    assert es["Subject"] == "NPS empeora: -45,0 en la semana 12 de 2025 (todo el centro)"
    for message in (en, es):
        assert message.get_content_type() == "multipart/alternative"
        assert message["Auto-Submitted"] == "auto-generated"
        parts = [p.get_content_type() for p in message.iter_parts()]
        assert parts == ["text/plain", "text/html"]
    text = en.get_body(("plain",)).get_content()
    html = en.get_body(("html",)).get_content()
    assert "NPS was -5.0 in week 12 of 2025" in text and "40.0 the week before" in text
    assert "NPS was -5.0" in html and "“NPS watch”" in html
    assert "fue -5,0 en la semana 12 de 2025" in es.get_body(("plain",)).get_content()
    late_mail = next(m for m in mailbox.messages if m["Subject"].startswith("74 follow-ups"))
    listed = late_mail.get_body(("plain",)).get_content()
    assert listed.count("\n- Item ") == 25 and "… and 49 more" in listed

    again = deliver.run(empty_store, NOW, retry=FAST)  # a restart: nothing twice
    assert (again.events, again.outcomes) == (0, [])
    # An hour later one more item is past its deadline: it alone is told.
    later = deliver.run(empty_store, LATER, retry=FAST)
    assert later.events == queue.status_counts(empty_store, now=LATER)["overdue_open"] - 74 == 1
    assert len(mailbox.messages) == 4
    assert mailbox.messages[-1]["Subject"].strip().startswith("A follow-up is overdue")


def test_html_is_escaped(empty_store: Store, mailbox: Mailbox) -> None:
    mail_to(empty_store, mailbox.port)
    rules.save(empty_store, Rule("<b>x</b> & co", "digest", emails=(Email("a@example.com"),)))
    from analytics.alerts import messages

    facts = [{"kind": "new_detractor", "rule": "<b>x</b> & co", "scope": {"region": ["<i>"]},
              "item_id": 1, "response_id": "R1", "reason": "detractor", "nps": 0, "csat": None,
              "team": "<script>", "owner": None, "responded_at": None, "due_at": None,
              "comment": "</li><script>alert(1)</script>"}]  # fmt: skip
    html = messages.compose(empty_store, facts, "en", NOW).html
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;x" in html


def test_a_refusing_server_is_retried_then_the_failure_is_kept(
    empty_store: Store, mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    mail_to(empty_store, mailbox.port)
    rules.save(empty_store, Rule("Digest", "digest", emails=(Email("ana@example.com"),)))
    mailbox.refuse = "550 5.1.1 mailbox unavailable"
    waits: list[float] = []
    report = deliver.run(empty_store, NOW, retry=FAST, sleep=waits.append)
    assert waits == [0.01, 0.02]  # backoff within the run: 3 tries
    assert mailbox.tries == 3
    (outcome,) = report.failed
    assert (outcome.status, outcome.attempts) == ("pending", 3)
    assert outcome.error == "550 5.1.1 mailbox unavailable"
    assert "550 5.1.1 mailbox unavailable" in caplog.text
    row = history.deliveries(empty_store).row(0, named=True)
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 3, outcome.error)
    assert row["next_try_at"] == NOW + dt.timedelta(minutes=10)

    assert deliver.run(empty_store, NOW + dt.timedelta(minutes=5), retry=FAST).outcomes == []
    report = deliver.run(empty_store, LATER, retry=FAST, sleep=waits.append)
    (outcome,) = report.failed
    assert (outcome.status, outcome.attempts) == ("failed", 6)  # given up: max attempts
    assert "given up after 6 attempts" in caplog.text
    assert deliver.run(empty_store, LATER + dt.timedelta(days=1), retry=FAST).outcomes == []
    assert mailbox.messages == [] and mailbox.tries == 6

    assert history.retry_failed(empty_store, LATER) == 1  # the log's "retry failed now"
    mailbox.refuse = None
    (outcome,) = deliver.send_due(empty_store, LATER, FAST)
    assert outcome.status == "sent" and len(mailbox.messages) == 1


def test_a_failed_delivery_is_sent_on_a_later_run(empty_store: Store, mailbox: Mailbox) -> None:
    mail_to(empty_store, mailbox.port)
    drop_and_overdue(empty_store)
    mailbox.refuse = "451 4.3.0 try again later"
    assert len(deliver.run(empty_store, NOW, retry=FAST, sleep=lambda s: None).failed) == 3
    mailbox.refuse = None
    report = deliver.run(empty_store, NOW + FAST.later, retry=FAST)  # when they are due
    assert [o.status for o in report.outcomes] == ["sent"] * 3 and report.events == 0
    assert len(mailbox.messages) == 3
    assert history.counts(empty_store) == {"sent": 3, "pending": 0, "failed": 0}


def test_a_crash_between_recording_and_sending_sends_next_run(
    empty_store: Store, mailbox: Mailbox
) -> None:
    mail_to(empty_store, mailbox.port)
    rules.save(empty_store, Rule("Digest", "digest", emails=(Email("ana@example.com"),)))
    every = rules.read(empty_store)
    from analytics.alerts import evaluate

    events = evaluate.evaluate(empty_store, NOW, every)
    deliver.record(empty_store, events, {r.rule_id: r for r in every}, NOW)  # then "crash"
    report = deliver.run(empty_store, NOW + dt.timedelta(minutes=1), retry=FAST)
    assert report.events == 0 and [o.status for o in report.outcomes] == ["sent"]
    assert len(mailbox.messages) == 1


def test_webhooks_get_slack_teams_and_json_payloads(empty_store: Store, hooks: Hooks) -> None:
    for fmt, lang in (("slack", "en"), ("teams", "es"), ("json", "en")):
        channels.save_webhook(empty_store, Webhook(fmt, fmt, f"{hooks.url}/{fmt}", lang))  # type: ignore[arg-type]
    answers(empty_store, WEEK_BEFORE, mix(120, 40, 40))
    answers(empty_store, LAST_WEEK, mix(70, 50, 80), first=1000)
    rules.save(empty_store, Rule("NPS", "kpi_down", "nps", webhooks=("slack", "teams", "json")))
    assert deliver.run(empty_store, NOW, retry=FAST).failed == []
    got = dict(hooks.received)
    slack = got["/slack"]
    assert slack["text"].startswith("NPS worse: -45.0 in week 12 of 2025")
    assert [b["type"] for b in slack["blocks"]] == ["header", "section", "context"]
    teams = got["/teams"]
    assert teams["type"] == "message"
    (card,) = teams["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    assert card["content"]["body"][0]["text"].startswith("NPS empeora: -45,0")
    plain = got["/json"]
    assert (plain["kind"], plain["rule"]) == ("kpi_down", "NPS")
    (event,) = plain["events"]
    assert event["value"] == pytest.approx(-5.0) and event["previous"] == pytest.approx(40.0)
    assert event["week"] == "2025-W12"


def test_a_webhook_answering_500_is_retried_then_recorded(empty_store: Store, hooks: Hooks) -> None:
    channels.save_webhook(empty_store, Webhook("ops", "json", f"{hooks.url}/ops"))
    rules.save(empty_store, Rule("Digest", "digest", webhooks=("ops",)))
    hooks.status = 500
    (outcome,) = deliver.run(empty_store, NOW, retry=FAST, sleep=lambda s: None).failed
    assert hooks.tries == 3 and outcome.error is not None
    assert outcome.error.startswith("HTTP 500")
    hooks.status = 200
    (outcome,) = deliver.run(empty_store, LATER, retry=FAST).outcomes
    assert outcome.status == "sent" and len(hooks.received) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_and_login(
    empty_store: Store, tls_mailbox: Callable[[str], Mailbox], monkeypatch: pytest.MonkeyPatch,
    security: str,
) -> None:  # fmt: skip
    box = tls_mailbox(security)
    mail_to(empty_store, box.port, security, USER)
    rules.save(empty_store, Rule("Digest", "digest", emails=(Email("ana@example.com"),)))
    monkeypatch.setenv(channels.PASSWORD_ENV, "wrong")
    (outcome,) = deliver.run(empty_store, NOW, retry=FAST, sleep=lambda s: None).failed
    assert outcome.error is not None and outcome.error.startswith("535")  # auth failed
    monkeypatch.setenv(channels.PASSWORD_ENV, PASSWORD)
    (outcome,) = deliver.run(empty_store, LATER, retry=FAST).outcomes
    assert outcome.status == "sent" and len(box.messages) == 1


def test_the_command_line_says_what_failed(
    empty_store: Store, mailbox: Mailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    mail_to(empty_store, mailbox.port)
    drop_and_overdue(empty_store)
    path = empty_store.path
    empty_store.close()
    assert main(["alerts", "run", "--now", NOW.isoformat(), "--dry-run", "--db", path]) == 0
    out = capsys.readouterr().out
    assert "would send to luis@example.com (email), rule 'NPS watch': NPS empeora" in out
    assert mailbox.messages == []
    mailbox.refuse = "554 5.7.1 relay denied"
    fast = ["--retry-delay", "0.01", "--db", path]
    assert main(["alerts", "run", "--now", NOW.isoformat(), *fast]) == 1
    err = capsys.readouterr().err
    assert "to ana@example.com (email): 554 5.7.1 relay denied" in err
    assert "will be retried on the next run" in err
    mailbox.refuse = None
    assert main(["alerts", "run", "--now", LATER.isoformat(), "--db", path]) == 0
    assert "1 new events, 1 messages; 4 sent" in capsys.readouterr().out  # 3 late, 1 new
    assert main(["alerts", "run", "--now", LATER.isoformat(), "--db", path]) == 0
    assert "0 new events, 0 messages; 0 sent" in capsys.readouterr().out
    assert main(["alerts", "test", "--email", "x@example.com", "--lang", "es", "--db", path]) == 0
    assert mailbox.messages[-1]["Subject"] == "Pulso: mensaje de prueba"
    assert main(["alerts", "test", "--webhook", "nope", "--db", path]) == 2


def test_the_digest_is_the_weekly_review(empty_store: Store, mailbox: Mailbox) -> None:
    from analytics import weekly

    mail_to(empty_store, mailbox.port)
    answers(empty_store, WEEK_BEFORE, mix(120, 40, 40))
    answers(empty_store, LAST_WEEK, mix(70, 50, 80), first=1000)
    to = (Email("luis@example.com", "es"),)
    rules.save(empty_store, Rule("Weekly", "digest", scope={"region": ("North",)}, emails=to))
    assert deliver.run(empty_store, NOW, retry=FAST).failed == []
    (mail,) = mailbox.messages
    assert mail["Subject"] == "Revisión semanal, semana 12 de 2025 (Región: North)"
    review = weekly.build(
        empty_store, rules.scope_filters({"region": ["North"]}), weekly.week("2025-W12"), "es", NOW
    )

    def body(kind: str) -> str:  # the content as sent, line ends as written
        return str(mail.get_body((kind,)).get_content()).replace("\r\n", "\n")

    assert body("html").strip() == weekly.html(review).strip()
    assert weekly.text(review).strip() in body("plain")
    # the review as a PDF to forward (webmails that drop inline SVG still have the charts)
    (pdf,) = list(mail.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "pulso-review-2025-W12.pdf"
    assert pdf.get_content()[:5] == b"%PDF-" and len(pdf.get_content()) > 5_000
    assert deliver.run(empty_store, NOW + dt.timedelta(days=2), retry=FAST).outcomes == []
