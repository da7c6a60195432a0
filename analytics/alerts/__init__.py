"""Alerts: rules evaluated on a schedule, told by e-mail and chat, once per event.

``python -m analytics alerts run`` (:mod:`analytics.alerts.cli`) evaluates the rules
(:mod:`rules`: what to watch, in which scope, who is told) at a moment
(:mod:`evaluate`: which events are new), records the events and sends one message per
rule and run to each recipient (:mod:`deliver`: idempotent, retried with backoff,
logged), written in the recipient's language (:mod:`messages`) for e-mail
(:mod:`smtp`) or a webhook (:mod:`webhooks`: Slack, Microsoft Teams, plain JSON),
over the channels set up in the app (:mod:`channels`); :mod:`history` is the log.
"""

from __future__ import annotations

from analytics.alerts.checks import Invalid, Problem
from analytics.alerts.deliver import Report, Retry, run
from analytics.alerts.rules import KINDS, Email, Rule

__all__ = ["KINDS", "Email", "Invalid", "Problem", "Report", "Retry", "Rule", "run"]
