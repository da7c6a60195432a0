"""Regression models for satisfaction drivers: ordinal logit and binary logit.

The signed, tested side of driver analysis: how each driver moves the odds of a
better CSAT score, of being a promoter, of a top-2-box answer. Importance shares
(how much of the explained variance each driver carries) live in
:mod:`analytics.drivers`, which re-exports these functions.

Inputs are polars (or pandas) frames; rows with a missing value (null or NaN) in any
column used are dropped (listwise, :func:`analytics.frames.complete_rows`), and the
count kept is reported as ``n``. Booleans are 0/1.
A ``weights`` column holds frequency weights, so a model can be fitted on grouped
counts (one row per distinct outcome-and-drivers cell, as SQL returns them) instead
of on every response.

The models live in their own modules, gathered here:

- :mod:`analytics.drivers.ordinal`: the proportional-odds ordinal logit, with its
  likelihood (weights, analytic score and Hessian) in
  :mod:`analytics.drivers.ordinal_model`;
- :mod:`analytics.drivers.logit`: the binary logit;
- :mod:`analytics.drivers.model_frames`: what both share, from the frame to the
  arrays and from the estimates to the coefficient table.
"""

from __future__ import annotations

from analytics.drivers.logit import LogitResult, logit_drivers
from analytics.drivers.ordinal import OrdinalLogitResult, ordinal_logit

__all__ = ["LogitResult", "OrdinalLogitResult", "logit_drivers", "ordinal_logit"]
