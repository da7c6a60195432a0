"""Public holidays per region: the days a follow-up deadline skips.

Deadlines skip the holidays of the item's region (its call's) and those of every
region (:data:`EVERY_REGION`); an item without a call (a relational survey) skips only
the latter. Holidays apply to items created after they are entered: due dates are set
once, when the item is created. They are entered one by one or imported per country
and year from the maintained ``holidays`` package; every change goes to the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from analytics import access, audit
from analytics.settings import Invalid
from analytics.store import Store

EVERY_REGION = "*"
#: The years a country's holidays can be imported for.
YEARS = (2000, 2100)
#: Holiday names in the reader's language where the country's calendar has them.
_CALENDAR_LANG = {"en": "en_US", "es": "es"}


@dataclass(frozen=True)
class Holiday:
    """A day without business in ``region`` (:data:`EVERY_REGION`: in all of them)."""

    day: dt.date
    region: str = EVERY_REGION
    name: str = ""


def check_holiday(holiday: Holiday) -> Holiday:
    """``holiday`` tidied, or :class:`Invalid`: a date, and a region."""
    if not isinstance(holiday.day, dt.date) or isinstance(holiday.day, dt.datetime):
        raise Invalid("followup.error.holiday_day")
    region = (holiday.region or "").strip()
    if not region:
        raise Invalid("followup.error.holiday_region")
    return Holiday(holiday.day, region, (holiday.name or "").strip())


def read_holidays(store: Store, region: str | None = None) -> list[Holiday]:
    """Every holiday by day, or those observed in ``region`` (its own and every region's)."""
    query = "select day, region, coalesce(name, '') from holidays"
    params: list[Any] = []
    if region is not None:
        query += " where region in (?, ?)"
        params = [region, EVERY_REGION]
    rows = store.cursor().execute(query + " order by day, region", params).fetchall()
    return [Holiday(day, reg, name) for day, reg, name in rows]


def holiday_days(store: Store, region: str | None) -> frozenset[dt.date]:
    """The days ``region``'s items skip (None: no call, only every region's holidays)."""
    wanted = EVERY_REGION if region is None else region
    return frozenset(h.day for h in read_holidays(store, wanted))


def add_holiday(store: Store, holiday: Holiday) -> Holiday:
    """Store one holiday (:class:`Invalid`, nothing stored, when wrong or already there)."""
    actor = access.require(store, "settings")
    h = check_holiday(holiday)
    with store.transaction() as cur:
        known = cur.execute(
            "select 1 from holidays where day = ? and region = ?", [h.day, h.region]
        ).fetchone()
        if known is not None:
            raise Invalid("followup.error.holiday_exists")
        cur.execute(
            "insert into holidays (day, region, name) values (?, ?, ?)",
            [h.day, h.region, h.name or None],
        )
        after = {"day": h.day, "region": h.region, "name": h.name}
        audit.record(cur, actor, "holidays.add", f"{h.day} {h.region}", None, after)
    return h


def delete_holiday(store: Store, day: dt.date, region: str) -> None:
    """Remove one holiday (an unknown one is a KeyError)."""
    actor = access.require(store, "settings")
    with store.transaction() as cur:
        row = cur.execute(
            "delete from holidays where day = ? and region = ? returning day, name", [day, region]
        ).fetchone()
        if row is not None:
            before = {"day": day, "region": region, "name": row[1]}
            audit.record(cur, actor, "holidays.delete", f"{day} {region}", before, None)
    if row is None:
        raise KeyError(f"no holiday on {day} in {region!r}")


def countries() -> dict[str, tuple[str, list[str]]]:
    """The countries whose public holidays can be imported: ISO 3166 code -> English
    name and subdivision codes (from the maintained ``holidays`` package)."""
    import holidays as calendars  # 0.1 s: only where holidays are imported
    from holidays import registry

    subdivisions = calendars.list_supported_countries()
    named = {entry[1]: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", entry[0])
             for entry in registry.COUNTRIES.values()}  # fmt: skip
    return {code: (named[code], list(subdivisions.get(code, []))) for code in sorted(named)}


def import_holidays(
    store: Store,
    country: str,
    year: int,
    subdivision: str | None = None,
    region: str = EVERY_REGION,
    lang: str = "en",
) -> int:
    """Add ``country``'s public holidays in ``year`` (with ``subdivision``'s, when
    given) to ``region``; days already there are kept as they are. Returns how many
    were added; :class:`Invalid` for an unknown country, subdivision or year."""
    import holidays as calendars

    actor = access.require(store, "settings")
    if isinstance(year, bool) or not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]:
        raise Invalid("followup.error.year", low=str(YEARS[0]), high=str(YEARS[1]))
    where = check_holiday(Holiday(dt.date(year, 1, 1), region)).region
    try:
        found = calendars.country_holidays(
            country, subdiv=subdivision or None, years=year, language=_CALENDAR_LANG.get(lang)
        )
    except NotImplementedError as exc:
        key = "followup.error.subdivision" if subdivision else "followup.error.country"
        raise Invalid(key, country=country, subdivision=subdivision or "") from exc
    rows = pl.DataFrame(
        {"day": sorted(found), "name": [found[d] for d in sorted(found)]},
        schema={"day": pl.Date, "name": pl.String},
    ).with_columns(region=pl.lit(where))
    with store.transaction() as cur:
        before = _holiday_count(cur)
        cur.register("imported", rows.to_arrow())
        cur.execute(
            "insert into holidays (day, region, name) select day, region, name from imported"
            " on conflict do nothing"
        )
        cur.unregister("imported")
        added = _holiday_count(cur) - before
        after = {"country": country, "year": year, "subdivision": subdivision, "added": added}
        audit.record(cur, actor, "holidays.import", where, None, after)
        return added


def _holiday_count(cur: duckdb.DuckDBPyConnection) -> int:
    rows = cur.execute("select count(*) from holidays").fetchall()  # the result, done
    return int(rows[0][0])
