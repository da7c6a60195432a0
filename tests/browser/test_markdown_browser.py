"""Hostile text escaped by ``markdown_escape`` as Chromium shows it on Streamlit 1.67:
in markdown, captions, alerts, headings, labels and st.table cells, the text reads as
written (plus invisible word joiners), with no link and no visible backslash (issue 15,
F4). A one-file Streamlit script, not the app: only the renderer is under test."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.server import ROOT, script_server
from tests.test_markdown_hostile import HOSTILE
from ui.markdown import JOINER

SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    import pandas as pd
    import streamlit as st
    from ui.markdown import markdown_escape
    for i, text in enumerate({hostile!r}):
        e = markdown_escape(text)
        st.markdown(f"MD{{i}}: " + e)
        st.caption(f"CAP{{i}}: " + e)
        st.info(f"INFO{{i}}: " + e)
        st.subheader(f"SUB{{i}}: " + e, anchor=False)
        st.checkbox(f"LBL{{i}}: " + e, key=f"cb{{i}}")
        st.table(pd.DataFrame({{"c": [f"TAB{{i}}: " + e]}}))
    st.markdown("END")
    """
)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("markdown_app")
    script = folder / "app.py"
    script.write_text(SCRIPT.format(root=str(ROOT), hostile=HOSTILE), encoding="utf-8")
    with script_server(script) as base:
        yield base


def test_hostile_text_renders_as_written(url: str, chromium: Any) -> None:
    page = chromium.new_page()
    page.goto(url)
    page.wait_for_selector("text=END", timeout=60_000)
    page.wait_for_timeout(500)
    cells = page.evaluate(
        """() => [...document.querySelectorAll(
             '[data-testid=stMarkdownContainer], [data-testid=stCaptionContainer],' +
             '[data-testid=stTable] td')]
           .map(el => [el.innerText.trim(), el.querySelectorAll('a').length])"""
    )
    seen: dict[str, str] = {}
    for text, links in cells:
        head, _, body = text.partition(": ")
        if not re.fullmatch(r"[A-Z]+\d+", head):
            continue
        assert links == 0, text
        seen[head] = body.replace(JOINER, "")
    for i, original in enumerate(HOSTILE):
        for kind in ("MD", "CAP", "INFO", "SUB", "LBL", "TAB"):
            assert seen.get(f"{kind}{i}") == " ".join(original.split()), (kind, original)
