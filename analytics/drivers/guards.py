"""When a driver analysis is to be read with care: the guards and their thresholds.

A guard is a code for the page's text and its numbers: too few responses for a model
at all (:data:`MIN_RESPONSES`: the guard replaces the results), drivers that do not
vary, too few responses per model column, collinear drivers (VIF), a fit that did not
converge, and odds ratios with no usable interval (separation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from analytics.drivers.cells import BINARY, Design, Outcome

MIN_RESPONSES = 200  # below this a driver model is mostly noise: a guard replaces it
MIN_PER_COLUMN = 10  # responses (binary outcomes: the rarer answer) per model column
VIF_WARN = 5.0

GuardCode = Literal[
    "min_sample", "few_per_column", "collinear", "no_variation", "not_converged", "separation"
]


@dataclass(frozen=True)
class Guard:
    """A reason to read the results with care: a code for the text, and its numbers.

    ``terms``: ``(driver, level, reference)`` of the odds ratios concerned.
    """

    code: GuardCode
    drivers: tuple[str, ...] = ()
    value: float = float("nan")
    terms: tuple[tuple[str, str, str], ...] = ()


def model_guards(
    d: Design, vif: pl.DataFrame, odds: pl.DataFrame, outcome: Outcome, converged: bool
) -> list[Guard]:
    """The guards on a fitted analysis: few responses per model column, collinear
    drivers (VIF above :data:`VIF_WARN`), no convergence, odds ratios not estimable."""
    out = []
    events = min(d.n[d.y == 1].sum(), d.n[d.y == 0].sum()) if outcome in BINARY else d.n.sum()
    if events < MIN_PER_COLUMN * len(d.names):
        out.append(Guard("few_per_column", value=float(events / len(d.names))))
    high = vif.filter(pl.col("vif") > VIF_WARN)
    if high.height:
        out.append(Guard("collinear", tuple(dict.fromkeys(high["driver"])), high["vif"].max()))  # type: ignore[arg-type]
    if not converged:
        out.append(Guard("not_converged"))
    unbounded = odds.filter(~pl.col("estimable"))
    if unbounded.height and odds.height:
        terms = tuple(unbounded.select("driver", "level", "reference").iter_rows())
        out.append(Guard("separation", tuple(dict.fromkeys(unbounded["driver"])), terms=terms))
    return out
