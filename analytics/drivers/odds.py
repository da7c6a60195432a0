"""Signed effects of the drivers: the logit (binary outcomes) or ordinal logit (CSAT
1-5, CES) on the cells as grouped counts, its odds ratios per driver level against
the driver's reference, and each driver's direction.

An odds ratio whose interval is unbounded or spans more than a factor of
:data:`MAX_CI_RATIO` is not estimable (a level with few responses, nearly all the
same answer): it is kept, flagged, and the separation guard names it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl

from analytics.drivers import models
from analytics.drivers.cells import BINARY, SPECS, Design, Outcome

MAX_CI_RATIO = 1e4  # an odds-ratio interval wider than this factor is not an estimate

Direction = Literal["up", "down", "unclear", "by_level"]


def fit_table(d: Design, outcome: Outcome) -> tuple[pl.DataFrame, float, bool]:
    """Log-odds table of the logit (binary) or ordinal logit on the grouped counts.

    Exactly collinear columns have no odds ratios (the models refuse them, rightly):
    the table is then empty and the collinearity guard says why.
    """
    try:
        if outcome in BINARY:
            fit = models.logit_drivers(d.frame, "y", d.names, weights="n")
            return fit.table, fit.pseudo_r2, fit.converged
        ordinal = models.ordinal_logit(d.frame, "y", d.names, weights="n")
        return ordinal.table, ordinal.pseudo_r2, ordinal.converged
    except ValueError:
        schema = dict.fromkeys(("estimate", "se", "low", "high", "p"), pl.Float64)
        return pl.DataFrame(schema={"term": pl.String, **schema}), float("nan"), True


def odds_ratios(d: Design, table: pl.DataFrame) -> pl.DataFrame:
    """``driver, level, reference, odds_ratio, low, high, p`` (no rows without a fit)."""
    terms = pl.DataFrame(
        {
            "term": list(d.names),
            "driver": list(d.owners),
            "level": list(d.levels),
            "reference": [d.references[o] for o in d.owners],
        }
    )
    exp = [
        pl.col(c).exp().alias(n)
        for c, n in (("estimate", "odds_ratio"), ("low", "low"), ("high", "high"))
    ]
    out = terms.join(table.select("term", *exp, "p"), on="term", maintain_order="right")
    bounded = pl.col("low").is_finite() & pl.col("high").is_finite() & (pl.col("low") > 0)
    return out.drop("term").with_columns(
        estimable=(bounded & (pl.col("high") < MAX_CI_RATIO * pl.col("low"))).fill_null(False)
    )


def direction(d: Design, odds: pl.DataFrame, driver: str) -> Direction:
    """Up / down when the model's coefficients say so at 5%; nominal drivers by level.

    Flags: the sign of their coefficient. Banded drivers: the sign of the count-weighted
    slope of the band coefficients (the reference band at 0) over the band codes.
    """
    if SPECS[driver].kind == "category":
        return "by_level"
    rows = odds.filter((pl.col("driver") == driver) & pl.col("estimable"))
    if rows.height == 0 or not (rows["p"] < 0.05).any():
        return "unclear"
    coef = dict(zip(rows["level"], np.log(rows["odds_ratio"].to_numpy()), strict=True))
    totals = d.frame.group_by(driver).agg(pl.col("n").sum())
    code = totals[driver].cast(pl.Float64).to_numpy()
    beta = np.array([coef.get(level, 0.0) for level in totals[driver]])
    slope = np.cov(code, beta, aweights=totals["n"].to_numpy().astype(np.float64))[0, 1]
    return "up" if slope > 0 else "down"
