"""Period presets and the period each range is compared with (calendar rules)."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import metrics, overview, periods
from analytics.queries import Filters
from analytics.store import Store
from tests.conftest import insert, survey

D = dt.date
SUNDAY = D(2026, 6, 28)  # the browser tests' demo stores end on this Sunday
WEDNESDAY = D(2026, 11, 18)


@pytest.mark.parametrize(
    ("preset", "last", "expected"),
    [
        ("last_28", SUNDAY, (D(2026, 6, 1), SUNDAY)),
        ("this_week", SUNDAY, (D(2026, 6, 22), SUNDAY)),
        ("this_week", WEDNESDAY, (D(2026, 11, 16), WEDNESDAY)),
        ("last_week", WEDNESDAY, (D(2026, 11, 9), D(2026, 11, 15))),
        ("this_month", WEDNESDAY, (D(2026, 11, 1), WEDNESDAY)),
        ("last_month", WEDNESDAY, (D(2026, 10, 1), D(2026, 10, 31))),
        ("last_month", D(2026, 3, 31), (D(2026, 2, 1), D(2026, 2, 28))),
        ("this_quarter", WEDNESDAY, (D(2026, 10, 1), WEDNESDAY)),
        ("last_quarter", WEDNESDAY, (D(2026, 7, 1), D(2026, 9, 30))),
        ("last_quarter", D(2026, 2, 10), (D(2025, 10, 1), D(2025, 12, 31))),
        ("year_to_date", WEDNESDAY, (D(2026, 1, 1), WEDNESDAY)),
    ],
)
def test_presets_are_anchored_on_the_last_day_with_data(
    preset: periods.Preset, last: dt.date, expected: periods.Range
) -> None:
    assert periods.resolve(preset, last) == expected


@pytest.mark.parametrize(
    ("period", "before"),
    [
        # A chosen October is compared with September, not 31 Aug - 30 Sep.
        ((D(2026, 10, 1), D(2026, 10, 31)), (D(2026, 9, 1), D(2026, 9, 30))),
        ((D(2026, 3, 1), D(2026, 3, 31)), (D(2026, 2, 1), D(2026, 2, 28))),
        ((D(2024, 3, 1), D(2024, 3, 31)), (D(2024, 2, 1), D(2024, 2, 29))),
        ((D(2026, 7, 1), D(2026, 9, 30)), (D(2026, 4, 1), D(2026, 6, 30))),  # a quarter
        ((D(2026, 1, 1), D(2026, 12, 31)), (D(2025, 1, 1), D(2025, 12, 31))),  # a year
        ((D(2026, 11, 1), D(2026, 11, 18)), (D(2026, 10, 1), D(2026, 10, 18))),  # month to date
        ((D(2026, 3, 1), D(2026, 3, 30)), (D(2026, 2, 1), D(2026, 2, 28))),  # no 30 Feb
        ((D(2026, 10, 1), D(2026, 11, 18)), (D(2026, 7, 1), D(2026, 8, 18))),  # quarter to date
        ((D(2026, 1, 1), D(2026, 6, 28)), (D(2025, 1, 1), D(2025, 6, 28))),  # year to date
        ((D(2026, 6, 22), D(2026, 6, 28)), (D(2026, 6, 15), D(2026, 6, 21))),  # a week
        ((D(2026, 6, 1), D(2026, 6, 28)), (D(2026, 5, 1), D(2026, 5, 28))),  # 28 days from 1st
        ((D(2026, 6, 3), D(2026, 6, 16)), (D(2026, 5, 20), D(2026, 6, 2))),  # any 14 days
    ],
)
def test_the_previous_period_follows_the_calendar(
    period: periods.Range, before: periods.Range
) -> None:
    assert periods.previous(*period) == before
    assert Filters(start=period[0], end=period[1]).previous() == Filters(
        start=before[0], end=before[1]
    )


@pytest.mark.parametrize(
    ("period", "year_ago"),
    [
        ((D(2026, 10, 1), D(2026, 10, 31)), (D(2025, 10, 1), D(2025, 10, 31))),
        ((D(2025, 2, 1), D(2025, 2, 28)), (D(2024, 2, 1), D(2024, 2, 29))),  # month end kept
        ((D(2024, 2, 29), D(2024, 3, 6)), (D(2023, 2, 28), D(2023, 3, 6))),
        ((D(2026, 6, 22), D(2026, 6, 28)), (D(2025, 6, 22), D(2025, 6, 28))),
        # Longer than a year: the dates a year back would overlap it; the period before.
        ((D(2025, 1, 1), D(2026, 6, 30)), (D(2023, 7, 1), D(2024, 12, 31))),
    ],
)
def test_the_same_period_last_year(period: periods.Range, year_ago: periods.Range) -> None:
    assert periods.year_ago(*period) == year_ago
    assert Filters(start=period[0], end=period[1], compare="year").previous() == Filters(
        start=year_ago[0], end=year_ago[1], compare="year"
    )


BOUNDS = (D(2024, 6, 30), SUNDAY)


@pytest.mark.parametrize("preset", periods.PRESETS[:-1])
def test_a_resolved_preset_is_recognised_from_its_dates(preset: periods.Preset) -> None:
    """A link holds dates only; the sidebar names the preset those dates are."""
    dates = periods.clamp(periods.resolve(preset, SUNDAY), BOUNDS)
    found = periods.preset_of(dates, BOUNDS)
    # On a Sunday "this week" and "last 7 days" coincide; a month may equal a quarter.
    assert periods.clamp(periods.resolve(found, SUNDAY), BOUNDS) == dates
    assert periods.preset_of((D(2026, 6, 3), D(2026, 6, 16)), BOUNDS) == "custom"


def test_a_preset_before_the_data_is_cut_to_the_first_day() -> None:
    bounds = (D(2026, 6, 10), SUNDAY)
    assert periods.clamp(periods.resolve("this_quarter", SUNDAY), bounds) == bounds


def test_tiles_compare_with_the_same_period_a_year_earlier(empty_store: Store) -> None:
    """The two windows are a year apart: nothing in between counts as "previous"."""
    days = [D(2025, 10, 5), D(2025, 10, 20), D(2026, 3, 3), D(2026, 10, 9), D(2026, 10, 30)]
    scores = [10, 0, 0, 9, 2]
    rows = [
        survey(i, dt.datetime.combine(d, dt.time(10)), nps=n)
        for i, (d, n) in enumerate(zip(days, scores, strict=True))
    ]
    insert(empty_store, "surveys", rows)
    f = Filters(start=D(2026, 10, 1), end=D(2026, 10, 31), compare="year")
    tile = overview.tiles(empty_store, f, ("nps",))[0]
    assert tile.current == metrics.nps([9, 2])
    assert tile.previous == metrics.nps([10, 0])  # not the 3 March answer
    back = overview.tiles(empty_store, Filters(start=f.start, end=f.end), ("nps",))[0]
    assert back.previous.n == 0  # September 2026 has no answer


@pytest.mark.parametrize(
    ("grain", "first"),
    [("week", D(2025, 12, 29)), ("month", D(2025, 6, 1))],
)
def test_a_trend_reaches_26_weeks_or_13_months_back(grain: str, first: dt.date) -> None:
    """Whatever the period's length: a 28-day period alone would give four weeks."""
    assert periods.trailing(SUNDAY, grain=grain) == first  # 29 Dec: 26 Mondays to 22 June
