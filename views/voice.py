"""What customers say: distinguishing terms, the comments behind a term, suggestions.

Comments are user content: always rendered as data (st.dataframe, st.text), never as
markdown. One language at a time: English and Spanish words never share a list.
"""

import functools
from typing import Any

import polars as pl
import streamlit as st

from analytics.feedback import sentiment, text
from analytics.i18n import day, number, t
from ui import cache, context, tables, url
from ui.markdown import markdown_escape
from ui.tables import Col

ITEM_STATUSES = ("open", "contacted", "recovered", "not_recovered")

ctx = context.current()
lang, f = ctx.lang, ctx.filters
st.title(t("voice.title", lang))
st.caption(t("voice.intro", lang))
if f.start is None or f.end is None:
    st.info(t("voice.no_comments", lang))
    st.stop()

cache.ensure_followup(ctx.version)  # every detractor's comment can link to its item
context.survey_notes(lang, ctx.version, f)
context.elsewhere(lang, ctx.version, f, ("surveys",))
counts = cache.voice_languages(ctx.version, f)
if not any(counts.values()):
    st.info(t("voice.no_comments", lang))
    st.stop()
said = url.choice(  # default: the reader's language, unless it has no comments
    st.segmented_control,
    t("voice.language", lang),
    sentiment.LANGS,
    "comment_lang",
    lambda c: t(f"voice.language.{c}", lang, n=number(counts[c], lang, 0)),
    default=lang if counts[lang] else max(counts, key=counts.__getitem__),
)
said_name = t(f"voice.language_name.{said}", lang)
kind = url.choice(
    st.segmented_control,
    t("voice.contrast", lang),
    text.CONTRASTS,
    "contrast",
    lambda c: t(f"voice.contrast.{c}", lang),
)


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
    split, labels["queue"] = text.Split("queue", queue=queue), markdown_escape(str(queue))

terms = cache.voice_terms(ctx.version, f, split, said)


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
    tables.show(  # a row of the table picks its term too (long pill rows scroll)
        rows.with_columns(pl.col("z").abs()),
        {
            "term": Col(t("voice.col.term", lang)),
            mine: Col(t("voice.col.a", lang), "count"),
            theirs: Col(t("voice.col.b", lang), "count"),
            "z": Col(t("voice.col.z", lang), "number"),
        },
        lang,
        into=col,
        key=f"terms_{side}",
        on_select=functools.partial(_picked, side, rows["term"].to_list()),
        selection_mode="single-row",
    )


if not counts[said]:
    st.info(t("voice.no_lang_comments", lang, language=said_name))
elif terms.is_empty():
    st.info(t("voice.no_terms", lang))
else:
    left, right = st.columns(2)
    term_side("a", left)
    term_side("b", right)
    st.caption(t("voice.terms_note", lang))


def sentiment_note() -> None:
    """How the tone was scored and how often it is right; indicative below 80%."""
    acc = sentiment.accuracy(said)
    pct = {
        k: f"{number(v, lang, 1)} %"
        for k, v in (("acc", acc.value), ("low", acc.low), ("high", acc.high))
    }
    if sentiment.indicative(said):
        target = f"{number(100 * sentiment.TRUSTED, lang, 0)} %"
        note = t("voice.indicative", lang, language=said_name, acc=pct["acc"], target=target)
        st.warning(note, icon=":material/info:")
    st.caption(t(f"voice.sentiment_method.{said}", lang, n=number(acc.n, lang, 0), **pct))


def labelled(frame: pl.DataFrame) -> pl.DataFrame:
    """Tone and follow-up item in the reader's language (plain text cells)."""
    status = {s: t(f"voice.item_status.{s}", lang) for s in ITEM_STATUSES}
    item = pl.col("item_id").cast(pl.String)
    return frame.with_columns(
        tone=tables.labels(
            frame, "sentiment", lambda s: t(f"voice.tone.{sentiment.tone(s)}", lang)
        ),
        followup=pl.when(pl.col("item_id").is_null())
        .then(pl.lit("–"))
        .otherwise(
            pl.concat_str(
                pl.lit("#"), item, pl.lit(" · "), pl.col("item_status").replace_strict(status)
            )
        ),
    )


def comment_table(frame: pl.DataFrame, key: str) -> None:
    """The comments as data; the selected row is shown whole with its follow-up item."""
    shown = labelled(frame)
    tone = "voice.col.tone_indicative" if sentiment.indicative(said) else "voice.col.tone"
    columns = {
        "at": Col(t("voice.col.at", lang), "day"),
        "comment": Col(t("voice.col.comment", lang), width="large"),
        "nps": Col(t("voice.col.nps", lang), "count", width="small"),
        "csat": Col(t("voice.col.csat", lang), "count", width="small"),
        "tone": Col(t(tone, lang), width="small"),
        "sentiment": Col(t("voice.col.sentiment", lang), "number", 2, sign=True, width="small"),
        "followup": Col(t("voice.col.followup", lang), width="medium"),
        "queue": Col(t("voice.col.queue", lang), width="small"),
    }
    event = tables.show(
        shown, columns, lang, key=key, on_select="rerun", selection_mode="single-row"
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        whole_comment(shown.row(rows[0], named=True))


def whole_comment(row: dict[str, Any]) -> None:
    """The comment in full (plain text, never markdown) and a way to its follow-up item."""
    with st.container(border=True):
        st.markdown(f"**{t('voice.full_comment', lang)}**")
        st.text(row["comment"])
        # a caption is markdown: the queue name (data) is escaped like the headings
        meta = {
            k: "–" if row[k] is None else markdown_escape(str(row[k]))
            for k in ("nps", "csat", "queue")
        }
        st.caption(
            t(
                "voice.comment_meta",
                lang,
                date=day(row["at"].date(), lang),
                tone=row["tone"],
                **meta,
            )
        )
        if row["item_id"] is None:
            st.caption(t("voice.no_followup", lang))
        else:
            item_link(int(row["item_id"]))


def item_link(item_id: int) -> None:
    """A link to Follow-up with every item listed and this one picked (``fu_item`` in
    the URL). A link, not st.switch_page: that clears the URL, which Streamlit refuses
    while widgets (the term pills, the sidebar filters) are bound to it."""
    st.page_link(
        "views/followup.py",
        label=t("voice.open_item", lang, item=item_id),
        icon=":material/support_agent:",
        query_params={"fu_view": "all", "fu_item": str(item_id)},
    )


picked = st.session_state.get("term_a") or st.session_state.get("term_b")
if picked:
    term = text.check_term(picked)  # letters, digits and one space: safe in a heading
    st.subheader(t("voice.comments_for", lang, term=term))
    found = text.term_comments(cache.store(), f, split, term, lang=said)
    st.caption(t("voice.comments_count", lang, n=number(found.height, lang, 0)))
    comment_table(found, "comments_term")
    sentiment_note()
elif not terms.is_empty():
    st.caption(t("voice.pick_hint", lang))

st.divider()
st.subheader(t("voice.suggestions", lang))
n_ideas, n_comments = cache.voice_suggestion_count(ctx.version, f, said)
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
    comment_table(text.suggestions(cache.store(), f, lang=said), "comments_ideas")
    sentiment_note()
