"""Survey fatigue against a hand-built example (counted by hand in the comments)."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.feedback import fatigue
from analytics.feedback.fatigue import FatiguePolicy
from analytics.metrics import proportion
from analytics.store import Store
from tests.conftest import insert, survey

# Customer A: 1, 10, 20 Jan (three within 30 days) and 25 Feb.
# Customer B: 5 Jan and 20 Feb.  Customer C: 15, 16 Jan and 1 Mar.
# Three anonymous answers (no customer id) on 2-4 Jan are never counted.
ANSWERS = [
    ("A", dt.datetime(2026, 1, 1, 9)),
    ("A", dt.datetime(2026, 1, 10, 9)),
    ("A", dt.datetime(2026, 1, 20, 9)),
    ("A", dt.datetime(2026, 2, 25, 9)),
    ("B", dt.datetime(2026, 1, 5, 9)),
    ("B", dt.datetime(2026, 2, 20, 9)),
    ("C", dt.datetime(2026, 1, 15, 9)),
    ("C", dt.datetime(2026, 1, 16, 9)),
    ("C", dt.datetime(2026, 3, 1, 9)),
    (None, dt.datetime(2026, 1, 2, 9)),
    (None, dt.datetime(2026, 1, 3, 9)),
    (None, dt.datetime(2026, 1, 4, 9)),
]
POLICY = FatiguePolicy(max_surveys=2, window_days=30)


@pytest.fixture
def store(empty_store: Store) -> Store:
    rows = [survey(i, at, customer_id=who, nps=8) for i, (who, at) in enumerate(ANSWERS)]
    insert(empty_store, "surveys", rows)
    return empty_store


def test_suppression_list_holds_who_answered_too_often_in_the_window(store: Store) -> None:
    # 30 days up to 25 Jan = 27 Dec .. 25 Jan: A 3, B 1, C 2 -> only A is over 2.
    got = fatigue.suppression_list(store, POLICY, dt.date(2026, 1, 25))
    assert got.rows() == [("A", 3, dt.datetime(2026, 1, 1, 9), dt.datetime(2026, 1, 20, 9))]
    # Up to 31 Jan (2 .. 31 Jan): A's 1 Jan answer has left the window -> nobody.
    assert fatigue.suppression_list(store, POLICY, dt.date(2026, 1, 31)).is_empty()
    # With K = 1, A and C, most surveyed first.
    stricter = fatigue.suppression_list(store, FatiguePolicy(1, 30), dt.date(2026, 1, 25))
    assert stricter.select("customer_id", "n_surveys").rows() == [("A", 3), ("C", 2)]


def test_distribution_of_answers_per_customer(store: Store) -> None:
    # 30 days up to 25 Jan: A 3, B 1, C 2 (the anonymous answers do not count).
    got = fatigue.distribution(store, POLICY, dt.date(2026, 1, 25))
    assert got.rows() == [(1, 1), (2, 1), (3, 1)]
    # 90 days up to 1 Mar (3 Dec .. 1 Mar): A 4, B 2, C 3.
    wide = fatigue.distribution(store, FatiguePolicy(2, 90), dt.date(2026, 3, 1))
    assert wide.rows() == [(2, 1), (3, 1), (4, 1)]


def test_summary_counts_active_customers_and_the_share_over(store: Store) -> None:
    s = fatigue.summary(store, POLICY, dt.date(2026, 1, 25))
    assert (s.start, s.end) == (dt.date(2025, 12, 27), dt.date(2026, 1, 25))
    assert (s.active_customers, s.over_limit) == (3, 1)
    assert s.share == proportion(1, 3)


def test_monthly_frequency_trend_equals_a_hand_count(store: Store) -> None:
    # Rolling 30-day counts: A 1,2,3,1; B 1,1; C 1,2,1 -> only A's 20 Jan is over 2.
    got = fatigue.frequency_trend(store, POLICY, "month")
    assert got.select("period", "responses", "customers", "over_limit").rows() == [
        (dt.date(2026, 1, 1), 6, 3, 1),
        (dt.date(2026, 2, 1), 2, 2, 0),
        (dt.date(2026, 3, 1), 1, 1, 0),
    ]
    assert got["per_customer"].to_list() == [2.0, 1.0, 1.0]
    assert round(got["over_share"][0], 5) == round(100 / 3, 5)
    # first period 1 Jan; 1 Jan + 30 days = 31 Jan: February and March see whole windows
    assert got["full_window"].to_list() == [False, True, True]


def test_last_day_is_the_last_response(store: Store) -> None:
    assert fatigue.last_day(store) == dt.date(2026, 3, 1)


def test_empty_store_has_no_last_day(empty_store: Store) -> None:
    assert fatigue.last_day(empty_store) is None
    assert fatigue.frequency_trend(empty_store).is_empty()


@pytest.mark.parametrize(("k", "n"), [(0, 30), (2, 0)])
def test_policy_refuses_nonsense(k: int, n: int) -> None:
    with pytest.raises(ValueError):
        FatiguePolicy(k, n)
