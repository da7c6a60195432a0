"""Text shown through Streamlit markdown: data values with markdown made literal.

A queue named ``*VIP*`` or a file named ``[x](javascript:...)`` must read as written,
not as emphasis or a link: every markdown character is backslash-escaped.
"""

from __future__ import annotations

SPECIAL = "\\`*_{}[]<>()#+-.!|~$"


def markdown_escape(text: str) -> str:
    """``text`` with every markdown character escaped (shown as written)."""
    return "".join("\\" + c if c in SPECIAL else c for c in text)
