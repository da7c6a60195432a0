"""Upload page, part 4 (not a page: ``views/upload.py`` imports it): the value map. The
new values of a checked file, what each one stands for, and the map itself.

The logic is in ``analytics.ingest.aliases``: this module reads widgets and renders.
The page attaches the map to the mapping before the check (:func:`attach`), so a
saved entry changes the check's key and the check runs again with it.
"""

from __future__ import annotations

import hashlib
from functools import partial

import polars as pl
import streamlit as st

from analytics.i18n import Lang, number, t
from analytics.ingest import IngestError, Mapping, RawTable, aliases, review
from analytics.ingest.aliases import Alias, NewValue
from analytics.ingest.model import Target
from ui import auth, cache, tables
from ui.errors import error
from ui.markdown import markdown_escape
from ui.session import held, who
from views.upload_file import tag

#: New values offered a picker per field; the others are counted.
PICKERS = 24
#: The option "keep it as a new value" (no stored value is empty: empty cells are null).
KEEP = ""
_SAVED, _REMOVED = "upload_new_saved", "upload_map_removed"


def attach(mapping: Mapping) -> Mapping:
    """The mapping with the store's value map: the check reads "Sur" as "South"."""
    return aliases.attach(cache.store(), mapping)


def new_values(raw: RawTable, found: review.Preview, lang: Lang) -> None:
    """The "New values" section: per dimension field, the values the store does not
    hold yet, each with a picker (suggested stored value, another one, or keep it)."""
    good, target = found.validated.good, found.validated.mapping.target
    stored = _stored(target, tuple(f for f in aliases.FIELDS[target] if f in good.columns))
    fields = [f for f, have in stored.items() if have]
    if not fields:  # nothing stored to compare with (a first load): everything is new
        return
    st.subheader(t("upload.new.title", lang))
    _said(lang)
    new = aliases.new_values(aliases.in_rows(good, target), stored)
    if not new:
        names = ", ".join(t(f"upload.field.{f}", lang) for f in fields)
        st.caption(t("upload.new.none", lang, fields=names))
    else:
        st.caption(t("upload.new.intro", lang))
        chosen: list[Alias] = []
        for field in dict.fromkeys(n.field for n in new):
            chosen += _pickers(raw, [n for n in new if n.field == field], stored[field], lang)
        allowed = auth.needs("aliases", lang)  # the engine refuses anyway
        if st.button(t("upload.new.save", lang), icon=":material/save:", key="upload_new_save",
                     disabled=not allowed):  # fmt: skip
            _save(chosen, lang)
    _value_map(fields, lang)


def _stored(target: Target, fields: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """The store's values of ``fields`` and their rows (read again after a load)."""
    return held(
        "upload_stored_values",
        (cache.current_version(), target, fields),
        lambda: aliases.known(cache.store().cursor(), target, fields),
    )


def _pickers(raw: RawTable, new: list[NewValue], stored: dict[str, int], lang: Lang) -> list[Alias]:
    """One picker per new value of a field: what the analyst says it stands for."""
    field = new[0].field
    st.markdown(f"**{t(f'upload.field.{field}', lang)}**")
    options: list[str] = [KEEP, *sorted(stored, key=lambda v: (-stored[v], v))]
    chosen = []
    grid = st.columns(3)
    for i, item in enumerate(new[:PICKERS]):
        suggested = item.match.value if item.match else KEEP
        pick: str | None = grid[i % 3].selectbox(
            _label(item, lang),
            options,
            index=options.index(suggested),
            format_func=partial(_option, suggested=suggested, lang=lang),
            help=_help(item, lang),
            key=f"upload_new_{tag(raw)}_{field}_{_short(item.value)}",
        )
        if pick:  # KEEP ("") keeps the value as it is
            chosen.append(Alias(field, item.value, pick))
    if len(new) > PICKERS:
        more = number(len(new) - PICKERS, lang, 0)
        label = t(f"upload.field.{field}", lang)
        st.caption(t("upload.new.more", lang, count=more, field=label, field_code=field))
    return chosen


def _label(item: NewValue, lang: Lang) -> str:
    key = "upload.new.value.one" if item.rows == 1 else "upload.new.value"
    return t(key, lang, value=markdown_escape(item.value), rows=number(item.rows, lang, 0))


def _option(option: str, suggested: str, lang: Lang) -> str:
    if option == KEEP:
        return t("upload.new.keep", lang)
    return t("upload.new.suggested", lang, value=option) if option == suggested else option


def _help(item: NewValue, lang: Lang) -> str:
    text = t("upload.new.help.none", lang)
    if item.match is not None:
        how = t(f"upload.new.how.{item.match.how}", lang)
        text = t("upload.new.help.match", lang, value=item.match.value, how=how)
    if item.also:
        text += " " + t("upload.new.also", lang, values=", ".join(item.also))
    return markdown_escape(text)


def _short(value: str) -> str:
    """A widget key part for any value (file values can hold anything)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


def _save(chosen: list[Alias], lang: Lang) -> None:
    if not chosen:
        st.info(t("upload.new.nothing", lang), icon=":material/info:")
        return
    try:
        count = aliases.save(cache.store(), chosen, by=who())
    except IngestError as exc:
        error(exc, lang, "upload.new.failed")
        return
    st.session_state[_SAVED] = count
    st.rerun()  # the page attaches the new map: the check runs again with it


def _said(lang: Lang) -> None:
    """What the last click did, once."""
    saved, removed = st.session_state.pop(_SAVED, None), st.session_state.pop(_REMOVED, None)
    if saved is not None:
        st.success(t("upload.new.saved", lang, count=number(saved, lang, 0)), icon=":material/check_circle:")  # fmt: skip
    if removed is not None:
        st.success(t("upload.map.removed", lang, count=number(removed, lang, 0)), icon=":material/delete:")  # fmt: skip


def _value_map(fields: list[str], lang: Lang) -> None:
    """The map's entries for these fields, and a way to take wrong ones out."""
    entries = aliases.read(cache.store(), fields)
    if not entries:
        return
    with st.expander(t("upload.map.title", lang, count=number(len(entries), lang, 0))):
        st.caption(t("upload.map.intro", lang))
        table = pl.DataFrame(
            [(t(f"upload.field.{e.field}", lang), e.alias, e.value) for e in entries],
            schema=[t(f"upload.map.col.{c}", lang) for c in ("field", "alias", "value")],
            orient="row",
        )
        tables.show(table, tables.texts({c: c for c in table.columns}), lang, width="stretch")
        gone = st.multiselect(
            t("upload.map.remove", lang),
            entries,
            format_func=lambda e: f"{t(f'upload.field.{e.field}', lang)}: {e.alias} → {e.value}",
            placeholder=t("upload.map.remove.placeholder", lang),
            key=f"upload_map_remove_{_short(repr(entries))}",  # a fresh picker once removed
        )
        allowed = auth.needs("aliases", lang)  # said here too: no new values, no Save above
        if st.button(t("upload.map.remove.button", lang), icon=":material/delete:",
                     disabled=not gone or not allowed,
                     key="upload_map_remove_go"):  # fmt: skip
            for entry in gone:
                aliases.remove(cache.store(), entry.field, entry.alias)
            st.session_state[_REMOVED] = len(gone)
            st.rerun()
