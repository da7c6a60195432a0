"""The analytical read path as Ibis expressions ending in sufficient statistics.

Nothing here executes anything: each function takes unbound Ibis tables (``calls``,
``surveys``) and returns an expression, so the same code runs on DuckDB
(:meth:`Store.read`) and Spark (:class:`analytics.spark.SparkStore`). The results
are counts, sums and sums of squares; :mod:`analytics.kpis` does the inference.

The read path has its own modules, whose names this one re-exports (the pages, the
command line and notebooks call them as ``queries.<name>``):

- :mod:`analytics.filters`: :class:`Filters`, the dimensions they name, and what
  restricts facts to them (dates, comparison windows) or groups them by period;
- :mod:`analytics.facts`: the facts (calls with their flags, survey answers with their
  call) and the :class:`Reader` they are read through;
- :mod:`analytics.sufficient_stats`: the KPIs' sufficient statistics per group, from
  the facts' rows or summed from a rollup's.
"""

from __future__ import annotations

from analytics.facts import (
    ANSWER_CALL_COLUMNS,
    ANSWER_LEFT_OUT,
    REPEAT_WINDOW_DAYS,
    Derived,
    Reader,
    answers,
    answers_of,
    call_facts,
    derived_of,
    facts,
    kept_answers,
    prior_flags,
    repeat_flags,
    survey_facts,
    surveys_of_calls,
)
from analytics.filters import (
    DIMENSIONS,
    GRAIN_OFFSET,
    GRAIN_UNIT,
    SURVEY_DIMENSIONS,
    Filters,
    Grain,
    apply_filters,
    check_dimension,
    compare_windows,
    with_period,
)
from analytics.sufficient_stats import (
    ROLLUP_KEYS,
    SERVICE_LEVEL_S,
    call_stats,
    rolled,
    stats,
    survey_stats,
)

__all__ = [
    "ANSWER_CALL_COLUMNS", "ANSWER_LEFT_OUT", "DIMENSIONS", "GRAIN_OFFSET", "GRAIN_UNIT",
    "REPEAT_WINDOW_DAYS", "ROLLUP_KEYS", "SERVICE_LEVEL_S", "SURVEY_DIMENSIONS", "Derived",
    "Filters", "Grain", "Reader", "answers", "answers_of", "apply_filters", "call_facts",
    "call_stats", "check_dimension", "compare_windows", "derived_of", "facts",
    "kept_answers", "prior_flags", "repeat_flags", "rolled", "stats", "survey_facts",
    "survey_stats", "surveys_of_calls", "with_period",
]  # fmt: skip
