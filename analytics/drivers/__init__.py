"""What drives satisfaction. The public entry points.

- :mod:`analytics.drivers.importance`: relative weights, from raw rows or from
  sufficient statistics, with bootstrap intervals and the collinearity guard (VIF);
- :mod:`analytics.drivers.shapley`: the Shapley (LMG) decomposition of R² and dominance;
- :mod:`analytics.drivers.models`: ordinal and binary logit (signed, tested effects),
  gathered from :mod:`analytics.drivers.ordinal` (its likelihood in
  :mod:`analytics.drivers.ordinal_model`), :mod:`analytics.drivers.logit` and what
  both share, :mod:`analytics.drivers.model_frames`;
- :mod:`analytics.drivers.cells`: the read path (responses joined to their calls,
  reduced to counts in SQL);
- :mod:`analytics.drivers.analysis`: the page's analysis, from the shares of
  :mod:`analytics.drivers.shares`, the odds ratios of :mod:`analytics.drivers.odds` and
  the guards of :mod:`analytics.drivers.guards`;
- :mod:`analytics.drivers.levers` and :mod:`analytics.drivers.segments`: the page's
  other views on the same cells (resolution vs call length; drivers per segment, queue);
- :mod:`analytics.drivers.charts`: the page's charts.
"""

from analytics.drivers.importance import (
    BootstrapWeights,
    CrossMoments,
    bootstrap_relative_weights,
    corr_from_moments,
    moments,
    relative_weights,
    relative_weights_from_corr,
    relative_weights_from_moments,
    vif,
    vif_from_corr,
)
from analytics.drivers.models import LogitResult, OrdinalLogitResult, logit_drivers, ordinal_logit
from analytics.drivers.shapley import (
    MAX_SHAPLEY_DRIVERS,
    Dominance,
    dominance_from_corr,
    shapley_r2,
    shapley_r2_from_corr,
)

__all__ = [
    "MAX_SHAPLEY_DRIVERS", "BootstrapWeights", "CrossMoments", "Dominance", "LogitResult",
    "OrdinalLogitResult", "bootstrap_relative_weights", "corr_from_moments",
    "dominance_from_corr", "logit_drivers", "moments", "ordinal_logit", "relative_weights",
    "relative_weights_from_corr", "relative_weights_from_moments", "shapley_r2",
    "shapley_r2_from_corr", "vif", "vif_from_corr",
]  # fmt: skip
