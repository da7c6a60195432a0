"""Upload page, part 3 (not a page: ``views/upload_mapping.py`` imports it): how each
mapped field's values are read.

The column pickers (``views/upload_mapping.py``) say which column feeds a field, or that
the field takes one value for every row, or (the key) a value generated from each row.
This module shows, for each mapped field, the transforms its kind can take, starting
from what Pulso suggested: an inverted yes/no, a time-of-day column, a duration
unit, labels turned into values. The preview below them shows the result.
"""

from __future__ import annotations

from collections.abc import Mapping as AbcMapping
from dataclasses import replace

import polars as pl
import streamlit as st

from analytics.i18n import Lang, t
from analytics.ingest import RawTable, Suggestion, review
from analytics.ingest import vocabulary as vocab
from analytics.ingest.model import DURATION_UNITS, Target, Transform
from ui.markdown import markdown_escape

#: Picker entries that are not columns of the file.
CONSTANT, GENERATED = "\x00constant", "\x00generated"
_CUSTOM = "\x00custom"


def settle(
    raw: RawTable,
    target: Target,
    proposed: Suggestion,
    chosen: AbcMapping[str, str | None],
    key: str,
    lang: Lang,
) -> dict[str, Transform]:
    """The transform of every field, as the analyst leaves it."""
    found: dict[str, Transform] = {}
    shown = [
        f
        for f, s in chosen.items()
        if s and (s in (CONSTANT, GENERATED) or review.transform_kinds(target, f))
    ]
    if not shown:
        return found
    suggested = any(not proposed.mapping.transform(f).is_identity for f in shown)
    with st.expander(t("upload.transforms", lang), expanded=suggested, icon=":material/tune:"):
        st.caption(t("upload.transforms.help", lang))
        for field in shown:
            found[field] = _field(
                raw, target, proposed, field, chosen[field], f"{key}_{field}", lang
            )
    return found


def _field(
    raw: RawTable,
    target: Target,
    proposed: Suggestion,
    field: str,
    source: str | None,
    key: str,
    lang: Lang,
) -> Transform:
    label = t(f"upload.field.{field}", lang)
    base = proposed.mapping.transform(field)
    if source == GENERATED:
        st.info(t("upload.transform.generated", lang, field=label), icon=":material/key:")
        return Transform(generated=True)
    if source == CONSTANT:
        value = st.text_input(
            t("upload.transform.constant", lang, field=label),
            value=base.constant or "",
            key=f"{key}_const",
        )
        return Transform(constant=value.strip()) if value.strip() else Transform()
    assert source is not None
    st.markdown(f"**{markdown_escape(label)}** ← {markdown_escape(source)}")
    how = Transform()
    for kind in review.transform_kinds(target, field):
        how = _control(raw, target, field, source, kind, base, how, f"{key}_{kind}", lang)
    return how


def _control(
    raw: RawTable,
    target: Target,
    field: str,
    source: str,
    kind: str,
    base: Transform,
    how: Transform,
    key: str,
    lang: Lang,
) -> Transform:
    if kind == "invert":
        flip = st.checkbox(t("upload.transform.invert", lang), value=base.invert, key=key)
        return replace(how, invert=flip)
    if kind == "time":
        options: list[str | None] = [None, *(c for c in raw.columns if c != source)]
        picked = st.selectbox(
            t("upload.transform.time", lang), options,
            index=options.index(base.time_source) if base.time_source in options else 0,
            format_func=lambda c: t("upload.transform.time.none", lang) if c is None else c,
            key=key,
        )  # fmt: skip
        return replace(how, time_source=picked)
    if kind == "unit":
        units = list(DURATION_UNITS)
        unit = st.selectbox(
            t("upload.transform.unit", lang), units,
            index=units.index(base.unit) if base.unit in units else 0,
            format_func=lambda u: t(f"upload.unit.{u}", lang), key=key,
        )  # fmt: skip
        return replace(how, unit=None if unit == "s" else unit)
    return replace(how, values=_values(raw, target, field, source, base, key, lang))


def _values(
    raw: RawTable, target: Target, field: str, source: str, base: Transform, key: str, lang: Lang
) -> tuple[tuple[str, str], ...]:
    """Labels to values: none, a known scale, or a table the analyst fills in."""
    scales = review.scales_for(target, field)
    options: list[str | None] = [None, *scales, _CUSTOM]
    current = _scale_of(base.values, scales) if base.values else None
    if base.values and current is None:
        current = _CUSTOM
    picked = st.selectbox(
        t("upload.transform.values", lang), options, index=options.index(current),
        format_func=lambda s: _scale_label(s, lang), key=key,
    )  # fmt: skip
    if picked is None:
        return ()
    if picked != _CUSTOM:
        return tuple(sorted(vocab.VALUE_MAPS[picked].items()))
    return _edited(raw, source, base, key, lang)


def _edited(
    raw: RawTable, source: str, base: Transform, key: str, lang: Lang
) -> tuple[tuple[str, str], ...]:
    """The label table: the saved pairs first, then the column's values they miss."""
    rows = review.label_rows(raw, source, base.values)
    edited = st.data_editor(
        pl.DataFrame(rows, schema={"label": pl.String, "value": pl.String}, orient="row"),
        key=f"{key}_table", hide_index=True, num_rows="dynamic",
        column_config={
            "label": st.column_config.TextColumn(t("upload.transform.label", lang)),
            "value": st.column_config.TextColumn(t("upload.transform.value", lang)),
        },
    )  # fmt: skip
    pairs = pl.DataFrame(edited).select(
        pl.col("label").cast(pl.String), pl.col("value").cast(pl.String)
    )
    return review.label_map(pairs.rows())


def _scale_of(values: tuple[tuple[str, str], ...], scales: tuple[str, ...]) -> str | None:
    return next((s for s in scales if tuple(sorted(vocab.VALUE_MAPS[s].items())) == values), None)


def _scale_label(scale: str | None, lang: Lang) -> str:
    if scale is None:
        return t("upload.transform.values.none", lang)
    if scale == _CUSTOM:
        return t("upload.transform.values.custom", lang)
    return t(f"upload.scale.{scale}", lang)
