"""The weekly review's sections run two at a time on DuckDB (analytics.weekly.build):
the report must be the one a one-at-a-time build gives, for a scoped user too, and a
section's error must reach the caller as it did."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from analytics import access, weekly
from analytics.demo import followup as followup_demo
from analytics.queries import Filters
from analytics.store import Store

build_module = importlib.import_module("analytics.weekly.build")  # the package exports build()

END = dt.date(2026, 6, 28)
WEEK = weekly.week("2026-W25")
NOW = dt.datetime(2026, 7, 1, 9)


@pytest.fixture(scope="module")
def store(demo_stores: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_stores.open(tmp_path_factory.mktemp("weekly_sections"), calls=20_000, seed=5, end=END)
    followup_demo.seed(s)
    yield s
    s.close()


def _report(store: Store, workers: int, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setattr(build_module, "WORKERS", workers)
    review = weekly.build(store, Filters(), WEEK, "en", now=NOW)
    return weekly.html(review), weekly.text(review)


def test_two_at_a_time_gives_the_same_report(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    one = _report(store, 1, monkeypatch)
    two = _report(store, 2, monkeypatch)
    assert two == one
    assert "NPS" in one[0]  # a real report, not two empty ones


def test_a_scoped_user_reads_only_the_scope_in_every_thread(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker thread opens its own cursor, which must carry the user's scope."""
    north = access.Actor("north@example.com", "executive", (("region", ("North",)),))
    scoped = access.bind(store, north)
    together = _report(scoped, 2, monkeypatch)
    alone = _report(scoped, 1, monkeypatch)
    everyone = _report(store, 2, monkeypatch)
    assert together == alone
    assert together != everyone


def test_a_sections_error_reaches_the_caller(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("voice failed")

    monkeypatch.setattr(build_module, "voice", broken)
    with pytest.raises(RuntimeError, match="voice failed"):
        weekly.build(store, Filters(), WEEK, "en", now=NOW)
