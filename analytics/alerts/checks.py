"""What is wrong with a rule, a webhook or the mail server's settings, in words.

Every check returns :class:`Problem` values (an i18n key and its parameters) rather
than raising at the first one: the Settings page lists them all, in the reader's
language, and saves nothing; the command line prints them in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analytics import dimensions
from analytics.i18n import Lang, t

# Deliberately plain: one @, no spaces, a dot in the domain. The server has the last
# word; this catches the typos a person makes in a form ("ana@example", "ana example.com").
_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]{2,}$")
MAX_NAME = 80


@dataclass(frozen=True)
class Problem:
    """One thing to fix: ``key`` in the ``alerts`` catalog, with its parameters."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: Lang = "en") -> str:
        """The message in ``lang``; a dimension is named as the sidebar names it."""
        params = dict(self.params)
        known = dimensions.BY_NAME.get(str(params.get("dimension")))
        if known is not None:
            params["dimension"] = t(known.label, lang)
        return t(self.key, lang, **params)


class Invalid(ValueError):
    """Nothing was saved: ``problems`` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.text() for p in problems))
        self.problems = problems


def email_ok(address: str) -> bool:
    """A plausible e-mail address (see :data:`_EMAIL`)."""
    return bool(_EMAIL.match(address))


def name_problems(name: str, key: str) -> list[Problem]:
    """An empty or too long name (``key``: the catalog key for "the name is empty")."""
    if not name.strip():
        return [Problem(key)]
    if len(name.strip()) > MAX_NAME:
        return [Problem("alerts.error.name_long", {"max": MAX_NAME})]
    return []


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise Invalid(problems)
