"""Upload page, part 2 (not a page: ``views/upload.py`` imports it): the column
mapping, as Pulso suggests it and the analyst settles it, and saving it by name.

The words (field labels, what is missing) come from ``analytics.ingest.review``; how
each mapped field's values are read is ``views/upload_transforms.py``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from analytics.i18n import Lang, percent, t
from analytics.ingest import Mapping, RawTable, Suggestion, fit, review, save_mapping, suggest
from analytics.ingest import columns as cols
from analytics.ingest.model import Target, Transform
from ui import auth, cache
from ui.markdown import markdown_escape
from ui.session import held
from views import upload_transforms as transforms
from views.upload_file import tag

Settled = tuple[Mapping, bool | None]


def suggestion(raw: RawTable, target: Target) -> Suggestion:
    saved = st.session_state.get("upload_saved", 0)
    return held(
        "upload_suggestion", (tag(raw), target, saved), lambda: suggest(cache.store(), raw, target)
    )


def edit_mapping(raw: RawTable, target: Target, lang: Lang) -> Settled | None:
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
    _misfits(proposed, picked, lang)
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
    settled = _scale_and_dates(raw, proposed, chosen, how, mapping, lang)
    if settled is not None:
        _save(raw, settled[0], proposed, lang)
    return settled


def _scale_and_dates(
    raw: RawTable,
    proposed: Suggestion,
    chosen: dict[str, str | None],
    how: dict[str, Transform],
    mapping: Mapping,
    lang: Lang,
) -> Settled | None:
    """The mapping with the CES scale and the date order, when the file needs them;
    None while one of them is still open."""
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
    return mapping, dayfirst


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


def _misfits(proposed: Suggestion, picked: dict[str, str | None], lang: Lang) -> None:
    """Columns named like a field whose values do not fit it: said, not left out
    in silence (``analytics.ingest.fit``), while the field is still unmapped."""
    for misfit in proposed.misfits:
        if picked.get(misfit.field) is not None:
            continue
        col = cols.column(proposed.mapping.target, misfit.field)
        text = t(
            "upload.misfit", lang,
            column=markdown_escape(misfit.source),
            field=t(f"upload.field.{misfit.field}", lang),
            share=percent(100 * (1 - misfit.fit), lang, 0),
            examples=markdown_escape(", ".join(misfit.examples)),
            expected=markdown_escape(fit.expected(col, proposed.mapping)),
        )  # fmt: skip
        st.warning(text, icon=":material/warning:")


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
    # a saved mapping decides how the next such file is read: the loaders' (the
    # engine refuses anyway; the Confirm button below says which role)
    if right.button(t("upload.save", lang), key="upload_save", disabled=not auth.can("load")):
        if not name.strip():
            st.error(t("upload.save_empty", lang))
            return
        save_mapping(cache.store(), name.strip(), mapping, raw)
        st.session_state["upload_saved"] = st.session_state.get("upload_saved", 0) + 1
        st.success(t("upload.saved", lang, name=markdown_escape(name.strip())))
