"""The app's alert clock: the app holds its store (DuckDB: one writing process per
file), so it evaluates the rules itself on a background thread; tried here with a real
SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest

from analytics.alerts import deliver, rules, schedule
from analytics.alerts.rules import Email, Rule
from analytics.store import Store
from tests.alerts.conftest import NOW, Mailbox
from tests.alerts.test_deliver import FAST, drop_and_overdue, mail_to


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("", 15.0), ("5", 5.0), ("0.5", 0.5), ("0", None), ("-1", None), ("inf", None),
     ("nan", None), ("soon", None)],
)  # fmt: skip
def test_interval_from_the_environment(text: str, minutes: float | None) -> None:
    every = schedule.interval({schedule.ENV: text})
    assert (None if every is None else every.total_seconds() / 60) == minutes


def test_a_typo_is_logged_not_taken_silently_for_off(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        assert schedule.interval({schedule.ENV: "15m"}) is None
    assert "15m" in caplog.text


def test_a_tick_without_rules_writes_nothing(empty_store: Store) -> None:
    """No rule and nothing pending: not even the follow-up sync runs."""
    from tests.alerts.conftest import WEEK_BEFORE, answers

    answers(empty_store, WEEK_BEFORE, [0, 1, 2])  # three detractors, no items yet
    assert schedule.tick(empty_store) is None
    assert empty_store.sql("select count(*) from followup_items").item() == 0
    rule = rules.save(empty_store, Rule("Off", "new_detractor", emails=(Email("a@b.co", "en"),)))
    rules.set_enabled(empty_store, rule, False)
    assert schedule.tick(empty_store) is None


def test_the_clock_sends_through_a_real_server_and_keeps_going(
    empty_store: Store, mailbox: Mailbox
) -> None:
    mail_to(empty_store, mailbox.port)
    drop_and_overdue(empty_store)
    runs: list[int] = []

    def run(store: Store) -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("a bad tick")  # logged; the clock goes on
        deliver.run(store, NOW, retry=FAST)

    clock = schedule.Clock(empty_store, dt.timedelta(seconds=0.05), run).start()
    try:
        deadline = time.monotonic() + 20
        while len(mailbox.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        ticks = len(runs)
        while len(runs) < ticks + 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        clock.stop()
    assert not clock.thread.is_alive()
    # kpi_down to two recipients and the overdue list to one: sent once, whatever
    # the number of ticks after
    assert len(mailbox.messages) == 3 and len(runs) >= ticks + 3


def test_the_apps_clock_waits_before_its_first_run(empty_store: Store) -> None:
    """The first evaluation waits (it would compete with the server's first page), then
    the clock ticks at its interval; stopping it during the wait runs nothing."""
    runs: list[float] = []
    start = time.monotonic()
    clock = schedule.Clock(
        empty_store, dt.timedelta(seconds=0.05), lambda _: runs.append(time.monotonic()),
        delay=dt.timedelta(seconds=0.5),
    )  # fmt: skip
    clock.start()
    time.sleep(0.2)
    assert runs == []
    deadline = start + 20
    while len(runs) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    clock.stop()
    assert len(runs) >= 2 and runs[0] - start >= 0.5
    idle = schedule.Clock(empty_store, dt.timedelta(seconds=1), lambda _: runs.append(0.0),
                          delay=dt.timedelta(seconds=30)).start()  # fmt: skip
    idle.stop()
    assert not idle.thread.is_alive() and 0.0 not in runs
    assert dt.timedelta(seconds=10) <= schedule.FIRST_AFTER
