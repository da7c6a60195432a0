"""Text shown through Streamlit markdown: data values made literal.

Streamlit renders GitHub-flavoured markdown, and more, in ``st.markdown``, captions,
alerts, headings, widget labels, pill and radio options and ``st.table`` cells: a queue
named ``*VIP*`` would read as emphasis, ``[x](javascript:...)`` as a link, ``:red[x]``
in red, ``:material/home:`` as an icon, ``:smile:`` as an emoji, ``$x$`` as LaTeX and
``&lt;`` as "<". :func:`markdown_escape` makes the text read exactly as written:

- every markdown or directive character is backslash-escaped (CommonMark drops the
  backslash before ASCII punctuation, so none shows); Streamlit finds icons in the
  text before markdown does, so ``:material/`` also gets a word joiner (below);
- GFM turns bare addresses into links ("https://...", "www....", "bob@host.tld"), and
  inside such a link a backslash is shown, not read. So autolinks are broken with an
  invisible U+2060 WORD JOINER: after the "h" of "http(s)://", the first "w" of "www.",
  every "@" and the ":" of ":material/". The text looks the same; a copied address carries the invisible
  character (a code span would not, but it would change the text's look).

Checked in Chromium on Streamlit 1.67 (tests/browser/test_markdown_browser.py).
"""

from __future__ import annotations

import re

SPECIAL = frozenset("\\`*_{}[]<>()#+-.!|~$:&")
JOINER = "\u2060"  # WORD JOINER: zero width, no line break, not a space
_AUTOLINK = re.compile(r"(?i)(?<=h)(?=ttps?://)|(?<=w)(?=ww\.)|(?<=@)|(?<=:)(?=material/)")


def markdown_escape(text: str) -> str:
    """``text`` as markdown that renders as ``text``: no link, emphasis, directive,
    entity or LaTeX, and no visible backslash (see the module's docstring)."""
    unlinked = _AUTOLINK.sub(JOINER, text)
    return "".join("\\" + c if c in SPECIAL else c for c in unlinked)


def shown(text: str) -> str:
    """What the reader sees of ``markdown_escape(text)``: ``text`` with the joiners."""
    return _AUTOLINK.sub(JOINER, text)
