"""Hand-written DuckDB SQL on the RAW tables doing the response-bias page's main read,
and Pulso's read of the same numbers, for the ratio pulso/raw: the per-cell counts the
reweighting uses (``bias.cell_stats``), answered calls and their answers' NPS and CSAT
counts per resolved x channel x queue cell.

The raw SQL knows nothing of the store's kept ``answers`` table or its flags: it joins
the surveys to their calls, keeps the surveys that make a call "surveyed" (transactional
or of unknown type) and the calls not known to be abandoned in the page's period, as a
team without Pulso would. The twin is checked once per run to return Pulso's numbers
(``volume_raw._same``): a ratio of unequal work would mean nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from analytics.store import Store
from bench.volume_pages import Defaults

if TYPE_CHECKING:
    from bench.volume_raw import Twin

# The reweighting's cells: answered calls (not known to be abandoned) started in the
# period, per outcome ("unknown" when not known), channel and queue, and the counts of
# the answers that name them.
CELLS_SQL = """
with answered as (
  select call_id, channel, queue,
    case when resolved is null then 'unknown' when resolved then 'true' else 'false' end
      as resolved
  from calls
  where started_at >= ? and started_at < ? and not coalesce(abandoned, false)),
population as (
  select resolved, channel, queue, count(*) calls from answered group by all),
sample as (
  select a.resolved, a.channel, a.queue, count(s.nps) n_nps,
    count(*) filter (s.nps >= 9) promoters, count(*) filter (s.nps <= 6) detractors,
    count(s.csat) n_csat, count(*) filter (s.csat >= 4) csat_top2
  from answered a join surveys s on s.call_id = a.call_id
  where s.survey_type is null or s.survey_type = 'transactional'
  group by all)
select p.resolved, p.channel, p.queue, p.calls, coalesce(n_nps, 0) n_nps,
  coalesce(promoters, 0) promoters, coalesce(detractors, 0) detractors,
  coalesce(n_csat, 0) n_csat, coalesce(csat_top2, 0) csat_top2
from population p left join sample s
  on s.resolved = p.resolved and s.channel = p.channel and s.queue = p.queue
"""
KEYS = ("resolved", "channel", "queue")


def twin(store: Store, d: Defaults) -> Twin:
    """The bias page's cells (``bias.cell_stats``) for the default period."""
    from analytics.review import bias
    from bench.volume_raw import Twin, _same

    f = d.filters
    assert f.start is not None and f.end is not None
    params = [_ts(f.start), _ts(f.end + dt.timedelta(days=1))]

    def raw() -> pl.DataFrame:
        return store.cursor().sql(CELLS_SQL, params=params).pl()

    def pulso() -> pl.DataFrame:
        return bias.cell_stats(store, f)

    def check() -> bool:
        return _same(raw(), pulso(), KEYS)

    covers = "answered calls and NPS/CSAT counts per resolved x channel x queue cell"
    return Twin(raw, pulso, covers, check)


def _ts(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())
