"""Alerts while the app runs: the app's own process evaluates the rules on a clock.

DuckDB lets one process write a database file at a time, and a running app holds its
store open: ``python -m analytics alerts run`` from cron cannot open the file while
the app is up. So the app runs the same :func:`analytics.alerts.run` itself, every
``PULSO_ALERTS_EVERY_MINUTES`` (default 15; 0 turns it off), on a background thread
that shares the app's store (each read takes its own cursor). Scheduled runs from the
command line remain the way for a store no app holds open.

A tick with nothing to do writes nothing: no enabled rule and no delivery waiting
means no follow-up sync and no evaluation. A failing tick is logged and the clock
goes on: an error in one run never stops the alerts for good.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Mapping

from analytics.alerts import deliver, rules
from analytics.store import Store

log = logging.getLogger(__name__)
ENV = "PULSO_ALERTS_EVERY_MINUTES"
DEFAULT_MINUTES = 15.0


def interval(env: Mapping[str, str] = os.environ) -> dt.timedelta | None:
    """How often the app evaluates the rules; None when turned off (0) or unreadable
    (logged: a typo must not pass for "off" silently)."""
    text = env.get(ENV, "").strip()
    if not text:
        return dt.timedelta(minutes=DEFAULT_MINUTES)
    try:
        minutes = float(text)
    except ValueError:
        log.error("%s=%r is not a number of minutes; alerts are not evaluated", ENV, text)
        return None
    if minutes != minutes or minutes < 0 or minutes == float("inf"):
        log.error("%s=%r is not a number of minutes; alerts are not evaluated", ENV, text)
        return None
    return dt.timedelta(minutes=minutes) if minutes > 0 else None


def has_work(store: Store) -> bool:
    """An enabled rule, or a delivery still pending (a retry), exists."""
    if any(r.enabled for r in rules.read(store)):
        return True
    query = "select count(*) from alert_deliveries where status = 'pending'"
    row = store.cursor().execute(query).fetchone()
    return bool(row and row[0])


def tick(store: Store, now: dt.datetime | None = None) -> deliver.Report | None:
    """One scheduled run: :func:`analytics.alerts.run` when there is work, else None.
    Failed sends are logged by the run and retried by later ticks."""
    if not has_work(store):
        return None
    return deliver.run(store, now=now)


class Clock:
    """A daemon thread calling :func:`tick` every ``every`` until :meth:`stop`."""

    def __init__(
        self,
        store: Store,
        every: dt.timedelta,
        run: Callable[[Store], object] = tick,
        delay: dt.timedelta = dt.timedelta(0),
    ) -> None:
        self._store, self._every, self._run, self._delay = store, every, run, delay
        self._stop = threading.Event()
        self.ticks = 0
        self.thread = threading.Thread(target=self._loop, name="pulso-alerts", daemon=True)

    def start(self) -> Clock:
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.thread.join(timeout)

    def _loop(self) -> None:
        if self._stop.wait(self._delay.total_seconds()):
            return
        while not self._stop.is_set():
            try:
                self._run(self._store)
            except Exception:  # logged; the next tick tries again
                log.exception("scheduled alert run failed")
            self.ticks += 1
            self._stop.wait(self._every.total_seconds())


#: The app's first evaluation waits this long after the server's first page: on a small
#: machine it would otherwise compete with that page (0.8 s of a 2-core cold start).
FIRST_AFTER = dt.timedelta(seconds=30)


def start(store: Store, env: Mapping[str, str] = os.environ) -> Clock | None:
    """The app's alert clock, started (its first run :data:`FIRST_AFTER` later); None
    when turned off."""
    every = interval(env)
    return None if every is None else Clock(store, every, delay=FIRST_AFTER).start()
