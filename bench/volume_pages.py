"""What each read page computes on first load, without Streamlit: the functions its view
calls through ``ui/cache.py`` (and the figures it builds), with the page's defaults.

The defaults are the app's when a link carries nothing: the sidebar's "last 28 days"
up to the data's last day, no dimension chosen, the first option of every choice
(the overview's NPS by region, the drivers' first outcome with every driver, CSAT per
agent over 12 months for rankings, the newest registered change with the default
settings, the last complete week for the report). Every page also pays the sidebar:
the data's range and the option list of each filter it shows.

Imports follow the app: what ``ui/cache.py`` imports at start is loaded before any
timing, what it imports lazily (drivers, change analysis, report) is in the first run.

Left out on purpose: Streamlit's own work (widgets, element protos, the browser), the
follow-up queue's item sync that the voice and report pages trigger once per process
and data version (a write: timed apart as ``followup_sync_s``), and the report's PDF
(the same HTML rendered by WeasyPrint; ``python -m bench report`` times it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import polars as pl

import ui.cache  # noqa: F401 (what the app has imported before any page runs)
from analytics import charts, kpis, overview, periods, targets, thresholds
from analytics.changes import registry
from analytics.feedback import fatigue, followup, text
from analytics.queries import Filters
from analytics.review import bias, rankings
from analytics.store import Store
from ui.context import page_dimensions

if TYPE_CHECKING:
    from analytics.changes.design import Settings

PageName = Literal[
    "overview", "drivers", "voice", "bias", "rankings", "fatigue", "change_analysis", "weekly"
]
LANG: Literal["en"] = "en"
#: views/overview.py: every KPI, the breakdown of the first one by the first dimension.
SURVEY_KEYS = ("nps", "csat", "ces", "response_rate")
CALL_KEYS = ("resolution", "fcr", "aht", "asa", "abandonment", "service_level", "transfer_rate")
ALL_KEYS = SURVEY_KEYS + CALL_KEYS
RANK_DAYS = 365  # views/rankings.py: the first period choice, "365"


@dataclass(frozen=True)
class Defaults:
    """The filters a page opened without a link gets (ui/context.py, ui/period.py)."""

    bounds: tuple[dt.date, dt.date]
    filters: Filters  # the sidebar's default period, no dimension chosen

    @classmethod
    def of(cls, store: Store) -> Defaults:
        bounds = overview.data_range(store)
        if bounds is None:
            raise ValueError("the store is empty: nothing to benchmark")
        start, end = periods.clamp(periods.resolve(periods.DEFAULT_PRESET, bounds[1]), bounds)
        return cls(bounds, Filters(start=start, end=end))


def sidebar(store: Store, page: PageName) -> None:
    """app.py before the page: the data version, the range, each shown filter's options."""
    store.data_version()
    overview.data_range(store)
    for dim in page_dimensions(page):
        overview.dimension_values(store, dim.name, ())


def overview_page(store: Store, d: Defaults) -> None:
    f = d.filters
    sidebar(store, "overview")
    overview.survey_types(store, f, False)
    history = overview.trend_window(f, "week")
    weekly = overview.trend(store, history, ALL_KEYS, "week")
    meaningful, goals = thresholds.read(store), tuple(targets.read(store))
    overview.tiles(store, f, ALL_KEYS, meaningful, goals)
    key, dim = ALL_KEYS[0], "region"
    series = weekly.filter(pl.col("kpi") == key)
    unit = kpis.get(key).unit
    steps = targets.steps(goals, key, f, series["period"].to_list())
    fig = charts.trend(series, key, LANG, "week", unit, steps)
    charts.add_changes(fig, registry.changes_in(store, history.start, history.end))
    table = overview.breakdown(store, f, key, dim)
    has_target = any(g.kpi == key for g in goals)
    if has_target and f.end is not None:
        table = targets.against(table, key, dim, goals, f.end)
    charts.breakdown(table, dim, key, LANG, unit, has_target)
    overview.for_display(table, LANG, dim)


def drivers_page(store: Store, d: Defaults) -> None:
    from analytics.drivers import analysis, cells
    from analytics.drivers import charts as driver_charts

    f = d.filters
    sidebar(store, "drivers")
    overview.survey_types(store, f, True)
    found = cells.cells(store, f)
    if found.height == 0:
        return
    outcome, chosen = cells.OUTCOMES[0], cells.available(found)
    a = analysis.analyse(found, outcome, chosen)
    if not a.enough:
        return  # the page warns and stops
    bands = analysis.by_duration(found, outcome)
    analysis.verdict(bands)
    segments = analysis.by_segment(found, outcome, chosen)
    higher = outcome not in cells.LOWER_IS_BETTER
    driver_charts.duration_bands(bands, outcome, outcome in cells.BINARY, LANG)
    driver_charts.importance(a.importance, higher, LANG)
    driver_charts.odds_ratios(a.odds_ratios, LANG)
    driver_charts.quadrant(analysis.quadrant(a), LANG)
    driver_charts.segments(segments, LANG)


def voice_page(store: Store, d: Defaults) -> None:
    f = d.filters
    sidebar(store, "voice")
    overview.survey_types(store, f, False)
    counts = dict(text.language_counts(store, f))
    if not any(counts.values()):
        return
    said = LANG if counts.get(LANG) else max(counts, key=counts.__getitem__)
    text.distinguishing_terms(store, f, text.Split(), lang=said)
    n_ideas, _ = text.count_suggestions(store, f, said)
    if n_ideas:
        text.suggestions(store, f, lang=said)


def bias_page(store: Store, d: Defaults) -> None:
    f = d.filters
    sidebar(store, "bias")
    results = bias.reweighted(store, f, LANG)
    if all(r.raw.empty for r, _ in results):
        return
    bias.overview_figures(store, f)
    bias.response_rates(store, f, bias.OUTCOMES[0])
    bias.polarisation(store, f)


def rank_filters(d: Defaults) -> Filters:
    """views/rankings.py's default: the 12 months up to the sidebar's end date."""
    end = d.filters.end
    assert end is not None
    return dataclasses.replace(d.filters, start=end - dt.timedelta(days=RANK_DAYS - 1))


def rankings_page(store: Store, d: Defaults) -> None:
    f = rank_filters(d)
    sidebar(store, "rankings")
    overview.survey_types(store, f, True)
    stats = rankings.unit_stats(store, f)
    table = rankings.rank(stats, rankings.METRICS[0], rankings.LEVELS[0], rankings.MIN_N)
    if table.is_empty():
        return
    rankings.tier_counts(table)
    rankings.shown(table, LANG)


def fatigue_page(store: Store, d: Defaults) -> None:
    sidebar(store, "fatigue")
    as_of = fatigue.last_day(store)
    if as_of is None:
        return
    policy = fatigue.FatiguePolicy()
    spread = fatigue.distribution(store, policy, as_of)  # ui/cache.py: the summary from it
    fatigue.summarise(spread, policy, as_of)
    trend = fatigue.frequency_trend(store, policy)
    figures = (
        charts.line(trend, "period", "per_customer", "per", LANG),
        charts.line(trend.filter(pl.col("full_window")), "period", "over_share", "share", LANG),
    )
    if trend.height:
        span = (trend["period"].to_list()[0], as_of)
        for fig in figures:
            charts.add_changes(fig, registry.changes_in(store, *span), span)
    fatigue.suppression_list(store, policy, as_of)


def change_settings(store: Store) -> tuple[registry.Change, Settings]:
    """The page's default change (the first listed: the newest) and settings."""
    from analytics.changes.cells import dimensions_only
    from analytics.changes.design import Settings

    first = int(registry.list_changes(store)["change_id"][0])
    change = registry.get_change(store, first)
    settings = Settings(
        filters=dimensions_only(Filters()), meaningful=tuple(thresholds.read(store).items())
    )
    return change, settings


def change_page(store: Store, d: Defaults) -> None:
    from analytics.changes import analysis, report, summary
    from analytics.changes import cells as change_cells

    sidebar(store, "change_analysis")
    if registry.list_changes(store).is_empty():
        return
    change, settings = change_settings(store)
    change_cells.unit_options(store, change, change_cells.dimensions_only(Filters()))
    bounds = overview.data_range(store)  # ui/cache.py passes the cached range
    result = analysis.analyse(store, change, settings, bounds=bounds)
    if result.problem is not None:
        return
    for r in result.results:
        report.verdict(result, r.metric, LANG)
        report.verdict_parts(result, r.metric, LANG)
    summary.html(result, LANG, result.results[0].metric)


def weekly_page(store: Store, d: Defaults) -> None:
    from analytics import weekly

    sidebar(store, "weekly")
    bounds = overview.data_range(store)
    if bounds is None:
        return
    period = weekly.last_complete_week(bounds[1])  # the page's default week
    thresholds.read(store)
    targets.read(store)
    weekly.html(weekly.build(store, Filters(), period, LANG))


PAGES: dict[PageName, Callable[[Store, Defaults], None]] = {
    "overview": overview_page,
    "drivers": drivers_page,
    "voice": voice_page,
    "bias": bias_page,
    "rankings": rankings_page,
    "fatigue": fatigue_page,
    "change_analysis": change_page,
    "weekly": weekly_page,
}


def followup_sync(store: Store) -> int:
    """What ui/cache.ensure_followup does once per process and data version before the
    voice and report pages (creates missing follow-up items: a write)."""
    return followup.sync_items(store, followup.Policy.from_store(store))
