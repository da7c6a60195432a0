"""Did a process change move satisfaction? The public entry points.

The methods live in their own modules; this package re-exports what notebooks and the
command line call:

- :mod:`analytics.changes.prepost`: before/after, differences between two windows from
  sufficient statistics, adjusted together, with minimum detectable effects;
- :mod:`analytics.changes.its`: interrupted time series;
- :mod:`analytics.changes.did` and :mod:`analytics.changes.did_inference`:
  difference-in-differences, the event-study check and randomization inference;
- :mod:`analytics.changes.verdict`: the plain-language verdict;
- :mod:`analytics.changes.registry`: what changed, when and where;
- :mod:`analytics.changes.analysis` and :mod:`analytics.changes.cells`: one registered
  change analysed end to end, and its read path;
- :mod:`analytics.changes.report`, :mod:`analytics.changes.summary`,
  :mod:`analytics.changes.tables`, :mod:`analytics.changes.charts`,
  :mod:`analytics.changes.formatting`: the analysis in words, tables, charts and a page.
"""

from analytics.changes.prepost import (
    BeforeAfter,
    Counts,
    DiDResult,
    Difference,
    EventStudyResult,
    Finding,
    ITSResult,
    MetricChange,
    Moments,
    NpsCounts,
    Sufficient,
    Verdict,
    before_after,
    bonferroni,
    compare_proportions,
    difference_in_differences,
    event_study,
    finding,
    holm,
    interrupted_time_series,
    minimum_detectable_effect,
    p_statement,
    render_parts,
    render_verdict,
    verdict,
)

__all__ = [
    "BeforeAfter", "Counts", "DiDResult", "Difference", "EventStudyResult", "Finding",
    "ITSResult", "MetricChange", "Moments", "NpsCounts", "Sufficient", "Verdict", "before_after",
    "bonferroni", "compare_proportions", "difference_in_differences", "event_study", "finding",
    "holm", "interrupted_time_series", "minimum_detectable_effect", "p_statement",
    "render_parts", "render_verdict", "verdict",
]  # fmt: skip
