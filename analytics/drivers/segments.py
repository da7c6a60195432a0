"""The drivers side by side: all responses, B2B vs B2C, and each queue.

Every group is fitted on the overall design's columns (the same reference levels
everywhere), so the shares compare across groups; a driver constant within a group
has no share there, and a group under :data:`~analytics.drivers.guards.MIN_RESPONSES`
none at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from analytics.drivers.cells import Design, Outcome, design, flat_columns, outcome_cells
from analytics.drivers.guards import MIN_RESPONSES
from analytics.drivers.shares import by_driver, column_weights


def _group_shares(d: Design, rows: np.ndarray) -> tuple[dict[str, float], int]:
    """Driver shares within the cells ``rows``, on the overall design's columns (the
    same reference levels everywhere, so the groups compare); columns that do not vary
    in the group weigh nothing, and a driver with none left has no share."""
    m = d.moments(rows)
    if m.n < MIN_RESPONSES:
        return {}, int(m.n)
    try:
        raw = column_weights(d.names, m)
    except ValueError:  # the outcome does not vary in this group
        return {}, int(m.n)
    flat = flat_columns(m)
    varies = {o for i, o in enumerate(d.owners) if i not in flat}
    per_driver = by_driver(d, raw)
    total = per_driver.sum()
    return {
        k: 100 * w / total for k, w in zip(d.drivers, per_driver, strict=True) if k in varies
    }, int(m.n)


def by_segment(cells: pl.DataFrame, outcome: Outcome, drivers: Sequence[str]) -> pl.DataFrame:
    """Importance shares side by side: all responses, B2B vs B2C, and each queue.

    ``dim, group, driver, share, n, enough``; a driver constant within a group (the
    queue within one queue) has no share there; groups under the minimum sample none.
    """
    d = design(
        outcome_cells(cells, outcome),
        drivers,
        keep=[k for k in ("segment", "queue") if k not in drivers],
    )
    with threadpool_limits(limits=1, user_api="blas"):  # as in analysis.analyse()
        return _by_segment(d, drivers)


def _by_segment(d: Design, drivers: Sequence[str]) -> pl.DataFrame:
    groups: list[tuple[str, str, np.ndarray]] = [("all", "", np.ones(len(d.n), bool))]
    for dim in ("segment", "queue"):
        top = (
            d.frame.group_by(dim)
            .agg(pl.col("n").sum())
            .drop_nulls()
            .sort("n", dim, descending=[True, False])
        )
        groups += [(dim, v, (d.frame[dim] == v).to_numpy()) for v in top[dim].head(12)]
    rows = []
    for dim, value, mask in groups:
        shares, n = _group_shares(d, mask)
        rows += [
            dict(dim=dim, group=value, driver=k, share=shares.get(k), n=n, enough=bool(shares))
            for k in drivers
        ]
    schema = dict(dim=pl.String, group=pl.String, driver=pl.String, share=pl.Float64)
    return pl.DataFrame(rows, schema=schema | dict(n=pl.Int64, enough=pl.Boolean))
