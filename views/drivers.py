"""What drives satisfaction: resolution vs duration, relative importance, odds ratios,
the importance-performance quadrant and the drivers per segment and queue."""

import polars as pl
import streamlit as st

from analytics.drivers import charts
from analytics.drivers.analysis import DriverAnalysis, quadrant
from analytics.drivers.cells import (
    BINARY,
    LOWER_IS_BETTER,
    OUTCOMES,
    Outcome,
    answered,
    available,
)
from analytics.drivers.guards import MIN_RESPONSES, Guard
from analytics.drivers.levers import LeverVerdict
from analytics.i18n import number, t
from ui import cache, context, tables, url
from ui.markdown import markdown_escape
from ui.tables import Col

ctx = context.current()
lang, f = ctx.lang, ctx.filters
st.title(t("drivers.title", lang))
st.caption(t("drivers.caution", lang))
context.survey_notes(lang, ctx.version, f, linked=True)
context.elsewhere(lang, ctx.version, f, ("surveys",))


def pick_drivers(options: tuple[str, ...]) -> list[str]:
    """Driver codes kept in the URL as codes (``?drivers=resolved&...``); all by default."""
    return url.choices(
        t("drivers.drivers", lang),
        options,
        "drivers",
        lambda d: charts.driver_label(d, lang),
        t("drivers.drivers_placeholder", lang),
    )


def gap(value: float, outcome: Outcome) -> str:
    """A difference in the outcome's unit: points of a percentage or of a score."""
    if outcome in BINARY:
        return f"{number(abs(value), lang, 1)} {t('unit.pp', lang)}"
    return f"{number(abs(value), lang, 2)} {t('drivers.unit.points', lang)}"


def say_verdict(v: LeverVerdict, outcome: Outcome) -> None:
    name = t(f"drivers.outcome.{outcome}", lang)
    params = dict(res=gap(v.resolution_gap, outcome), dur=gap(v.duration_gap, outcome))
    text = t(
        f"drivers.verdict.{v.code}", lang, ratio=number(v.ratio, lang, 1), outcome=name, **params
    )
    st.info(text, icon=":material/balance:")


def guard_text(g: Guard) -> str:
    names = ", ".join(charts.driver_label(d, lang) for d in g.drivers)
    return t(
        f"drivers.guard.{g.code}",
        lang,
        n=number(g.value, lang, 0),
        min=number(MIN_RESPONSES, lang, 0),
        value=number(g.value, lang, 1),
        drivers=names,
        terms=markdown_escape("; ".join(charts.term_label(*term, lang) for term in g.terms)),
    )


def importance_table(a: DriverAnalysis, outcome: Outcome) -> pl.DataFrame:
    better = outcome not in LOWER_IS_BETTER
    tone = {"up": "more" if better else "less", "down": "less" if better else "more"}
    others = len(a.drivers) - 1
    dominated = []
    for d in a.importance["driver"]:
        below = [charts.driver_label(b, lang) for x, b in a.dominates if x == d]
        dominated.append(
            t("drivers.all_others", lang)
            if others > 1 and len(below) == others
            else ", ".join(below)
        )
    frame = a.importance.with_columns(dominates=pl.Series(dominated, dtype=pl.String))
    return frame.select(
        tables.labels(frame, "driver", lambda d: charts.driver_label(d, lang)),
        "share",
        "share_low",
        "share_high",
        "shapley_share",
        tables.labels(frame, "direction", lambda d: t(f"drivers.direction.{tone.get(d, d)}", lang)),
        "dominates",
    )


def odds_table(a: DriverAnalysis) -> pl.DataFrame:
    terms = [
        charts.term_label(d, lv, r, lang)
        for d, lv, r in a.odds_ratios.select("driver", "level", "reference").iter_rows()
    ]
    return a.odds_ratios.select(pl.Series("term", terms), "odds_ratio", "low", "high", "p")


def show_table(frame: pl.DataFrame, columns: dict[str, Col]) -> None:
    with st.expander(t("drivers.table", lang)):
        tables.show(frame, columns, lang, width="stretch")


cells = cache.driver_cells(ctx.version, f)
outcome = url.choice(
    st.columns([1, 2])[0].selectbox,
    t("drivers.outcome", lang),
    OUTCOMES,
    "outcome",
    lambda o: t(f"drivers.outcome.{o}", lang),
    next(iter(answered(cells)), None),  # NPS answers only: not CSAT's "too few responses"
)
if cells.height == 0:  # an empty store, or filters that match no linked response
    st.warning(t("drivers.no_data", lang), icon=":material/search_off:")
    st.stop()
chosen = tuple(pick_drivers(available(cells)))
if not chosen:
    st.info(t("drivers.pick", lang))
    st.stop()

a: DriverAnalysis = cache.driver_analysis(ctx.version, f, outcome, chosen)
if not a.enough:
    st.warning(guard_text(next(g for g in a.guards if g.code == "min_sample")))
    st.stop()
for g in a.guards:
    st.warning(guard_text(g), icon=":material/warning:")
bands, verdict, segments = cache.driver_views(ctx.version, f, outcome, chosen)
outcome_name = t(f"drivers.outcome.{outcome}", lang)

st.subheader(t("drivers.section.bands", lang))
say_verdict(verdict, outcome)
st.plotly_chart(
    charts.duration_bands(bands, outcome_name, outcome in BINARY, lang), width="stretch"
)
st.caption(t("drivers.bands_note", lang))

st.subheader(t("drivers.section.importance", lang))
higher_is_better = outcome not in LOWER_IS_BETTER
st.plotly_chart(charts.importance(a.importance, higher_is_better, lang), width="stretch")
st.caption(
    t(
        "drivers.importance_note",
        lang,
        r2=number(a.r2, lang, 2),
        n=number(a.n, lang, 0),
        boot=a.n_boot,
        mc=number(a.mc_error, lang, 1),
    )
)
shapley = a.importance.drop_nans("shapley_share")
if shapley.height:
    diff = float((shapley["shapley_share"] - shapley["share"]).abs().max())  # type: ignore[arg-type]
    st.caption(t("drivers.shapley_note", lang, diff=number(diff, lang, 1)))
show_table(
    importance_table(a, outcome),
    {
        "driver": Col(t("drivers.col.driver", lang)),
        "share": Col(t("drivers.col.share", lang), "percent"),
        "share_low": Col(t("drivers.col.low", lang), "percent"),
        "share_high": Col(t("drivers.col.high", lang), "percent"),
        "shapley_share": Col(t("drivers.col.shapley", lang), "percent"),
        "direction": Col(t("drivers.col.direction", lang)),
        "dominates": Col(t("drivers.col.dominates", lang)),
    },
)

st.subheader(t("drivers.section.odds", lang))
st.plotly_chart(charts.odds_ratios(a.odds_ratios, lang), width="stretch")
st.caption(
    t(
        "drivers.odds_note" if a.model == "logit" else "drivers.odds_note_ordinal",
        lang,
        model=t(f"drivers.model.{a.model}", lang),
        n=number(a.n, lang, 0),
        pr2=number(a.pseudo_r2, lang, 2),
        outcome=outcome_name,
    )
)
show_table(
    odds_table(a),
    {
        "term": Col(t("drivers.col.term", lang)),
        **{
            c: Col(t(f"drivers.col.{c}", lang), "number", 3)
            for c in ("odds_ratio", "low", "high", "p")
        },
    },
)

st.subheader(t("drivers.section.quadrant", lang))
st.plotly_chart(charts.quadrant(quadrant(a), lang), width="stretch")
st.caption(t("drivers.quadrant_note", lang))

st.subheader(t("drivers.section.segments", lang))
st.plotly_chart(charts.segments(segments, lang), width="stretch")
st.caption(t("drivers.segments_note", lang, min=number(MIN_RESPONSES, lang, 0)))
