"""Errors on screen: a refusal in the reader's language, or an unexpected error's
first line, never a traceback."""

from __future__ import annotations

import streamlit as st

from analytics.i18n import Lang, t
from analytics.ingest import IngestError, review
from ui.markdown import markdown_escape


def first_line(exc: Exception) -> str:
    """An unexpected error's first line (messages can quote whole files), escaped."""
    return markdown_escape((str(exc).strip().splitlines() or [type(exc).__name__])[0][:300])


def error(exc: IngestError, lang: Lang, key: str | None = None) -> None:
    """A refusal explained in ``lang``; inside the message ``key`` when given."""
    message = review.explain(exc, lang, markdown_escape)
    st.error(t(key, lang, detail=message) if key else message, icon=":material/error:")
