"""Upload page, part 1 (not a page: ``views/upload.py`` imports it): the target, the
file, its sheet and its format facts.

The file is read once per file and sheet (:func:`ui.session.held`), so changing a
mapping choice further down does not read it again.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from analytics.i18n import Lang, number, t
from analytics.ingest import IngestError, RawTable, ReadOptions, read_file, review
from analytics.ingest.model import Target
from analytics.ingest.readers import SUFFIXES
from ui import url
from ui.errors import error, first_line
from ui.markdown import markdown_escape
from ui.session import held

TARGETS: tuple[Target, ...] = ("calls", "surveys")
FILE_TYPES = sorted({s.lstrip(".") for s in SUFFIXES})


def pick_target(lang: Lang) -> Target:
    return url.choice(
        st.radio,
        t("upload.target", lang),
        TARGETS,
        "target",
        lambda k: t(f"upload.target.{k}", lang),
        horizontal=True,
    )


def pick_file(lang: Lang) -> Any:
    """The uploader (reset after each load) and the upload limit it enforces."""
    nonce = st.session_state.setdefault("upload_nonce", 0)
    limit = st.get_option("server.maxUploadSize")
    st.caption(t("upload.limit", lang, mb=number(limit, lang, 0)))
    st.html(uploader_style(lang))
    file = st.file_uploader(t("upload.file", lang), type=FILE_TYPES, key=f"upload_file_{nonce}")
    if file is not None:  # the widget writes the size in English ("0.7KB"): ours instead
        st.caption(
            t("upload.size", lang, name=markdown_escape(file.name), size=size(file.size, lang))
        )
    return file


#: Streamlit's uploader has no parameter for its own texts (1.67): its button, its
#: instructions and the file's size are English. They are replaced here by CSS (our
#: catalogs' words; the page's caption above states the limit in the reader's language).
_UPLOADER = (
    '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p'
    "{{font-size:0}}"
    '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p::after'
    '{{content:"{button}";font-size:0.875rem}}'
    '[data-testid="stFileUploaderDropzoneInstructions"] span{{font-size:0}}'
    '[data-testid="stFileUploaderDropzoneInstructions"] span::after'
    '{{content:"{types}";font-size:0.75rem}}'
    '[data-testid="stFileChipName"] + div{{display:none}}'
)


def uploader_style(lang: Lang) -> str:
    def css(text: str) -> str:  # a CSS string: our catalog's words, quotes escaped
        return text.replace("\\", "\\\\").replace('"', '\\"')

    types = ", ".join(x.upper() for x in FILE_TYPES)
    words = {
        "button": css(t("upload.button", lang)),
        "types": css(t("upload.types", lang, types=types)),
    }
    return f"<style>{_UPLOADER.format(**words)}</style>"


def size(n_bytes: int, lang: Lang) -> str:
    """1536 -> '1.5 KB' / '1,5 KB' (decimal prefixes, as the limit is written)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n_bytes >= scale:
            return f"{number(n_bytes / scale, lang, 1)} {unit}"
    return f"{number(n_bytes, lang, 0)} B"


def read(file: Any, lang: Lang) -> RawTable | None:
    """The uploaded file read (once), with the sheet picker for workbooks."""
    key = f"upload_sheet_{file.file_id}"
    sheet = st.session_state.get(key)
    try:
        raw = held("upload_raw", (file.file_id, sheet), lambda: _read(file, sheet))
    except IngestError as exc:
        error(exc, lang)
        return None
    except Exception as exc:  # a reader's surprise: a message, not a traceback
        st.error(t("upload.read_failed", lang, detail=first_line(exc)), icon=":material/error:")
        return None
    sheets = raw.facts.sheets
    if len(sheets) > 1:
        st.selectbox(t("upload.sheet", lang), sheets, index=sheets.index(raw.facts.sheet), key=key)
    return raw


def _read(file: Any, sheet: str | None) -> RawTable:
    return read_file(file.getvalue(), file.name, ReadOptions(sheet=sheet))


def show_facts(raw: RawTable, lang: Lang) -> None:
    st.subheader(t("upload.facts", lang))
    facts = review.describe_facts(raw.facts, lang)
    st.markdown(" · ".join(f"**{label}:** {markdown_escape(value)}" for label, value in facts))


def tag(raw: RawTable) -> str:
    """Names one file (and sheet) in widget keys: another file starts afresh."""
    return f"{raw.sha256[:12]}_{raw.facts.sheet or ''}"
