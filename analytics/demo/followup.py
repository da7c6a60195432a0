"""Demo follow-up history, so that the demo's queue, compliance and recovery charts
look like a working contact center's rather than two years of untouched items.

Planted truths (checked by ``tests/feedback/test_followup.py``): about :data:`CONTACT_SHARE` of
the items are contacted around their deadline, the rest days late; the contact delay shrinks over the two years, so deadline
compliance rises from about 55 % to about 75 %; about :data:`RECOVER_SHARE` of the
closed items are recovered. Nothing happens after the reference time (the last
response): recent items are still open or contacted, the live queue. Rows are generated
in numpy and written set-based in one transaction (a registered frame).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from analytics.feedback import followup
from analytics.store import Store

OWNERS = ("Ana", "Luis", "Marta", "John", "Priya", "Tom", "Sofía", "Diego")
CONTACT_SHARE = 0.9  # contacted around the deadline; the rest days later
LATE_MEAN_H = 240.0  # how much later, on average (hours)
RECOVER_SHARE = 0.55
CLOSE_SHARE = 0.85  # of the contacted, closed within days; the rest take weeks
DELAY_START_H = 52.0  # median contact delay (hours) two years before the end...
DELAY_END_H = 26.0  # ...and at the end


def seed(store: Store, policy: followup.Policy | None = None) -> int:
    """Right after demo data: an item for every eligible response, then a history.

    Only for generated demo data (``analytics.open_store`` and ``python -m analytics
    demo`` call it); a real store's items start untouched. Returns the items touched.
    """
    followup.sync_items(store, policy or followup.Policy.from_store(store))
    return simulate(store)


def simulate(store: Store, seed: int = 7, now: dt.datetime | None = None) -> int:
    """Give untouched items a plausible history up to ``now`` (default: the last
    response); returns how many items were touched."""
    ref = now or _last_response(store)
    items = _untouched(store, ref)
    if items.is_empty() or ref is None:
        return 0
    sim = _history(items, np.random.default_rng(seed), ref).filter(
        pl.col("assigned_at").is_not_null()
    )
    with store.transaction() as cur:
        cur.register("sim", sim.to_arrow())
        cur.execute(
            "update followup_items set owner = sim.owner, status = sim.status,"
            " contacted_at = sim.contacted_at, closed_at = sim.closed_at"
            " from sim where followup_items.item_id = sim.item_id"
        )
        cur.execute(
            "insert into followup_actions (item_id, action, owner, note, acted_by, acted_at)"
            " select item_id, 'assigned', owner, '', 'demo', assigned_at from sim"
            " union all select item_id, 'contacted', null, '', 'demo', contacted_at from sim"
            " where contacted_at is not null"
            " union all select item_id, status, null, '', 'demo', closed_at from sim"
            " where closed_at is not null"
        )
        cur.unregister("sim")
    return sim.height


def _last_response(store: Store) -> dt.datetime | None:
    frame = store.sql("select max(responded_at) as hi from followup_items")
    value: dt.datetime | None = frame["hi"][0]
    return value


def _untouched(store: Store, ref: dt.datetime | None) -> pl.DataFrame:
    """Open items with no history that came in before ``ref``."""
    return store.sql(
        "select item_id, responded_at, due_at from followup_items i"
        " where status = 'open' and responded_at <= ?"
        " and not exists (select 1 from followup_actions a where a.item_id = i.item_id)"
        " order by item_id",
        [ref],
    )


def _history(items: pl.DataFrame, rng: np.random.Generator, ref: dt.datetime) -> pl.DataFrame:
    """Owner, contact and closing times per item (numpy, vectorised); what would
    happen after ``ref`` has not happened yet."""
    n = items.height
    at = items["responded_at"]
    span = (at - at.min()).dt.total_seconds().to_numpy()
    progress = span / max(float(span.max()), 1.0)  # 0 at the start, 1 at the end
    median_h = DELAY_START_H + (DELAY_END_H - DELAY_START_H) * progress
    delay_h = median_h * rng.lognormal(0.0, 0.8, n)
    left_h = (ref - at).dt.total_seconds().to_numpy() / 3600  # hours until ref
    # The rest are forgotten at first and reached days late (none is never called).
    forgotten = rng.random(n) >= CONTACT_SHARE
    delay_h = np.where(forgotten, delay_h + 48 + rng.exponential(LATE_MEAN_H, n), delay_h)
    contacted = delay_h <= left_h
    slow = rng.random(n) >= CLOSE_SHARE  # cases that take longer to settle
    close_h = delay_h + rng.exponential(48.0, n) + slow * rng.exponential(LATE_MEAN_H, n)
    assign_h = np.minimum(delay_h, rng.exponential(4.0, n))
    closed = contacted & (close_h <= left_h)
    recovered = rng.random(n) < RECOVER_SHARE
    status = np.where(closed, np.where(recovered, "recovered", "not_recovered"), "open")
    status = np.where(contacted & ~closed, "contacted", status)
    return pl.DataFrame(
        {
            "item_id": items["item_id"],
            "owner": rng.choice(OWNERS, n),
            "status": status,
            "assigned_at": _masked(at, assign_h, assign_h <= left_h),
            "contacted_at": _masked(at, delay_h, contacted),
            "closed_at": _masked(at, close_h, closed),
        }
    )


def _hours(h: np.ndarray) -> list[dt.timedelta]:
    return [dt.timedelta(seconds=round(float(x) * 3600)) for x in h]


def _masked(at: pl.Series, hours: np.ndarray, keep: np.ndarray) -> pl.Series:
    """``at + hours`` where ``keep``, else null."""
    moved = at + pl.Series(_hours(hours))
    return pl.select(pl.when(pl.Series(keep)).then(moved).otherwise(None)).to_series()
