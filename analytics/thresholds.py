"""What counts as a meaningful change in each KPI: significance is not importance.

A change can be real (its 95% interval excludes zero) and still too small to act on:
on a large contact center a 2-second rise in speed of answer is significant, and a red
alarm for it would send managers after nothing. Each KPI has a *minimum meaningful
change*, in the unit of its :class:`~analytics.compare.Difference` (NPS points,
percentage points for rates, seconds for durations, points of the scale for means), so
that a page tells apart

- a real and meaningful change (``"meaningful"``): significant, and at least as large
  as the minimum meaningful change;
- a real but small change (``"small"``): significant, but smaller than that;
- no real change (``"none"``): the interval includes zero.

The comparison is on the point estimate, the number a tile or a verdict shows, so that
the words, the colour and the number on screen always agree (:func:`classify`). The
same rule serves rises and falls, and KPIs where lower is better: the minimum is a
size, whichever way the change goes.

The defaults (:data:`DEFAULTS`) are modest rules of thumb from contact-center practice,
each explained where it is set. A user changes them in the app (Overview, "What counts
as a meaningful change"); they are kept in the store (table ``meaningful_changes``,
store version 10), where a KPI with no row uses its default. A minimum of 0 makes every
real change meaningful (the behaviour before minimums existed).

Targets per KPI (issue 14) are not in the store yet; when they are, a gap to target can
be judged against the same minimum.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Literal

import duckdb

from analytics import access, audit, kpis
from analytics.compare import Difference
from analytics.store import Store

Practical = Literal["meaningful", "small", "none"]

#: The minimum meaningful change per KPI, in the unit of its change. Modest on
#: purpose: they hide only moves that no contact center would staff or coach for.
DEFAULTS: dict[str, float] = {
    # NPS spans -100..100; many NPS programmes treat moves under about 5 points
    # between periods as noise rather than a shift. 3 points keeps the bar low.
    "nps": 3.0,
    # Top-2-box CSAT usually sits at 75-90%: a 2-point move is the smallest that CX
    # teams report as a change in satisfaction.
    "csat": 2.0,
    # The same 2 points on the 1-5 mean: about a tenth of a point (1 answer in 10
    # moving up one step).
    "csat_mean": 0.1,
    # CES on the 1-7 scale (stored higher = easier): 0.2 is 1 customer in 5 finding
    # it one step easier, about 3% of the scale.
    "ces": 0.2,
    "ces_easy": 2.0,  # as top-2-box CSAT
    # Resolution and FCR: each point of FCR moves CSAT by about a point in industry
    # benchmarks (SQM Group's rule of thumb); 2 points is what operations plan around.
    "resolution": 2.0,
    "fcr": 2.0,
    # Handle time: 10 s on a typical 5-7 minute call is 3% of the workload, the order
    # of one agent in thirty on the staffing plan.
    "aht": 10.0,
    # Speed of answer: 5 s is a quarter of the 20 s in the usual 80/20 service level.
    "asa": 5.0,
    # Abandonment targets are typically 2-5%: 1 point is a fifth to a half of that.
    "abandonment": 1.0,
    # The 80/20 service level is managed within a few points of its target.
    "service_level": 3.0,
    # Transfer rates usually run at 5-15%: 1 point is a noticeable share of them.
    "transfer_rate": 1.0,
    # Transactional response rates run at 5-20%: 1 point moves the sample by 5-20%.
    "response_rate": 1.0,
}

#: The minimums offered in the app, per unit (a stored value off the list is added to
#: it). The largest is also the largest value accepted (:func:`check`).
CHOICES: dict[kpis.Unit, tuple[float, ...]] = {
    "points": (0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20),
    "percent": (0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10),
    "seconds": (0, 1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90, 120),
    "score": (0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1),
}


def below(estimate: float, meaningful: float) -> bool:
    """The change is smaller in size than the minimum (False when either is unknown)."""
    return abs(estimate) < meaningful


def classify(change: Difference, meaningful: float) -> Practical:
    """Real and meaningful, real but small, or no real change (see the module doc);
    a change exactly at the minimum is meaningful."""
    if change.direction == "none":
        return "none"
    return "small" if below(change.estimate, meaningful) else "meaningful"


def check(key: str, value: float) -> float:
    """``value`` as a float if it can be ``key``'s minimum, else ValueError."""
    unit = kpis.get(key).unit
    top = CHOICES[unit][-1]
    if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= top):
        raise ValueError(f"the minimum meaningful change of {key} is 0 to {top}; got {value!r}")
    return float(value)


def choices(key: str, current: float) -> list[float]:
    """The minimums offered for ``key``, with ``current`` among them."""
    offered = {float(v) for v in CHOICES[kpis.get(key).unit]}
    return sorted(offered | {float(current)})


# -- the store -------------------------------------------------------------------------------


def read(store: Store) -> dict[str, float]:
    """Every KPI's minimum meaningful change: the stored one, else its default (also
    for a row written past :func:`save`'s checks, which no page should fail on)."""
    rows = store.cursor().execute("select kpi, meaningful from meaningful_changes").fetchall()
    stored = {k: float(v) for k, v in rows if k in kpis.BY_KEY and _valid(k, v)}
    return {key: stored.get(key, DEFAULTS[key]) for key in kpis.BY_KEY}


def _valid(key: str, value: float) -> bool:
    try:
        check(key, value)
    except ValueError:
        return False
    return True


def save(store: Store, values: Mapping[str, float], by: str | None = None) -> None:
    """Set minimums (all checked before any is written). A value equal to the default
    removes the KPI's row, so that it follows the default again."""
    actor = access.require(store, "settings")
    checked = {key: check(key, value) for key, value in values.items()}
    with store.transaction() as cur:
        before = _stored(cur)
        for key, value in checked.items():
            cur.execute("delete from meaningful_changes where kpi = ?", [key])
            if value != DEFAULTS[key]:
                cur.execute(
                    "insert into meaningful_changes (kpi, meaningful, updated_by) values (?, ?, ?)",
                    [key, value, by or actor.user],
                )
        audit.record(cur, actor, "thresholds.save", None, before, _stored(cur))


def reset(store: Store, keys: Iterable[str] | None = None) -> None:
    """Back to the defaults, for ``keys`` or every KPI."""
    actor = access.require(store, "settings")
    chosen = [kpis.get(k).key for k in (kpis.BY_KEY if keys is None else keys)]
    with store.transaction() as cur:
        before = _stored(cur)
        for key in chosen:
            cur.execute("delete from meaningful_changes where kpi = ?", [key])
        audit.record(cur, actor, "thresholds.reset", None, before, _stored(cur))


def _stored(cur: duckdb.DuckDBPyConnection) -> dict[str, float]:
    rows = cur.execute("select kpi, meaningful from meaningful_changes order by kpi")
    return {str(k): float(v) for k, v in rows.fetchall()}
