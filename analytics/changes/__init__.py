"""Did a process change move satisfaction? The public entry points.

The methods live in their own modules; this package re-exports what notebooks and the
command line call:

- :mod:`analytics.changes.prepost`: before/after, differences between two windows from
  sufficient statistics, adjusted together, with minimum detectable effects;
- :mod:`analytics.changes.its`: interrupted time series;
- :mod:`analytics.changes.did` and :mod:`analytics.changes.did_inference`:
  difference-in-differences, the event-study check and randomization inference;
- :mod:`analytics.changes.staggered` and :mod:`analytics.changes.staggered_inference`:
  staggered roll-outs (Callaway and Sant'Anna group-time effects, naive TWFE beside);
- :mod:`analytics.changes.survey_design`: whether a survey-design change moved the
  measurement or the service (``separate``);
- :mod:`analytics.changes.verdicts`: the plain-language verdict;
- :mod:`analytics.changes.registry`: what changed, when and where;
- :mod:`analytics.changes.analysis` and :mod:`analytics.changes.cells`: one registered
  change analysed end to end, and its read path;
- :mod:`analytics.changes.report`, :mod:`analytics.changes.summary`,
  :mod:`analytics.changes.tables`, :mod:`analytics.changes.charts`,
  :mod:`analytics.changes.formatting`: the analysis in words, tables, charts and a page.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from analytics.changes.staggered import StaggeredResult, staggered_did
    from analytics.changes.structural import StructuralResult, structural_impact
    from analytics.changes.survey_design import SurveyDesignResult, separate

__all__ = [
    "BeforeAfter", "Counts", "DiDResult", "Difference", "EventStudyResult", "Finding",
    "ITSResult", "MetricChange", "Moments", "NpsCounts", "StaggeredResult", "StructuralResult",
    "Sufficient", "SurveyDesignResult", "Verdict", "before_after", "bonferroni",
    "compare_proportions", "difference_in_differences", "event_study", "finding", "holm",
    "interrupted_time_series", "minimum_detectable_effect", "p_statement", "render_parts",
    "render_verdict", "separate", "staggered_did", "structural_impact", "verdict",
]  # fmt: skip
# Names defined outside prepost, and their modules.
_MODULES = {
    "StaggeredResult": "analytics.changes.staggered",
    "staggered_did": "analytics.changes.staggered",
    "StructuralResult": "analytics.changes.structural",
    "structural_impact": "analytics.changes.structural",
    "SurveyDesignResult": "analytics.changes.survey_design",
    "separate": "analytics.changes.survey_design",
}


def __getattr__(name: str) -> Any:
    """The public names, imported on first use: the registry (read by every trend chart)
    and the verdict words load without statsmodels, which the methods need (about 1 s
    of a cold start)."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = _MODULES.get(name, "analytics.changes.prepost")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
