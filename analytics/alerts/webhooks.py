"""Chat and machine webhooks: the payload of each format, and one POST with a timeout.

- ``slack``: a Slack incoming webhook: ``text`` (notifications and old clients) and
  Block Kit ``blocks`` (a header, the intro, the lines, the footer as context).
- ``teams``: a Microsoft Teams webhook of the Workflows kind ("Post to a channel when
  a webhook request is received"), which replaced the retired Office 365 connectors:
  a ``message`` with one Adaptive Card attachment. The connectors' legacy MessageCard
  format is not produced.
- ``json``: the event facts as recorded (numbers unformatted), for a machine.

Sent with urllib (no extra dependency); any 2xx answer is success (Slack answers 200
"ok", Teams workflows 202).
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from typing import Any

from analytics.alerts.channels import Format
from analytics.alerts.messages import Message
from analytics.alerts.smtp import SendError

# Slack: a header holds 150 characters, a section 3,000; Teams cards about 28 KB.
HEADER_CHARS, SECTION_CHARS, CARD_CHARS = 150, 3000, 20_000
TIMEOUT = 15.0


def payload(fmt: Format, message: Message, rule_id: int | None = None) -> dict[str, Any]:
    if fmt == "slack":
        return slack(message)
    if fmt == "teams":
        return teams(message)
    return plain(message, rule_id)


def _body(message: Message) -> str:
    """The intro and the lines (or the digest's text) as one block of text."""
    if message.body_text is not None:
        return f"{message.intro}\n\n{message.body_text}"
    return "\n".join([message.intro, *(f"• {line}" for line in message.lines)])


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def slack(message: Message) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(message.subject, HEADER_CHARS)},
        },
        {
            "type": "section",
            "text": {"type": "plain_text", "text": _cut(_body(message), SECTION_CHARS)},
        },
        {"type": "context", "elements": [{"type": "plain_text", "text": message.footer}]},
    ]
    return {"text": f"{message.subject}\n{message.intro}", "blocks": blocks}


def teams(message: Message) -> dict[str, Any]:
    text: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.subject, "weight": "Bolder", "size": "Medium",
         "wrap": True},
        {"type": "TextBlock", "text": message.intro, "wrap": True},
    ]  # fmt: skip
    if message.body_text is not None:
        text.append(
            {"type": "TextBlock", "text": _cut(message.body_text, CARD_CHARS), "wrap": True}
        )
    text += [{"type": "TextBlock", "text": f"• {line}", "wrap": True, "spacing": "None"}
             for line in message.lines]  # fmt: skip
    text.append({"type": "TextBlock", "text": message.footer, "wrap": True, "isSubtle": True,
                 "size": "Small"})  # fmt: skip
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": text,
    }
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": card,
    }
    return {"type": "message", "attachments": [attachment]}


def plain(message: Message, rule_id: int | None = None) -> dict[str, Any]:
    first = message.facts[0] if message.facts else {}
    return {
        "source": "pulso",
        "rule_id": rule_id,
        "rule": first.get("rule"),
        "kind": first.get("kind"),
        "subject": message.subject,
        "events": [_clean(dict(f)) for f in message.facts],
    }


def _clean(value: Any) -> Any:
    """NaN (an interval not computed) as null: JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def post(url: str, body: dict[str, Any], timeout: float = TIMEOUT) -> None:
    """POST ``body`` as JSON to ``url`` (SendError with the status or network error)."""
    data = json.dumps(body, ensure_ascii=False, allow_nan=False, default=str).encode("utf-8")
    if not url.startswith(("https://", "http://")):
        raise SendError(f"not an http(s) URL: {url[:40]}")
    request = urllib.request.Request(
        url,
        data=data,
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "Pulso"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip()
        raise SendError(f"HTTP {exc.code} {exc.reason}: {detail}".rstrip(": ")) from exc
    except (urllib.error.URLError, OSError) as exc:  # refused, DNS, timeout
        reason = getattr(exc, "reason", exc)
        raise SendError(f"{type(exc).__name__}: {reason}") from exc
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")
