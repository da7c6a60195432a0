"""The few HTML elements the self-contained reports are made of (the change summary,
the weekly review): every text is escaped here, so a report never carries markup
from the data (a team named ``<b>x</b>`` reads as typed)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def cells(values: Sequence[str]) -> str:
    """Table cells, each escaped."""
    return "".join(f"<td>{escape(v)}</td>" for v in values)


def table(heads: Sequence[str], rows: Sequence[str], cls: str = "") -> str:
    """A table of escaped ``heads`` over ``rows`` (``<tr>`` strings built with
    :func:`cells`)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    start = f'<table class="{cls}">' if cls else "<table>"
    return f"{start}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def h2(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def p(text: str, cls: str = "") -> str:
    """A paragraph, or nothing for an empty text."""
    if not text:
        return ""
    return f'<p class="{cls}">{escape(text)}</p>' if cls else f"<p>{escape(text)}</p>"
