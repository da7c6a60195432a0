"""What customers say: distinguishing terms, the comments behind a term, suggestions.

Comments are user content: always rendered as data (st.dataframe), never as markdown.
"""

import functools

import polars as pl
import streamlit as st

from analytics import text
from analytics.i18n import day, number, t
from ui import cache, context, url

MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|~$"

ctx = context.current()
lang, f = ctx.lang, ctx.filters
st.title(t("voice.title", lang))
st.caption(t("voice.intro", lang))
if f.start is None or f.end is None:
    st.info(t("voice.no_comments", lang))
    st.stop()

kind = url.choice(
    st.segmented_control,
    t("voice.contrast", lang),
    text.CONTRASTS,
    "contrast",
    lambda c: t(f"voice.contrast.{c}", lang),
)


def _plain(value: str) -> str:
    """A data value inside markdown (headings): every markdown character escaped."""
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in value)


split = text.Split()
labels = {"date": "", "queue": ""}
if kind == "period":
    cut = st.date_input(
        t("voice.split_date", lang),
        value=f.start + (f.end - f.start) / 2,
        min_value=f.start,
        max_value=f.end,
        format="DD/MM/YYYY" if lang == "es" else "YYYY-MM-DD",
        key="split_date",
        bind="query-params",
    )
    split, labels["date"] = text.Split("period", date=cut), day(cut, lang)
elif kind == "queue":
    queue = st.selectbox(
        t("voice.split_queue", lang),
        cache.dimension_values(ctx.version, "queue"),
        key="split_queue",
        bind="query-params",
    )
    # A queue name is data: its markdown characters are escaped in the headings.
    split, labels["queue"] = text.Split("queue", queue=queue), _plain(str(queue))

terms = cache.voice_terms(ctx.version, f, split)


def _only(keep: str, drop: str) -> None:
    """One term at a time: picking on one side clears the other."""
    if st.session_state.get(keep):
        st.session_state[drop] = None


def _picked(side: str, options: list[str]) -> None:
    """A row selected in a term table: show that term, as its pill would."""
    chosen = st.session_state[f"terms_{side}"].selection.rows
    if chosen:
        st.session_state[f"term_{side}"] = options[chosen[0]]
        _only(f"term_{side}", "term_b" if side == "a" else "term_a")


def term_side(side: str, col: st.delta_generator.DeltaGenerator) -> None:
    rows = terms.filter(pl.col("side") == side)
    col.subheader(t(f"voice.side.{kind}.{side}", lang, **labels))
    other = "term_b" if side == "a" else "term_a"
    col.pills(
        t("voice.pick", lang),
        rows["term"].to_list(),
        key=f"term_{side}",
        on_change=_only,
        args=(f"term_{side}", other),
        bind="query-params",
    )
    mine, theirs = ("y_a", "y_b") if side == "a" else ("y_b", "y_a")
    col.dataframe(  # a row of the table picks its term too (long pill rows scroll)
        rows.select("term", mine, theirs, pl.col("z").abs()),
        hide_index=True,
        key=f"terms_{side}",
        on_select=functools.partial(_picked, side, rows["term"].to_list()),
        selection_mode="single-row",
        column_config={
            "term": t("voice.col.term", lang),
            mine: t("voice.col.a", lang),
            theirs: t("voice.col.b", lang),
            "z": st.column_config.NumberColumn(t("voice.col.z", lang), format="%.1f"),
        },
    )


if terms.is_empty():
    st.info(t("voice.no_terms", lang))
else:
    left, right = st.columns(2)
    term_side("a", left)
    term_side("b", right)
    st.caption(t("voice.terms_note", lang))


def comment_table(frame: pl.DataFrame) -> None:
    shown = frame.with_columns(
        tone=pl.col("sentiment").map_elements(
            lambda s: t(f"voice.tone.{text.tone(s)}", lang), return_dtype=pl.String
        )
    )
    st.dataframe(
        shown.select("at", "comment", "nps", "csat", "tone", "sentiment", "queue"),
        hide_index=True,
        column_config={
            "at": st.column_config.DatetimeColumn(t("voice.col.at", lang), format="YYYY-MM-DD"),
            "nps": st.column_config.NumberColumn(t("voice.col.nps", lang), width="small"),
            "csat": st.column_config.NumberColumn(t("voice.col.csat", lang), width="small"),
            "tone": st.column_config.TextColumn(t("voice.col.tone", lang), width="small"),
            "sentiment": st.column_config.NumberColumn(
                t("voice.col.sentiment", lang), format="%+.2f", width="small"
            ),
            "queue": st.column_config.TextColumn(t("voice.col.queue", lang), width="small"),
            "comment": st.column_config.TextColumn(t("voice.col.comment", lang), width="large"),
        },
    )


picked = st.session_state.get("term_a") or st.session_state.get("term_b")
if picked:
    term = text.check_term(picked)  # letters, digits and one space: safe in a heading
    st.subheader(t("voice.comments_for", lang, term=term))
    found = text.term_comments(cache.store(), f, split, term)
    st.caption(t("voice.comments_count", lang, n=number(found.height, lang, 0)))
    comment_table(found)
elif not terms.is_empty():
    st.caption(t("voice.pick_hint", lang))

st.divider()
st.subheader(t("voice.suggestions", lang))
n_ideas, n_comments = cache.voice_suggestion_count(ctx.version, f)
if n_ideas == 0:
    st.info(t("voice.no_suggestions", lang))
else:
    st.caption(
        t(
            "voice.suggestions_count",
            lang,
            n=number(n_ideas, lang, 0),
            total=number(n_comments, lang, 0),
        )
    )
    comment_table(text.suggestions(cache.store(), f))
