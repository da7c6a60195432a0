"""One alert per event, to every recipient, retried until sent or given up - never
dropped silently.

A run (:func:`run`) evaluates the rules, then, in one transaction per rule, records
the new events (``alert_events``: its key makes a second run find nothing new) and a
``pending`` delivery of their one message per recipient (``alert_deliveries``). Only
then does it send: whatever is pending and due, including what a run that crashed
after recording left behind. A crash after a send and before it is marked sent is
the one case where a recipient may get a message twice (at least once, not at most).

A failed send is tried again within the run after a short wait that doubles
(:class:`Retry`: ``tries`` and ``delay``); still failing, it stays ``pending`` with
its error and the time of its next try (``later``, doubling per run), and becomes
``failed`` after ``max_attempts`` in all. Every failure is logged (``logging``) and
kept in the table the app's log shows.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from analytics.alerts import channels, evaluate, messages, rules, smtp, webhooks
from analytics.alerts.evaluate import Event
from analytics.alerts.messages import Message
from analytics.alerts.smtp import SendError
from analytics.feedback import followup
from analytics.i18n import Lang
from analytics.store import Store

log = logging.getLogger(__name__)
Status = Literal["pending", "sent", "failed"]
Channel = Literal["email", "slack", "teams", "json"]


@dataclass(frozen=True)
class Retry:
    """How hard a delivery is tried: ``tries`` per run, ``delay`` seconds before the
    second (doubling), ``later`` before the next run's (doubling per run), at most
    ``max_attempts`` in all."""

    tries: int = 3
    delay: float = 2.0
    later: dt.timedelta = dt.timedelta(minutes=10)
    max_attempts: int = 9

    def wait(self, attempt: int) -> float:
        """Seconds before try ``attempt + 1`` within a run (1st retry: ``delay``)."""
        return self.delay * 2 ** (attempt - 1)

    def next_try(self, now: dt.datetime, attempts: int) -> dt.datetime:
        runs = max(math.ceil(attempts / max(self.tries, 1)), 1)
        return now + self.later * 2 ** (runs - 1)


@dataclass(frozen=True)
class Delivery:
    """One message to one recipient (an address, or a webhook's name)."""

    rule_id: int
    message_key: str
    recipient: str
    channel: Channel
    lang: Lang
    attempts: int = 0


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    status: Status
    attempts: int
    subject: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Planned:
    """What a dry run would send."""

    rule: str
    recipient: str
    channel: str
    subject: str


@dataclass
class Report:
    """What a run did: events recorded, messages made, and each send's outcome."""

    events: int = 0
    messages: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        """The deliveries this run could not send (to retry later, or given up)."""
        return [o for o in self.outcomes if o.status != "sent"]


def run(
    store: Store,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    retry: Retry = Retry(),
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """Evaluate every enabled rule at ``now``, record what is new, send what is due."""
    at = now or dt.datetime.now().replace(microsecond=0)
    if not dry_run:  # a detractor loaded by another path gets its item now
        followup.sync_items(store, followup.Policy.from_store(store), now=at)
    every = rules.read(store)
    events = evaluate.evaluate(store, at, every)
    by_id = {r.rule_id: r for r in every}
    report = Report(events=len(events))
    if dry_run:
        report.planned = plan(store, events, by_id, at)
        return report
    report.messages = record(store, events, by_id, at)
    report.outcomes = send_due(store, at, retry, sleep)
    return report


def _grouped(events: Sequence[Event]) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = {}
    for e in events:
        out.setdefault(e.rule_id, []).append(e)
    return out


def _recipients(store: Store, rule: rules.Rule) -> list[tuple[str, Channel, Lang]]:
    hooks = {w.name: w for w in channels.webhooks(store)}
    out: list[tuple[str, Channel, Lang]] = [(e.address, "email", e.lang) for e in rule.emails]
    out += [(n, hooks[n].format, hooks[n].lang) for n in rule.webhooks if n in hooks]
    return out


def record(
    store: Store, events: Sequence[Event], by_id: dict[int | None, rules.Rule], now: dt.datetime
) -> int:
    """Record the events, one message per rule and a pending delivery of it per
    recipient, each rule in one transaction; returns how many messages."""
    made = 0
    for rule_id, found in _grouped(events).items():
        key = f"{now:%Y-%m-%dT%H:%M:%S}/{secrets.token_hex(4)}"
        with store.transaction() as cur:
            new = 0
            for e in found:
                row = cur.execute(
                    "insert into alert_events (rule_id, event_key, detail, message_key, created_at)"
                    " values (?, ?, ?, ?, ?) on conflict do nothing returning event_key",
                    [rule_id, e.key, json.dumps(e.facts), key, now],
                ).fetchone()
                new += row is not None
            if not new:
                continue
            for recipient, channel, lang in _recipients(store, by_id[rule_id]):
                cur.execute(
                    "insert into alert_deliveries (rule_id, message_key, recipient, channel,"
                    " lang, status, created_at, updated_at) values (?, ?, ?, ?, ?, 'pending', ?, ?)",
                    [rule_id, key, recipient, channel, lang, now, now],
                )
        made += 1
    return made


def plan(
    store: Store, events: Sequence[Event], by_id: dict[int | None, rules.Rule], now: dt.datetime
) -> list[Planned]:
    """What :func:`record` and :func:`send_due` would send for ``events`` (nothing
    written, nothing sent)."""
    out = []
    for rule_id, found in _grouped(events).items():
        rule = by_id[rule_id]
        facts = [e.facts for e in found]
        for recipient, channel, lang in _recipients(store, rule):
            subject = messages.compose(store, facts, lang, now).subject
            out.append(Planned(rule.name, recipient, channel, subject))
    return out


def due(store: Store, now: dt.datetime) -> list[Delivery]:
    """The pending deliveries whose time has come, oldest first."""
    rows = store.cursor().execute(
        "select rule_id, message_key, recipient, channel, lang, attempts from alert_deliveries"
        " where status = 'pending' and (next_try_at is null or next_try_at <= ?)"
        " order by created_at, rule_id, message_key, recipient",
        [now],
    )
    return [
        Delivery(int(r), k, to, cast(Channel, ch), cast(Lang, lg), int(n))
        for r, k, to, ch, lg, n in rows.fetchall()
    ]


def facts_of(store: Store, rule_id: int, message_key: str) -> list[dict[str, Any]]:
    """The recorded facts of a message's events, in the order they were found."""
    rows = store.cursor().execute(
        "select detail from alert_events where rule_id = ? and message_key = ? order by rowid",
        [rule_id, message_key],
    )
    return [json.loads(r[0]) for r in rows.fetchall()]


class _Sender:
    """The channels as they are now (settings read once per batch of sends)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.smtp = channels.read_smtp(store)
        self.login = channels.credentials(self.smtp)
        self.hooks = {w.name: w for w in channels.webhooks(store)}
        self._messages: dict[tuple[int, str, Lang], Message] = {}

    def message(self, d: Delivery, now: dt.datetime) -> Message:
        key = (d.rule_id, d.message_key, d.lang)
        if key not in self._messages:
            facts = facts_of(self.store, d.rule_id, d.message_key)
            try:
                self._messages[key] = messages.compose(self.store, facts, d.lang, now)
            except Exception as exc:  # a message that cannot be written is a failed send
                log.exception("alert message %s could not be written", d.message_key)
                raise SendError(f"the message could not be written: {exc}") from exc
        return self._messages[key]

    def send(self, d: Delivery, message: Message) -> None:
        if d.channel == "email":
            if self.smtp is None:
                raise SendError("no mail server is set up (Settings, Channels)")
            smtp.send(self.smtp, self.login, d.recipient, message)
            return
        hook = self.hooks.get(d.recipient)
        if hook is None:
            raise SendError(f"the webhook {d.recipient!r} no longer exists")
        webhooks.post(hook.url, webhooks.payload(hook.format, message, d.rule_id))


def send_due(
    store: Store,
    now: dt.datetime,
    retry: Retry = Retry(),
    sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:
    """Send every due delivery (see the module docstring); each outcome is written to
    ``alert_deliveries`` as soon as it is known."""
    sender = _Sender(store)
    return [_deliver(store, sender, d, now, retry, sleep) for d in due(store, now)]


def _deliver(
    store: Store,
    sender: _Sender,
    d: Delivery,
    now: dt.datetime,
    retry: Retry,
    sleep: Callable[[float], None],
) -> Outcome:
    attempts, error, subject = d.attempts, "", None
    for i in range(max(min(retry.tries, retry.max_attempts - d.attempts), 1)):
        if i:
            sleep(retry.wait(i))
        attempts += 1
        try:
            message = sender.message(d, now)
            subject = message.subject
            sender.send(d, message)
        except SendError as exc:
            error = str(exc)
            log.warning("alert to %s (%s) failed, attempt %d: %s", d.recipient, d.channel,
                        attempts, error)  # fmt: skip
            continue
        _update(store, d, "sent", attempts, now, sent_at=now)
        log.info("alert sent to %s (%s): %s", d.recipient, d.channel, subject)
        return Outcome(d, "sent", attempts, subject)
    status: Status = "failed" if attempts >= retry.max_attempts else "pending"
    next_try = retry.next_try(now, attempts) if status == "pending" else None
    _update(store, d, status, attempts, now, error=error, next_try=next_try)
    if status == "failed":
        log.error("alert to %s (%s) given up after %d attempts: %s", d.recipient, d.channel,
                  attempts, error)  # fmt: skip
    return Outcome(d, status, attempts, subject, error)


def _update(
    store: Store,
    d: Delivery,
    status: Status,
    attempts: int,
    now: dt.datetime,
    *,
    sent_at: dt.datetime | None = None,
    error: str | None = None,
    next_try: dt.datetime | None = None,
) -> None:
    with store.transaction() as cur:
        cur.execute(
            "update alert_deliveries set status = ?, attempts = ?, sent_at = ?,"
            " last_error = coalesce(?, last_error), next_try_at = ?, updated_at = ?"
            " where rule_id = ? and message_key = ? and recipient = ?",
            [status, attempts, sent_at, error, next_try, now, d.rule_id, d.message_key,
             d.recipient],
        )  # fmt: skip
