"""What an alert says, in the recipient's language: one :class:`Message` per rule and
run, however many events it carries (40 overdue items are one e-mail listing them).

A message is built from its events' recorded facts (:mod:`analytics.alerts.evaluate`),
so that a retry says what the first try said. Numbers are formatted with
:mod:`analytics.i18n` in the KPI's unit, changes as the Overview's tiles write them
(rates in percentage points). The parts - a subject that says what happened, an intro
sentence, one line per event, a footer - become the e-mail's text and HTML (every value
escaped) and the chat messages (:mod:`analytics.alerts.webhooks`). The weekly digest's
body is the weekly review itself (:mod:`analytics.weekly`).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analytics import dimensions, kpis
from analytics.alerts.rules import scope_filters
from analytics.changes.formatting import change_text, interval_text
from analytics.changes.verdicts import p_value
from analytics.i18n import Lang, day, kpi_value, moment, number, t
from analytics.store import Store

#: Lines listed in one message; the rest are counted ("and 12 more").
log = logging.getLogger(__name__)
MAX_LINES = 25
Facts = Mapping[str, Any]


@dataclass(frozen=True)
class Message:
    """One message: ``text`` and ``html`` for e-mail, the parts for chat, the facts
    for plain JSON."""

    subject: str
    intro: str
    lines: tuple[str, ...]
    footer: str
    facts: tuple[Facts, ...]
    body_text: str | None = None  # the digest: the weekly review's own text and HTML
    body_html: str | None = None
    # (file name, PDF bytes): the digest's review as a PDF to forward; mail clients that
    # do not draw the HTML part's inline SVG charts (many webmails) still have them
    attachment: tuple[str, bytes] | None = None

    @property
    def text(self) -> str:
        if self.body_text is not None:
            return f"{self.body_text.rstrip()}\n\n-- \n{self.footer}\n"
        items = "".join(f"- {line}\n" for line in self.lines)
        return f"{self.intro}\n\n{items}\n-- \n{self.footer}\n".replace("\n\n\n", "\n\n")

    @property
    def html(self) -> str:
        if self.body_html is not None:
            return self.body_html
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines)
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            f"<title>{html.escape(self.subject)}</title></head>"
            '<body style="font-family:sans-serif;color:#1f2328;max-width:44em">'
            f'<h2 style="font-size:1.2em">{html.escape(self.subject)}</h2>'
            f"<p>{html.escape(self.intro)}</p>"
            + (f"<ul>{items}</ul>" if items else "")
            + f'<p style="color:#59636e;font-size:.85em">{html.escape(self.footer)}</p>'
            "</body></html>"
        )


def compose(store: Store, facts: Sequence[Facts], lang: Lang, now: dt.datetime) -> Message:
    """The message for one rule's events (``facts``, oldest first) in ``lang``."""
    if not facts:
        raise ValueError("a message needs at least one event")
    first = facts[0]
    kind = first["kind"]
    footer = t("alerts.footer", lang, rule=first["rule"])
    if kind == "kpi_down":
        return _kpi_down(first, lang, footer)
    if kind == "below_target":
        return _below_target(first, lang, footer)
    if kind in ("new_detractor", "overdue"):
        return _items(kind, facts, lang, footer)
    if kind == "digest":
        return _digest(store, first, lang, footer, now)
    raise ValueError(f"unknown alert kind {kind!r}")


def test_message(lang: Lang) -> Message:
    """What "send test" sends: it says where it comes from and that nothing happened."""
    return Message(
        t("alerts.test.subject", lang),
        t("alerts.test.body", lang),
        (),
        t("alerts.test.footer", lang),
        ({"kind": "test"},),
    )


# -- the kinds ---------------------------------------------------------------------------------


def scope_text(scope: Mapping[str, Sequence[str]], lang: Lang) -> str:
    """ "Region: North, South; Queue: billing", or "the whole center"."""
    parts = []
    for name, values in scope.items():
        dim = dimensions.BY_NAME.get(name)
        if dim is None:
            continue
        shown = [t(f"{dim.label}.{v}", lang) if dim.coded else v for v in values]
        parts.append(f"{t(dim.label, lang)}: {', '.join(shown)}")
    return "; ".join(parts) if parts else t("alerts.scope.all", lang)


def week_text(f: Facts, lang: Lang, short: bool = False) -> str:
    """ "week 25 of 2026 (15 Jun 2026 – 21 Jun 2026)", or without the dates."""
    start, end = dt.date.fromisoformat(f["start"]), dt.date.fromisoformat(f["end"])
    year, week, _ = start.isocalendar()
    if short:
        return t("alerts.week.short", lang, week=week, year=year)
    return t("alerts.week", lang, week=week, year=year, start=day(start, lang), end=day(end, lang))


def _head(f: Facts, lang: Lang) -> dict[str, str]:
    key = f["kpi"]
    unit = kpis.get(key).unit
    return {
        "kpi": t(f"kpi.{key}", lang),
        "value": kpi_value(unit, f["value"], lang),
        "low": kpi_value(unit, f["low"], lang),
        "high": kpi_value(unit, f["high"], lang),
        "n": number(f["n"], lang, 0),
        "week": week_text(f, lang),
        "short": week_text(f, lang, short=True),
        "scope": scope_text(f["scope"], lang),
    }


def _kpi_down(f: Facts, lang: Lang, footer: str) -> Message:
    key, change = f["kpi"], f["change"]
    unit = kpis.get(key).unit
    words = _head(f, lang) | {
        "previous": kpi_value(unit, f["previous"], lang),
        "change": change_text(key, change["estimate"], lang),
        "interval": interval_text(key, change["low"], change["high"], lang),
        "p": _p(change["p"], lang),
        "meaningful": change_text(key, f["meaningful"], lang, sign=False),
    }
    subject = t("alerts.subject.kpi_down", lang, **words)
    return Message(subject, t("alerts.body.kpi_down", lang, **words), (), footer, (f,))


def _below_target(f: Facts, lang: Lang, footer: str) -> Message:
    key = f["kpi"]
    unit = kpis.get(key).unit
    words = _head(f, lang) | {
        "target": kpi_value(unit, f["target"], lang),
        "gap": change_text(key, f["gap"], lang),
    }
    subject = t("alerts.subject.below_target", lang, **words)
    return Message(subject, t("alerts.body.below_target", lang, **words), (), footer, (f,))


def _items(kind: str, facts: Sequence[Facts], lang: Lang, footer: str) -> Message:
    first = facts[0]
    count = len(facts)
    words = {"count": number(count, lang, 0), "scope": scope_text(first["scope"], lang)}
    plural = "one" if count == 1 else "many"
    lines = [_item_line(kind, f, lang) for f in facts[:MAX_LINES]]
    if count > MAX_LINES:
        lines.append(t("alerts.more", lang, count=number(count - MAX_LINES, lang, 0)))
    return Message(
        t(f"alerts.subject.{kind}.{plural}", lang, **words),
        t(f"alerts.body.{kind}.{plural}", lang, **words),
        tuple(lines),
        footer,
        tuple(facts),
    )


def _item_line(kind: str, f: Facts, lang: Lang) -> str:
    scores = [
        f"{t(f'alerts.score.{s}', lang)} {f[s]}" for s in ("nps", "csat") if f.get(s) is not None
    ]
    words = {
        "item": f["item_id"],
        "reason": t(f"alerts.reason.{f['reason']}", lang),
        "scores": ", ".join(scores) or "–",
        "team": f.get("team") or "–",
        "owner": f.get("owner") or t("alerts.nobody", lang),
        "responded": _moment(f.get("responded_at"), lang),
        "due": _moment(f.get("due_at"), lang),
    }
    line = t(f"alerts.line.{kind}", lang, **words)
    comment = f.get("comment")
    return f"{line} “{comment}”" if comment and kind == "new_detractor" else line


def _digest(store: Store, f: Facts, lang: Lang, footer: str, now: dt.datetime) -> Message:
    from analytics import weekly  # the weekly review (its PDF part is not needed here)

    filters = scope_filters(f["scope"])
    review = weekly.build(store, filters, weekly.week(f["week"]), lang, now)
    words = {
        "week": week_text(f, lang),
        "short": week_text(f, lang, short=True),
        "scope": scope_text(f["scope"], lang),
    }
    try:
        attachment = (f"pulso-review-{f['week']}.pdf", weekly.pdf(review))
    except weekly.PdfUnavailable as exc:  # the HTML and text still go; the log says why
        log.warning("the weekly digest goes without its PDF: %s", exc)
        attachment = None
    return Message(
        t("alerts.subject.digest", lang, **words),
        t("alerts.body.digest", lang, **words),
        (),
        footer,
        (f,),
        body_text=weekly.text(review),
        body_html=weekly.html(review),
        attachment=attachment,
    )


def _moment(text: str | None, lang: Lang) -> str:
    return "–" if not text else moment(dt.datetime.fromisoformat(text), lang)


def _p(p: float, lang: Lang) -> str:
    """ "p = 0.012", "p < 0.001"."""
    if math.isnan(p):
        return "p = –"
    return f"p < {number(0.001, lang, 3)}" if p < 0.001 else f"p = {p_value(p, lang)}"
