"""Change analysis page, survey-design section (not a page: ``views/change_analysis.py``
calls :func:`render`): did the survey move the scores, or the service?

For a survey-design change, the changed survey channels' score against the other
channels and the behaviour of the same calls (``changes.survey_design``); for a process
change with a scope, the same check with the scope's calls as the changed group.
"""

from __future__ import annotations

import math
from typing import cast

import polars as pl
import streamlit as st

from analytics.changes import survey_design as sd
from analytics.changes.design import Settings
from analytics.changes.registry import Change
from analytics.i18n import Lang, day, number, t
from ui import cache, tables
from ui.markdown import markdown_escape

ICONS = {
    "measurement_shift": ":material/straighten:",
    "service_change": ":material/support_agent:",
    "both": ":material/call_split:",
    "no_shift": ":material/remove:",
    "not_measured": ":material/block:",
}
DECIMALS = {"csat": 1, "nps": 1, "ces": 2, "resolution": 1, "repeat": 1, "wait": 1}


def render(change: Change, settings: Settings, lang: Lang, version: str) -> None:
    """The section: the verdict, the contrasts' table and the score distributions."""
    st.divider()
    st.subheader(t("sdesign.title", lang))
    chosen = [m for m in settings.metrics if m in sd.METRICS] or list(sd.METRICS)
    metric = st.selectbox(
        t("sdesign.metric", lang),
        chosen,
        index=chosen.index("csat") if "csat" in chosen else 0,  # the question IVRs ask
        format_func=lambda m: t(f"kpi.{m}", lang),
        key="sdesign_metric",
    )
    weeks = min(settings.weeks_before, settings.weeks_after)
    result = cast(
        sd.SurveyDesignResult,
        cache.survey_design(version, change, metric, weeks, settings.filters),
    )
    names = _names(result, lang)
    periods = {
        "before": f"{day(result.before[0], lang)} – {day(result.before[1], lang)}",
        "after": f"{day(result.after[0], lang)} – {day(result.after[1], lang)}",
    }
    kind = "survey_design" if result.kind == "survey_design" else "process"
    st.caption(markdown_escape(t(f"sdesign.intro.{kind}", lang, changed=names, **periods)))
    st.markdown(f"{ICONS[result.verdict]} **{markdown_escape(verdict_text(result, lang))}**")
    if result.score.reason is not None or result.reason == "no_scope":
        return
    if result.kind == "survey_design" and result.elsewhere:
        effect = _effect(result.metric, result.score.of("unchanged")["estimate"], lang)
        st.caption(markdown_escape(t("sdesign.elsewhere", lang, effect=effect)))
    labels = {c: t(f"sdesign.col.{c}", lang) for c in TABLE_COLUMNS}
    tables.show(contrast_table(result, lang), tables.texts(labels), lang, width="stretch")
    st.caption(t("sdesign.note", lang))
    dist = distribution_table(result, lang)
    if not dist.is_empty():
        with st.expander(t("sdesign.distribution", lang)):
            dist_labels = {c: t(f"sdesign.col.{c}", lang) for c in dist.columns}
            tables.show(dist, tables.texts(dist_labels), lang, width="stretch")


TABLE_COLUMNS = ("outcome", "group", "estimate", "low", "high", "p", "p_adjusted", "n")


def verdict_text(result: sd.SurveyDesignResult, lang: Lang) -> str:
    """The verdict in one sentence, with the effect and the outcomes that moved."""
    if result.verdict == "not_measured":
        reason = t(f"sdesign.reason.{result.reason}", lang)
        return t("sdesign.verdict.not_measured", lang, reason=reason)
    effect = _effect(result.metric, result.score.of("difference")["estimate"], lang)
    moved = [c for c in result.behaviour if sd.moved(c)]
    outcomes = "; ".join(
        f"{t(f'sdesign.outcome.{c.outcome}', lang)} {_effect(c.outcome, c.of('difference')['estimate'], lang)}"
        for c in moved
    )
    key: str = result.verdict
    if key == "service_change" and not moved:
        key = "service_change_scores"
    return t(
        f"sdesign.verdict.{key}",
        lang,
        metric=t(f"kpi.{result.metric}", lang),
        effect=effect,
        changed=_names(result, lang),
        outcomes=outcomes,
    )


def contrast_table(result: sd.SurveyDesignResult, lang: Lang) -> pl.DataFrame:
    """The contrasts as text cells: each outcome's changed, unchanged and difference."""
    kind = "survey_design" if result.kind == "survey_design" else "process"
    group_names = {
        "changed": t(f"sdesign.group.{kind}.changed", lang, names=_names(result, lang)),
        "unchanged": t(f"sdesign.group.{kind}.unchanged", lang),
        "difference": t("sdesign.group.difference", lang),
    }
    rows = []
    for c in (result.score, *result.behaviour):
        label = t(f"kpi.{c.outcome}", lang) if c.outcome == result.metric else None
        label = label or t(f"sdesign.outcome.{c.outcome}", lang)
        for r in c.rows.iter_rows(named=True):
            adjusted = (
                r["p"] if c.outcome == result.metric else min(1.0, r["p"] * len(sd.BEHAVIOUR))
            )
            rows.append(
                {
                    "outcome": label,
                    "group": group_names[r["group"]],
                    "estimate": _effect(c.outcome, r["estimate"], lang),
                    "low": _effect(c.outcome, r["low"], lang),
                    "high": _effect(c.outcome, r["high"], lang),
                    "p": _p(r["p"], lang),
                    "p_adjusted": _p(adjusted, lang),
                    "n": number(c.n, lang, 0) if r["group"] == "difference" else "",
                }
            )
    return pl.DataFrame(rows, schema=dict.fromkeys(TABLE_COLUMNS, pl.String))


def distribution_table(result: sd.SurveyDesignResult, lang: Lang) -> pl.DataFrame:
    """Share of answers per score value, changed / other group, before / after."""
    dist = result.distribution
    if dist.is_empty():
        return pl.DataFrame()
    wide = dist.with_columns(
        cell=pl.format(
            "{}_{}",
            pl.when(pl.col("changed")).then(pl.lit("changed")).otherwise(pl.lit("unchanged")),
            pl.when(pl.col("after")).then(pl.lit("after")).otherwise(pl.lit("before")),
        )
    ).pivot("cell", index="value", values="share")
    order = ("changed_before", "changed_after", "unchanged_before", "unchanged_after")
    cols = [c for c in order if c in wide.columns]
    wide = wide.sort("value")
    shown = wide.select(
        tables.labels(wide, "value", lambda v: _value(result.metric, v, lang)),
        *(tables.labels(wide, c, lambda v: _share(v, lang)) for c in cols),
    )
    return shown


def _names(result: sd.SurveyDesignResult, lang: Lang) -> str:
    if result.kind == "survey_design":
        return ", ".join(t(f"survey_channel.{c}", lang) for c in result.changed)
    return ", ".join(result.changed)


def _effect(outcome: str, value: float, lang: Lang) -> str:
    if value is None or math.isnan(value):
        return "–"
    text = number(value, lang, DECIMALS.get(outcome, 1), sign=True)
    return t(f"sdesign.unit.{sd.UNITS.get(outcome, 'score')}", lang, value=text)


def _p(value: float, lang: Lang) -> str:
    if value is None or math.isnan(value):
        return "–"
    return "< 0.001" if value < 0.001 else number(value, lang, 3)


def _share(value: float | None, lang: Lang) -> str:
    return "" if value is None else number(100 * value, lang, 1) + " %"


def _value(metric: str, value: float, lang: Lang) -> str:
    """An answer on its scale (CES rescaled to 1-7 may fall between whole numbers)."""
    return number(value, lang, 2 if metric == "ces" and value != int(value) else 0)
