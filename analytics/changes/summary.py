"""The one-page summary of a change analysis: a self-contained HTML page to forward.

In reading order:

1. one headline sentence - what changed, by how much, how sure - on one metric (the
   page's "metric for the charts"): :func:`headline`, which the page shows too, from
   the same verdict and the same numbers (:func:`analytics.changes.verdicts.headline_fields`);
2. one chart: that metric's periods before and after the change, the two windows'
   averages and the change date, drawn as static SVG (:mod:`analytics.svg`);
3. every method side by side on that metric (the page's table: estimate, interval,
   p-value, agreement with the most trusted method) and which method is trusted most,
   and why;
4. the other metrics in a short table: their verdict and the before/after numbers,
   the cells of the page's before/after table;
5. what each method compares and what the words mean, in plain words;
6. the numbers method by method (the page's tables, verdicts and cautions, and every
   other metric's methods side by side).

No script and no external reference: the file opens offline and runs nothing. Every
user-supplied text - the change's name, description, owner, scope values, queue
names - is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import polars as pl

from analytics import kpis, svg
from analytics.changes import charts as change_charts
from analytics.changes import report
from analytics.changes.analysis import Analysis
from analytics.changes.formatting import DECIMALS, formatter
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
)
from analytics.changes.verdicts import Format, Verdict, headline_fields
from analytics.htmlparts import cells
from analytics.htmlparts import h2 as _h2
from analytics.htmlparts import p as _p
from analytics.htmlparts import table as html_table
from analytics.i18n import Lang, day, t

OTHERS_COLUMNS = ("metric", "verdict", "before", "after", "change", "ci")
CSS = (
    "body{font:14px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;"
    "color:#111827}h1{font-size:1.45rem;margin:0 0 .5rem}h2{font-size:1.05rem;margin:1.4rem 0 "
    ".4rem;border-bottom:1px solid #e5e7eb;padding-bottom:.2rem}table{border-collapse:collapse;"
    "width:100%;font-size:13px}th,td{padding:.25rem .5rem;border-bottom:1px solid #e5e7eb;"
    "text-align:right;white-space:nowrap}th{white-space:normal;vertical-align:bottom}"
    "th:first-child,td:first-child{text-align:left}"
    ".headline{font-size:1.12rem;font-weight:600;margin:.2rem 0 .8rem}figure{margin:0 0 .5rem}"
    "figcaption{color:#4b5563;font-size:12px}.meta{color:#4b5563}.note{color:#92400e}"
    ".words td:nth-child(2),.words th:nth-child(2){text-align:left}svg{max-width:100%;height:auto}"
    "h3{font-size:.95rem;margin:1rem 0 .3rem}li{margin:.2rem 0}"
    "footer{margin-top:2rem;color:#6b7280;font-size:12px}"
    "@media print{body{margin:0;max-width:none}h2,h3{break-after:avoid}"
    "figure,tr{break-inside:avoid}}"
)


def html(
    analysis: Analysis, lang: Lang, metric: str | None = None, generated: dt.date | None = None
) -> str:
    """The summary page, led by ``metric`` (default: the first analysed)."""
    c = analysis.change
    title = t("analysis.report.title", lang, name=c.name)
    lead = lead_metric(analysis, metric)
    body = [f"<h1>{escape(title)}</h1>", _p(headline(analysis, lead, lang), "headline")]
    if analysis.problem is None:
        body.append(chart(analysis, lead, lang))
    body += [_p(report.change_summary(c, lang), "meta"), _p(c.description, "meta")]
    if analysis.problem is None:
        body += [*_methods(analysis, lead, lang), *_others(analysis, lead, lang)]
        body += [*_how(analysis, lang), *_details(analysis, lead, lang)]
    when = day(generated or dt.date.today(), lang)
    body.append(f"<footer>{escape(t('analysis.report.footer', lang, date=when))}</footer>")
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        + "\n".join(b for b in body if b)
        + "</body></html>"
    )


def lead_metric(analysis: Analysis, metric: str | None = None) -> str:
    """The metric the summary leads with: ``metric`` if analysed, else the first."""
    analysed = [r.metric for r in analysis.results] or list(analysis.settings.metrics)
    return metric if metric in analysed else analysed[0]


# -- the headline ---------------------------------------------------------------------------


def headline(analysis: Analysis, metric: str, lang: Lang) -> str:
    """One sentence to forward: "After “New IVR menu” on 22 Dec 2025, Avg speed of
    answer improved: -0:23 (95% CI ...; both adjusted for 6 metrics); the interrupted
    time series agrees." - or why there is no verdict. The page shows the same."""
    if analysis.problem is not None:
        return report.problem_text(analysis.problem, lang)
    change, date = analysis.change.name, day(analysis.change.started_on, lang)
    missing = analysis[metric].not_measured
    if missing is not None:
        name = t(f"kpi.{metric}", lang)
        clause = t(f"summary.lead.not_measured_{missing.window}", lang, metric=name)
        return t("summary.lead", lang, change=change, date=date, clause=clause, agree="")
    v = report.verdict(analysis, metric, lang)
    places = DECIMALS[kpis.get(metric).unit]
    return lead(v, lang, places, formatter(metric, lang), change, date)


def lead(v: Verdict, lang: Lang, places: int, fmt: Format, change: str, date: str) -> str:
    """The verdict ``v`` as the summary's opening sentence: the page verdict's template
    and numbers, naming the change; whether a real change is below the minimum
    meaningful change; the other methods when they all agree."""
    key, fields = headline_fields(v, lang, places, fmt)
    clause = t(f"summary.lead.{key}", lang, **fields)
    after = _agree(v, lang)
    if v.small:  # real but small, as the page's verdict says
        after += t("summary.lead.small", lang, meaningful=fields["meaningful"])
    return t("summary.lead", lang, change=change, date=date, clause=clause, agree=after)


def _agree(v: Verdict, lang: Lang) -> str:
    """ "; the interrupted time series agrees" when the verdict is all methods' verdict."""
    head = v.headline
    if v.code not in ("improved", "worsened") or len(v.findings) < 2:
        return ""
    others = [t(f"verdict.the.{f.method}", lang) for f in v.findings if f is not head]
    if len(others) == 1:
        return t("summary.lead.agrees", lang, methods=others[0])
    both = t("summary.lead.and", lang, first=", ".join(others[:-1]), last=others[-1])
    return t("summary.lead.agree", lang, methods=both)


# -- the chart ------------------------------------------------------------------------------


def chart(analysis: Analysis, metric: str, lang: Lang) -> str:
    """The lead metric before and after the change, as an SVG figure with its caption;
    nothing when the metric has no value to draw."""
    result, w = analysis[metric], analysis.windows
    if w is None or not result.series["value"].is_not_nan().any():
        return ""
    levels = []
    if analysis.before_after is not None and result.not_measured is None:
        c = analysis.before_after[metric]
        levels = [(*w.before, c.before.value), (*w.after, c.after.value)]
    ramp = (w.change_on, w.after[0])
    fig = change_charts.summary_chart(result.series, metric, lang, w.change_on, levels, ramp)
    grain = t(f"analysis.grain.{analysis.settings.grain}", lang).lower()
    treated = ", ".join(analysis.units.treated) if analysis.units else "–"
    parts = [t("summary.chart.dots", lang, group=treated, grain=grain)]
    parts += [t("summary.chart.hollow", lang)] if w.after[0] > w.change_on else []
    parts += [t("summary.chart.lines", lang)] if levels else []
    caption = " ".join([*parts, t("summary.chart.dashed", lang)])
    return f"<figure>{svg.figure_svg(fig)}<figcaption>{escape(caption)}</figcaption></figure>"


# -- every method side by side -------------------------------------------------------------


def _methods(analysis: Analysis, metric: str, lang: Lang, level: str = "h2") -> list[str]:
    """The page's side-by-side table for ``metric``, the trusted method and why, and
    how to read the table."""
    title = t("summary.methods", lang)
    if level == "h3":
        title = f"{t(f'kpi.{metric}', lang)}: {title}"
    head = f"<{level}>{escape(title)}</{level}>"
    frame = methods_table(analysis, metric, lang).select(METHODS_COLUMNS)
    trust = report.trust_text(analysis, metric, lang)
    return [head, _table(frame, methods_labels(lang), lang, "words"), _p(trust, "meta")]


# -- the other metrics ------------------------------------------------------------------------


def others_table(analysis: Analysis, metric: str, lang: Lang) -> pl.DataFrame:
    """Every analysed metric but ``metric``: its verdict in a word or two, and the
    before/after cells of the page's table (the same strings)."""
    ba = {r["metric"]: r for r in before_after_table(analysis, lang).iter_rows(named=True)}
    rows = []
    for r in analysis.results:
        if r.metric == metric:
            continue
        name = t(f"kpi.{r.metric}", lang)
        cells = ba.get(name, {})
        code = report.verdict(analysis, r.metric, lang).code
        rows.append({"metric": name, "verdict": t(f"summary.code.{code}", lang)} | {
            c: cells.get(c, "–") for c in OTHERS_COLUMNS[2:]
        })  # fmt: skip
    return pl.DataFrame(rows, schema=dict.fromkeys(OTHERS_COLUMNS, pl.String))


def _others(analysis: Analysis, metric: str, lang: Lang) -> list[str]:
    frame = others_table(analysis, metric, lang)
    if frame.is_empty():
        return []
    head = labels(analysis, BEFORE_AFTER_COLUMNS, lang) | {
        "verdict": t("summary.col.verdict", lang),
        "change": t("summary.col.change", lang),
    }
    return [_h2(t("summary.others", lang)), _table(frame, head, lang, "words")]


# -- what the methods compare, in plain words ----------------------------------------------------


def how_text(analysis: Analysis, lang: Lang) -> list[str]:
    """The method details in plain words: what each method compares, what the
    adjustment, "not confirmed", "cannot tell" and a method left out mean."""
    w, m = analysis.windows, analysis.before_after.m if analysis.before_after else 1
    weeks = {"bweeks": w.weeks_before, "aweeks": w.weeks_after} if w else {"bweeks": 0, "aweeks": 0}
    control = ", ".join(analysis.units.control) if analysis.units else ""
    left_out = report.left_out_text(analysis, lang, "summary.how.left_out")
    return [
        t("summary.how.before_after", lang, **weeks),
        t("summary.how.its", lang),
        t("summary.how.did", lang, control=control or "–"),
        t("summary.how.adjusted", lang, m=m) if m > 1 else t("summary.how.single", lang),
        t("summary.how.not_confirmed", lang),
        t("summary.how.cannot_tell", lang),
        left_out or t("summary.how.can_answer", lang),
        t("summary.how.structural", lang),
        t("summary.how.staggered", lang),
    ]


def _how(analysis: Analysis, lang: Lang) -> list[str]:
    context = [report.window_text(analysis, lang), report.groups_text(analysis, lang),
               settings_text(analysis, lang)]  # fmt: skip
    return [
        _h2(t("summary.how", lang)),
        *(_p(line, "meta") for line in context),
        *(_p(text) for text in how_text(analysis, lang)),
    ]


def settings_text(analysis: Analysis, lang: Lang) -> str:
    s = analysis.settings
    grain = t(f"analysis.grain.{s.grain}", lang)
    return t("analysis.report.settings", lang, grain=grain, ramp=s.ramp_weeks)


# -- the numbers, method by method ------------------------------------------------------------


def _details(analysis: Analysis, lead: str, lang: Lang) -> list[str]:
    out = [_h2(t("summary.details", lang)), "<ul>"]
    for r in analysis.results:
        headline, details = report.verdict_parts(analysis, r.metric, lang)
        out.append(f"<li><strong>{escape(headline)}</strong> {escape(details)}</li>")
    out.append("</ul>")
    sections = (
        ("analysis.before_after", before_after_table, BEFORE_AFTER_COLUMNS,
         before_after_note(analysis, lang)),
        ("analysis.its", its_table, ITS_COLUMNS, t("analysis.its.note", lang)),
        ("analysis.did", did_table, DID_COLUMNS, t("analysis.report.did_note", lang)),
    )  # fmt: skip
    for title, table, columns, note in sections:
        head = labels(analysis, columns, lang)
        out += [f"<h3>{escape(t(title, lang))}</h3>", _table(table(analysis, lang), head, lang)]
        out.append(_p(note, "meta"))
    for r in analysis.results:
        if r.metric != lead and r.not_measured is None:
            out += _methods(analysis, r.metric, lang, "h3")
    out.append(_p(t("methods.note", lang), "meta"))
    cautions = _cautions(analysis, lang)
    if cautions:
        out += [f"<h3>{escape(t('analysis.cautions', lang))}</h3><ul class=note>", *cautions]
        out.append("</ul>")
    return out


def _cautions(analysis: Analysis, lang: Lang) -> list[str]:
    """Each caution once, with the metrics it applies to (most apply to all)."""
    metrics_by_note: dict[str, list[str]] = {}
    for r in analysis.results:
        if r.not_measured is not None:  # the verdict list already says why
            continue
        for note in report.notes(r, lang):
            metrics_by_note.setdefault(note, []).append(t(f"kpi.{r.metric}", lang))
    return [
        f"<li>{escape(', '.join(names))}: {escape(note)}</li>"
        for note, names in metrics_by_note.items()
    ]


# -- elements ---------------------------------------------------------------------------------


def _table(frame: pl.DataFrame, labels: dict[str, str], lang: Lang, cls: str = "") -> str:
    if frame.is_empty():
        return _p(t("analysis.no_results", lang), "meta")
    rows = [f"<tr>{cells([str(v) for v in row])}</tr>" for row in frame.iter_rows()]
    return html_table([labels[c] for c in frame.columns], rows, cls)
