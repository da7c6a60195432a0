"""Scores by survey channel, and survey-design changes that coincide with a KPI change.

The same customers answer an IVR keypad, an e-mail form or an SMS differently (who
answers, and how the scale reads there), so a score is only comparable within one
instrument. :func:`by_channel` gives each survey KPI per survey channel with its 95%
interval, through the same statistics and estimates as the overview's breakdown.
:func:`coinciding` names the survey-design changes (``registry.KINDS``) that started
within the period compared by the tiles: a real change of a survey KPI then may be the
survey's, not the service's (``changes.survey_design`` tells them apart).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from analytics import kpis, queries
from analytics.queries import Filters, Reader

#: The survey KPIs an instrument can move.
SURVEY_KPIS = ("nps", "csat", "ces")


def by_channel(reader: Reader, filters: Filters, key: str) -> pl.DataFrame:
    """``key`` per survey channel in the filters' period: ``survey_channel, kpi, value,
    low, high, se, n, low_sample, reason`` (answers without a channel as null), as
    :func:`analytics.kpis.estimates` gives them; best first, the unmeasured last."""
    kpi = kpis.get(key)
    if kpi.source != "surveys":
        raise ValueError(f"{key} is not a survey KPI")
    facts = queries.survey_facts(queries.answers(reader), ("survey_channel",))
    facts = queries.apply_filters(facts, filters, "surveys")
    stats = reader.read(queries.survey_stats(facts, ("survey_channel",)))
    est = kpis.estimates(stats, (key,), ("survey_channel",))
    measured = pl.col("reason").is_null()
    return est.sort(
        [measured, pl.when(measured).then(pl.col("value")), pl.col("survey_channel")],
        descending=[True, kpi.higher_is_better, False],
        nulls_last=True,
    )


@dataclass(frozen=True)
class Coincidence:
    """A survey-design change that started within the compared periods, and the survey
    KPIs whose tile shows a real change."""

    change_id: int
    name: str
    started_on: dt.date
    instruments: tuple[str, ...]
    kpis: tuple[str, ...]


def coinciding(
    changes: pl.DataFrame, start: dt.date, end: dt.date, moved: tuple[str, ...]
) -> list[Coincidence]:
    """The survey-design changes of ``changes`` (``registry.list_changes``) that started
    in ``[start, end]`` (the comparison period's start to the period's end), when some
    survey KPI in ``moved`` (those whose change is real) can be moved by an instrument."""
    survey_moved = tuple(k for k in moved if k in SURVEY_KPIS)
    if not survey_moved or changes.is_empty() or "kind" not in changes.columns:
        return []
    found = changes.filter(
        (pl.col("kind") == "survey_design")
        & (pl.col("started_on") > start)
        & (pl.col("started_on") <= end)
    ).sort("started_on")
    return [
        Coincidence(
            r["change_id"], r["name"], r["started_on"], tuple(r["instruments"] or ()), survey_moved
        )
        for r in found.iter_rows(named=True)
    ]
