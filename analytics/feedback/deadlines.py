"""The follow-up deadlines: how many business days an item has, and which days count.

Every NPS 0-6 (detractor) or CSAT 1-2 (dissatisfied) response gets an item due
``Policy.detractor_days`` business days after the response; passives (NPS 7-8 or CSAT
3) get one only when ``Policy.passive_days`` is set. Business days skip weekends and
the public holidays of the item's region (:mod:`analytics.feedback.region_holidays`). The
deadlines are set in the app (settings document ``followup``, :meth:`Policy.from_store`),
the environment's ``PULSO_FOLLOWUP_*`` being the defaults; a due date is set once, when
its item is created (:func:`analytics.feedback.followup.sync_items`, whose SQL is the
set-based twin of :func:`add_business_days`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from analytics import settings
from analytics.settings import Invalid
from analytics.store import Store


@dataclass(frozen=True)
class Policy:
    """Deadlines in business days after the response; ``passive_days`` None = off."""

    detractor_days: int = 2
    passive_days: int | None = None

    def __post_init__(self) -> None:
        days = (self.detractor_days, 1 if self.passive_days is None else self.passive_days)
        if min(days) < 1:
            raise ValueError("deadlines must be at least one business day")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Policy:
        """``PULSO_FOLLOWUP_DAYS`` (default 2) and ``PULSO_FOLLOWUP_PASSIVE_DAYS`` (unset:
        no items for passives)."""
        passive = env.get("PULSO_FOLLOWUP_PASSIVE_DAYS")
        return cls(int(env.get("PULSO_FOLLOWUP_DAYS", 2)), int(passive) if passive else None)

    @classmethod
    def from_store(cls, store: Store, env: Mapping[str, str] = os.environ) -> Policy:
        """The deadlines saved in the app (settings document ``followup``), else the
        environment's (:meth:`from_env`); a saved document that no longer passes
        :func:`check_policy` (a hand edit) is ignored, not fatal."""
        doc = settings.get(store, SETTING)
        if doc is not None:
            try:
                return check_policy(doc.get("detractor_days"), doc.get("passive_days"))
            except Invalid:
                pass
        return cls.from_env(env)


#: The settings document of the deadlines, and the days a deadline may be.
SETTING = "followup"
MOST_DAYS = 30


def check_policy(detractor_days: object, passive_days: object = None) -> Policy:
    """A policy from values typed in the app or read from the store, or
    :class:`Invalid`: whole business days from 1 to :data:`MOST_DAYS`, passives None
    (no items) or the same."""

    def days(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MOST_DAYS:
            raise Invalid("followup.error.days", most=MOST_DAYS)
        return value

    return Policy(days(detractor_days), None if passive_days is None else days(passive_days))


def save_policy(store: Store, policy: Policy, by: str | None = None) -> Policy:
    """Check and save the deadlines (:class:`Invalid`, nothing saved, when wrong); new
    items get them, existing items keep their due dates."""
    checked = check_policy(policy.detractor_days, policy.passive_days)
    value = {"detractor_days": checked.detractor_days, "passive_days": checked.passive_days}
    settings.put(store, SETTING, value, by)
    return checked


def reset_policy(store: Store) -> None:
    """Forget the saved deadlines: the environment's apply again."""
    settings.delete(store, SETTING)


def add_business_days(
    at: dt.datetime, days: int, holidays: Collection[dt.date] = ()
) -> dt.datetime:
    """``at`` plus ``days`` business days, weekends and ``holidays`` (the item's
    region's, and every region's) skipped: Friday + 2 -> Tuesday, or Wednesday when
    Monday is a holiday.

    A moment on a weekend or holiday counts from the business day before, at the same
    time of day, so Saturday + 1 is Monday.
    """

    def business(moment: dt.datetime) -> bool:
        return moment.weekday() < 5 and moment.date() not in holidays

    while not business(at):
        at -= dt.timedelta(days=1)
    remaining = days
    while remaining > 0:
        at += dt.timedelta(days=1)
        if business(at):
            remaining -= 1
    return at
