"""A change analysis in words and tables: for the page and as a one-page HTML summary.

The verdicts come from :mod:`analytics.verdict` (words that follow the numbers); the
tables format each method's numbers in the metric's unit and the reader's language.
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
from analytics.did import DiDResult
from analytics.i18n import Lang, day, kpi_value, number, t
from analytics.registry import SCOPE_FIELDS, Change
from analytics.verdict import p_value

# Lag-1 autocorrelation of ITS residuals above which one Newey-West lag may be too few
# (the ITS docstring: "well above 0.1-0.2").
AUTOCORRELATION_NOTE = 0.2
# The values a metric of each unit can take (a 1-5 or 1-7 score: no common range).
RANGES = {"points": (-100.0, 100.0), "percent": (0.0, 100.0), "seconds": (0.0, math.inf)}
MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|~$"


# -- words ---------------------------------------------------------------------------


def unit_label(metric: str, lang: Lang) -> str:
    """The unit of a metric's *change*: points, percentage points, seconds; a 1-7 score
    has none."""
    unit = kpis.get(metric).unit
    return "" if unit == "score" else t(f"analysis.unit.{unit}", lang)


def verdict(analysis: Analysis, metric: str, lang: Lang) -> changes.Verdict:
    kpi = kpis.get(metric)
    name, unit = t(f"kpi.{metric}", lang), unit_label(metric, lang)
    if analysis[metric].not_measured is not None:  # no numbers, so no claim either way
        return changes.Verdict("not_measured", name, kpi.higher_is_better, (), unit)
    return changes.verdict(name, analysis.findings(metric), kpi.higher_is_better, unit)


def verdict_text(analysis: Analysis, metric: str, lang: Lang) -> str:
    """The plain-language verdict on one metric (see :mod:`analytics.verdict`)."""
    return " ".join(part for part in verdict_parts(analysis, metric, lang) if part)


def verdict_parts(analysis: Analysis, metric: str, lang: Lang) -> tuple[str, str]:
    """The verdict's headline sentence and the per-method details, apart (for layout);
    together they are :func:`verdict_text`. A metric not measured in a window gets
    that, and why, as its details."""
    missing = analysis[metric].not_measured
    if missing is not None:
        return not_measured_parts(metric, missing, lang)
    decimals = 2 if kpis.get(metric).unit == "score" else 1
    headline, details = changes.render_parts(verdict(analysis, metric, lang), lang, decimals)
    return headline, " ".join(details)


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


def change_text(metric: str, value: float, lang: Lang) -> str:
    """A change in the metric's unit: NPS points, percentage points, m:ss, score."""
    if math.isnan(value):  # no change to state: a bare dash, not "– pp"
        return "–"
    unit = kpis.get(metric).unit
    if unit == "percent":
        return f"{number(value, lang, 1, sign=True)} {t('unit.pp', lang)}"
    if unit == "score":
        return number(value, lang, 2, sign=True)
    return kpi_value(unit, value, lang, sign=True)


def interval_text(metric: str, low: float, high: float, lang: Lang) -> str:
    if math.isnan(low) or math.isnan(high):
        return "–"
    return f"{change_text(metric, low, lang)} … {change_text(metric, high, lang)}"


def p_text(p: float, lang: Lang) -> str:
    """A p-value for a table cell headed "p": "0.012", "< 0.001"."""
    if math.isnan(p):
        return "–"
    return f"< {number(0.001, lang, 3)}" if p < 0.001 else p_value(p, lang)


def p_statement(p: float, lang: Lang) -> str:
    """A p-value inside a sentence: "p = 0.012", "p < 0.001"."""
    return "–" if math.isnan(p) else changes.p_statement(p, lang)


def smallest_p(did: DiDResult) -> str:
    """The smallest p-value randomization across these units can give, as "1/5"."""
    ri = did.randomization
    return f"1/{ri.n_assignments}" if ri is not None else "–"


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
        out.append(("its", t("analysis.its.short", lang)))
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


# -- tables (strings, in the reader's language) ------------------------------------------


def before_after_table(analysis: Analysis, lang: Lang) -> pl.DataFrame:
    """Per metric: before, after, the change with its 95% CI, p (raw and Holm), MDE."""
    rows = []
    for c in analysis.before_after.changes if analysis.before_after else ():
        d = c.difference
        rows.append({
            "metric": t(f"kpi.{c.metric}", lang),
            "before": _value(c.metric, c.before.value, "before", analysis, lang),
            "after": _value(c.metric, c.after.value, "after", analysis, lang),
            "change": change_text(c.metric, d.estimate, lang),
            "ci": interval_text(c.metric, d.low, d.high, lang),
            "p": p_text(d.p, lang),
            "p_holm": p_text(c.p_holm, lang),
            "mde": "–" if analysis[c.metric].not_measured else _mde(c.metric, c.mde, lang),
            "n": f"{number(c.before.n, lang, 0)} / {number(c.after.n, lang, 0)}",
        })  # fmt: skip
    return pl.DataFrame(rows, schema=dict.fromkeys(BEFORE_AFTER_COLUMNS, pl.String))


BEFORE_AFTER_COLUMNS = ("metric", "before", "after", "change", "ci", "p", "p_holm", "mde", "n")
ITS_COLUMNS = ("metric", "effect", "ci", "p", "level", "slope", "mde", "periods")
DID_COLUMNS = ("metric", "effect", "ci", "p", "mde", "units", "pre_trend")


def its_table(analysis: Analysis, lang: Lang) -> pl.DataFrame:
    """Per metric: the average post-change gap to the counterfactual, level and slope."""
    rows = []
    for r in analysis.results:
        if r.its is None:
            continue
        terms = {row["term"]: row for row in r.its.table.iter_rows(named=True)}
        e = r.its.effect
        rows.append({
            "metric": t(f"kpi.{r.metric}", lang),
            "effect": change_text(r.metric, e.estimate, lang),
            "ci": interval_text(r.metric, e.low, e.high, lang),
            "p": p_text(e.p, lang),
            "level": change_text(r.metric, terms["level_change"]["estimate"], lang),
            "slope": change_text(r.metric, terms["slope_change"]["estimate"], lang),
            "mde": _mde(r.metric, r.its_mde, lang),
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
            "effect": change_text(r.metric, e.estimate, lang),
            "ci": interval_text(r.metric, e.low, e.high, lang),
            "p": p_text(e.p, lang) if r.did.randomization is None else t(
                "analysis.did.p_randomization", lang, p=p_text(e.p, lang),
                smallest=smallest_p(r.did),
            ),
            "mde": _mde(r.metric, r.did_mde, lang),
            "units": number(r.did.n_clusters or 0, lang, 0),
            "pre_trend": "–" if trend is None else t(
                "analysis.event.parallel" if trend.parallel else "analysis.event.not_parallel",
                lang, p=changes.p_statement(trend.p, lang, holm=trend.method == "holm"),
            ),
        })  # fmt: skip
    return pl.DataFrame(rows, schema=dict.fromkeys(DID_COLUMNS, pl.String))


def _value(metric: str, value: float, window: str, analysis: Analysis, lang: Lang) -> str:
    """A window's value, or "Not measured" (never a number standing for nothing)."""
    missing = analysis[metric].not_measured
    if missing is not None and (missing.window == window or math.isnan(value)):
        return t("kpi.not_measured", lang)
    return kpi_value(kpis.get(metric).unit, value, lang)


def _mde(metric: str, mde: float, lang: Lang) -> str:
    return "–" if math.isnan(mde) else change_text(metric, mde, lang).lstrip("+")


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
    sections = (
        ("analysis.before_after", before_after_table, "analysis.before_after.note"),
        ("analysis.its", its_table, "analysis.its.note"),
        ("analysis.did", did_table, "analysis.report.did_note"),
    )
    for title, table, note in sections:
        out += [f"<h2>{escape(t(title, lang))}</h2>", _table(table(analysis, lang), lang)]
        out.append(_p(t(note, lang), "meta"))
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


def _table(frame: pl.DataFrame, lang: Lang) -> str:
    if frame.is_empty():
        return _p(t("analysis.no_results", lang), "meta")
    head = "".join(f"<th>{escape(t(f'analysis.col.{c}', lang))}</th>" for c in frame.columns)
    rows = [
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    ]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _p(text: str, cls: str = "") -> str:
    if not text:
        return ""
    return f'<p class="{cls}">{escape(text)}</p>' if cls else f"<p>{escape(text)}</p>"
