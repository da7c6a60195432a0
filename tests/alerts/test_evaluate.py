"""Which events the rules see, on small stores with known answers.

North's NPS falls from 40 to -5 between ISO weeks 11 and 12 of 2025 on 200 answers a
week (a real drop, far past the 3-point minimum); a fall from 40 to 36 on the same
sample is noise (its interval includes zero), and must not fire.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from analytics import targets
from analytics.alerts import evaluate, rules
from analytics.alerts.evaluate import last_week
from analytics.alerts.rules import Email, Rule
from analytics.feedback import followup, queue
from analytics.queries import Filters
from analytics.store import Store
from tests.alerts.conftest import LAST_WEEK, NOW, WEEK_BEFORE, answers, mix

TO = (Email("ana@example.com"),)
BEFORE_DATA = dt.datetime(2025, 3, 1)


def nps(scores: list[int]) -> float:
    """NPS by hand: % promoters (9-10) - % detractors (0-6)."""
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def rule(store: Store, kind: str, at: dt.datetime = BEFORE_DATA, **kw: object) -> Rule:
    rule_id = rules.save(store, Rule(name=kind, kind=kind, emails=TO, **kw), now=at)  # type: ignore[arg-type]
    return rules.get(store, rule_id)


def test_the_last_complete_week_is_the_iso_week_before_now() -> None:
    assert last_week(NOW) == (dt.date(2025, 3, 17), dt.date(2025, 3, 23))
    assert last_week(dt.datetime(2025, 3, 23, 23, 59)) == (
        dt.date(2025, 3, 10),
        dt.date(2025, 3, 16),
    )
    assert evaluate.iso_week(dt.date(2025, 3, 17)) == "2025-W12"


def test_a_real_nps_drop_fires_with_the_tiles_numbers(empty_store: Store) -> None:
    before, after = mix(120, 40, 40), mix(70, 50, 80)
    answers(empty_store, WEEK_BEFORE, before)
    answers(empty_store, LAST_WEEK, after, first=1000)
    answers(empty_store, LAST_WEEK, mix(120, 40, 40), region="South", first=2000)
    north = rule(empty_store, "kpi_down", kpi="nps", scope={"region": ("North",)})
    south = rule(empty_store, "kpi_down", kpi="nps", scope={"region": ("South",)})

    found = evaluate.evaluate(empty_store, NOW, [north, south])
    assert [(e.rule_id, e.key) for e in found] == [(north.rule_id, "nps:2025-W12")]
    facts = found[0].facts
    assert facts["value"] == pytest.approx(nps(after)) == -5.0
    assert facts["previous"] == pytest.approx(nps(before)) == 40.0
    assert facts["n"] == 200

    # The change and its interval: a difference of two independent NPS estimates,
    # each with variance (p + d - (p - d)^2) / n (in proportions), computed here.
    def var(s: list[int]) -> float:
        p, d = sum(x >= 9 for x in s) / len(s), sum(x <= 6 for x in s) / len(s)
        return (p + d - (p - d) ** 2) / len(s)

    se = 100 * math.sqrt(var(before) + var(after))
    change = facts["change"]
    assert change["estimate"] == pytest.approx(-45.0)
    assert change["high"] < 0 and change["p"] < 0.001
    assert (change["high"] - change["low"]) / 2 == pytest.approx(1.959964 * se, rel=0.15)


def test_a_drop_within_the_noise_does_not_fire(empty_store: Store) -> None:
    answers(empty_store, WEEK_BEFORE, mix(120, 40, 40))
    answers(empty_store, LAST_WEEK, mix(114, 44, 42), first=1000)  # NPS 36: -4 points
    watch = rule(empty_store, "kpi_down", kpi="nps")
    assert evaluate.for_rule(empty_store, watch, NOW) == []


def test_below_target_fires_only_when_the_whole_interval_misses(empty_store: Store) -> None:
    answers(empty_store, LAST_WEEK, mix(70, 50, 80), first=1000)  # NPS -5, CI about ±12
    targets.save(empty_store, targets.Target("nps", 20.0, dt.date(2025, 1, 1)))
    far = rule(empty_store, "below_target", kpi="nps")
    (event,) = evaluate.for_rule(empty_store, far, NOW)
    assert (event.key, event.facts["target"]) == ("nps:2025-W12", 20.0)
    assert event.facts["gap"] == pytest.approx(-25.0)
    targets.save(empty_store, targets.Target("nps", 0.0, dt.date(2025, 3, 1)))  # within the CI
    assert evaluate.for_rule(empty_store, far, NOW) == []


def test_new_detractors_are_those_that_arrive_after_the_rule(empty_store: Store) -> None:
    answers(empty_store, WEEK_BEFORE, mix(10, 5, 5))
    followup.sync_items(empty_store, now=dt.datetime(2025, 3, 17))  # known before the rule
    watch = rule(empty_store, "new_detractor", at=dt.datetime(2025, 3, 18))
    answers(empty_store, LAST_WEEK, mix(10, 5, 7), first=1000)
    followup.sync_items(empty_store, now=dt.datetime(2025, 3, 23))
    found = evaluate.for_rule(empty_store, watch, NOW)
    assert len(found) == 7  # last week's 7 detractors; not the 5 of the week before
    assert all(int(e.key.removeprefix("response:R")) >= 1000 for e in found)
    assert {e.facts["reason"] for e in found} == {"detractor"}


def test_old_answers_loaded_late_are_history_not_news(empty_store: Store) -> None:
    watch = rule(empty_store, "new_detractor", at=dt.datetime(2025, 3, 18))
    answers(empty_store, dt.datetime(2025, 1, 6, 9), mix(0, 0, 5))  # a backfill of January
    followup.sync_items(empty_store, now=dt.datetime(2025, 3, 20))
    assert evaluate.for_rule(empty_store, watch, NOW) == []


def test_overdue_items_are_the_queues_overdue_not_contacted(empty_store: Store) -> None:
    answers(empty_store, WEEK_BEFORE, mix(10, 10, 40))
    answers(empty_store, WEEK_BEFORE, mix(10, 10, 5), region="South", first=500)
    followup.sync_items(empty_store, now=WEEK_BEFORE)
    first = queue.list_items(empty_store, queue.ListFilter(statuses=("open",)), now=NOW)
    followup.record_contact(empty_store, int(first["item_id"][0]), now=NOW)  # one called
    watch = rule(empty_store, "overdue", scope={"region": ("North",)})
    found = evaluate.for_rule(empty_store, watch, NOW)
    expected = queue.status_counts(empty_store, Filters(region=("North",)), now=NOW)
    assert len(found) == expected["overdue_open"] == 39
    assert len({e.key for e in found}) == 39


def test_a_digest_is_one_event_per_week(empty_store: Store) -> None:
    watch = rule(empty_store, "digest")
    (event,) = evaluate.for_rule(empty_store, watch, NOW)
    assert event.key == "digest:2025-W12"
    later = NOW + dt.timedelta(days=3)
    assert [e.key for e in evaluate.for_rule(empty_store, watch, later)] == ["digest:2025-W12"]


def test_a_disabled_rule_is_not_evaluated(empty_store: Store) -> None:
    watch = rule(empty_store, "digest")
    assert watch.rule_id is not None
    rules.set_enabled(empty_store, watch.rule_id, False)
    assert evaluate.evaluate(empty_store, NOW, rules.read(empty_store)) == []
