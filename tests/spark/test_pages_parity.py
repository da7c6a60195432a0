"""Every read page's engine functions give identical results on DuckDB and on Spark.

One demo store (calls, surveys with comments in two languages, registered process
changes, follow-up items, rollups), published into Spark by the analysts' command; then,
page by page, what the page computes, on both engines: drivers, what customers say,
response bias, rankings, fatigue, change analysis and the weekly report. The overview
is tests/spark/test_overview_parity.py's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from analytics import overview, weekly
from analytics.changes import analysis as change_analysis
from analytics.changes import cells as change_cells
from analytics.changes import registry
from analytics.drivers import analysis as drivers
from analytics.drivers import cells as driver_cells
from analytics.feedback import fatigue, text
from analytics.queries import Filters
from analytics.review import bias, rankings
from analytics.weekly import period as periods
from tests.spark.conftest import same


def _last_weeks(store: Any, weeks: int) -> Filters:
    _, hi = overview.data_range(store)
    return Filters(start=hi - dt.timedelta(days=7 * weeks - 1), end=hi)


def test_drivers(demo_both: tuple) -> None:
    duck, spark = demo_both
    f = _last_weeks(duck, 8)
    cells = driver_cells.cells(duck, f)
    assert cells.height > 50  # something real to compare
    same(cells, driver_cells.cells(spark, f))
    # The statistics run on the cells the page read: from Spark's, the same analysis.
    on_spark, chosen = driver_cells.cells(spark, f), driver_cells.available(cells)
    outcome = driver_cells.OUTCOMES[0]
    same(
        drivers.analyse(cells, outcome, chosen, n_boot=50),
        drivers.analyse(on_spark, outcome, chosen, n_boot=50),
    )


def test_what_customers_say(demo_both: tuple) -> None:
    duck, spark = demo_both
    f = _last_weeks(duck, 8)
    same(text.language_counts(duck, f), text.language_counts(spark, f))
    split = text.Split()
    terms = text.distinguishing_terms(duck, f, split, lang="en")
    assert terms.height > 0
    same(terms, text.distinguishing_terms(spark, f, split, lang="en"))
    term = terms["term"][0]
    # Comments with their follow-up item: calls and surveys from Spark, the follow-up
    # queue from the app's own store, joined on Spark.
    found = text.term_comments(duck, f, split, term, lang="en")
    assert found.height > 0 and found["item_id"].is_not_null().any()
    same(found, text.term_comments(spark, f, split, term, lang="en"))
    same(text.count_suggestions(duck, f, "es"), text.count_suggestions(spark, f, "es"))
    same(text.suggestions(duck, f, lang="es"), text.suggestions(spark, f, lang="es"))


def test_response_bias(demo_both: tuple) -> None:
    duck, spark = demo_both
    f = _last_weeks(duck, 8)
    for outcome in ("resolved", "wait_band", "channel"):
        same(bias.response_rates(duck, f, outcome), bias.response_rates(spark, f, outcome))
    same(bias.polarisation(duck, f), bias.polarisation(spark, f))
    same(bias.overview_figures(duck, f), bias.overview_figures(spark, f))
    same(bias.reweighted(duck, f, "en"), bias.reweighted(spark, f, "en"))


def test_rankings(demo_both: tuple) -> None:
    duck, spark = demo_both
    f = _last_weeks(duck, 8)
    a, b = rankings.unit_stats(duck, f), rankings.unit_stats(spark, f)
    assert a.height > 5
    same(a, b)
    for metric in rankings.METRICS[:2]:
        for level in rankings.LEVELS:
            same(rankings.rank(a, metric, level), rankings.rank(b, metric, level))


def test_fatigue(demo_both: tuple) -> None:
    duck, spark = demo_both
    policy = fatigue.FatiguePolicy(max_surveys=2, window_days=90)
    as_of = fatigue.last_day(duck)
    assert as_of is not None and as_of == fatigue.last_day(spark)
    same(fatigue.summary(duck, policy, as_of), fatigue.summary(spark, policy, as_of))
    same(fatigue.distribution(duck, policy, as_of), fatigue.distribution(spark, policy, as_of))
    same(
        fatigue.suppression_list(duck, policy, as_of),
        fatigue.suppression_list(spark, policy, as_of),
    )
    same(fatigue.frequency_trend(duck, policy), fatigue.frequency_trend(spark, policy))


def test_change_analysis(demo_both: tuple) -> None:
    """The registry is app state (the embedded store); the analysis reads Spark."""
    duck, spark = demo_both
    same(registry.list_changes(duck), registry.list_changes(spark))
    ids = registry.list_changes(duck)["change_id"].to_list()
    change = registry.get_change(spark, int(ids[0]))
    same(
        change_cells.unit_options(duck, change, Filters()),
        change_cells.unit_options(spark, change, Filters()),
    )
    bounds = overview.data_range(duck)
    a = change_analysis.analyse(duck, change, bounds=bounds)
    assert a.problem is None and a.results  # an analysis, not a refusal, to compare
    same(a, change_analysis.analyse(spark, change, bounds=bounds))


@pytest.mark.parametrize("lang", ["en"])
def test_weekly_report(demo_both: tuple, lang: str) -> None:
    duck, spark = demo_both
    _, hi = overview.data_range(duck)
    period = periods.last_complete_week(hi)
    now = dt.datetime.combine(hi, dt.time(18))
    a = weekly.build(duck, Filters(), period, lang, now=now)
    b = weekly.build(spark, Filters(), period, lang, now=now)
    same(dataclasses.replace(a, generated=None), dataclasses.replace(b, generated=None))
