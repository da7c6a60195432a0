"""The data-quality report in words: its warnings as sentences, its fields as a table.

:func:`lines` is what the CLI prints and the Upload page shows above :func:`table`
(one row per mapped field); both translate, and escape the file's column names
when the caller says how (markdown on the pages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from analytics.i18n import Lang, day, kpi_value, moment, number, t
from analytics.ingest import aliases, quality_report, transforms
from analytics.ingest import columns as cols
from analytics.ingest.quality_report import Bound, FieldQuality, Gap, Quality

Escape = Callable[[str], str]


def lines(q: Quality, lang: Lang, escape: Escape | None = None) -> list[str]:
    """The warnings as plain sentences (``escape``, e.g. markdown escaping, applies to
    the file's column names)."""
    esc = escape or (lambda s: s)
    found = [_gap_line(q, g, lang, esc) for g in q.gaps]
    if q.generated_key:
        found.append(
            t("quality.generated_key", lang, field=t(f"upload.field.{cols.KEYS[q.target]}", lang))
        )
    in_gaps = {g.field for g in q.gaps}
    for f in q.fields:
        names = {
            "field": t(f"upload.field.{f.field}", lang),
            "column": esc(source_text(f.source, lang)),
        }
        if f.filled == 0 and f.field not in in_gaps:
            found.append(t("quality.empty", lang, **names))
        if f.midnight:
            found.append(t("quality.midnight", lang, **names))
    if q.no_score:
        count, rows = number(q.no_score, lang, 0), number(q.rows, lang, 0)
        found.append(t("quality.no_score", lang, count=count, rows=rows))
    if q.duplicate_keys:
        keys, rows = number(q.duplicate_keys, lang, 0), number(q.duplicate_rows, lang, 0)
        found.append(t("quality.duplicates", lang, keys=keys, rows=rows))
    if q.control_cells:
        found.append(t("quality.control", lang, count=number(q.control_cells, lang, 0)))
    return found + [aliases.describe(a, lang, esc) for a in q.aliased]


def _gap_line(q: Quality, gap: Gap, lang: Lang, esc: Escape) -> str:
    kpis = ", ".join(t(f"kpi.{k}", lang) for k in gap.kpis)
    if gap.why == "unmapped":
        reason = t(f"quality.why.{gap.field}", lang)
    else:
        source = source_text(f.source, lang) if (f := q.for_field(gap.field)) else gap.field
        field_name = t(f"upload.field.{gap.field}", lang)
        reason = t(f"quality.why.{gap.why}", lang, field=field_name, column=esc(source))
    return t("quality.gap", lang, kpis=kpis, reason=reason)


TABLE_COLUMNS = ("field", "source", "filled", "parsed", "range", "distinct")


def source_text(source: str, lang: Lang) -> str:
    """A field's column as a person reads it: a constant or a generated key in words."""
    if source == transforms.GENERATED_LABEL:
        return t("quality.source.generated", lang)
    if source.startswith(transforms.CONSTANT_PREFIX):
        value = source.removeprefix(transforms.CONSTANT_PREFIX)
        return t("quality.source.constant", lang, value=value)
    return source


def table(q: Quality, lang: Lang, escape: Escape | None = None) -> pl.DataFrame:
    """One row per mapped field, every cell as text, headers translated."""
    esc = escape or (lambda s: s)
    rows = [
        (
            t(f"upload.field.{f.field}", lang),
            esc(source_text(f.source, lang)),
            _share(f.filled_share, lang),
            _share(f.parsed_share, lang),
            _range(f, lang),
            _distinct(f.distinct, lang),
        )
        for f in q.fields
    ]
    names = [t(f"quality.col.{c}", lang) for c in TABLE_COLUMNS]
    return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")


def _share(share: float | None, lang: Lang) -> str:
    return "–" if share is None else kpi_value("percent", 100 * share, lang)


def _range(f: FieldQuality, lang: Lang) -> str:
    if f.low is None or f.high is None:
        return ""
    return t("quality.range", lang, low=_bound(f, f.low, lang), high=_bound(f, f.high, lang))


def _bound(f: FieldQuality, value: Bound, lang: Lang) -> str:
    if isinstance(value, dt.datetime):  # as the reader writes dates, not ISO
        return day(value, lang) if f.midnight else moment(value, lang)
    # Durations too as plain seconds: the field's name says "(seconds)".
    return number(value, lang, 0 if float(value).is_integer() else 1)


def _distinct(distinct: int | None, lang: Lang) -> str:
    if distinct is None:
        cap = number(quality_report.DISTINCT_CAP, lang, 0)
        return t("quality.distinct.more", lang, count=cap)
    return number(distinct, lang, 0)
