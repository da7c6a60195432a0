"""A change analysis in words and tables, for the page and the one-page summary.

The verdicts come from :mod:`analytics.changes.verdicts` (words that follow the numbers); the
tables (:mod:`analytics.changes.tables`) format each method's numbers in the metric's
unit and the reader's language, as the verdicts do (:mod:`analytics.changes.formatting`).
:mod:`analytics.changes.summary` puts them into the downloadable HTML page.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from analytics import kpis
from analytics.changes import methods, prepost
from analytics.changes.analysis import Analysis, MetricResult, NotMeasured
from analytics.changes.design import Problem
from analytics.changes.formatting import (
    DECIMALS,
    change_text,
    formatter,
    interval_text,
    level_text,
    p_text,
)
from analytics.changes.its import RECOMMENDED_PERIODS
from analytics.changes.registry import SCOPE_FIELDS, Change
from analytics.changes.tables import (
    BEFORE_AFTER_COLUMNS,
    DID_COLUMNS,
    ITS_COLUMNS,
    METHODS_COLUMNS,
    before_after_note,
    before_after_table,
    did_table,
    its_table,
    labels,
    methods_labels,
    methods_table,
    smallest_p,
)
from analytics.i18n import Lang, day, kpi_value, number, t

# The page's formatting and tables, re-exported: the view and the summary use one module.
__all__ = [
    "BEFORE_AFTER_COLUMNS", "DID_COLUMNS", "ITS_COLUMNS", "METHODS_COLUMNS", "before_after_note",
    "before_after_table", "change_text", "did_table", "interval_text", "its_table", "labels",
    "level_text", "methods_labels", "methods_table", "p_text", "smallest_p",
]  # fmt: skip

# Lag-1 autocorrelation of ITS residuals above which one Newey-West lag may be too few
# (the ITS docstring: "well above 0.1-0.2").
AUTOCORRELATION_NOTE = 0.2
# The values a metric of each unit can take (a 1-5 or 1-7 score: no common range).
RANGES = {"points": (-100.0, 100.0), "percent": (0.0, 100.0), "seconds": (0.0, math.inf)}


# -- words ---------------------------------------------------------------------------


def verdict(analysis: Analysis, metric: str, lang: Lang) -> prepost.Verdict:
    kpi = kpis.get(metric)
    name = t(f"kpi.{metric}", lang)
    if analysis[metric].not_measured is not None:  # no numbers, so no claim either way
        return prepost.Verdict("not_measured", name, kpi.higher_is_better, ())
    trusted = methods.trust(analysis, metric)
    findings = methods.ordered(analysis.findings(metric), trusted)
    return prepost.verdict(name, findings, kpi.higher_is_better)


def trust_text(analysis: Analysis, metric: str, lang: Lang) -> str:
    """The method the verdict trusts most for this design, and why (one sentence)."""
    trusted = methods.trust(analysis, metric) if analysis[metric].not_measured is None else None
    if trusted is None:
        return ""
    if trusted.method is None:
        return t("methods.trust_none", lang)
    method = t(f"verdict.the.{trusted.method}", lang)
    return t("methods.trust", lang, method=method, why=t(f"methods.trust.{trusted.reason}", lang))


def verdict_text(analysis: Analysis, metric: str, lang: Lang) -> str:
    """The plain-language verdict on one metric (see :mod:`analytics.changes.verdicts`)."""
    return " ".join(part for part in verdict_parts(analysis, metric, lang) if part)


def verdict_parts(analysis: Analysis, metric: str, lang: Lang) -> tuple[str, str]:
    """The verdict's headline sentence and the per-method details, apart (for layout);
    together they are :func:`verdict_text`. A metric not measured in a window gets
    that, and why, as its details. Numbers as in the tables (:mod:`change_format`)."""
    missing = analysis[metric].not_measured
    if missing is not None:
        return not_measured_parts(metric, missing, lang)
    places = DECIMALS[kpis.get(metric).unit]
    v = verdict(analysis, metric, lang)
    headline, details = prepost.render_parts(v, lang, places, formatter(metric, lang))
    return headline, " ".join([*details, trust_text(analysis, metric, lang)]).strip()


def left_out_text(analysis: Analysis, lang: Lang, key: str = "analysis.did.left_out") -> str:
    """Once for the page (or the summary, with its ``key``): a method that cannot answer
    with this design is left out of the verdicts (difference-in-differences over too
    few units), and why."""
    for r in analysis.results:
        ri = r.did.randomization if r.did is not None else None
        if r.did is not None and ri is not None and ri.smallest_p >= prepost.ALPHA:
            return t(key, lang, n=r.did.n_clusters, smallest=smallest_p(r.did))
    return ""


def not_measured_parts(metric: str, missing: NotMeasured, lang: Lang) -> tuple[str, str]:
    """ "Abandonment is not measured after the change, so there is no verdict." and
    the reason ("No column says whether a call was answered or abandoned.")."""
    headline = t(f"analysis.not_measured.{missing.window}", lang, metric=t(f"kpi.{metric}", lang))
    return headline, kpis.reason_text(metric, missing.reason, lang)


def problem_text(problem: Problem, lang: Lang) -> str:
    """A problem in ``lang``: dates and numbers formatted, scope fields translated."""
    return t(problem.key, lang, **{k: _param(v, lang) for k, v in problem.params})


def _param(value: object, lang: Lang) -> str:
    if isinstance(value, dt.date):
        return day(value, lang)
    if isinstance(value, int):
        return number(value, lang, 0)
    if isinstance(value, tuple):  # a scope: ((field, values), ...)
        return scope_text(dict(value), lang)
    return str(value)


def scope_text(scope: dict[str, tuple[str, ...]], lang: Lang) -> str:
    parts = [f"{t(f'registry.field.{k}', lang)}: {', '.join(v)}" for k, v in scope.items()]
    return "; ".join(parts) or t("registry.scope.all", lang)


def notes(result: MetricResult, lang: Lang, method: str | None = None) -> list[str]:
    """Cautions about one metric's methods (or one ``method``: before_after, its, did,
    event), and why a method has no result."""
    if result.not_measured is not None:  # one reason, not each method's "no data"
        reason = " ".join(not_measured_parts(result.metric, result.not_measured, lang))
        return [reason] if method in (None, "its", "did") else []
    out = [
        (m, t(f"analysis.method.{m}", lang) + ": " + problem_text(p, lang))
        for m, p in result.problems.items()
    ]
    its, did, trend = result.its, result.did, result.pre_trend
    if its is not None and its.short_series:
        sides = {"before": its.n_before, "after": its.n_after, "need": RECOMMENDED_PERIODS}
        out.append(("its", t("analysis.its.short", lang, **sides)))
    if its is not None and its.residual_autocorrelation > AUTOCORRELATION_NOTE:
        r = number(its.residual_autocorrelation, lang, 2)
        out.append(("its", t("analysis.its.autocorrelated", lang, r=r)))
    if its is not None and (beyond := out_of_range(result)) is not None:
        value = kpi_value(kpis.get(result.metric).unit, beyond, lang)
        out.append(("its", t("analysis.its.out_of_range", lang, value=value)))
    if did is not None and did.randomization is not None:
        cannot = did.randomization.smallest_p >= prepost.ALPHA
        key = "analysis.did.randomization_cannot" if cannot else "analysis.did.randomization"
        out.append(("did", t(key, lang, n=did.n_clusters, smallest=smallest_p(did))))
    staggered = result.staggered
    if staggered is not None and staggered.few_units:
        units = {"n": staggered.n_units, "df": staggered.n_units - 1}
        out.append(("staggered", t("methods.staggered.few_units", lang, **units)))
    if staggered is not None and staggered.disagree:
        twfe = change_text(result.metric, staggered.twfe.estimate, lang)
        out.append(("staggered", t("methods.staggered.twfe_disagrees", lang, twfe=twfe)))
    if trend is not None and not trend.parallel:
        key = f"analysis.event.not_parallel_{trend.method}"
        p = prepost.p_statement(trend.p, lang, holm=trend.method == "holm")
        out.append(("event", t(key, lang, p=p)))
    return [text for m, text in out if method is None or m == method]


def out_of_range(result: MetricResult) -> float | None:
    """The counterfactual value furthest outside the metric's possible range, if any:
    a steep pre-trend on a short, noisy series extended past what the metric can be."""
    unit = kpis.get(result.metric).unit
    if result.its is None or unit not in RANGES:
        return None
    low, high = RANGES[unit]
    line = result.its.fit["counterfactual"]
    lowest, highest = float(line.min()), float(line.max())  # type: ignore[arg-type]
    if highest > high:
        return highest
    return lowest if lowest < low else None


def registry_table(changes: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """The registry's rows for display: the scope in words; the dates stay dates (the
    table writes them in the language and sorts by them), no end date stays empty."""
    rows = [
        {
            "name": r["name"],
            "start": r["started_on"],
            "end": r["ended_on"],
            "scope": scope_text({f: tuple(r[f] or ()) for f in SCOPE_FIELDS if r[f]}, lang),
            "owner": r["owner"],
        }
        for r in changes.iter_rows(named=True)
    ]
    schema = dict.fromkeys(REGISTRY_COLUMNS, pl.String) | {"start": pl.Date, "end": pl.Date}
    return pl.DataFrame(rows, schema=schema)


REGISTRY_COLUMNS = ("name", "start", "end", "scope", "owner")


# -- context lines ---------------------------------------------------------------------------


def change_summary(c: Change, lang: Lang) -> str:
    """When the change started (and ended), its scope and owner, as one line."""
    ended = t("analysis.ended", lang, end=day(c.ended_on, lang)) if c.ended_on else ""
    owner = t("analysis.owner", lang, owner=c.owner) if c.owner else ""
    return t(
        "analysis.summary",
        lang,
        start=day(c.started_on, lang),
        ended=ended,
        scope=scope_text(c.scope, lang),
        owner=owner,
    )


def window_text(analysis: Analysis, lang: Lang) -> str:
    w = analysis.windows
    if w is None:
        return ""
    return t(
        "analysis.windows",
        lang,
        bstart=day(w.before[0], lang), bend=day(w.before[1], lang), bweeks=w.weeks_before,
        astart=day(w.after[0], lang), aend=day(w.after[1], lang), aweeks=w.weeks_after,
    )  # fmt: skip


def groups_text(analysis: Analysis, lang: Lang) -> str:
    u = analysis.units
    if u is None:
        return ""
    control = ", ".join(u.control) or "–"
    key = "analysis.groups_chosen" if analysis.settings.control else "analysis.groups"
    return t(key, lang, treated=", ".join(u.treated) or "–", control=control)
