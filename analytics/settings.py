"""Settings the app edits, kept in the store (table ``settings``, store version 11).

One JSON document per name (``followup``: deadlines; ``smtp``: the mail server without
its password). The module that owns a setting checks its values before :func:`put`;
a document that no longer reads (edited by hand, or from an older version) is
reported by its owner, which falls back to its defaults. Secrets (the SMTP password)
never go into the store: they come from Streamlit secrets or the environment.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from analytics import access, audit
from analytics.i18n import Lang, number, t
from analytics.store import Store


def get(store: Store, name: str) -> dict[str, Any] | None:
    """The stored document ``name``, or None when it was never saved (or is not an
    object: a hand edit, which the owner treats as unset)."""
    row = store.cursor().execute("select value from settings where name = ?", [name]).fetchone()
    if row is None:
        return None
    try:
        value = json.loads(row[0])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def put(store: Store, name: str, value: dict[str, Any], by: str | None = None) -> None:
    """Save ``value`` (already checked by its owner) as ``name``, replacing it."""
    actor = access.require(store, "settings")
    text = json.dumps(value, sort_keys=True)
    with store.transaction() as cur:
        before = _value(cur, name)
        cur.execute("delete from settings where name = ?", [name])
        cur.execute(
            "insert into settings (name, value, updated_by) values (?, ?, ?)",
            [name, text, by or actor.user],
        )
        audit.record(cur, actor, "settings.save", name, before, value)


def delete(store: Store, name: str) -> None:
    """Forget ``name``: its owner's defaults apply again."""
    actor = access.require(store, "settings")
    with store.transaction() as cur:
        before = _value(cur, name)
        cur.execute("delete from settings where name = ?", [name])
        audit.record(cur, actor, "settings.delete", name, before, None)


def _value(cur: duckdb.DuckDBPyConnection, name: str) -> Any:
    row = cur.execute("select value from settings where name = ?", [name]).fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0])
    except ValueError:  # a hand edit: logged as it was
        return row[0]


class Invalid(ValueError):
    """A value that cannot be saved, said in the reader's language: ``key`` names the
    message in the catalogs and ``params`` fill it (numbers are written by
    :func:`~analytics.i18n.number` in that language). ``str()`` is the English text,
    for logs and the command line; pages call :meth:`text`."""

    def __init__(self, key: str, **params: str | float) -> None:
        self.key = key
        self.params = params
        super().__init__(self.text("en"))

    def text(self, lang: Lang) -> str:
        values = {
            k: v if isinstance(v, str) else number(v, lang, 0 if float(v).is_integer() else 2)
            for k, v in self.params.items()
        }
        return t(self.key, lang, **values)
