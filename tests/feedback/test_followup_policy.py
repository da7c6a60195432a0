"""Follow-up deadlines kept in the store, and the public holidays they skip (issue 14).

The set-based SQL that sets due dates is checked against ``add_business_days`` on hand
cases (a Friday detractor before a Monday holiday) and on random responses, regions
and holidays (Hypothesis).
"""

from __future__ import annotations

import datetime as dt

import holidays as calendars
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import settings as stored
from analytics.feedback import followup
from analytics.feedback.deadlines import Policy
from analytics.feedback.region_holidays import EVERY_REGION, Holiday
from analytics.settings import Invalid
from analytics.store import Store
from tests.conftest import call, insert, survey

FRI = dt.datetime(2026, 3, 6, 16, 30)  # a Friday afternoon
MON = dt.date(2026, 3, 9)
ENV = {"PULSO_FOLLOWUP_DAYS": "3", "PULSO_FOLLOWUP_PASSIVE_DAYS": "6"}


# -- deadlines in the store ------------------------------------------------------------------


def test_the_environment_is_the_default_until_deadlines_are_saved(empty_store: Store) -> None:
    assert Policy.from_store(empty_store, {}) == Policy(2, None)
    assert Policy.from_store(empty_store, ENV) == Policy(3, 6)
    assert followup.save_policy(empty_store, Policy(5, None), by="ana") == Policy(5, None)
    assert Policy.from_store(empty_store, ENV) == Policy(5, None)  # passives off, not 6
    assert stored.get(empty_store, followup.SETTING) == {"detractor_days": 5, "passive_days": None}
    followup.save_policy(empty_store, Policy(1, 30))
    assert Policy.from_store(empty_store, ENV) == Policy(1, 30)
    followup.reset_policy(empty_store)
    assert Policy.from_store(empty_store, ENV) == Policy(3, 6)


@pytest.mark.parametrize(
    ("detractor", "passive"),
    [(0, None), (31, None), (2, 0), (2, 31), (True, None), ("3", None), (2.5, None), (None, 3)],
)
def test_deadlines_out_of_range_are_refused(detractor: object, passive: object) -> None:
    with pytest.raises(Invalid) as caught:
        followup.check_policy(detractor, passive)
    assert caught.value.key == "followup.error.days"
    assert caught.value.text("es") == "Un plazo es un número entero de días hábiles entre 1 y 30."


def test_a_deadline_past_the_limit_is_not_saved(empty_store: Store) -> None:
    followup.save_policy(empty_store, Policy(4))
    with pytest.raises(Invalid, match="from 1 to 30"):
        followup.save_policy(empty_store, Policy(31))  # a Policy, but not one to save
    with pytest.raises(Invalid):
        followup.save_policy(empty_store, Policy(2, 45))
    assert Policy.from_store(empty_store, {}) == Policy(4)


@pytest.mark.parametrize(
    "document",
    [{"detractor_days": 0}, {"detractor_days": "2"}, {"passive_days": 4}, {"detractor_days": 99}],
)
def test_a_stored_document_that_no_longer_reads_falls_back_to_the_environment(
    empty_store: Store, document: dict[str, object]
) -> None:
    stored.put(empty_store, followup.SETTING, document)
    assert Policy.from_store(empty_store, ENV) == Policy(3, 6)


def test_new_items_get_the_saved_deadline_and_existing_ones_keep_theirs(
    empty_store: Store,
) -> None:
    monday = dt.datetime(2026, 3, 2, 10)
    insert(empty_store, "surveys", [survey(1, monday, nps=0)])
    followup.sync_items(empty_store, Policy.from_store(empty_store, {}), now=monday)
    followup.save_policy(empty_store, Policy(4))
    insert(empty_store, "surveys", [survey(2, monday, nps=0)])
    followup.sync_items(empty_store, Policy.from_store(empty_store, {}), now=monday)
    due = empty_store.sql("select response_id, due_at from followup_items order by 1").rows()
    assert due == [("R1", dt.datetime(2026, 3, 4, 10)), ("R2", dt.datetime(2026, 3, 6, 10))]


# -- business days with holidays: hand-checked ------------------------------------------------


@pytest.mark.parametrize(
    ("at", "days", "off", "due"),
    [
        (FRI, 2, {MON}, dt.datetime(2026, 3, 11, 16, 30)),  # Fri + 2, Monday off -> Wednesday
        (FRI, 1, {MON}, dt.datetime(2026, 3, 10, 16, 30)),  # Fri + 1, Monday off -> Tuesday
        (FRI, 2, set(), dt.datetime(2026, 3, 10, 16, 30)),  # no holiday: Tuesday
        # On a holiday (Monday): counts from the Friday before, at the same time.
        (dt.datetime(2026, 3, 9, 9), 1, {MON}, dt.datetime(2026, 3, 10, 9)),
        # Thursday + 1 with Friday off -> Monday; with Friday and Monday off -> Tuesday.
        (dt.datetime(2026, 3, 5, 12), 1, {FRI.date()}, dt.datetime(2026, 3, 9, 12)),
        (dt.datetime(2026, 3, 5, 12), 1, {FRI.date(), MON}, dt.datetime(2026, 3, 10, 12)),
        # A holiday on a Saturday changes nothing.
        (FRI, 1, {dt.date(2026, 3, 7)}, dt.datetime(2026, 3, 9, 16, 30)),
    ],
)
def test_business_days_skip_holidays(
    at: dt.datetime, days: int, off: set[dt.date], due: dt.datetime
) -> None:
    assert followup.add_business_days(at, days, off) == due


def test_a_friday_detractor_before_a_regional_monday_holiday(empty_store: Store) -> None:
    """North has Monday off; South has none; every region has the Wednesday off."""
    wed = dt.date(2026, 3, 11)
    followup.add_holiday(empty_store, Holiday(MON, "North", "Local day"))
    followup.add_holiday(empty_store, Holiday(wed, EVERY_REGION, "National day"))
    insert(empty_store, "calls", [call(1, FRI, region="North"), call(2, FRI, region="South")])
    rows = [
        survey(1, FRI, call_id="C1", nps=0),
        survey(2, FRI, call_id="C2", nps=0),
        survey(3, FRI, nps=0, survey_type="relational"),  # no call: every region's only
    ]
    insert(empty_store, "surveys", rows)
    assert followup.sync_items(empty_store, Policy(2), now=FRI) == 3
    due = dict(empty_store.sql("select response_id, due_at from followup_items").rows())
    at = FRI.time()
    assert due == {
        "R1": dt.datetime.combine(dt.date(2026, 3, 12), at),  # Mon and Wed off: Thursday
        "R2": dt.datetime.combine(dt.date(2026, 3, 10), at),  # Tuesday
        "R3": dt.datetime.combine(dt.date(2026, 3, 10), at),  # Tuesday
    }


# -- the SQL against the Python rule, on random cases ----------------------------------------

REGIONS = ("North", "South", None)
START = dt.datetime(2026, 1, 1)
moments = st.integers(0, 60 * 24 * 60).map(lambda m: START + dt.timedelta(minutes=m))
days_off = st.dates(dt.date(2025, 12, 20), dt.date(2026, 4, 10))  # around the responses
holiday_rows = st.lists(
    st.tuples(days_off, st.sampled_from((EVERY_REGION, "North", "South"))),
    max_size=40,
    unique=True,
)
responses = st.lists(st.tuples(moments, st.sampled_from(REGIONS)), min_size=1, max_size=12)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=responses,
    off=holiday_rows,
    detractor=st.integers(1, 12),
    passive=st.integers(1, 12),
)
def test_sql_due_dates_equal_the_python_rule_with_holidays(
    empty_store: Store,
    rows: list[tuple[dt.datetime, str | None]],
    off: list[tuple[dt.date, str]],
    detractor: int,
    passive: int,
) -> None:
    cur = empty_store.cursor()
    for table in ("followup_items", "surveys", "calls", "holidays"):
        cur.execute(f"delete from {table}")  # fixed names
    for day, region in off:
        followup.add_holiday(empty_store, Holiday(day, region))
    calls = [call(i, at, region=r) for i, (at, r) in enumerate(rows) if r is not None]
    if calls:
        insert(empty_store, "calls", calls)
    answers = [
        survey(i, at, call_id=None if r is None else f"C{i}", nps=i % 9)  # 7-8: passives
        for i, (at, r) in enumerate(rows)
    ]
    insert(empty_store, "surveys", answers)
    followup.sync_items(empty_store, Policy(detractor, passive), now=START)
    got = empty_store.sql("select response_id, reason, responded_at, due_at from followup_items")
    region_of = {f"R{i}": r for i, (_, r) in enumerate(rows)}
    assert got.height == len(rows)  # NPS 0-8: every one is a detractor or a passive
    for response_id, reason, at, due in got.iter_rows():
        region = region_of[response_id]
        skipped = {d for d, r in off if r in (EVERY_REGION, region)}
        n = passive if reason == "passive" else detractor
        assert due == followup.add_business_days(at, n, skipped), (response_id, region)


# -- holidays: validation, deletion, import ----------------------------------------------------


def test_holidays_are_checked_and_deleted_one_by_one(empty_store: Store) -> None:
    added = followup.add_holiday(empty_store, Holiday(MON, "  North ", " Local day "))
    assert added == Holiday(MON, "North", "Local day")
    with pytest.raises(Invalid) as caught:
        followup.add_holiday(empty_store, Holiday(MON, "North", "again"))
    assert caught.value.text("en") == "That day is already a holiday for that region."
    for wrong, key in [
        (Holiday(MON, "  "), "followup.error.holiday_region"),
        (Holiday(dt.datetime(2026, 3, 9, 10), "North"), "followup.error.holiday_day"),  # type: ignore[arg-type]
    ]:
        with pytest.raises(Invalid) as caught:
            followup.add_holiday(empty_store, wrong)
        assert caught.value.key == key
    followup.add_holiday(empty_store, Holiday(MON, EVERY_REGION))
    assert [h.region for h in followup.read_holidays(empty_store)] == ["*", "North"]
    assert followup.holiday_days(empty_store, "South") == {MON}  # every region's
    assert followup.read_holidays(empty_store, "South") == [Holiday(MON, EVERY_REGION)]
    followup.delete_holiday(empty_store, MON, "North")
    assert followup.read_holidays(empty_store) == [Holiday(MON, EVERY_REGION)]
    with pytest.raises(KeyError):
        followup.delete_holiday(empty_store, MON, "North")


def test_a_countrys_holidays_are_imported_once(empty_store: Store) -> None:
    added = followup.import_holidays(empty_store, "ES", 2026, region="Madrid", lang="es")
    days = {h.day: h.name for h in followup.read_holidays(empty_store)}
    # Spain's national holidays in 2026 (BOE-A-2025-21667), hand-checked.
    national = [(1, 1), (1, 6), (4, 3), (5, 1), (8, 15), (10, 12), (12, 8), (12, 25)]
    assert {dt.date(2026, m, d) for m, d in national} <= days.keys()
    assert days[dt.date(2026, 12, 25)] == "Natividad del Señor"
    assert added == len(days) == len(calendars.country_holidays("ES", years=2026))
    assert {h.region for h in followup.read_holidays(empty_store)} == {"Madrid"}
    assert followup.import_holidays(empty_store, "ES", 2026, region="Madrid") == 0  # kept
    # The Community of Madrid's day (2 May) comes with the subdivision.
    assert followup.import_holidays(empty_store, "ES", 2026, "MD", region="Madrid") >= 1
    assert dt.date(2026, 5, 2) in followup.holiday_days(empty_store, "Madrid")


@pytest.mark.parametrize(
    ("country", "year", "subdivision", "key"),
    [
        ("XX", 2026, None, "followup.error.country"),
        ("ES", 2026, "ZZ", "followup.error.subdivision"),
        ("ES", 1800, None, "followup.error.year"),
    ],
)
def test_an_unknown_country_subdivision_or_year_is_refused(
    empty_store: Store, country: str, year: int, subdivision: str | None, key: str
) -> None:
    with pytest.raises(Invalid) as caught:
        followup.import_holidays(empty_store, country, year, subdivision)
    assert caught.value.key == key
    assert followup.read_holidays(empty_store) == []


def test_countries_name_their_subdivisions() -> None:
    known = followup.countries()
    assert known["ES"][0] == "Spain" and "MD" in known["ES"][1]
    assert known["US"][0] == "United States" and "CA" in known["US"][1]
