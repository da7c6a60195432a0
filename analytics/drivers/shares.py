"""Importance shares on the cells: Johnson's relative weights per driver, and their
bootstrap limits.

A driver enters the model as dummies (one per level beside its reference); its share
is the sum of its columns' raw weights, in percent of R². The limits come from a
Poisson bootstrap on the cells' counts (:func:`bootstrap_limits`), so the intervals
are for the full data without a sample of raw rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analytics.drivers import importance
from analytics.drivers.cells import Design, flat_columns

BLOCK = 8192  # cells per block of the bootstrap's matrix product (bounds its memory)


def by_driver(d: Design, per_column: np.ndarray) -> np.ndarray:
    """Sum per-column values (the weights of a driver's dummies) per driver."""
    out = np.zeros(len(d.drivers))
    np.add.at(out, [d.drivers.index(o) for o in d.owners], per_column)
    return out


def column_weights(names: Sequence[str], m: importance.CrossMoments) -> np.ndarray:
    """Johnson's raw weight of each model column in ``m``; a column that does not vary
    there (a rare level absent from a resample or a group) adds nothing and weighs 0."""
    flat = flat_columns(m)
    keep = [i for i in range(len(names)) if i not in flat]
    out = np.zeros(len(names))
    if keep:
        cols = [names[i] for i in keep]
        table = importance.relative_weights_from_corr(m.corr(["y", *cols]), cols)
        out[keep] = table["raw_weight"].to_numpy()
    return out


def driver_shares(d: Design, m: importance.CrossMoments) -> np.ndarray:
    """Each driver's share of the explained variance in ``m``, in percent."""
    raw = by_driver(d, column_weights(d.names, m))
    return 100 * raw / raw.sum()


def bootstrap_limits(d: Design, n_boot: int, seed: int) -> tuple[np.ndarray, float, int]:
    """95% percentile limits of each driver's share, their Monte Carlo error, resamples.

    A Poisson bootstrap on the cells: each cell's count is redrawn as Poisson(count),
    the large-sample equivalent of resampling all N responses with replacement
    (Hanley & MacGibbon 2006; Chamandy et al. 2012), so no sample of raw rows is
    needed and the intervals are for the full data. A rare level missing from a
    resample weighs 0 there (what the estimate is on that resample); dropping such
    resamples would bias the limits towards the resamples that keep every level. The
    Monte Carlo error of a 2.5% limit over B resamples is about
    ``sqrt(.025 * .975 / B) / phi(1.96)`` bootstrap SDs, 0.19 at B = 200 (Efron &
    Tibshirani 1993, ch. 19).
    """
    rng = np.random.default_rng(seed)
    k = d.z.shape[1]
    total, sums, upper = (
        np.zeros(n_boot),
        np.zeros((k, n_boot)),
        np.zeros((k * (k + 1) // 2, n_boot)),
    )
    for start in range(0, len(d.n), BLOCK):
        rows = slice(start, start + BLOCK)
        counts = rng.poisson(d.n[rows, None], size=(len(d.n[rows]), n_boot)).astype(np.float64)
        t, s, u = d.weighted_sums(rows, counts)
        total, sums, upper = total + t, sums + s, upper + u  # blocks add up
    draws = []
    for b in range(n_boot):
        try:
            draws.append(driver_shares(d, d.moments_from(total[b], sums[:, b], upper[:, b])))
        except ValueError:  # the outcome itself does not vary in this resample
            continue
    boot = np.array(draws).reshape(-1, len(d.drivers))
    limits = np.percentile(boot, [2.5, 97.5], axis=0)
    mc = np.sqrt(0.025 * 0.975 / max(len(boot), 1)) / 0.05844 * boot.std(axis=0).max()
    return limits, float(mc), len(boot)
