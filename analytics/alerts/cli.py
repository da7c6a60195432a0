"""``python -m analytics alerts run|test``: the scheduled evaluation, and trying a channel.

``alerts run [--now ISO] [--dry-run]`` evaluates the rules, records what is new and
sends what is due; ``--dry-run`` only says what it would send. Exit codes: 0 every
due message was sent (or there was nothing to send), 1 a send failed (it is retried
on the next run until it is given up; the Settings page's log shows it), 2 bad
arguments. ``alerts test --email ADDR | --webhook NAME`` sends a test message now.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from typing import Any

from analytics.alerts import channels, deliver, messages, smtp, webhooks
from analytics.alerts.smtp import SendError
from analytics.store import connect, resolve_path

FAILED, BAD = 1, 2


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``alerts`` sub-command on an ``argparse`` sub-parsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "alerts", help="evaluate the alert rules and send the alerts"
    )
    sub = parser.add_subparsers(dest="alerts_command", required=True)
    run = sub.add_parser("run", help="evaluate the rules, send what is new or due")
    run.add_argument(
        "--now", type=_moment, default=None, metavar="ISO",
        help="the moment taken as now, e.g. 2026-06-29T07:00 (default: the clock)",
    )  # fmt: skip
    run.add_argument("--dry-run", action="store_true", help="say what would be sent; send nothing")
    default = deliver.Retry()
    run.add_argument(
        "--tries", type=int, default=default.tries,
        help=f"tries per delivery in this run (default {default.tries})",
    )  # fmt: skip
    run.add_argument(
        "--retry-delay", type=float, default=default.delay, metavar="SECONDS",
        help=f"wait before the second try, doubling after (default {default.delay:g})",
    )  # fmt: skip
    run.add_argument(
        "--max-attempts", type=int, default=default.max_attempts,
        help=f"attempts over all runs before a delivery fails (default {default.max_attempts})",
    )  # fmt: skip
    run.set_defaults(func=_run)
    test = sub.add_parser("test", help="send a test message")
    to = test.add_mutually_exclusive_group(required=True)
    to.add_argument("--email", metavar="ADDR", help="to this address, through the mail server")
    to.add_argument("--webhook", metavar="NAME", help="to this webhook")
    test.add_argument("--lang", choices=["en", "es"], default="en")
    test.set_defaults(func=_test)
    for p in (run, test):
        p.add_argument("--db", help="database path (default: PULSO_DB or data/pulso.duckdb)")
    return parser


def _moment(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date or moment: {text!r}") from exc


def _say(line: str, to: Any = None) -> None:
    (to or sys.stdout).write(line + "\n")


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    store = connect(resolve_path(args.db)[0])
    try:
        retry = deliver.Retry(
            tries=max(args.tries, 1),
            delay=max(args.retry_delay, 0.0),
            max_attempts=max(args.max_attempts, 1),
        )
        report = deliver.run(store, now=args.now, dry_run=args.dry_run, retry=retry)
    finally:
        store.close()
    if args.dry_run:
        for p in report.planned:
            _say(f"would send to {p.recipient} ({p.channel}), rule {p.rule!r}: {p.subject}")
        _say(f"dry run: {report.events} new events, {len(report.planned)} messages; nothing sent")
        return 0
    sent = [o for o in report.outcomes if o.status == "sent"]
    _say(f"{report.events} new events, {report.messages} messages; {len(sent)} sent")
    for o in report.failed:
        d = o.delivery
        then = "given up" if o.status == "failed" else "will be retried on the next run"
        _say(
            f"error: rule {d.rule_id}, to {d.recipient} ({d.channel}): {o.error}"
            f" (attempt {o.attempts}; {then})",
            sys.stderr,
        )
    return FAILED if report.failed else 0


def _test(args: argparse.Namespace) -> int:
    store = connect(resolve_path(args.db)[0])
    try:
        message = messages.test_message(args.lang)
        if args.email:
            config = channels.read_smtp(store)
            if config is None:
                _say("error: no mail server is set up (Settings, Channels)", sys.stderr)
                return BAD
            smtp.send(config, channels.credentials(config), args.email, message)
        else:
            hook = channels.webhook(store, args.webhook)
            if hook is None:
                _say(f"error: no webhook named {args.webhook!r}", sys.stderr)
                return BAD
            webhooks.post(hook.url, webhooks.payload(hook.format, message))
    except SendError as exc:
        _say(f"error: the test message was not sent: {exc}", sys.stderr)
        return FAILED
    finally:
        store.close()
    _say(f"test message sent to {args.email or args.webhook}")
    return 0
