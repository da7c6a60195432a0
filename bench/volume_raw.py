"""Hand-written DuckDB SQL on the RAW tables doing a page's reads, and Pulso's read of
the same numbers, for the ratio pulso/raw: the overview (``bench_overview.raw_sql``),
the drivers' scan (``bench_drivers.raw_sql``), the rankings' per-agent counts, the
change analysis's daily series per unit, and in their own modules the response-bias
cells (``raw_bias``), the survey-fatigue counts (``raw_fatigue``) and the comments'
term counts (``raw_voice``). The weekly review has none: it runs the other pages'
reads for one week.

The raw SQL knows nothing of the store's flags or rollups: it recomputes the 7-day
repeat window, the "surveyed" flag and the FCR horizon from the rows, as a team
without Pulso would. Each twin is checked once per run to return Pulso's numbers
(:func:`same_numbers`): a ratio of unequal work would mean nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from analytics.dimensions import Source
from analytics.queries import Filters
from analytics.store import Store
from bench import bench_drivers, bench_overview
from bench.volume_pages import Defaults, change_settings, rank_filters

RANK_SQL = """
select c.team, c.agent_id, count(s.nps) n_nps, count(*) filter (s.nps >= 9) promoters,
  count(*) filter (s.nps <= 6) detractors, count(s.csat) n_csat,
  count(*) filter (s.csat >= 4) csat_top2
from surveys s join calls c on s.call_id = c.call_id
where s.responded_at >= ? and s.responded_at < ? and c.agent_id is not null
group by all
"""
# The change analysis's daily series: the unit's statistics per day of the span, every
# call KPI's counts, with the repeat window over every call (a repeat may fall after
# the span) and the FCR horizon of the whole store.
CALLS_DAILY = """
with flagged as (
  select *, lead(started_at) over (partition by customer_id order by started_at, call_id)
    as next_at
  from calls),
f as (
  select *, not coalesce(abandoned, false) as answered,
    customer_id is not null and next_at is not null and next_at <= started_at + interval 7 day
      as is_repeat,
    started_at <= (select max(started_at) from calls) - interval 7 day as observed,
    call_id in (select call_id from surveys where call_id is not null
                and (survey_type is null or survey_type = 'transactional')) as was_surveyed,
    exists (select 1 from surveys where call_id is not null) as linked
  from flagged
  where started_at >= ? and started_at < ? and {unit} is not null)
select {unit} as unit, started_at::date - ?::date as day, count(*) n_calls,
  count(*) filter (answered) n_answered, count(abandoned) n_abandon_known,
  count(*) filter (abandoned) n_abandoned,
  count(*) filter (answered and resolved is not null) n_resolved_known,
  count(*) filter (answered and resolved) n_resolved,
  count(*) filter (answered and observed) n_fcr_observed,
  count(*) filter (answered and observed and resolved is not null and customer_id is not null)
    n_fcr_eligible,
  count(*) filter (answered and observed and resolved and customer_id is not null
                   and not is_repeat) n_fcr,
  count(duration_s) filter (answered) handle_n, sum(duration_s) filter (answered) handle_sum,
  sum(duration_s * duration_s) filter (answered) handle_sumsq,
  count(wait_s) filter (answered) wait_n, sum(wait_s) filter (answered) wait_sum,
  sum(wait_s * wait_s) filter (answered) wait_sumsq,
  count(*) filter (abandoned is not null and (abandoned or wait_s is not null)) n_sl_known,
  count(*) filter (abandoned is not null and answered and wait_s <= 20) n_within_sl,
  count(*) filter (answered and transfers is not null) n_transfers_known,
  count(*) filter (answered and transfers > 0) n_transferred,
  count(*) filter (answered and linked) n_response_base,
  count(*) filter (answered and was_surveyed) n_surveyed
from f group by all
"""
SURVEYS_DAILY = """
select c.{unit} as unit, s.responded_at::date - ?::date as day, count(*) n_responses,
  count(s.nps) n_nps, count(*) filter (s.nps >= 9) promoters,
  count(*) filter (s.nps <= 6) detractors, count(s.csat) n_csat,
  count(*) filter (s.csat >= 4) csat_top2, sum(s.csat) csat_sum,
  sum(s.csat::bigint * s.csat) csat_sumsq, count(ces7) n_ces, sum(ces7) ces_sum,
  sum(ces7 * ces7) ces_sumsq, count(*) filter (ces7 >= 5.5) ces_easy
from (select *, case when ces_scale = 5 then 1 + (ces::double - 1) * 1.5 else ces::double end
        as ces7 from surveys) s
join calls c on s.call_id = c.call_id
where s.responded_at >= ? and s.responded_at < ? and c.{unit} is not null
group by all
"""


def _ts(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


@dataclass(frozen=True)
class Twin:
    """The raw SQL of a page's reads, and Pulso's read of the same numbers."""

    raw: Callable[[], object]
    pulso: Callable[[], object]
    covers: str  # what both do
    check: Callable[[], bool] | None = None  # same numbers? (None: not compared)


def twins(store: Store, d: Defaults) -> dict[str, Twin]:
    """The pages that have a raw twin, keyed by page name."""
    f = d.filters
    assert f.start is not None and f.end is not None
    r = rank_filters(d)
    assert r.start is not None and r.end is not None
    out = {
        "overview": Twin(
            lambda: bench_overview.raw_sql(store, f),
            lambda: bench_overview.pulso(store, f),
            "tiles (two windows), weekly trend, breakdown by region, filter options, range",
            lambda: same_tiles(store, f),
        ),
        "drivers": Twin(
            lambda: bench_drivers.raw_sql(store, f.start, f.end),  # type: ignore[arg-type]
            lambda: _driver_cells(store, f),
            "the aggregate scan: counts per combination of driver levels",
            lambda: _same_driver_cells(store, f),
        ),
        "rankings": Twin(
            lambda: rank_raw(store, r),
            lambda: _unit_stats(store, r),
            "per-agent NPS and CSAT counts over 12 months",
            lambda: _same(rank_raw(store, r), _unit_stats(store, r), ("team", "agent_id")),
        ),
    }
    daily = change_twin(store, d)
    if daily is not None:
        out["change_analysis"] = daily
    from bench import raw_bias, raw_fatigue, raw_voice  # they import Twin from here

    out |= {
        "bias": raw_bias.twin(store, d),
        "fatigue": raw_fatigue.twin(store, d),
        "voice": raw_voice.twin(store, d),
    }
    return out


def same_tiles(store: Store, f: Filters) -> bool:
    """The overview twin's tile statistics (both windows, both sources) are Pulso's."""
    from analytics import overview

    templates: dict[Source, str] = {
        "surveys": bench_overview.SURVEY_STATS,
        "calls": bench_overview.CALL_STATS,
    }
    for source, template in templates.items():
        query, params = bench_overview.window_stats(template, f)
        raw = store.cursor().sql(query, params=params).pl()
        if not _same(raw, overview.window_stats(store, f, source), ("window",)):
            return False
    return True


def rank_raw(store: Store, f: Filters) -> pl.DataFrame:
    assert f.start is not None and f.end is not None
    params = [_ts(f.start), _ts(f.end + dt.timedelta(days=1))]
    return store.cursor().sql(RANK_SQL, params=params).pl()


def _unit_stats(store: Store, f: Filters) -> pl.DataFrame:
    from analytics.review import rankings

    return rankings.unit_stats(store, f)


def _driver_cells(store: Store, f: Filters) -> pl.DataFrame:
    from analytics.drivers import cells

    return cells.cells(store, f)


def _same_driver_cells(store: Store, f: Filters) -> bool:
    ours = _driver_cells(store, f)
    theirs = bench_drivers.raw_sql(store, f.start, f.end)  # type: ignore[arg-type]
    columns = ("csat_5", "promoters", "detractors", "nps_n", "ces_10", "repeat")
    return ours.height == theirs.height and all(
        ours[c].sum() == theirs[c].sum() for c in columns if c in ours.columns
    )


def change_twin(store: Store, d: Defaults) -> Twin | None:
    """The change analysis's daily series (``cells.read_cells``) for its span."""
    from analytics.changes import cells
    from analytics.changes.design import GRAIN_DAYS, Windows, windows

    if store.sql("select count(*) n from process_changes")["n"][0] == 0:
        return None
    change, settings = change_settings(store)
    units = cells.unit_dims(change)
    win = windows(change, settings, d.bounds, dt.date.today())  # no read: the page's cold
    if not isinstance(win, Windows) or len(units) != 1:  # run stays cold
        return None
    ramp = (win.after[0] - win.change_on).days
    metrics, grain = settings.metrics, GRAIN_DAYS[settings.grain]

    def pulso() -> dict[Source, pl.DataFrame]:
        return cells.read_cells(store, change, settings.filters, metrics, win.span, ramp, grain)

    def raw() -> dict[Source, pl.DataFrame]:
        return change_raw(store, units[0], win.span, win.change_on)

    def check() -> bool:
        ours, theirs = pulso(), raw()
        return all(_same(theirs[s], ours[s], ("unit", "day")) for s in ours)

    return Twin(raw, pulso, f"daily series per {units[0]} over the change's span", check)


def change_raw(
    store: Store, unit: str, span: tuple[dt.date, dt.date], change_on: dt.date
) -> dict[Source, pl.DataFrame]:
    lo, hi = _ts(span[0]), _ts(span[1] + dt.timedelta(days=1))
    cur = store.cursor()
    calls = cur.sql(CALLS_DAILY.format(unit=unit), params=[lo, hi, change_on]).pl()
    surveys = cur.sql(SURVEYS_DAILY.format(unit=unit), params=[change_on, lo, hi]).pl()
    return {"calls": calls, "surveys": surveys}


def _same(raw: pl.DataFrame, ours: pl.DataFrame, keys: tuple[str, ...]) -> bool:
    """The same groups and, in every statistic both have, the same values (sums of
    floats to 1e-9 relative)."""
    shared = [c for c in raw.columns if c in ours.columns and c not in keys]
    if raw.height != ours.height or not shared:
        return False
    cast = [pl.col(c).cast(pl.Float64) for c in shared]
    a = raw.select(*[pl.col(k).cast(pl.String) for k in keys], *cast).sort(keys)
    b = ours.select(*[pl.col(k).cast(pl.String) for k in keys], *cast).sort(keys)
    if not a.select(keys).equals(b.select(keys)):
        return False
    for c in shared:
        x, y = a[c].fill_null(0.0).to_numpy(), b[c].fill_null(0.0).to_numpy()
        if (abs(x - y) > 1e-9 * (1 + abs(x))).any():
            return False
    return True
