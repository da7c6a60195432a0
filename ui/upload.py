"""Streamlit glue of the Upload page, first half: file, format facts, mapping.

The logic (what to show, in which words) is in ``analytics.ingest.review``; this
module only reads widgets and renders (the second half, check, load and the batch
log, is ``ui.loads``). Work that is slow on a big file (reading it, suggesting a
mapping, checking it) is kept in the session for the file on screen, so changing
one mapping choice does not read the file again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from analytics.i18n import Lang, number, t
from analytics.ingest import (
    IngestError,
    Mapping,
    RawTable,
    ReadOptions,
    Suggestion,
    read_file,
    review,
    save_mapping,
    suggest,
)
from analytics.ingest import columns as cols
from analytics.ingest.model import Target
from analytics.ingest.readers import SUFFIXES
from ui import cache, transforms, url
from ui.markdown import markdown_escape

TARGETS: tuple[Target, ...] = ("calls", "surveys")
FILE_TYPES = sorted({s.lstrip(".") for s in SUFFIXES})
_V = TypeVar("_V")


def held(name: str, key: Hashable, make: Callable[[], _V]) -> _V:
    """``make()`` once per ``key`` for this session (one value per name)."""
    found = st.session_state.get(name)
    if found is not None and found[0] == key:
        return found[1]
    value = make()
    st.session_state[name] = (key, value)
    return value


def forget(*names: str) -> None:
    for name in names:
        st.session_state.pop(name, None)


def first_line(exc: Exception) -> str:
    """An unexpected error's first line (messages can quote whole files), escaped."""
    return markdown_escape((str(exc).strip().splitlines() or [type(exc).__name__])[0][:300])


def who() -> str | None:
    """The signed-in user, when sign-in is on (else the engine records the OS user)."""
    try:
        found = st.user.get("email") or st.user.get("name")
    except (AttributeError, KeyError):
        return None
    return str(found) if found else None


def error(exc: IngestError, lang: Lang, key: str | None = None) -> None:
    message = review.explain(exc, lang, markdown_escape)
    st.error(t(key, lang, detail=message) if key else message, icon=":material/error:")


# -- choose a file ---------------------------------------------------------------------------


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


# -- mapping ---------------------------------------------------------------------------------


def suggestion(raw: RawTable, target: Target) -> Suggestion:
    saved = st.session_state.get("upload_saved", 0)
    return held(
        "upload_suggestion", (tag(raw), target, saved), lambda: suggest(cache.store(), raw, target)
    )


def edit_mapping(raw: RawTable, target: Target, lang: Lang) -> tuple[Mapping, bool | None] | None:
    """The mapping as the analyst settles it, and the date order they chose (if asked).

    None while something required is still open (a required field, the CES scale,
    the date order): the page says what.
    """
    proposed = suggestion(raw, target)
    st.subheader(t("upload.mapping", lang))
    st.caption(t("upload.mapping.help", lang))
    if proposed.saved_name:
        st.info(t("upload.mapping.saved", lang, name=markdown_escape(proposed.saved_name)))
    picked = _pickers(raw, target, proposed, lang)
    how = transforms.settle(
        raw, target, proposed, picked, _widget_key(raw, target, proposed, "how"), lang
    )
    chosen = {
        f: (None if s in (transforms.CONSTANT, transforms.GENERATED) else s)
        for f, s in picked.items()
    }
    mapping = review.chosen_mapping(proposed.mapping, chosen, transforms=how)
    unused = review.unused_columns(raw, mapping)
    if unused:
        st.caption(t("upload.mapping.unused", lang, columns=markdown_escape(", ".join(unused))))
    if not _required_settled(target, proposed, mapping, lang):
        return None
    if "ces" in mapping.fields:
        scale, direction = _ces(proposed.mapping, tag(raw), lang)
        if scale is None or direction is None:
            st.info(t("upload.ces.needed", lang))
            return None
        mapping = review.chosen_mapping(
            proposed.mapping, chosen, transforms=how, ces_scale=scale, ces_direction=direction
        )
    dayfirst = None
    if review.needs_date_order(raw, mapping):
        dayfirst = _date_order(raw, proposed.mapping, lang)
        if dayfirst is None:
            return None
        mapping = review.chosen_mapping(
            mapping, chosen, transforms=how, ces_scale=mapping.ces_scale,
            ces_direction=mapping.ces_direction, dayfirst=dayfirst,
        )  # fmt: skip
    _save(raw, mapping, proposed, lang)
    return mapping, dayfirst


def tag(raw: RawTable) -> str:
    """Names one file (and sheet) in widget keys: another file starts afresh."""
    return f"{raw.sha256[:12]}_{raw.facts.sheet or ''}"


def _widget_key(raw: RawTable, target: Target, proposed: Suggestion, field: str) -> str:
    """Per file, target and saved mapping: a new file starts from its own suggestion."""
    return f"upload_map_{target}_{field}_{tag(raw)}_{proposed.saved_name or ''}"


def _pickers(
    raw: RawTable, target: Target, proposed: Suggestion, lang: Lang
) -> dict[str, str | None]:
    """Per field: a source column, None (not in the file), one value for every row,
    or (the key) a value generated from each row's content."""
    chosen: dict[str, str | None] = {}
    grid = st.columns(3)
    key_field = cols.KEYS[target]
    # Columns named by position say nothing: show a value of each beside its name.
    shown = review.examples(raw) if raw.facts.layout == "headerless" else {}
    for i, field in enumerate(review.fields(target, lang)):
        extra = transforms.GENERATED if field.name == key_field else transforms.CONSTANT
        options: list[str | None] = [None, *raw.columns, extra]
        chosen[field.name] = grid[i % 3].selectbox(
            field.label,
            options,
            index=options.index(_default(proposed, field.name, options)),
            format_func=lambda c: _option_label(c, lang, shown),
            help=", ".join(c.source for c in proposed.candidates.get(field.name, ())[:3]) or None,
            key=_widget_key(raw, target, proposed, field.name),
        )
    return chosen


def _default(proposed: Suggestion, field: str, options: list[str | None]) -> str | None:
    how = proposed.mapping.transform(field)
    if how.generated:
        return transforms.GENERATED
    if how.constant is not None:
        return transforms.CONSTANT
    source = proposed.mapping.source(field)
    return source if source in options else None


def _option_label(option: str | None, lang: Lang, examples: dict[str, str]) -> str:
    if option is None:
        return t("upload.unmapped", lang)
    if option == transforms.CONSTANT:
        return t("upload.option.constant", lang)
    if option == transforms.GENERATED:
        return t("upload.option.generated", lang)
    if option in examples:
        return t("upload.option.example", lang, column=option, value=examples[option])
    return option


def _required_settled(target: Target, proposed: Suggestion, mapping: Mapping, lang: Lang) -> bool:
    settled = True
    for field in review.fields(target, lang):
        if field.name in mapping.fields:
            continue
        label = markdown_escape(field.label.rstrip(" *"))
        if field.name in proposed.ambiguous and field.required:
            columns = markdown_escape(", ".join(proposed.ambiguous[field.name]))
            st.warning(t("upload.mapping.ambiguous", lang, field=label, columns=columns))
        elif field.required:
            st.warning(t("upload.mapping.missing", lang, field=label))
        settled = settled and not field.required
    return settled


def _ces(saved: Mapping, tag: str, lang: Lang) -> tuple[int | None, str | None]:
    left, right = st.columns(2)
    scales = (5, 7)
    scale = left.radio(
        t("upload.ces.scale", lang),
        scales,
        index=scales.index(saved.ces_scale) if saved.ces_scale in scales else None,
        format_func=lambda s: t(f"upload.ces.scale{s}", lang),
        horizontal=True,
        key=f"upload_ces_scale_{tag}",
    )
    directions = ("easier", "harder")
    direction = right.radio(
        t("upload.ces.direction", lang),
        directions,
        index=directions.index(saved.ces_direction) if saved.ces_direction else None,
        format_func=lambda d: t(f"upload.ces.{d}", lang),
        horizontal=True,
        key=f"upload_ces_direction_{tag}",
    )
    return scale, direction


def _date_order(raw: RawTable, saved: Mapping, lang: Lang) -> bool | None:
    orders = (True, False)
    choice = st.radio(
        t("upload.dayfirst", lang),
        orders,
        index=orders.index(saved.dayfirst) if saved.dayfirst is not None else None,
        format_func=lambda d: t("upload.dayfirst.yes" if d else "upload.dayfirst.no", lang),
        horizontal=True,
        key=f"upload_dayfirst_{tag(raw)}",
    )
    if choice is None:
        examples = markdown_escape(", ".join(raw.facts.date_evidence))
        st.info(t("upload.dayfirst.needed", lang, examples=examples))
    return choice


def _save(raw: RawTable, mapping: Mapping, proposed: Suggestion, lang: Lang) -> None:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    name = left.text_input(
        t("upload.save_name", lang),
        value=proposed.saved_name or Path(raw.name).stem,
        max_chars=80,
        key=f"upload_save_name_{tag(raw)}",
    )
    if right.button(t("upload.save", lang), key="upload_save"):
        if not name.strip():
            st.error(t("upload.save_empty", lang))
            return
        save_mapping(cache.store(), name.strip(), mapping, raw)
        st.session_state["upload_saved"] = st.session_state.get("upload_saved", 0) + 1
        st.success(t("upload.saved", lang, name=markdown_escape(name.strip())))
