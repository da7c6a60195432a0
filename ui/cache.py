"""All Streamlit caching in one place.

Modules that import statsmodels (change analysis, drivers: about 1 s) are imported
inside the functions that need them, so that the overview starts without paying it.

``cache_resource`` holds the one store (DuckDB connection) per process; every read
takes its own cursor. ``cache_data`` holds aggregates only (small frames and
estimates), keyed by the store's data version so that a load invalidates them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

import polars as pl
import streamlit as st

import analytics
from analytics import access, overview, replica, thresholds
from analytics import spark as spark_mode
from analytics import targets as analytics_targets
from analytics.changes import registry
from analytics.dimensions import Source
from analytics.feedback import compliance as followup_rates
from analytics.feedback import fatigue, followup, text
from analytics.feedback import queue as followup_queue
from analytics.i18n import Lang
from analytics.metrics import Estimate
from analytics.queries import Filters, Grain
from analytics.review import bias, rankings
from analytics.store import Store

if TYPE_CHECKING:
    from analytics import weekly
    from analytics.changes import analysis as change_analysis
    from analytics.drivers.analysis import DriverAnalysis
    from analytics.drivers.cells import Outcome
    from analytics.drivers.levers import LeverVerdict

TTL = 600


#: Where ui/auth.py keeps the session's actor (analytics.access.Actor).
ACTOR_KEY = "pulso_actor"


@st.cache_resource(show_spinner=False)
def base_store() -> Store:
    """The one store of the process, unbound (the alert clock, the roles table). With
    ``PULSO_ENGINE=spark`` the pages read Spark's tables; app state stays in this file."""
    store = analytics.open_store()
    if spark_mode.engine() == "spark":
        return spark_mode.open_spark_store(store)  # StoreError: the page says what is wrong
    return store


@st.cache_resource(show_spinner=False)
def _bound(actor: access.Actor) -> Store:
    return access.bind(base_store(), actor)


def store() -> Store:
    """The store as this session's actor: writes check their role, reads see only
    their scope (:mod:`analytics.access`). Unbound before sign-in has run."""
    actor = st.session_state.get(ACTOR_KEY)
    return _bound(actor) if isinstance(actor, access.Actor) else base_store()


def current_version() -> str:
    """Changes whenever data is loaded or undone (part of every cache key), and holds
    the actor's scope: users of different scopes never share a cached result."""
    actor = st.session_state.get(ACTOR_KEY)
    scope = actor.scope if isinstance(actor, access.Actor) else ()
    return f"{base_store().data_version()}|{scope!r}" if scope else base_store().data_version()


def data_range(data_version: str) -> tuple[dt.date, dt.date] | None:
    return overview.span(source_ranges(data_version))


@st.cache_data(ttl=TTL, show_spinner=False)
def source_ranges(data_version: str) -> dict[Source, tuple[dt.date, dt.date]]:
    """First and last day of the calls and of the surveys (each if it has rows)."""
    return overview.source_ranges(store())


@st.cache_data(ttl=TTL, show_spinner=False)
def dimension_values(
    data_version: str, dimension: str, within: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> list[str]:
    return overview.dimension_values(store(), dimension, within)


@st.cache_data(ttl=TTL, show_spinner=False)
def survey_types(data_version: str, filters: Filters, linked: bool = False) -> dict[str, int]:
    """Answers per survey type in the filters (do the pages' NPS mix the two?)."""
    return overview.survey_types(store(), filters, linked)


def meaningful() -> dict[str, float]:
    """The minimum meaningful change per KPI (one small read, not cached: a save must
    show at once, in this session and in every other)."""
    return thresholds.read(store())


@st.cache_data(ttl=TTL, show_spinner=False)
def tiles(
    data_version: str,
    filters: Filters,
    keys: tuple[str, ...],
    meaningful: tuple[tuple[str, float], ...] = (),
    targets: tuple[analytics_targets.Target, ...] = (),
) -> list[overview.Tile]:
    return overview.tiles(store(), filters, keys, dict(meaningful), targets)


@st.cache_data(ttl=TTL, show_spinner=False)
def trend(data_version: str, filters: Filters, keys: tuple[str, ...], grain: Grain) -> pl.DataFrame:
    return overview.trend(store(), filters, keys, grain)


@st.cache_data(ttl=TTL, show_spinner=False)
def breakdown(data_version: str, filters: Filters, key: str, dimension: str) -> pl.DataFrame:
    return overview.breakdown(store(), filters, key, dimension)


@st.cache_data(ttl=TTL, show_spinner=False)
def changes_in(data_version: str, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
    """Registered process changes in a range (cleared by the registry page on save)."""
    return registry.changes_in(store(), start, end)


# --- Follow-up and survey fatigue -------------------------------------------------
# Follow-up aggregates are keyed by the data version *and* followup.version (which
# changes with every assignment, contact or closing); pages call clear_followup()
# after a write as well.


@st.cache_resource(show_spinner=False)
def ensure_followup(data_version: str) -> int:
    """Create missing follow-up items once per process and data version (idempotent:
    covers stores filled before the follow-up schema existed). A read-only replica
    shows the items its main instance created before publishing."""
    if replica.is_replica():
        return 0
    return followup.sync_items(store(), followup.Policy.from_store(store()))


def followup_version() -> str:
    return followup.version(store())


@st.cache_data(ttl=TTL, show_spinner=False)
def followup_counts(data_version: str, followup_version: str, scope: Filters) -> dict[str, int]:
    return followup_queue.status_counts(store(), scope)


@st.cache_data(ttl=TTL, show_spinner=False)
def followup_compliance(
    data_version: str, followup_version: str, grain: Grain, scope: Filters
) -> pl.DataFrame:
    return followup_rates.compliance(store(), grain, scope=scope)


@st.cache_data(ttl=TTL, show_spinner=False)
def followup_owners(
    data_version: str, followup_version: str, team: str | None
) -> list[tuple[str, str]]:
    """Agents and teams an item can be given to (its own team's first)."""
    return followup_queue.owner_options(store(), team)


@st.cache_data(ttl=TTL, show_spinner=False)
def followup_list(
    data_version: str, followup_version: str, f: followup_queue.ListFilter
) -> tuple[pl.DataFrame, int]:
    """The queue's first rows (``LIST_LIMIT``) and how many items match in all: every
    rerun of the page (a pick, a filter) read them again, 0.3 s at 10M calls."""
    return followup_queue.list_items(store(), f), followup_queue.count_items(store(), f)


@st.cache_data(ttl=TTL, show_spinner=False)
def followup_assignees(data_version: str, followup_version: str) -> list[str]:
    """Everyone an item has been given to (the owner filter's options)."""
    return followup_queue.owners(store())


def clear_followup() -> None:
    followup_counts.clear()
    followup_compliance.clear()
    followup_owners.clear()
    followup_list.clear()
    followup_assignees.clear()


@st.cache_data(ttl=TTL, show_spinner=False)
def fatigue_last_day(data_version: str) -> dt.date | None:
    return fatigue.last_day(store())


@st.cache_data(ttl=TTL, show_spinner=False)
def fatigue_attributed(data_version: str) -> int:
    return fatigue.attributed(store())


@st.cache_data(ttl=TTL, show_spinner=False)
def fatigue_summary(
    data_version: str, policy: fatigue.FatiguePolicy, as_of: dt.date
) -> fatigue.FatigueSummary:
    return fatigue.summarise(fatigue_distribution(data_version, policy, as_of), policy, as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def fatigue_distribution(
    data_version: str, policy: fatigue.FatiguePolicy, as_of: dt.date
) -> pl.DataFrame:
    return fatigue.distribution(store(), policy, as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def fatigue_trend(data_version: str, policy: fatigue.FatiguePolicy) -> pl.DataFrame:
    return fatigue.frequency_trend(store(), policy)


@st.cache_data(ttl=TTL, show_spinner=False)
def suppression_list(
    data_version: str, policy: fatigue.FatiguePolicy, as_of: dt.date
) -> pl.DataFrame:
    """Only the customers over the limit (a per-customer aggregate)."""
    return fatigue.suppression_list(store(), policy, as_of)


# --- What customers say, response bias, fair rankings -------------------------------
# Aggregates only: term counts and scores, response rates, cell weights, per-unit
# estimates. Comment lists (bounded rows) are read by the pages straight from analytics.


@st.cache_data(ttl=TTL, show_spinner=False)
def voice_terms(
    data_version: str, filters: Filters, split: text.Split, lang: str | None = None
) -> pl.DataFrame:
    return text.distinguishing_terms(store(), filters, split, lang=_lang(lang))


@st.cache_data(ttl=TTL, show_spinner=False)
def voice_suggestion_count(
    data_version: str, filters: Filters, lang: str | None = None
) -> tuple[int, int]:
    return text.count_suggestions(store(), filters, _lang(lang))


@st.cache_data(ttl=TTL, show_spinner=False)
def voice_languages(data_version: str, filters: Filters) -> dict[Literal["en", "es"], int]:
    """Comments per language (English, Spanish) in the filters."""
    return dict(text.language_counts(store(), filters))


def _lang(code: str | None) -> Literal["en", "es"] | None:
    return "es" if code == "es" else "en" if code == "en" else None


@st.cache_data(ttl=TTL, show_spinner=False)
def bias_rates(data_version: str, filters: Filters, outcome: str) -> pl.DataFrame:
    return bias.response_rates(store(), filters, outcome)


@st.cache_data(ttl=TTL, show_spinner=False)
def bias_polarisation(data_version: str, filters: Filters) -> pl.DataFrame:
    return bias.polarisation(store(), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def bias_reweighted(
    data_version: str, filters: Filters, lang: str
) -> list[tuple[bias.Reweighted, str]]:
    return bias.reweighted(store(), filters, "es" if lang == "es" else "en")


@st.cache_data(ttl=TTL, show_spinner=False)
def bias_overview(data_version: str, filters: Filters) -> dict[str, Estimate]:
    return bias.overview_figures(store(), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def rank_stats(data_version: str, filters: Filters) -> pl.DataFrame:
    """Per-agent NPS / CSAT counts (the pages shrink and rank them)."""
    return rankings.unit_stats(store(), filters)


# --- Process changes: registry and change analysis ------------------------------------
# The registry is not part of the data version: the registry page calls
# st.cache_data.clear() after every save or delete.


@st.cache_data(ttl=TTL, show_spinner=False)
def change_list(data_version: str) -> pl.DataFrame:
    return registry.list_changes(store())


@st.cache_data(ttl=TTL, show_spinner=False)
def change_by_id(data_version: str, change_id: int) -> registry.Change:
    return registry.get_change(store(), change_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def change_units(data_version: str, change: registry.Change, filters: Filters) -> list[str]:
    """The unit labels a control group can be chosen from."""
    from analytics.changes import cells as change_cells

    return change_cells.unit_options(store(), change, filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def change_analysis_of(
    data_version: str, change: registry.Change, settings: change_analysis.Settings
) -> change_analysis.Analysis:
    """A whole analysis (statistics and small frames, no raw rows)."""
    from analytics.changes import analysis as change_analysis

    bounds = data_range(data_version)
    return change_analysis.analyse(store(), change, settings, bounds=bounds)


# --- Drivers: cells (aggregate counts) and the fits on them ------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def driver_cells(data_version: str, filters: Filters) -> pl.DataFrame:
    """Outcome counts per combination of driver levels (one scan serves every outcome)."""
    from analytics.drivers import cells

    return cells.cells(store(), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def driver_analysis(
    data_version: str, filters: Filters, outcome: Outcome, drivers: tuple[str, ...]
) -> DriverAnalysis:
    """Importance with bootstrap limits, odds ratios and guards for one outcome."""
    from analytics.drivers import analysis

    return analysis.analyse(driver_cells(data_version, filters), outcome, drivers)


@st.cache_data(ttl=TTL, show_spinner=False)
def driver_views(
    data_version: str, filters: Filters, outcome: Outcome, drivers: tuple[str, ...]
) -> tuple[pl.DataFrame, LeverVerdict, pl.DataFrame]:
    """The outcome by duration band, its verdict, and the shares per segment and queue."""
    from analytics.drivers import analysis

    cells = driver_cells(data_version, filters)
    bands = analysis.by_duration(cells, outcome)
    return bands, analysis.verdict(bands), analysis.by_segment(cells, outcome, drivers)


# -- targets and follow-up settings --
# Small reads, not cached: a save on the Settings page must show at once, in this
# session and every other (as meaningful() above).


def targets() -> tuple[analytics_targets.Target, ...]:
    """Every stored target (a tuple: it is part of the tiles' cache key)."""
    return tuple(analytics_targets.read(store()))


def followup_policy() -> followup.Policy:
    """The follow-up deadlines: the Settings page's, else the environment's."""
    return followup.Policy.from_store(store())


def holidays() -> list[followup.Holiday]:
    return followup.read_holidays(store())


# -- weekly review --
# The whole review is cached (aggregates and a few comments); the key holds what it is
# built from: data, follow-up state, scope, period, language, targets and thresholds.


@st.cache_data(ttl=TTL, show_spinner=False)
def weekly_review(
    data_version: str,
    followup_version: str,
    filters: Filters,
    period: weekly.Period,
    lang: Lang,
    targets: tuple[analytics_targets.Target, ...],
    meaningful: tuple[tuple[str, float], ...],
) -> weekly.Review:
    from analytics import weekly  # the drivers' and changes' statistics: loaded when needed

    return weekly.build(store(), filters, period, lang)


# --- Survey design: measurement shift or service change; scores by survey channel ----


@st.cache_data(ttl=TTL, show_spinner=False)
def survey_design(
    data_version: str, change: registry.Change, metric: str, weeks: int, filters: Filters
) -> object:
    """``changes.survey_design.separate`` for the change (statistics, no raw rows)."""
    from analytics.changes import survey_design as design_check

    return design_check.separate(store(), change, metric, weeks, filters)  # type: ignore[arg-type]


@st.cache_data(ttl=TTL, show_spinner=False)
def scores_by_channel(data_version: str, filters: Filters, key: str) -> pl.DataFrame:
    from analytics import survey_channels

    return survey_channels.by_channel(store(), filters, key)


@st.cache_data(ttl=TTL, show_spinner=False)
def survey_channel_values(data_version: str) -> list[str]:
    """The survey channels in the answers (the registry offers them as instruments)."""
    surveys = store().table("surveys")
    found = surveys.filter(surveys.survey_channel.notnull()).select("survey_channel").distinct()
    return sorted(store().read(found)["survey_channel"].to_list())
