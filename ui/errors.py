"""Errors on screen: a refusal in the reader's language, or an unexpected error's
first line, never a traceback.

:func:`boundary` runs each page (app.py): an exception the page did not handle is
written to the log with its traceback under a short reference, and the reader sees one
sentence in their language with that reference, never the traceback and its server
paths (``client.showErrorDetails = "none"`` in .streamlit/config.toml does the same for
what escapes it: the router itself and widget callbacks).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from analytics.access import Forbidden
from analytics.i18n import Lang, t
from ui.markdown import markdown_escape

if TYPE_CHECKING:  # the ingest package pulls pandas and pyarrow.dataset (~0.25 s): every
    # page runs boundary(), and only the pages that ingest show an IngestError
    from analytics.ingest import IngestError


def first_line(exc: Exception) -> str:
    """An unexpected error's first line (messages can quote whole files), escaped."""
    return markdown_escape((str(exc).strip().splitlines() or [type(exc).__name__])[0][:300])


def error(exc: IngestError, lang: Lang, key: str | None = None) -> None:
    """A refusal explained in ``lang``; inside the message ``key`` when given."""
    from analytics.ingest import review

    message = review.explain(exc, lang, markdown_escape)
    st.error(t(key, lang, detail=message) if key else message, icon=":material/error:")


LOG = logging.getLogger("pulso")
#: Set (to anything) to also raise a page's error, with its traceback, to Streamlit:
#: for development, and for the tests, which must see every error as one.
DEBUG_ENV = "PULSO_DEBUG"


def boundary(run: Callable[[], object], lang: Lang) -> None:
    """``run()`` (a page); an unexpected error is logged and shown as a short message.

    ``st.stop()``, ``st.rerun()`` and ``st.switch_page()`` raise Streamlit's control
    exceptions, which derive from BaseException, not Exception: they pass through. A
    role's refusal (:class:`~analytics.access.Forbidden`) is no fault: its own message."""
    try:
        run()
    except Forbidden as exc:
        st.error(markdown_escape(exc.message(lang)), icon=":material/block:")
    except Exception:
        ref = secrets.token_hex(4)
        LOG.exception("page error, reference %s", ref)
        st.error(t("error.page", lang, ref=ref), icon=":material/error:")
        if os.environ.get(DEBUG_ENV):  # development and tests: the traceback as well
            raise
