"""A change analysis's tables, as strings in the reader's language.

One row per metric and method; each change, interval and MDE formatted as the verdict
formats the same numbers (:mod:`analytics.changes.formatting`), and each interval beside
the p-value of the same test - for before/after, both adjusted for the metrics
compared (:func:`analytics.changes.before_after`). Shown by the page and the one-page
summary (:mod:`analytics.changes.report`).
"""

from __future__ import annotations

import math

import polars as pl

from analytics.changes import methods, prepost
from analytics.changes.analysis import Analysis, MetricResult
from analytics.changes.design import Problem
from analytics.changes.did import DiDResult
from analytics.changes.formatting import change_text, effect_cells, level_text, p_text
from analytics.i18n import Lang, number, t


def smallest_p(did: DiDResult) -> str:
    """The smallest p-value randomization across these units can give, as "1/5"."""
    ri = did.randomization
    return f"1/{ri.n_assignments}" if ri is not None else "–"


def before_after_table(analysis: Analysis, lang: Lang) -> pl.DataFrame:
    """Per metric: before, after, the change with its interval and p-value - one pair,
    adjusted together for the metrics compared (:func:`changes.before_after`) - and
    the MDE at that level."""
    rows = []
    for c in analysis.before_after.changes if analysis.before_after else ():
        a, missing = c.adjusted, analysis[c.metric].not_measured
        mde = math.nan if missing else c.mde
        rows.append({
            "metric": t(f"kpi.{c.metric}", lang),
            "before": _value(c.metric, c.before.value, "before", analysis, lang),
            "after": _value(c.metric, c.after.value, "after", analysis, lang),
            **effect_cells(c.metric, a.estimate, a.low, a.high, lang, mde),
            "p": p_text(a.p, lang),
            "n": f"{number(c.before.n, lang, 0)} / {number(c.after.n, lang, 0)}",
        })  # fmt: skip
    return pl.DataFrame(rows, schema=dict.fromkeys(BEFORE_AFTER_COLUMNS, pl.String))


BEFORE_AFTER_COLUMNS = ("metric", "before", "after", "change", "ci", "p", "mde", "n")
ITS_COLUMNS = ("metric", "effect", "ci", "p", "level", "slope", "mde", "periods")
DID_COLUMNS = ("metric", "effect", "ci", "p", "mde", "units", "pre_trend")


def labels(analysis: Analysis, columns: tuple[str, ...], lang: Lang) -> dict[str, str]:
    """Column headers; the before/after interval and p say they are adjusted."""
    m = analysis.before_after.m if analysis.before_after else 1
    adjusted = columns == BEFORE_AFTER_COLUMNS and m > 1
    out = {c: t(f"analysis.col.{c}", lang) for c in columns}
    if adjusted:
        out |= {c: t(f"analysis.col.{c}_adjusted", lang, m=m) for c in ("ci", "p")}
    return out


def before_after_note(analysis: Analysis, lang: Lang) -> str:
    """How the before/after numbers are computed, and what they are adjusted for."""
    m = analysis.before_after.m if analysis.before_after else 1
    key = "analysis.before_after.adjusted" if m > 1 else "analysis.before_after.single"
    return f"{t('analysis.before_after.note', lang)} {t(key, lang, m=m)}"


def its_table(analysis: Analysis, lang: Lang) -> pl.DataFrame:
    """Per metric: the average post-change gap to the counterfactual, level and slope."""
    rows = []
    for r in analysis.results:
        if r.its is None:
            continue
        terms = {row["term"]: row["estimate"] for row in r.its.table.iter_rows(named=True)}
        e = r.its.effect
        rows.append({
            "metric": t(f"kpi.{r.metric}", lang),
            **effect_cells(r.metric, e.estimate, e.low, e.high, lang, r.its_mde, "effect"),
            "p": p_text(e.p, lang),
            "level": change_text(r.metric, terms["level_change"], lang),
            "slope": change_text(r.metric, terms["slope_change"], lang),
            "periods": f"{r.its.n_before} / {r.its.n_after}",
        })  # fmt: skip
    return pl.DataFrame(rows, schema=dict.fromkeys(ITS_COLUMNS, pl.String))


def did_table(analysis: Analysis, lang: Lang) -> pl.DataFrame:
    """Per metric: the DiD effect, its cluster-robust CI (or its randomization p and no
    CI, with few units), MDE, units and the pre-trend test."""
    rows = []
    for r in analysis.results:
        if r.did is None:
            continue
        e, trend = r.did.effect, r.pre_trend
        rows.append({
            "metric": t(f"kpi.{r.metric}", lang),
            **effect_cells(r.metric, e.estimate, e.low, e.high, lang, r.did_mde, "effect"),
            "p": p_text(e.p, lang) if r.did.randomization is None else t(
                "analysis.did.p_randomization", lang, p=p_text(e.p, lang),
                smallest=smallest_p(r.did),
            ),
            "units": number(r.did.n_clusters or 0, lang, 0),
            "pre_trend": "–" if trend is None else t(
                "analysis.event.parallel" if trend.parallel else "analysis.event.not_parallel",
                lang, p=prepost.p_statement(trend.p, lang, holm=trend.method == "holm"),
            ),
        })  # fmt: skip
    return pl.DataFrame(rows, schema=dict.fromkeys(DID_COLUMNS, pl.String))


METHODS_COLUMNS = ("method", "effect", "ci", "p", "agreement", "note")


def methods_table(analysis: Analysis, metric: str, lang: Lang) -> pl.DataFrame:
    """Every method on one metric, side by side: the finding the verdict weighs (the
    same estimate, interval and p-value, formatted as the verdict formats them),
    whether it agrees with the most trusted method, and why a method has no numbers."""
    result = analysis[metric]
    out = []
    for row in methods.rows(analysis, metric):
        f, name = row.finding, t(f"verdict.{row.method}", lang)
        if f is None:
            note = _problem(row.problem, lang)
            cells = {"effect": "–", "ci": "–", "p": "–"}
        else:
            cells = effect_cells(metric, f.estimate, f.low, f.high, lang, f.mde, "effect")
            cells["p"] = p_text(f.p, lang)
            note = _method_note(row.method, result, lang)
            if f.by_randomization:
                smallest = f"1/{round(1 / f.smallest_p)}" if f.smallest_p > 0 else "–"
                cells["p"] = t(
                    "analysis.did.p_randomization", lang, p=cells["p"], smallest=smallest
                )
            elif f.adjusted_for > 1:
                note = t("methods.adjusted", lang, m=f.adjusted_for)
        agreement = t(f"methods.agreement.{row.agreement}", lang)
        out.append({"method": name, "effect": cells["effect"], "ci": cells["ci"],
                    "p": cells["p"], "agreement": agreement, "note": note})  # fmt: skip
    return pl.DataFrame(out, schema=dict.fromkeys(METHODS_COLUMNS, pl.String))


def methods_labels(lang: Lang) -> dict[str, str]:
    own = {"method", "agreement", "note"}
    return {
        c: t(f"methods.col.{c}" if c in own else f"analysis.col.{c}", lang) for c in METHODS_COLUMNS
    }


def _method_note(method: str, r: MetricResult, lang: Lang) -> str:
    if method == "structural" and r.structural is not None:
        names = ", ".join(r.structural.coefficients)
        return t("methods.structural.controls", lang, controls=names or "–")
    if method == "staggered" and r.staggered is not None:
        cohorts = r.staggered.group_time["group"].n_unique()
        twfe = r.staggered.twfe  # the naive regression, always beside the estimator
        return t(
            "methods.staggered.units", lang, n=r.staggered.n_units, cohorts=cohorts,
            twfe=change_text(r.metric, twfe.estimate, lang),
            low=change_text(r.metric, twfe.low, lang), high=change_text(r.metric, twfe.high, lang),
        )  # fmt: skip
    return ""


def _problem(problem: Problem | None, lang: Lang) -> str:
    if problem is None:
        return ""
    return t(problem.key, lang, **{k: str(v) for k, v in problem.params})


def _value(metric: str, value: float, window: str, analysis: Analysis, lang: Lang) -> str:
    """A window's value, or "Not measured" (never a number standing for nothing)."""
    missing = analysis[metric].not_measured
    if missing is not None and (missing.window == window or math.isnan(value)):
        return t("kpi.not_measured", lang)
    return level_text(metric, value, lang)
