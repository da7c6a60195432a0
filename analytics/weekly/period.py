"""The report's period: an ISO week, a calendar month or a custom range, and the
period it is compared with.

A week is compared with the week before, a month with the month before, and custom
dates with the period before them as the sidebar compares them
(:func:`analytics.periods.previous`: equal length, or the calendar months before when
the dates are whole months), so that the report's numbers are the app's.

>>> week("2026-W47").start, week("2026-W47").previous_start
(datetime.date(2026, 11, 16), datetime.date(2026, 11, 9))
>>> month("2026-11").previous_end
datetime.date(2026, 10, 31)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from analytics import periods
from analytics.i18n import Lang, day, t

Kind = Literal["week", "month", "custom"]
KINDS: tuple[Kind, ...] = ("week", "month", "custom")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class Period:
    """The report's dates (inclusive) and those of the period it is compared with."""

    kind: Kind
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date

    @property
    def code(self) -> str:
        """2026-W47, 2026-11 or 2026-11-03_2026-11-20 (file names, the CLI)."""
        if self.kind == "week":
            year, number, _ = self.start.isocalendar()
            return f"{year}-W{number:02d}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def name(self, lang: Lang) -> str:
        """ "Week 47, 2026", "November 2026", or the dates."""
        if self.kind == "week":
            year, number, _ = self.start.isocalendar()
            return t("weekly.period.week", lang, week=number, year=year)
        if self.kind == "month":
            month = t(f"weekly.month.{self.start.month}", lang)
            return t("weekly.period.month", lang, month=month, year=self.start.year)
        return self.dates(lang)

    def dates(self, lang: Lang) -> str:
        return t("weekly.period.dates", lang, start=day(self.start, lang), end=day(self.end, lang))

    def previous_dates(self, lang: Lang) -> str:
        return t(
            "weekly.period.dates",
            lang,
            start=day(self.previous_start, lang),
            end=day(self.previous_end, lang),
        )


def week(text: str) -> Period:
    """An ISO week, "2026-W47" (Monday to Sunday), compared with the week before."""
    found = _WEEK.match(text.strip())
    if found is None:
        raise ValueError(f"not an ISO week: {text!r}; write it as YYYY-Www, e.g. 2026-W47")
    year, number = int(found[1]), int(found[2])
    if not dt.MINYEAR < year < dt.MAXYEAR:
        raise ValueError(f"not an ISO week: {text!r}; the year {year} is out of range")
    weeks = dt.date(year, 12, 28).isocalendar()[1]  # 28 December is always in the last week
    if not 1 <= number <= weeks:
        raise ValueError(
            f"not an ISO week: {text!r}; {year} has weeks 1 to {weeks}, not week {number}"
        )
    start = dt.date.fromisocalendar(year, number, 1)
    before = start - dt.timedelta(days=7)
    return Period("week", start, start + dt.timedelta(days=6), before, start - dt.timedelta(1))


def month(text: str) -> Period:
    """A calendar month, "2026-11", compared with the month before."""
    found = _MONTH.match(text.strip())
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 2:
        raise ValueError(f"not a month: {text!r}; write it as YYYY-MM, e.g. 2026-11")
    start = dt.date(int(found[1]), int(found[2]), 1)
    before = periods.shift_months(start, -1)
    return Period("month", start, periods.month_end(start), before, periods.month_end(before))


def custom(start: dt.date, end: dt.date) -> Period:
    """Any dates (inclusive), compared as the sidebar compares them."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    before = periods.previous(start, end)
    return Period("custom", start, end, *before)


def last_complete_week(last: dt.date) -> Period:
    """The last Monday-to-Sunday week that ends on or before ``last`` (the data's last
    day): a week still under way would compare part of a week with a whole one."""
    sunday = last - dt.timedelta(days=(last.weekday() + 1) % 7)
    year, number, _ = (sunday - dt.timedelta(days=6)).isocalendar()
    return week(f"{year}-W{number:02d}")


def weeks_up_to(last: dt.date, count: int = 26) -> list[Period]:
    """The ``count`` complete ISO weeks up to ``last``, newest first (a page's choices)."""
    newest = last_complete_week(last)
    mondays = (newest.start - dt.timedelta(weeks=i) for i in range(count))
    return [week(f"{m.isocalendar()[0]}-W{m.isocalendar()[1]:02d}") for m in mondays]


def months_up_to(last: dt.date, count: int = 13) -> list[Period]:
    """The ``count`` calendar months up to the one holding ``last``, newest first."""
    first = last.replace(day=1)
    return [
        month(f"{m.year}-{m.month:02d}")
        for m in (periods.shift_months(first, -i) for i in range(count))
    ]
