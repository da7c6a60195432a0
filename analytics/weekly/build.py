"""The weekly review's numbers: each section computed as the app's page computes it.

Every number comes from the function the page calls, with the page's defaults, for
the report's scope (the sidebar's dimension filters) and period:

- KPI tiles: :func:`analytics.overview.tiles` (the overview), with the targets of
  :mod:`analytics.targets` (``Tile.gap``), also drawn on the trends;
- trends: :func:`analytics.overview.trend` by week over
  :func:`analytics.overview.trend_window` (the overview's chart), with the process
  changes of :func:`analytics.changes.registry.changes_in`;
- best and worst segments: :func:`analytics.overview.breakdown` of NPS (the overview's
  first KPI); agents: :func:`analytics.review.rankings.rank` on CSAT over the 12 months
  up to the period's end (Fair rankings' defaults);
- top drivers: :func:`analytics.drivers.analysis.analyse` of CSAT top-2-box on every
  available driver (the drivers page's defaults);
- process changes started in the period, analysed with the change-analysis page's
  default settings, and the summary's headline;
- follow-up: :func:`analytics.feedback.queue.status_counts` (the follow-up page's
  counts) and the deadline compliance and recovery of
  :func:`analytics.feedback.compliance.compliance_stats` over the period;
- what customers say: :func:`analytics.feedback.text.distinguishing_terms` (detractors
  against promoters) and the suggestions, in the report's language unless it has no
  comments (the voice page's defaults).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from analytics import access, kpis, overview, periods, queries, targets, thresholds
from analytics.changes import registry
from analytics.feedback import compliance as followup_rates
from analytics.feedback import queue as followup_queue
from analytics.feedback import sentiment, text
from analytics.feedback.actions import STATUSES
from analytics.i18n import Lang
from analytics.metrics import Estimate, proportion
from analytics.overview import Tile
from analytics.queries import Filters
from analytics.review import rankings
from analytics.store import Store
from analytics.weekly.period import Period

if TYPE_CHECKING:
    from analytics.drivers.cells import Outcome  # statsmodels: loaded when the drivers run

#: The overview's tiles, in its order (views/overview.py ALL_KEYS).
KEYS: tuple[str, ...] = (
    "nps", "csat", "ces", "response_rate",
    "resolution", "fcr", "aht", "asa", "abandonment", "service_level", "transfer_rate",
)  # fmt: skip
TREND_KEYS: tuple[str, ...] = ("nps", "csat", "resolution", "aht")
SEGMENT_KPI = "nps"  # the overview's breakdown opens on its first KPI
SEGMENT_DIMENSIONS: tuple[str, ...] = ("region", "queue", "product")
SHOWN = 3  # best and worst rows per list
RANK_DAYS = 365  # Fair rankings' default period: a year up to the period's end
RANK_METRIC: rankings.Metric = "csat"
DRIVER_OUTCOME: Outcome = "csat_top2"
TERMS = 5  # distinguishing terms per side
IDEAS = 5  # the newest suggestions quoted


Steps = list[tuple[dt.date, float | None]]  # a target per week: (its Monday, the target)


@dataclass(frozen=True, eq=False)
class Segments:
    """One dimension's groups: the measured ones with enough answers, best first
    (``best`` and ``worst``: frames of :func:`analytics.overview.breakdown`), and how
    many were left out for fewer than 30 answers or no value."""

    dimension: str
    best: pl.DataFrame
    worst: pl.DataFrame
    left_out: int
    reason: kpis.Reason | None = None  # set: the KPI is not measured in any group


@dataclass(frozen=True, eq=False)
class Agents:
    """Fair rankings' table (:func:`rankings.rank`): the best and worst ranked agents."""

    best: pl.DataFrame
    worst: pl.DataFrame
    ranked: int
    start: dt.date
    end: dt.date


@dataclass(frozen=True, eq=False)
class Drivers:
    """The drivers page's importance table (``driver, share, share_low, share_high,
    direction``), top first; or the guard that stopped the model (``n`` responses)."""

    importance: pl.DataFrame
    n: int
    enough: bool


@dataclass(frozen=True)
class ChangeReview:
    """A process change started in the period: its headline and a verdict per metric
    (codes of :mod:`analytics.changes.verdicts`), none when it cannot be analysed yet."""

    change_id: int
    name: str
    started_on: dt.date
    headline: str
    verdicts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Followup:
    """Items of the period's responses: created, per status, overdue; the rates."""

    created: int
    counts: dict[str, int]
    in_time: Estimate  # first contact by the deadline, among items whose deadline is decided
    recovery: Estimate  # recovered among closed items


@dataclass(frozen=True, eq=False)
class Voice:
    """Comments per language, the language read, its distinguishing terms (``term, side,
    y_a, y_b, z``), the number of suggestions and the newest ones."""

    counts: dict[str, int]
    lang: str
    terms: pl.DataFrame
    ideas: int
    comments: int
    newest: pl.DataFrame


@dataclass(frozen=True, eq=False)
class Review:
    """Everything the report shows; ``filters`` is the scope with the period's dates."""

    period: Period
    lang: Lang
    filters: Filters
    generated: dt.datetime
    tiles: tuple[Tile, ...]
    trend: pl.DataFrame
    trend_changes: pl.DataFrame
    trend_targets: dict[str, Steps]  # KPI -> the target in each trend week
    segments: tuple[Segments, ...]
    agents: Agents
    drivers: Drivers
    changes: tuple[ChangeReview, ...]
    followup: Followup
    voice: Voice

    @property
    def empty(self) -> bool:
        """No call and no survey answer in the period and scope."""
        return all(tile.reason == "no_data" for tile in self.tiles)

    def tile(self, key: str) -> Tile:
        return next(tile for tile in self.tiles if tile.kpi == key)


def build(
    store: Store, filters: Filters, period: Period, lang: Lang, now: dt.datetime | None = None
) -> Review:
    """The review of ``period`` for the scope ``filters`` (its dates are replaced by the
    period's; ``now``: what "overdue" is measured against, default the clock)."""
    at = now or dt.datetime.now().replace(microsecond=0)
    within = access.within_scope(store, filters)  # a scoped user's report names the scope
    scoped = replace(within, start=period.start, end=period.end, compare="previous")
    meaningful, found = thresholds.read(store), targets.read(store)
    history = overview.trend_window(scoped, "week")
    got = _sections(
        store,
        tiles=partial(_tiles, store, scoped, period, meaningful, found),
        trend=partial(overview.trend, store, history, TREND_KEYS, "week"),
        trend_changes=partial(registry.changes_in, store, history.start, history.end),
        segments=partial(_segments, store, scoped, found),
        agents=partial(agents, store, scoped),
        drivers=partial(drivers, store, scoped),
        changes=partial(changes, store, scoped, lang, at.date()),
        followup=partial(followup, store, scoped, period, at),
        voice=partial(voice, store, scoped, lang),
    )
    return Review(
        period=period,
        lang=lang,
        filters=scoped,
        generated=at,
        tiles=tuple(got["tiles"]),
        trend=got["trend"],
        trend_changes=got["trend_changes"],
        trend_targets=_steps(found, scoped, got["trend"]),
        segments=got["segments"],
        agents=got["agents"],
        drivers=got["drivers"],
        changes=tuple(got["changes"]),
        followup=got["followup"],
        voice=got["voice"],
    )


#: The slowest sections first (at 10M calls: the drivers' query and fit ~0.7 s, the
#: comments' ~0.4 s, every other section < 0.1 s), so that the two workers end together.
SLOWEST_FIRST = ("drivers", "voice")
WORKERS = 2


def _sections(store: Store, **sections: Callable[[], Any]) -> dict[str, Any]:
    """Each independent section's result, two at a time on DuckDB.

    Why: about half of the report's time is Python (Ibis compiling the SQL, the drivers'
    bootstrap, polars on the comments, the rankings' shrinkage), during which DuckDB,
    which releases the GIL while it runs a query, can run another section's query on
    the other core. Each thread reads through its own cursor (``Store._backend``), as
    the app's sessions do; the sections only read, so their numbers are the same in any
    order. Results (and the first error, if any) are taken in the report's order. Other
    engines (Spark's store reads its own way) run them one after another.
    """
    if type(store).read is not Store.read or WORKERS < 2:
        return {name: run() for name, run in sections.items()}
    order = [*SLOWEST_FIRST, *(name for name in sections if name not in SLOWEST_FIRST)]
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="pulso-weekly") as pool:
        futures = {name: pool.submit(sections[name]) for name in order}
        return {name: futures[name].result() for name in sections}


# -- KPI tiles -------------------------------------------------------------------------------


def _tiles(
    store: Store,
    f: Filters,
    period: Period,
    meaningful: dict[str, float],
    found: list[targets.Target],
) -> list[Tile]:
    """The overview's tiles, with their targets; for a week the app would compare
    otherwise (a week that starts on the 1st reads there as "month to date", compared
    with the previous month's first days), the same computation on the week before."""
    if periods.previous(period.start, period.end) == (period.previous_start, period.previous_end):
        return overview.tiles(store, f, KEYS, meaningful, targets=found)
    before = replace(f, start=period.previous_start, end=period.previous_end)
    minimum = {**thresholds.DEFAULTS, **meaningful}
    rows = {s: (_stats(store, f, s), _stats(store, before, s)) for s in ("surveys", "calls")}
    out = []
    for key in KEYS:
        kpi = kpis.get(key)
        cur, prev = rows[kpi.source]
        reasons = kpis.not_measured(key, cur), kpis.not_measured(key, prev)
        change = kpis.change(kpi, prev, cur)
        est, was = kpi.estimate(cur), kpi.estimate(prev)
        target = targets.for_scope(found, key, f, period.end)
        out.append(Tile(key, est, was, change, *reasons, minimum[key], target))
    return out


def _stats(store: Store, f: Filters, source: kpis.Source) -> dict[str, Any]:
    facts = queries.apply_filters(queries.facts(store, source, f), f, source)
    return store.read(queries.stats(source, facts)).row(0, named=True)


def _steps(found: list[targets.Target], f: Filters, trend: pl.DataFrame) -> dict[str, Steps]:
    """Per trend KPI, the target holding in each week (None: none yet), for its chart."""
    weeks = sorted(set(trend["period"].to_list()))
    lines = {key: list(zip(weeks, targets.steps(found, key, f, weeks), strict=True))
             for key in TREND_KEYS}  # fmt: skip
    return {key: steps for key, steps in lines.items() if any(v is not None for _, v in steps)}


# -- best and worst ------------------------------------------------------------------------


def segments(
    store: Store, f: Filters, dimension: str, goals: Sequence[targets.Target] = ()
) -> Segments:
    """The overview's breakdown of NPS by ``dimension``: the best and worst groups with
    at least 30 answers (a group of a few would top or tail the list by chance), each
    against its target as the overview's bars are (:func:`analytics.targets.against`)
    when NPS has one."""
    table = overview.breakdown(store, f, SEGMENT_KPI, dimension)
    if f.end is not None and any(g.kpi == SEGMENT_KPI for g in goals):
        table = targets.against(table, SEGMENT_KPI, dimension, goals, f.end)
    reason = overview.not_measured(table)
    kept = table.filter(
        pl.col("reason").is_null() & ~pl.col("low_sample") & pl.col(dimension).is_not_null()
    )
    best = kept.head(SHOWN)
    worst = kept.tail(min(SHOWN, kept.height - best.height)).reverse()
    return Segments(dimension, best, worst, table.height - kept.height, reason)


def _segments(store: Store, f: Filters, goals: Sequence[targets.Target]) -> tuple[Segments, ...]:
    return tuple(segments(store, f, d, goals) for d in SEGMENT_DIMENSIONS)


def agents(store: Store, f: Filters) -> Agents:
    """Fair rankings of agents by CSAT over the year up to the period's end: the agents
    of the top and of the bottom tier (the ones the data sets apart from the others),
    by the shrunk estimate, with their rank range. Never "best" and "worst" of a middle
    tier: there the data cannot order them, as Fair rankings says."""
    assert f.end is not None
    start = f.end - dt.timedelta(days=RANK_DAYS - 1)
    table = rankings.ranking(store, replace(f, start=start), RANK_METRIC, "agent")
    ranked = table.filter(pl.col("rank").is_not_null()).sort("rank")
    best = ranked.filter(pl.col("tier") == "top").head(SHOWN)
    worst = ranked.filter(pl.col("tier") == "bottom").reverse().head(SHOWN)
    return Agents(best, worst, ranked.height, start, f.end)


# -- drivers, changes -----------------------------------------------------------------------


def drivers(store: Store, f: Filters) -> Drivers:
    """Relative importance of every available driver for CSAT top-2-box."""
    from analytics.drivers import analysis, cells  # statsmodels: loaded when needed

    found = cells.cells(store, f)
    if found.height == 0:
        return Drivers(pl.DataFrame(), 0, False)
    a = analysis.analyse(found, DRIVER_OUTCOME, cells.available(found))
    return Drivers(a.importance, a.n, a.enough)


def changes(store: Store, f: Filters, lang: Lang, today: dt.date) -> list[ChangeReview]:
    """The changes started in the period, each analysed with the change-analysis page's
    default settings in the report's scope, and the one-page summary's headline."""
    from analytics.changes import analysis, report, summary
    from analytics.changes.cells import dimensions_only
    from analytics.changes.design import Settings

    assert f.start is not None and f.end is not None
    started = registry.changes_in(store, f.start, f.end)
    if started.is_empty():
        return []
    settings = Settings(
        filters=dimensions_only(f), meaningful=tuple(thresholds.read(store).items())
    )
    bounds = overview.data_range(store)
    out = []
    for cid in started["change_id"].to_list():
        change = registry.get_change(store, int(cid))
        a = analysis.analyse(store, change, settings, today=today, bounds=bounds)
        verdicts: tuple[tuple[str, str], ...] = ()
        if a.problem is None:
            verdicts = tuple((r.metric, report.verdict(a, r.metric, lang).code) for r in a.results)
        head = summary.headline(a, summary.lead_metric(a), lang)
        out.append(ChangeReview(int(cid), change.name, change.started_on, head, verdicts))
    return out


# -- follow-up, voice ------------------------------------------------------------------------


def followup(store: Store, f: Filters, period: Period, now: dt.datetime) -> Followup:
    """The follow-up page's counts for the period's responses, and their deadline
    compliance and recovery over the whole period (the page's weekly or monthly rate
    when the period is one week or month)."""
    counts = followup_queue.status_counts(store, f, now)
    grain: queries.Grain = "month" if period.kind == "month" else "week"
    stats = store.read(followup_rates.compliance_stats(store, grain, now, f))
    sums = {c: int(stats[c].sum() or 0) for c in ("n_due", "n_on_time", "n_closed", "n_recovered")}
    return Followup(
        created=sum(counts[s] for s in STATUSES),
        counts=counts,
        in_time=proportion(sums["n_on_time"], sums["n_due"]),
        recovery=proportion(sums["n_recovered"], sums["n_closed"]),
    )


def voice(store: Store, f: Filters, lang: Lang) -> Voice:
    """The comments in the report's language (or the language most of them are in):
    what detractors and promoters say more, and the newest ideas."""
    counts = text.language_counts(store, f)
    said: sentiment.Lang = lang if counts[lang] else max(counts, key=counts.__getitem__)
    terms = text.distinguishing_terms(store, f, text.Split(), lang=said)
    ideas, comments = text.count_suggestions(store, f, said)
    newest = text.suggestions(store, f, IDEAS, said) if ideas else pl.DataFrame()
    return Voice({str(k): n for k, n in counts.items()}, said, terms, ideas, comments, newest)
