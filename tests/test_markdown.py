"""Data values shown through Streamlit markdown read as written (ui/markdown.py)."""

from __future__ import annotations

from ui.markdown import markdown_escape


def test_markdown_escape_neutralises_links_and_emphasis() -> None:
    escaped = markdown_escape("[a](javascript:x) *b* <i>")
    assert escaped == r"\[a\]\(javascript\:x\) \*b\* \<i\>"
