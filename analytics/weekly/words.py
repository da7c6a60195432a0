"""The report's sections in words, shared by the HTML page and the plain-text summary.

Each function returns plain strings (never markup): the page escapes them, the text
summary prints them. The tiles' words are the overview's (:mod:`analytics.tile_text`);
not measured is said as the app says it (:func:`analytics.kpis.not_measured_text`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import polars as pl

from analytics import dimensions, kpis
from analytics.changes.formatting import change_text as in_unit
from analytics.i18n import Lang, day, kpi_value, moment, number, percent, t
from analytics.metrics import Estimate
from analytics.overview import Tile
from analytics.queries import Filters
from analytics.tile_text import change_text, interval_text
from analytics.weekly.build import DRIVER_OUTCOME, RANK_METRIC, SEGMENT_KPI, Review
from analytics.weekly.build import Followup as FollowupNumbers

FOLLOWUP_COUNTS = ("open", "contacted", "overdue", "recovered", "not_recovered")


def title(review: Review) -> str:
    return t("weekly.title", review.lang, period=review.period.name(review.lang))


def dates(review: Review) -> str:
    p, lang = review.period, review.lang
    return t("weekly.meta.dates", lang, dates=p.dates(lang), previous=p.previous_dates(lang))


def scope(filters: Filters, lang: Lang) -> str:
    """ "Scope: Region: North, South; Survey type: Relational" or "all the data"."""
    parts = []
    for name, values in filters.dimension_values().items():
        dim = dimensions.get(name)
        shown = [t(f"{dim.label}.{v}", lang) if dim.coded else v for v in values]
        parts.append(f"{t(dim.label, lang)}: {', '.join(shown)}")
    return t("weekly.meta.scope", lang, scope="; ".join(parts) or t("weekly.meta.all", lang))


# -- KPI tiles ---------------------------------------------------------------------------------


def kpi_name(key: str, lang: Lang) -> str:
    return t(f"kpi.{key}", lang)


def value(tile: Tile, lang: Lang) -> str:
    """The value, or "Not measured. <why>"."""
    if tile.reason is not None:
        return kpis.not_measured_text(tile.kpi, tile.reason, lang)
    return kpi_value(kpis.get(tile.kpi).unit, tile.current.value, lang)


def interval(tile: Tile, lang: Lang, short: bool = False) -> str:
    """The tile's "95% CI 10.1 to 29.4 · n = 329" (``short``: "10.1 to 29.4", for a
    column headed 95% CI), and the low-sample warning."""
    if tile.reason is not None:
        return ""
    unit, cur = kpis.get(tile.kpi).unit, tile.current
    low, high = kpi_value(unit, cur.low, lang), kpi_value(unit, cur.high, lang)
    text = t("weekly.interval", lang, low=low, high=high) if short else interval_text(tile, lang)
    return f"{text} · {t('tile.low_sample', lang)}" if cur.low_sample else text


def change(tile: Tile, lang: Lang) -> str:
    """The overview's delta and what it is ("+1.2 · no real change"), with the
    p-value; why there is none when either period is not measured."""
    if tile.reason is not None:
        return ""
    if math.isnan(tile.change.p):
        return t("weekly.change.none", lang)
    p = t("weekly.change.p", lang, p=_p(tile.change.p, lang))
    return f"{change_text(tile, lang)} ({p})"


def tone(tile: Tile) -> str:
    """ "good" / "bad" for a real and meaningful change (coloured as on the tiles)."""
    if tile.practical != "meaningful" or tile.better is None:
        return ""
    return "good" if tile.better else "bad"


def gap(tile: Tile, lang: Lang) -> str:
    """The gap to target: "45.0 · -2.1 · misses it" ("–": no target, or not measured)."""
    found = tile.gap
    if found is None:
        return "–"
    target = found.target.target
    verdict = t(f"weekly.gap.{'meets' if found.meets else 'misses'}.{found.sure}", lang)
    return t(
        "weekly.gap",
        lang,
        target=kpi_value(kpis.get(tile.kpi).unit, target, lang),
        gap=in_unit(tile.kpi, float(found.gap), lang),
        verdict=verdict,
    )


def _p(p: float, lang: Lang) -> str:
    from analytics.changes.verdicts import p_value

    return p_value(p, lang)


# -- segments, agents, drivers -------------------------------------------------------------------


def segment_rows(frame: pl.DataFrame, dimension: str, lang: Lang) -> list[tuple[str, ...]]:
    """(segment, value, interval, n) of breakdown rows, in NPS's unit, and the gap to
    the segment's target when the frame has targets (:func:`analytics.targets.against`)."""
    unit = kpis.get(SEGMENT_KPI).unit
    targeted = "target" in frame.columns
    return [
        (
            str(r[dimension]),
            kpi_value(unit, r["value"], lang),
            t(
                "weekly.interval",
                lang,
                low=kpi_value(unit, r["low"], lang),
                high=kpi_value(unit, r["high"], lang),
            ),
            number(r["n"], lang, 0),
            *((segment_gap(r, lang),) if targeted else ()),
        )
        for r in frame.iter_rows(named=True)
    ]


def segment_gap(row: Mapping[str, Any], lang: Lang) -> str:
    """A breakdown row's gap to its target, as a tile's (:func:`gap`) says it."""
    if row.get("target") is None or row.get("gap") is None:
        return "–"
    verdict = t(f"weekly.gap.{'meets' if row['meets'] else 'misses'}.{bool(row['sure'])}", lang)
    return t(
        "weekly.gap",
        lang,
        target=kpi_value(kpis.get(SEGMENT_KPI).unit, row["target"], lang),
        gap=in_unit(SEGMENT_KPI, float(row["gap"]), lang),
        verdict=verdict,
    )


def segments_title(lang: Lang) -> str:
    return t("weekly.segments", lang, kpi=kpi_name(SEGMENT_KPI, lang))


def agent_rows(frame: pl.DataFrame, lang: Lang) -> list[tuple[str, ...]]:
    """(agent, team, fair estimate, interval, rank range, tier, answers)."""
    rows: list[tuple[str, ...]] = []
    for r in frame.iter_rows(named=True):
        low, high = r["rank_low"], r["rank_high"]
        ranks = str(low) if low == high else f"{low}–{high}"
        rows.append((
            str(r["unit"]), str(r["team"]), percent(r["value"], lang),
            t("weekly.interval", lang, low=percent(r["low"], lang), high=percent(r["high"], lang)),
            ranks, t(f"rank.tier.{r['tier']}", lang), number(r["n"], lang, 0),
        ))  # fmt: skip
    return rows


def agents_title(lang: Lang) -> str:
    return t("weekly.agents", lang, metric=t(f"rank.metric.{RANK_METRIC}", lang))


def agents_note(review: Review) -> str:
    a, lang = review.agents, review.lang
    return t(
        "weekly.agents.note",
        lang,
        start=day(a.start, lang),
        end=day(a.end, lang),
        ranked=number(a.ranked, lang, 0),
        min_n=30,
    )


AGENT_HEADS = ("rank.col.unit", "rank.col.team", "rank.col.value", "weekly.col.interval",
               "rank.col.range", "rank.col.tier", "rank.col.n")  # fmt: skip
SEGMENT_HEADS = ("weekly.col.segment", "col.value", "weekly.col.interval", "col.n")


def drivers_title(lang: Lang) -> str:
    return t("weekly.drivers", lang, outcome=t(f"drivers.outcome.{DRIVER_OUTCOME}", lang))


def driver_lines(review: Review, top: int = 3) -> list[str]:
    """ "Resolved: 41.2% of the explained variance (95% CI 30.1% to 52.3%), ↑ more
    satisfied" for the top drivers; the guard's words when the model did not run."""
    d, lang = review.drivers, review.lang
    if not d.enough:
        from analytics.drivers.guards import MIN_RESPONSES

        least = number(MIN_RESPONSES, lang, 0)
        return [t("drivers.guard.min_sample", lang, n=number(d.n, lang, 0), min=least)]
    from analytics.drivers.charts import driver_label

    lines = []
    for r in d.importance.head(top).iter_rows(named=True):
        direction = t(f"drivers.direction.{_tone(r['direction'])}", lang)
        lines.append(
            t(
                "weekly.driver",
                lang,
                driver=driver_label(r["driver"], lang),
                share=percent(r["share"], lang),
                low=percent(r["share_low"], lang),
                high=percent(r["share_high"], lang),
                direction=direction,
            )
        )
    return lines


def _tone(direction: str) -> str:
    """The drivers page's wording of a direction for a higher-is-better outcome."""
    return {"up": "more", "down": "less"}.get(direction, direction)


# -- changes, follow-up, voice ------------------------------------------------------------------


def verdict_line(metric: str, code: str, lang: Lang) -> str:
    return f"{kpi_name(metric, lang)}: {t(f'summary.code.{code}', lang)}"


def followup_lines(f: FollowupNumbers, lang: Lang) -> list[tuple[str, str]]:
    """(label, value) pairs: items created, the counts, then the two rates."""
    out = [(t("weekly.followup.created", lang), number(f.created, lang, 0))]
    out += [(t(f"followup.count.{k}", lang), number(f.counts[k], lang, 0)) for k in FOLLOWUP_COUNTS]
    for key, est in (("in_time", f.in_time), ("recovery", f.recovery)):
        out.append((t(f"weekly.followup.{key}", lang), rate(est, lang)))
    return out


def rate(est: Estimate, lang: Lang) -> str:
    """ "83.3% (95% CI 71.2% to 90.9%, n = 42)" or not measured with the reason."""
    if est.n == 0:
        return t("weekly.followup.not_measured", lang)
    return t(
        "weekly.rate",
        lang,
        value=percent(est.value, lang),
        low=percent(est.low, lang),
        high=percent(est.high, lang),
        n=number(est.n, lang, 0),
    )


def terms(review: Review, side: str) -> str:
    rows = review.voice.terms.filter(pl.col("side") == side).head(5)
    return ", ".join(rows["term"].to_list()) or "–"


def voice_intro(review: Review) -> str:
    v, lang = review.voice, review.lang
    return t(
        "weekly.voice.language",
        lang,
        language=t(f"voice.language_name.{v.lang}", lang),
        n=number(v.counts.get(v.lang, 0), lang, 0),
    )


def ideas_intro(review: Review) -> str:
    v, lang = review.voice, review.lang
    if v.ideas == 0:
        return t("voice.no_suggestions", lang)
    return t(
        "weekly.voice.ideas", lang, n=number(v.ideas, lang, 0), total=number(v.comments, lang, 0)
    )


def ideas(review: Review) -> list[tuple[str, str]]:
    """(date, comment) of the newest suggestions (the comment is the customer's text)."""
    frame = review.voice.newest
    if frame.is_empty():
        return []
    return [
        (day(r["at"].date(), review.lang), str(r["comment"])) for r in frame.iter_rows(named=True)
    ]


def footer(review: Review) -> str:
    return t("weekly.footer", review.lang, when=moment(review.generated, review.lang))
