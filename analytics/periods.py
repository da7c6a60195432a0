"""Calendar periods: the sidebar's presets and the period each one is compared with.

Presets are anchored on the last day with data (not the wall clock), so "this month"
on a store that ends on 28 June is 1-28 June. A period is compared either with the
period before it or with the same dates a year earlier (:data:`Comparison`).

"The period before" follows the calendar when the range is a calendar unit: whole
months are compared with as many whole months before (October with September, not
with 31 August - 30 September); a month, quarter or year "to date" with the same days
of the month, quarter or year before. Any other range is compared with the range of
equal length that ends the day before it starts (a week with the week before).

>>> previous(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
(datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))
>>> previous(dt.date(2026, 6, 1), dt.date(2026, 6, 28))  # month to date
(datetime.date(2026, 5, 1), datetime.date(2026, 5, 28))
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Literal, get_args

Preset = Literal[
    "last_28",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "year_to_date",
    "custom",
]
PRESETS: tuple[Preset, ...] = get_args(Preset)
DEFAULT_PRESET: Preset = "last_28"
Comparison = Literal["previous", "year"]
COMPARISONS: tuple[Comparison, ...] = get_args(Comparison)
Range = tuple[dt.date, dt.date]


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def shift_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months; a day the target month lacks becomes its last
    day (31 March - 1 month = 28 or 29 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def resolve(preset: Preset, last: dt.date) -> Range:
    """The dates of a preset when the data ends on ``last`` ("custom" has none: it
    returns the default, the 28 days up to ``last``)."""
    week = last - dt.timedelta(days=last.weekday())
    month = last.replace(day=1)
    quarter = _quarter_start(last)
    ranges: dict[str, Range] = {
        "this_week": (week, last),
        "last_week": (week - dt.timedelta(days=7), week - dt.timedelta(days=1)),
        "this_month": (month, last),
        "last_month": (shift_months(month, -1), month - dt.timedelta(days=1)),
        "this_quarter": (quarter, last),
        "last_quarter": (shift_months(quarter, -3), quarter - dt.timedelta(days=1)),
        "year_to_date": (last.replace(month=1, day=1), last),
    }
    return ranges.get(preset, (last - dt.timedelta(days=27), last))


def clamp(period: Range, bounds: Range) -> Range:
    """A range cut to the days with data (a preset may start before the first day)."""
    start = min(max(period[0], bounds[0]), bounds[1])
    return start, max(min(period[1], bounds[1]), start)


def preset_of(period: Range, bounds: Range) -> Preset:
    """The preset that gives exactly these dates on this data, else "custom"."""
    for preset in PRESETS[:-1]:
        if clamp(resolve(preset, bounds[1]), bounds) == period:
            return preset
    return "custom"


def _calendar_months(start: dt.date, end: dt.date) -> int | None:
    """How many months back the calendar comparison goes, or None for a plain range."""
    if start.day != 1:
        return None
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if end == month_end(end):
        return months  # whole months
    if months == 1:
        return 1  # month to date
    if start == _quarter_start(start) and months <= 3:
        return 3  # quarter to date
    if (start.month, start.day) == (1, 1) and months <= 12:
        return 12  # year to date
    return None


def _back(start: dt.date, end: dt.date, months: int) -> Range:
    """The range ``months`` back; a range that ends on a month's last day ends on the
    last day of its month there too (28 Feb one year back is 29 Feb in a leap year)."""
    before = shift_months(end, -months)
    return shift_months(start, -months), month_end(before) if end == month_end(end) else before


def previous(start: dt.date, end: dt.date) -> Range:
    """The period before ``start..end`` (see the module docstring)."""
    months = _calendar_months(start, end)
    if months is not None:
        return _back(start, end, months)
    length = end - start
    before = start - dt.timedelta(days=1)
    return before - length, before


def year_ago(start: dt.date, end: dt.date) -> Range:
    """The same dates a year earlier; a range longer than a year would overlap its
    own comparison, so it is compared with the period before it instead."""
    earlier = _back(start, end, 12)
    return earlier if earlier[1] < start else previous(start, end)


def compared(start: dt.date, end: dt.date, comparison: Comparison) -> Range:
    return year_ago(start, end) if comparison == "year" else previous(start, end)


def trailing(end: dt.date, weeks: int = 26, months: int = 13, grain: str = "week") -> dt.date:
    """The first day of a trend that shows the last ``weeks`` ISO weeks (or ``months``
    calendar months) up to ``end``, whatever the period's own length."""
    if grain == "month":
        return shift_months(end.replace(day=1), 1 - months)
    monday = end - dt.timedelta(days=end.weekday())
    return monday - dt.timedelta(weeks=weeks - 1)
