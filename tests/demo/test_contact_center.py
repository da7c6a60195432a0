"""Demo data: the planted truths are in the data, the load is atomic and deterministic.

One module-scoped store at the default size (150k calls, fixed seed and end) backs the
truth tests; they check SQL aggregates against the constants in ``analytics.demo.contact_center``.
Tolerances are about three standard errors at this size.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from analytics.demo import contact_center
from analytics.store import Store, connect
from tests.conftest import DemoStores

END = dt.date(2025, 6, 30)
SEED = 7
DEMO = {"calls": 150_000, "seed": SEED, "end": END}  # the default size


@pytest.fixture(scope="module")
def store(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_stores.open(tmp_path_factory.mktemp("demo"), **DEMO)
    yield s
    s.close()


@pytest.fixture(scope="module")
def summary(demo_stores: DemoStores) -> contact_center.DemoSummary:
    return demo_stores.summary(**DEMO)


def row(store: Store, query: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    """The single row of an aggregate query."""
    rows = store.cursor().execute(query, params or []).fetchall()
    assert len(rows) == 1
    return tuple(rows[0])


def csat_top2(where: str) -> str:
    return f"100 * avg((s.csat >= 4)::int) filter (where {where})"


JOINED = "from surveys s join calls c using (call_id)"
NPS = "100 * (avg((nps >= 9)::int) - avg((nps <= 6)::int))"


# -- shape of the data --------------------------------------------------------------


def test_summary_matches_the_tables(store: Store, summary: contact_center.DemoSummary) -> None:
    calls, surveys = row(
        store, "select (select count(*) from calls), (select count(*) from surveys)"
    )
    assert (summary.calls, summary.surveys) == (calls, surveys)
    assert calls == 150_000 and surveys >= 30_000
    assert summary.end == END
    assert (summary.end - summary.start).days == 7 * contact_center.N_WEEKS - 1
    first, last = row(store, "select min(started_at)::date, max(started_at)::date from calls")
    assert first == summary.start and last == END


def test_the_ivr_change_is_registered(store: Store, summary: contact_center.DemoSummary) -> None:
    change_id, started, scope, owner, description, kind = row(
        store,
        "select change_id, started_on, scope_queues, owner, description, kind"
        " from process_changes where name = 'New IVR menu'",
    )
    assert (change_id, scope, owner, kind) == (1, ["billing"], "Operations", "process")
    assert started == summary.ivr_change_on == dt.date(2024, 12, 30)
    assert started.weekday() == 0 and 0 <= (END - dt.timedelta(weeks=26) - started).days < 7
    assert "IVR" in description


def test_the_keypad_change_is_registered_as_a_survey_design_change(
    store: Store, summary: contact_center.DemoSummary
) -> None:
    name, started, kind, instruments, scope = row(
        store,
        "select name, started_on, kind, instruments, scope_queues from process_changes"
        " where change_id = 2",
    )
    assert (name, kind, instruments, scope) == ("IVR keypad order", "survey_design", ["ivr"], None)
    assert started == summary.keypad_change_on == dt.date(2024, 7, 1)
    assert started.weekday() == 0
    assert (
        0 <= (END - dt.timedelta(weeks=contact_center.KEYPAD_WEEKS_BEFORE_END) - started).days < 7
    )
    assert row(store, "select count(*) from process_changes") == (2,)


def test_calls_look_like_a_contact_center(store: Store) -> None:
    agents, teams, mixed, customers, ids = row(
        store,
        "select count(distinct agent_id), count(distinct team),"
        " (select count(*) from (select agent_id from calls group by 1"
        "  having count(distinct team) > 1)),"
        " count(distinct customer_id), count(distinct call_id) from calls",
    )
    assert (agents, teams, mixed, ids) == (120, 8, 0, 150_000)
    assert 40_000 <= customers <= 50_000  # a pool of calls / 3, nearly all seen
    b2b, escalated, abandoned, office = row(
        store,
        "select avg((segment = 'B2B')::int), avg(escalated::int), avg(abandoned::int),"
        " avg((hour(started_at) between 8 and 19)::int) from calls",
    )
    assert 0.23 <= b2b <= 0.27 and 0.04 <= escalated <= 0.06
    assert 0.03 <= abandoned <= 0.10 and office >= 0.85
    bad = row(
        store,
        "select count(*) from calls where abandoned and (resolved or escalated"
        " or duration_s > ? or transfers > 0)",
        [contact_center.ABANDONED_MAX_DURATION_S],
    )
    assert bad == (0,)


def test_surveys_hang_together(store: Store) -> None:
    orphans, abandoned, late, early = row(
        store,
        "select count(*) filter (where c.call_id is null), count(*) filter (where c.abandoned),"
        " count(*) filter (where s.responded_at > c.started_at + interval 2 day),"
        " count(*) filter (where s.responded_at < c.started_at)"
        " from surveys s left join calls c using (call_id) where survey_type = 'transactional'",
    )
    assert (orphans, abandoned, late, early) == (0, 0, 0, 0)
    relational, with_call, with_scores = row(
        store,
        "select count(*), count(call_id), count(csat) + count(ces)"
        " from surveys where survey_type = 'relational'",
    )
    assert (with_call, with_scores) == (0, 0)
    assert 0.025 * 150_000 <= relational <= 0.035 * 150_000


def test_survey_shares(store: Store) -> None:
    csat, ces, scale, comment, spanish = row(
        store,
        "select avg((csat is not null)::int), avg((ces is not null)::int),"
        " count(*) filter (where ces is not null and ces_scale <> 7),"
        " avg((comment is not null)::int), avg((language = 'es')::int)"
        " from surveys where survey_type = 'transactional'",
    )
    assert 0.85 <= csat <= 0.95 and 0.57 <= ces <= 0.63 and scale == 0
    assert 0.37 <= comment <= 0.43 and 0.42 <= spanish <= 0.48
    rate = row(
        store,
        "select count(s.response_id) / count(*) from calls c"
        " left join surveys s using (call_id) where not c.abandoned",
    )[0]
    assert 0.18 <= rate <= 0.21


def test_scores_come_from_one_latent(store: Store) -> None:
    nps_csat, nps_ces = row(store, "select corr(nps, csat), corr(nps, ces) from surveys")
    assert nps_csat > 0.7 and nps_ces > 0.7
    by_group = store.cursor().execute(
        "select avg(csat) from surveys group by (nps >= 7)::int + (nps >= 9)::int order by 1"
    )
    means = [m for (m,) in by_group.fetchall()]
    assert means == sorted(means) and means[0] < 3 < means[-1]


def test_extremes_respond_more(store: Store) -> None:
    # Unresolved contacts sit far below the average experience; resolved ones near it.
    unresolved, resolved = row(
        store,
        "select avg((s.response_id is not null)::int) filter (where not c.resolved),"
        " avg((s.response_id is not null)::int) filter (where c.resolved)"
        " from calls c left join surveys s using (call_id) where not c.abandoned",
    )
    assert unresolved > 1.3 * resolved


# -- planted truths -----------------------------------------------------------------


def test_resolution_matters_far_more_than_duration(store: Store) -> None:
    resolution_gap, duration_gap = row(
        store,
        f"select {csat_top2('c.resolved')} - {csat_top2('not c.resolved')},"
        f" {csat_top2('c.resolved and c.duration_s < 300')}"
        f" - {csat_top2('c.resolved and c.duration_s > 900')} {JOINED}",
    )
    assert resolution_gap >= 25
    assert 0 < duration_gap <= resolution_gap / 3


def windows(
    store: Store, day: dt.date, value: str, source: str, group: str, at: str
) -> dict[Any, Any]:
    """(mean, variance of the mean) of ``value`` by (``group``?, ``at`` on or after
    ``day``?), 8 weeks either side of ``day``."""
    rows = store.cursor().execute(
        f"select {group}, {at} >= ?, avg({value}), var_samp({value}) / count({value}) {source}"
        f" where {at} >= ? - interval 56 day and {at} < ? + interval 56 day group by all",
        [day, day, day],
    )
    return {(grouped, after): (mean, var) for grouped, after, mean, var in rows.fetchall()}


def ivr_windows(store: Store, day: dt.date, value: str, source: str) -> dict[Any, Any]:
    """By (billing?, after the change?)."""
    return windows(store, day, value, source, "c.queue = 'billing'", "c.started_at")


def change(cells: dict[Any, Any], billing: bool) -> tuple[float, float]:
    """After - before for one group, with its variance."""
    (after, var_after), (before, var_before) = cells[billing, True], cells[billing, False]
    return after - before, var_after + var_before


@pytest.mark.parametrize(
    ("value", "source", "planted"),
    [
        ("c.wait_s", "from calls c", -contact_center.IVR_WAIT_CUT_S),
        ("s.ces", JOINED, contact_center.IVR_CES_GAIN),
    ],
)
def test_ivr_change_moves_billing_only(
    store: Store, summary: contact_center.DemoSummary, value: str, source: str, planted: float
) -> None:
    # Tolerances are three standard errors of each estimate, and the windows must be
    # big enough for the planted effect to stand out (more than 3 SE from zero).
    cells = ivr_windows(store, summary.ivr_change_on, value, source)
    (billing, var_billing), (others, var_others) = change(cells, True), change(cells, False)
    assert 3 * var_billing**0.5 < abs(planted)
    assert abs(billing - planted) <= 3 * var_billing**0.5
    assert abs(others) <= 3 * var_others**0.5
    assert abs(billing - others - planted) <= 3 * (var_billing + var_others) ** 0.5


def keypad_cells(store: Store, day: dt.date, value: str) -> dict[Any, Any]:
    """By (IVR answer?, after the keypad change?); transactional answers only."""
    return windows(store, day, value, JOINED, "s.survey_channel = 'ivr'", "s.responded_at")


@pytest.mark.parametrize(
    ("value", "planted"),
    [
        ("100 * (s.csat >= 4)::int", contact_center.KEYPAD_CSAT_GAIN),  # the survey moved
        ("100 * ((s.nps >= 9)::int - (s.nps <= 6)::int)", 0.0),  # NPS is asked the same way
        ("s.ces", 0.0),
        ("100 * c.resolved::int", 0.0),  # no service change
        ("c.wait_s", 0.0),
    ],
)
def test_the_keypad_change_moves_ivr_csat_only(
    store: Store, summary: contact_center.DemoSummary, value: str, planted: float
) -> None:
    assert summary.keypad_change_on is not None
    cells = keypad_cells(store, summary.keypad_change_on, value)
    (ivr, var_ivr), (others, var_others) = change(cells, True), change(cells, False)
    tolerance = 3 * (var_ivr + var_others) ** 0.5
    assert abs(ivr - others - planted) <= tolerance
    if planted:
        assert tolerance < planted  # the window is big enough to see it


def test_survey_versions_name_the_instrument(
    store: Store, summary: contact_center.DemoSummary
) -> None:
    rows = (
        store.cursor()
        .execute(
            "select survey_channel, survey_version, min(responded_at)::date, max(responded_at)::date"
            " from surveys group by all order by all"
        )
        .fetchall()
    )
    versions = {(channel, version): (first, last) for channel, version, first, last in rows}
    before, after = contact_center.KEYPAD_VERSIONS
    assert versions["ivr", before][1] < summary.keypad_change_on <= versions["ivr", after][0]
    assert {v for (c, v) in versions if c != "ivr"} == {contact_center.OTHER_VERSION}


def test_weekly_seasonality(store: Store) -> None:
    rows = store.cursor().execute(
        "select isodow(started_at), count(*), avg(wait_s) from calls group by 1 order by 1"
    )
    days = np.array(rows.fetchall(), dtype=float)
    volume, wait = days[:, 1], days[:, 2]
    assert volume.argmax() == 0 and wait.argmax() == 0  # Monday
    assert volume[5:].max() < 0.5 * volume[:5].min()  # weekends
    assert wait[0] > 1.15 * wait[1:5].mean()


def test_nps_trends_up(store: Store) -> None:
    weekly = store.cursor().execute(
        f"select date_trunc('week', responded_at) as week, count(*), {NPS}"
        " from surveys group by 1 order by 1"
    )
    weeks, counts, nps = zip(*weekly.fetchall(), strict=True)
    years = np.array([(week - weeks[0]).days / 365.25 for week in weeks])
    fit, cov = np.polyfit(years, nps, 1, w=np.sqrt(counts), cov=True)
    slope, se = fit[0], cov[0, 0] ** 0.5
    assert se < 1.25  # two years of weekly NPS tell a 3-point trend from none
    assert abs(slope - contact_center.NPS_TREND_PER_YEAR) <= 3 * se


def test_south_detractor_spike(store: Store) -> None:
    start = END - dt.timedelta(weeks=contact_center.SPIKE_WEEKS_BEFORE_END)
    start -= dt.timedelta(days=start.weekday())
    end = start + dt.timedelta(weeks=contact_center.SPIKE_WEEKS)
    share = "avg((s.nps <= 6)::int) filter (where c.region {} 'South' and c.started_at {})"
    inside = "between ?::timestamp and ?::timestamp - interval 1 second"
    around = "between ?::timestamp - interval 42 day and ?::timestamp + interval 42 day"
    around += " and not (c.started_at >= ? and c.started_at < ?)"
    spike, usual, others_in, others_around = row(
        store,
        f"select {share.format('=', inside)}, {share.format('=', around)},"
        f" {share.format('<>', inside)}, {share.format('<>', around)} {JOINED}",
        [start, end, start, end, start, end] * 2,
    )
    assert spike - usual >= 0.10
    assert abs(others_in - others_around) <= 0.07


def test_first_contact_resolution_is_below_resolution(store: Store) -> None:
    resolution, fcr, after_unresolved, after_resolved = row(
        store,
        "with nxt as (select *, lead(started_at) over (partition by customer_id"
        "  order by started_at) as next_at from calls),"
        " flagged as (select *, coalesce(next_at <= started_at + interval 7 day, false)"
        "  as again from nxt where not abandoned)"
        " select avg(resolved::int), avg((resolved and not again)::int),"
        " avg(again::int) filter (where not resolved), avg(again::int) filter (where resolved)"
        " from flagged",
    )
    assert fcr <= resolution - 0.04
    assert after_unresolved >= 0.35 and after_resolved <= 0.15


# -- comments -----------------------------------------------------------------------


def phrase_pattern(*topics: str) -> re.Pattern[str]:
    """A regex matching any variant of ``topics`` in either language."""
    variants = []
    for line in contact_center.PHRASES.strip().splitlines():
        topic, _, text = line.split(maxsplit=2)
        if topic in topics:
            variants += [re.escape(v.strip()) for v in text.split("|")]
    return re.compile("|".join(variants).replace(r"\{m\}", r"\d+").replace(r"\{t\}", r"\d+"))


def comment_rows(store: Store, where: str) -> list[str]:
    rows = store.cursor().execute(
        f"select s.comment {JOINED} where s.comment is not null and {where}"
    )
    return [comment for (comment,) in rows.fetchall()]


def mention_share(comments: list[str], pattern: re.Pattern[str]) -> float:
    return sum(bool(pattern.search(c)) for c in comments) / len(comments)


@pytest.mark.parametrize(
    ("topics", "when", "otherwise"),
    [
        (("wait",), "c.wait_s > 300", "c.wait_s <= 300"),
        (("unresolved",), "not c.resolved", "c.resolved"),
        (("transfer",), "c.transfers >= 2", "c.transfers = 0"),
        (
            ("new_menu",),
            "c.queue = 'billing' and c.started_at >= DATE '2024-12-30'",
            "c.queue = 'billing' and c.started_at < DATE '2024-12-30'",
        ),
    ],
)
def test_comments_follow_the_call(
    store: Store, topics: tuple[str, ...], when: str, otherwise: str
) -> None:
    pattern = phrase_pattern(*topics)
    assert mention_share(comment_rows(store, when), pattern) >= 0.15
    assert mention_share(comment_rows(store, otherwise), pattern) == 0


def test_comments_follow_the_score_and_language(store: Store) -> None:
    complaints = phrase_pattern(*contact_center.COMPLAINTS, "open_det")
    praise = phrase_pattern("fast", "solved", "friendly", "expert", "new_menu", "loyal", "open_pro")
    promoters = comment_rows(store, "s.nps >= 9")
    detractors = comment_rows(store, "s.nps <= 6")
    assert mention_share(promoters, complaints) == 0 and mention_share(detractors, praise) == 0
    assert mention_share(detractors, complaints) > 0.95
    spanish = comment_rows(store, "s.language = 'es'")
    english = comment_rows(store, "s.language = 'en'")
    accents = re.compile("[áéíóúñ¡]")
    assert mention_share(spanish, accents) > 0.4 and mention_share(english, accents) == 0
    suggestions = mention_share(spanish + english, phrase_pattern("suggest"))
    assert 0.03 <= suggestions <= 0.07


# -- loading ------------------------------------------------------------------------


def fingerprint(store: Store) -> tuple[Any, ...]:
    return row(
        store,
        "select (select count(*) from calls), (select sum(wait_s + duration_s + hold_s) from calls),"
        " (select max(call_id) from calls), (select count(*) from surveys),"
        " (select sum(nps) + sum(coalesce(csat, 0)) + sum(coalesce(ces, 0)) from surveys),"
        " (select sum(length(comment)) from surveys)",
    )


def test_same_seed_same_data_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contact_center, "CHUNK_CALLS", 7_000)
    stores = [connect(":memory:") for _ in range(3)]
    for store, seed in zip(stores, (3, 3, 4), strict=True):
        assert contact_center.generate(store, calls=20_000, seed=seed, end=END).calls == 20_000
    first, again, other = (fingerprint(store) for store in stores)
    assert first == again and first != other
    ids = row(stores[0], "select min(call_id), max(call_id), count(distinct call_id) from calls")
    assert ids == ("C0000001", "C0020000", 20_000)


def failing_after(calls: int, error: str) -> Any:
    """A stand-in that runs the real function ``calls`` times, then raises."""
    done: list[None] = []

    def wrap(real: Any) -> Any:
        def run(*args: Any) -> Any:
            if len(done) == calls:
                raise RuntimeError(error)
            done.append(None)
            return real(*args)

        return run

    return wrap


@pytest.mark.parametrize(
    ("step", "calls_before"),
    [("_surveys", 2), ("_load", 1)],  # mid-generation; mid-load, after the calls went in
)
def test_a_failed_generation_leaves_the_store_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, calls_before: int
) -> None:
    store = connect(str(tmp_path / "pulso.duckdb"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(contact_center, "CHUNK_CALLS", 5_000)
    real = getattr(contact_center, step)
    monkeypatch.setattr(contact_center, step, failing_after(calls_before, "killed")(real))
    with pytest.raises(RuntimeError, match="killed"):
        contact_center.generate(store, calls=20_000, end=END)
    empty = "select (select count(*) from calls) + (select count(*) from surveys)"
    assert row(store, empty + " + (select count(*) from process_changes)") == (0,)
    assert not list(tmp_path.glob("pulso-demo-*"))  # staged chunks are cleaned up
    monkeypatch.setattr(contact_center, step, real)
    assert contact_center.generate(store, calls=20_000, end=END).calls == 20_000


def test_refuses_a_store_with_data() -> None:
    store = connect(":memory:")
    contact_center.generate(store, calls=1_000, end=END)
    with pytest.raises(ValueError, match="empty store"):
        contact_center.generate(store, calls=1_000, end=END)
