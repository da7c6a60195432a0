"""The weekly review as one self-contained HTML page, and as a plain-text summary.

The page opens offline and runs nothing: inline CSS, charts as inline SVG
(:mod:`analytics.weekly.charts`), no script and no external reference. Every text
from the data or from users - segment and agent names, change names, comments - is
HTML-escaped. The same page, with ``@page`` rules for A4 and page numbers, is the PDF
(:mod:`analytics.weekly.pdf`).
"""

from __future__ import annotations

from html import escape

import polars as pl

from analytics import kpis, overview
from analytics.htmlparts import cells as _cells
from analytics.htmlparts import h2 as _h2
from analytics.htmlparts import p as _p
from analytics.htmlparts import table as _table_html
from analytics.i18n import day, number, t
from analytics.weekly import words
from analytics.weekly.build import TREND_KEYS, Review
from analytics.weekly.charts import trend_svg

CSS = (
    "body{font:13px/1.45 system-ui,'DejaVu Sans',sans-serif;max-width:62rem;margin:2rem auto;"
    "padding:0 1rem;color:#111827}h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.05rem;"
    "margin:1.3rem 0 .4rem;border-bottom:1px solid #e5e7eb;padding-bottom:.2rem}"
    "h3{font-size:.95rem;margin:.9rem 0 .3rem}table{border-collapse:collapse;width:100%;"
    "font-size:12px}th,td{padding:.2rem .45rem;border-bottom:1px solid #e5e7eb;text-align:right;"
    "vertical-align:top;white-space:nowrap}td:first-child,td.text,td.nm{white-space:normal}"
    "th{font-weight:600;vertical-align:bottom}th:first-child,td:first-child,"
    "td.text,.names td:nth-child(-n+2),.names th:nth-child(-n+2),.names3 td:nth-child(3),"
    ".names3 th:nth-child(3){text-align:left}"
    ".meta,figcaption,.note{color:#4b5563}.note{font-size:12px}"
    ".good{color:#15803d;font-weight:600}.bad{color:#b91c1c;font-weight:600}"
    ".nm{color:#92400e;text-align:left}figure{margin:0 0 .6rem;break-inside:avoid}"
    "svg{max-width:100%;height:auto}blockquote{margin:.3rem 0 .3rem 1rem;padding-left:.6rem;"
    "border-left:3px solid #e5e7eb;white-space:pre-wrap}li{margin:.15rem 0}"
    "footer{margin-top:1.6rem;color:#6b7280;font-size:11px}"
    "@media print{body{margin:0;max-width:none}h2,h3{break-after:avoid}tr{break-inside:avoid}}"
)


def html(review: Review) -> str:
    """The review as one HTML document (UTF-8, no script, no external reference)."""
    lang = review.lang
    title = words.title(review)
    body = [
        f"<h1>{escape(title)}</h1>",
        _p(words.dates(review), "meta"),
        _p(words.scope(review.filters, lang), "meta"),
    ]
    if review.empty:
        body.append(_p(t("weekly.empty", lang)))
    else:
        body += [
            *_tiles(review),
            *_trends(review),
            *_segments(review),
            *_drivers(review),
            *_changes(review),
            *_followup(review),
            *_voice(review),
        ]
    body.append(f"<footer>{escape(words.footer(review))}</footer>")
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        + "\n".join(b for b in body if b)
        + "</body></html>"
    )


def _tiles(review: Review) -> list[str]:
    lang = review.lang
    heads = ["weekly.col.kpi", "col.value", "weekly.col.interval", "col.n", "weekly.col.change",
             "weekly.col.target"]  # fmt: skip
    rows = []
    for tile in review.tiles:
        name = f"<td>{escape(words.kpi_name(tile.kpi, lang))}</td>"
        if tile.reason is not None:
            text = escape(words.value(tile, lang))
            rows.append(f'<tr>{name}<td class="nm" colspan="5">{text}</td></tr>')
            continue
        n = number(tile.current.n, lang, 0)
        cells = [words.value(tile, lang), words.interval(tile, lang, short=True), n]
        # the change on one line, what it is on the next: "-12.7" / "no real change (p = 0.39)"
        said = escape(words.change(tile, lang)).replace(" · ", "<br>", 1)
        change = f'<td class="{words.tone(tile)}">{said}</td>'
        gap = escape(words.gap(tile, lang))
        rows.append(f"<tr>{name}{_cells(cells)}{change}<td>{gap}</td></tr>")
    return [
        _h2(t("weekly.tiles", lang)),
        _table_html([t(h, lang) for h in heads], rows),
        _p(t("weekly.tiles.note", lang), "note"),
    ]


def _trends(review: Review) -> list[str]:
    lang = review.lang
    out = [_h2(t("weekly.trends", lang))]
    for key in TREND_KEYS:
        series = review.trend.filter(pl.col("kpi") == key)
        missing = overview.not_measured(series)
        if missing is not None:
            out.append(f"<h3>{escape(words.kpi_name(key, lang))}</h3>")
            out.append(_p(kpis.not_measured_text(key, missing, lang), "nm"))
            continue
        chart = trend_svg(series, key, lang, review.trend_changes, review.trend_targets.get(key))
        out.append(f"<figure>{chart}</figure>")
    out.append(_p(t("weekly.trends.note", lang), "note"))
    return out


def _segments(review: Review) -> list[str]:
    lang = review.lang
    out = [_h2(words.segments_title(lang))]
    for s in review.segments:
        out.append(f"<h3>{escape(t(f'dim.{s.dimension}', lang))}</h3>")
        if s.reason is not None:
            out.append(_p(kpis.not_measured_text(words.SEGMENT_KPI, s.reason, lang), "nm"))
            continue
        if s.best.is_empty():
            out.append(_p(t("weekly.segments.none", lang), "meta"))
            continue
        heads = ["", *(t(h, lang) for h in words.SEGMENT_HEADS)]
        if "target" in s.best.columns:
            heads.append(t("weekly.col.target", lang))
        rows = [
            f"<tr><td>{escape(t(f'weekly.{side}', lang))}</td>{_cells(cells)}</tr>"
            for side, frame in (("best", s.best), ("worst", s.worst))
            for cells in words.segment_rows(frame, s.dimension, lang)
        ]
        out.append(_table_html(heads, rows, "names"))
        if s.left_out:
            out.append(_p(t("weekly.segments.left_out", lang, n=s.left_out), "note"))
    out.append(f"<h3>{escape(words.agents_title(lang))}</h3>")
    a = review.agents
    if a.ranked == 0:
        out.append(_p(t("weekly.agents.none", lang), "meta"))
    elif a.best.is_empty() and a.worst.is_empty():
        out.append(
            _p(t("weekly.agents.all_middle", lang, ranked=number(a.ranked, lang, 0)), "meta")
        )
    else:
        heads = ["", *(t(h, lang) for h in words.AGENT_HEADS)]
        rows = [
            f"<tr><td>{escape(t(f'weekly.tier.{side}', lang))}</td>{_cells(cells)}</tr>"
            for side, frame in (("best", a.best), ("worst", a.worst))
            for cells in words.agent_rows(frame, lang)
        ]
        out.append(_table_html(heads, rows, "names names3"))
    out.append(_p(words.agents_note(review), "note"))
    return out


def _drivers(review: Review) -> list[str]:
    lang = review.lang
    items = "".join(f"<li>{escape(line)}</li>" for line in words.driver_lines(review))
    return [
        _h2(words.drivers_title(lang)),
        f"<ul>{items}</ul>",
        _p(t("drivers.caution", lang), "note"),
    ]


def _changes(review: Review) -> list[str]:
    lang = review.lang
    out = [_h2(t("weekly.changes", lang))]
    if not review.changes:
        return [*out, _p(t("weekly.changes.none", lang), "meta")]
    for c in review.changes:
        out.append(f"<h3>{escape(c.name)} · {escape(day(c.started_on, lang))}</h3>")
        out.append(_p(c.headline))
        if c.verdicts:
            lines = (words.verdict_line(m, code, lang) for m, code in c.verdicts)
            out.append("<ul>" + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>")
    return out


def _followup(review: Review) -> list[str]:
    lang = review.lang
    out = [_h2(t("weekly.followup", lang))]
    if review.followup.created == 0:
        return [*out, _p(t("weekly.followup.none", lang), "meta")]
    rows = [
        f'<tr><td>{escape(label)}</td><td class="text">{escape(value)}</td></tr>'
        for label, value in words.followup_lines(review.followup, lang)
    ]
    return [*out, _table_html(["", ""], rows), _p(t("weekly.followup.note", lang), "note")]


def _voice(review: Review) -> list[str]:
    lang = review.lang
    out = [_h2(t("weekly.voice", lang))]
    if not any(review.voice.counts.values()):
        return [*out, _p(t("voice.no_comments", lang), "meta")]
    out.append(_p(words.voice_intro(review), "meta"))
    for side in ("a", "b"):
        label = t(f"voice.side.nps.{side}", lang)
        out.append(f"<p><strong>{escape(label)}:</strong> {escape(words.terms(review, side))}</p>")
    out.append(f"<h3>{escape(t('voice.suggestions', lang))}</h3>")
    out.append(_p(words.ideas_intro(review), "meta"))
    for when, comment in words.ideas(review):
        out.append(f'<blockquote>{escape(comment)}<br><span class="note">{escape(when)}</span>'
                   "</blockquote>")  # fmt: skip
    return out


# -- the plain-text summary ---------------------------------------------------------------------


def text(review: Review) -> str:
    """The review in plain text: the title, the KPIs with their change and gap to
    target, the best and worst segments, the top drivers, the changes, follow-up and
    the customers' ideas (for e-mail text parts and chat)."""
    lang = review.lang
    title = words.title(review)
    out = [title, "=" * len(title), words.dates(review), words.scope(review.filters, lang)]
    if review.empty:
        return "\n".join([*out, "", t("weekly.empty", lang), "", words.footer(review)]) + "\n"
    out.append(_heading(t("weekly.tiles", lang)))
    for tile in review.tiles:
        parts = [words.value(tile, lang), words.interval(tile, lang), words.change(tile, lang)]
        gap = words.gap(tile, lang)
        parts += [f"{t('weekly.col.target', lang)}: {gap}"] if gap != "–" else []
        out.append(f"- {words.kpi_name(tile.kpi, lang)}: " + "; ".join(p for p in parts if p))
    out.append(_heading(words.segments_title(lang)))
    for s in review.segments:
        name = t(f"dim.{s.dimension}", lang)
        if s.reason is not None:
            out.append(f"- {name}: " + kpis.not_measured_text(words.SEGMENT_KPI, s.reason, lang))
            continue
        for side, frame in (("best", s.best), ("worst", s.worst)):
            rows = words.segment_rows(frame, s.dimension, lang)
            shown = ", ".join(f"{r[0]} {r[1]} (n = {r[3]})" for r in rows) or "–"
            out.append(f"- {name}, {t(f'weekly.{side}', lang).lower()}: {shown}")
    for side, frame in (("best", review.agents.best), ("worst", review.agents.worst)):
        rows = words.agent_rows(frame, lang)
        shown = ", ".join(f"{r[0]} {r[2]} ({r[5]})" for r in rows) or "–"
        tier = t(f"weekly.tier.{side}", lang).lower()
        out.append(f"- {words.agents_title(lang)}, {tier}: {shown}")
    out.append(_heading(words.drivers_title(lang)))
    out += [f"- {line}" for line in words.driver_lines(review)]
    out.append(_heading(t("weekly.changes", lang)))
    if not review.changes:
        out.append(t("weekly.changes.none", lang))
    for c in review.changes:
        verdicts = "; ".join(words.verdict_line(m, code, lang) for m, code in c.verdicts)
        out.append(f"- {c.headline}" + (f" ({verdicts})" if verdicts else ""))
    out.append(_heading(t("weekly.followup", lang)))
    if review.followup.created == 0:
        out.append(t("weekly.followup.none", lang))
    else:
        out += [
            f"- {label}: {value}" for label, value in words.followup_lines(review.followup, lang)
        ]
    out.append(_heading(t("weekly.voice", lang)))
    if not any(review.voice.counts.values()):
        out.append(t("voice.no_comments", lang))
    else:
        out.append(words.voice_intro(review))
        out += [f"- {t(f'voice.side.nps.{s}', lang)}: {words.terms(review, s)}" for s in "ab"]
        out.append(words.ideas_intro(review))
        out += [f"  “{' '.join(c.split())}” ({when})" for when, c in words.ideas(review)]
    return "\n".join([*out, "", words.footer(review)]) + "\n"


def _heading(text: str) -> str:
    return f"\n{text}\n{'-' * len(text)}"
