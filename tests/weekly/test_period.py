"""The report's periods: ISO weeks, months, custom dates and what each is compared with."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import periods
from analytics.weekly import custom, last_complete_week, month, week
from analytics.weekly.period import months_up_to, weeks_up_to


def test_an_iso_week_runs_monday_to_sunday_and_is_compared_with_the_week_before() -> None:
    p = week("2026-W47")
    assert (p.start, p.end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert (p.previous_start, p.previous_end) == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert p.code == "2026-W47" and p.name("en") == "week 47, 2026"
    assert p.name("es") == "semana 47 de 2026"


def test_week_one_may_start_in_the_year_before() -> None:
    p = week("2026-W01")
    assert p.start == dt.date(2025, 12, 29) and p.start.isocalendar()[:2] == (2026, 1)
    assert week("2026w1") == p  # lower case and no dash read the same


def test_a_week_starting_on_the_first_is_still_compared_with_the_week_before() -> None:
    # 1 June 2026 is a Monday: the sidebar's rule would read it as "month to date".
    p = week("2026-W23")
    assert p.start == dt.date(2026, 6, 1)
    assert p.previous_start == dt.date(2026, 5, 25)
    assert periods.previous(p.start, p.end) == (dt.date(2026, 5, 1), dt.date(2026, 5, 7))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-47", "write it as YYYY-Www"),
        ("W47", "write it as YYYY-Www"),
        ("2026-W00", "2026 has weeks 1 to 53, not week 0"),
        ("2026-W54", "2026 has weeks 1 to 53, not week 54"),
        ("2025-W53", "2025 has weeks 1 to 52, not week 53"),
        ("", "not an ISO week"),
    ],
)
def test_a_bad_week_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        week(text)


def test_a_month_is_compared_with_the_month_before() -> None:
    p = month("2026-03")
    assert (p.start, p.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert (p.previous_start, p.previous_end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert p.name("es") == "marzo de 2026" and p.name("en") == "March 2026"
    for bad in ("2026-13", "2026-00", "2026/03", "03-2026"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            month(bad)


def test_custom_dates_are_compared_as_the_sidebar_compares_them() -> None:
    p = custom(dt.date(2026, 6, 3), dt.date(2026, 6, 16))
    assert (p.previous_start, p.previous_end) == (dt.date(2026, 5, 20), dt.date(2026, 6, 2))
    assert p.days == (p.previous_end - p.previous_start).days + 1 == 14
    whole = custom(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert (whole.previous_start, whole.previous_end) == periods.previous(whole.start, whole.end)
    with pytest.raises(ValueError, match=r"ends .* before it starts"):
        custom(dt.date(2026, 6, 3), dt.date(2026, 6, 2))


@pytest.mark.parametrize(
    ("last", "monday"),
    [
        (dt.date(2026, 6, 28), dt.date(2026, 6, 22)),  # a Sunday: its own week is complete
        (dt.date(2026, 6, 27), dt.date(2026, 6, 15)),  # a Saturday: the week before
        (dt.date(2026, 6, 22), dt.date(2026, 6, 15)),  # a Monday
    ],
)
def test_the_default_is_the_last_complete_week(last: dt.date, monday: dt.date) -> None:
    assert last_complete_week(last).start == monday


def test_the_page_choices_go_back_from_the_newest() -> None:
    weeks = weeks_up_to(dt.date(2026, 1, 7), 3)
    assert [w.code for w in weeks] == ["2026-W01", "2025-W52", "2025-W51"]
    assert [m.code for m in months_up_to(dt.date(2026, 2, 10), 3)] == [
        "2026-02",
        "2026-01",
        "2025-12",
    ]
