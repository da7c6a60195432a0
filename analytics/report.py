"""A change analysis in words and tables: for the page and as a one-page HTML summary.

The verdicts come from :mod:`analytics.verdict` (words that follow the numbers); the
tables (:mod:`analytics.change_tables`) format each method's numbers in the metric's
unit and the reader's language, as the verdicts do (:mod:`analytics.change_format`).
:func:`html` writes a self-contained page (no scripts, no external files, inline CSS)
in which every user-supplied text - the change's name, description, owner, scope
values - is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape

import polars as pl

from analytics import changes, kpis
from analytics.change_analysis import Analysis, MetricResult, NotMeasured, Problem
from analytics.change_format import (
    DECIMALS,
    change_text,
    formatter,
    interval_text,
    level_text,
    p_text,
)
from analytics.change_tables import (
    BEFORE_AFTER_COLUMNS,
    DID_COLUMNS,
    ITS_COLUMNS,
    before_after_note,
    before_after_table,
    did_table,
    its_table,
    labels,
    smallest_p,
)
from analytics.i18n import Lang, day, kpi_value, number, t
from analytics.its import RECOMMENDED_PERIODS
from analytics.registry import SCOPE_FIELDS, Change

# The page's formatting and tables, re-exported: the view and the summary use one module.
__all__ = [
    "BEFORE_AFTER_COLUMNS", "DID_COLUMNS", "ITS_COLUMNS", "before_after_note",
    "before_after_table", "change_text", "did_table", "interval_text", "its_table", "labels",
    "level_text", "p_text", "smallest_p",
]  # fmt: skip

# Lag-1 autocorrelation of ITS residuals above which one Newey-West lag may be too few
# (the ITS docstring: "well above 0.1-0.2").
AUTOCORRELATION_NOTE = 0.2
# The values a metric of each unit can take (a 1-5 or 1-7 score: no common range).
RANGES = {"points": (-100.0, 100.0), "percent": (0.0, 100.0), "seconds": (0.0, math.inf)}
MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|~$"


# -- words ---------------------------------------------------------------------------


def verdict(analysis: Analysis, metric: str, lang: Lang) -> changes.Verdict:
    kpi = kpis.get(metric)
    name = t(f"kpi.{metric}", lang)
    if analysis[metric].not_measured is not None:  # no numbers, so no claim either way
        return changes.Verdict("not_measured", name, kpi.higher_is_better, ())
    return changes.verdict(name, analysis.findings(metric), kpi.higher_is_better)


def verdict_text(analysis: Analysis, metric: str, lang: Lang) -> str:
    """The plain-language verdict on one metric (see :mod:`analytics.verdict`)."""
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
    headline, details = changes.render_parts(v, lang, places, formatter(metric, lang))
    return headline, " ".join(details)


def left_out_text(analysis: Analysis, lang: Lang) -> str:
    """Once for the page: a method that cannot answer with this design is left out of
    the verdicts (difference-in-differences over too few units), and why."""
    for r in analysis.results:
        ri = r.did.randomization if r.did is not None else None
        if r.did is not None and ri is not None and ri.smallest_p >= changes.ALPHA:
            return t("analysis.did.left_out", lang, n=r.did.n_clusters, smallest=smallest_p(r.did))
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


def p_statement(p: float, lang: Lang) -> str:
    """A p-value inside a sentence: "p = 0.012", "p < 0.001"."""
    return "–" if math.isnan(p) else changes.p_statement(p, lang)


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
        cannot = did.randomization.smallest_p >= changes.ALPHA
        key = "analysis.did.randomization_cannot" if cannot else "analysis.did.randomization"
        out.append(("did", t(key, lang, n=did.n_clusters, smallest=smallest_p(did))))
    if trend is not None and not trend.parallel:
        key = f"analysis.event.not_parallel_{trend.method}"
        p = changes.p_statement(trend.p, lang, holm=trend.method == "holm")
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
    """The registry's rows for display: dates in the language, the scope in words."""
    rows = [
        {
            "name": r["name"],
            "start": day(r["started_on"], lang),
            "end": day(r["ended_on"], lang) if r["ended_on"] else "–",
            "scope": scope_text({f: tuple(r[f] or ()) for f in SCOPE_FIELDS if r[f]}, lang),
            "owner": r["owner"] or "",
        }
        for r in changes.iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(REGISTRY_COLUMNS, pl.String))


REGISTRY_COLUMNS = ("name", "start", "end", "scope", "owner")


def markdown_escape(text: str) -> str:
    """User text shown through Streamlit markdown, with markdown syntax neutralised."""
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in text)


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


# -- the one-page HTML summary ----------------------------------------------------------------

CSS = (
    "body{font:14px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;"
    "color:#111827}h1{font-size:1.45rem;margin:0 0 .3rem}h2{font-size:1.05rem;margin:1.4rem 0 "
    ".4rem;border-bottom:1px solid #e5e7eb;padding-bottom:.2rem}table{border-collapse:collapse;"
    "width:100%;font-size:13px}th,td{padding:.25rem .5rem;border-bottom:1px solid #e5e7eb;"
    "text-align:right;white-space:nowrap}th:first-child,td:first-child{text-align:left}"
    ".meta{color:#4b5563}.note{color:#92400e}li{margin:.2rem 0}footer{margin-top:2rem;"
    "color:#6b7280;font-size:12px}"
)


def html(analysis: Analysis, lang: Lang, generated: dt.date | None = None) -> str:
    """The analysis as a self-contained HTML page (every text escaped)."""
    c = analysis.change
    title = t("analysis.report.title", lang, name=c.name)
    body = [
        f"<h1>{escape(title)}</h1>",
        _p(change_summary(c, lang), "meta"),
        _p(c.description),
        _p(window_text(analysis, lang), "meta"),
        _p(settings_text(analysis, lang), "meta"),
        _p(groups_text(analysis, lang), "meta"),
    ]
    if analysis.problem is not None:
        body.append(_p(problem_text(analysis.problem, lang), "note"))
    else:
        body += _results(analysis, lang)
    when = day(generated or dt.date.today(), lang)
    body.append(f"<footer>{escape(t('analysis.report.footer', lang, date=when))}</footer>")
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        + "\n".join(b for b in body if b)
        + "</body></html>"
    )


def _results(analysis: Analysis, lang: Lang) -> list[str]:
    out = [f"<h2>{escape(t('analysis.verdict', lang))}</h2><ul>"]
    for r in analysis.results:
        headline, details = verdict_parts(analysis, r.metric, lang)
        out.append(f"<li><strong>{escape(headline)}</strong> {escape(details)}</li>")
    out.append("</ul>")
    out.append(_p(left_out_text(analysis, lang), "meta"))
    sections = (
        ("analysis.before_after", before_after_table, BEFORE_AFTER_COLUMNS,
         before_after_note(analysis, lang)),
        ("analysis.its", its_table, ITS_COLUMNS, t("analysis.its.note", lang)),
        ("analysis.did", did_table, DID_COLUMNS, t("analysis.report.did_note", lang)),
    )  # fmt: skip
    for title, table, columns, note in sections:
        head = labels(analysis, columns, lang)
        out += [f"<h2>{escape(t(title, lang))}</h2>", _table(table(analysis, lang), head, lang)]
        out.append(_p(note, "meta"))
    cautions = _cautions(analysis, lang)
    if cautions:
        out += [f"<h2>{escape(t('analysis.cautions', lang))}</h2><ul class=note>", *cautions]
        out.append("</ul>")
    return out


def _cautions(analysis: Analysis, lang: Lang) -> list[str]:
    """Each caution once, with the metrics it applies to (most apply to all)."""
    metrics_by_note: dict[str, list[str]] = {}
    for r in analysis.results:
        if r.not_measured is not None:  # the verdict list already says why
            continue
        for note in notes(r, lang):
            metrics_by_note.setdefault(note, []).append(t(f"kpi.{r.metric}", lang))
    return [
        f"<li>{escape(', '.join(names))}: {escape(note)}</li>"
        for note, names in metrics_by_note.items()
    ]


def settings_text(analysis: Analysis, lang: Lang) -> str:
    s = analysis.settings
    return t(
        "analysis.report.settings",
        lang,
        grain=t(f"analysis.grain.{s.grain}", lang),
        ramp=s.ramp_weeks,
    )


def _table(frame: pl.DataFrame, labels: dict[str, str], lang: Lang) -> str:
    if frame.is_empty():
        return _p(t("analysis.no_results", lang), "meta")
    head = "".join(f"<th>{escape(labels[c])}</th>" for c in frame.columns)
    rows = [
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    ]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _p(text: str, cls: str = "") -> str:
    if not text:
        return ""
    return f'<p class="{cls}">{escape(text)}</p>' if cls else f"<p>{escape(text)}</p>"
