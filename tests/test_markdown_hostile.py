"""Hostile text through ``markdown_escape`` (issue 15, F4): no link, no markup, no
stray backslash. What Streamlit then draws is checked in Chromium
(tests/browser/test_markdown_browser.py); here, the escaped text itself."""

from __future__ import annotations

import re

import pytest

from ui.markdown import JOINER, SPECIAL, markdown_escape, shown

HOSTILE = [
    "see https://evil.example/x?a=1 now",
    "HTTP://EVIL.EXAMPLE and www.evil.example",
    "mail bob@evil.example, xmpp:bob@evil.example",
    "[x](javascript:alert(1)) *b* _i_ <b>bold</b> `code` ~~s~~",
    ":red[colour] :material/home: :smile: $x^2$",
    "12.3% - 4 + 5 = 9! (a) {b} #tag | pipe \\ back",
    "&lt;b&gt; &amp; &#42;",
    '=HYPERLINK("http://evil.example")',
]


def unescape(markdown: str) -> str:
    """What CommonMark makes of backslash escapes before ASCII punctuation."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


@pytest.mark.parametrize("text", HOSTILE)
def test_the_escaped_text_reads_as_written(text: str) -> None:
    escaped = markdown_escape(text)
    assert unescape(escaped) == shown(text)
    assert shown(text).replace(JOINER, "") == text  # the joiners are all that is added


@pytest.mark.parametrize("text", HOSTILE)
def test_no_special_character_is_left_bare(text: str) -> None:
    bare = re.sub(r"\\.", "", markdown_escape(text))
    assert not set(bare) & SPECIAL


@pytest.mark.parametrize("text", HOSTILE)
def test_no_address_can_become_a_link(text: str) -> None:
    """GFM links bare "http(s)://", "www." and e-mail addresses."""
    visible = shown(text)
    assert not re.search(r"(?i)https?://|www\.", visible)
    assert not re.search(r"@[A-Za-z0-9]", visible)


def test_plain_words_are_unchanged() -> None:
    assert markdown_escape("Atención al cliente Norte") == "Atención al cliente Norte"
    assert markdown_escape("the http error on www") == "the http error on www"
