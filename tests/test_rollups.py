"""The rollups kept at load give exactly the raw rows' numbers.

Three readers over one store, for random filters, periods, grains and breakdowns
(Hypothesis), after each of: a demo store, a load of new calls (repeat calls of known
customers in other regions, and later calls that move the FCR horizon), a load that
rewrites calls (region, customer, time), a load of surveys, and the undo of the last two;
then answers loaded before their calls, the calls, and the undo of those calls (a batch
that only inserted); and the demo's rows loaded into an empty store:

- the store itself: the day rollup where the query allows (``rollups.usable``);
- the raw rows with the flags kept at load (no rollup);
- the raw rows with every flag computed at read, as before version 13 (and on Spark).

Counts must be equal; sums of doubles to 1e-12 (an order of addition is not fixed).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import duckdb
import ibis
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analytics import access, answers, demo, kept_sql, overview, queries, rollups
from analytics.ingest import ingest, read_file, undo_batch
from analytics.ingest.mapping import suggest_mapping
from analytics.queries import DIMENSIONS, Filters
from analytics.store import Store, connect, migrate
from tests.conftest import call, insert, survey

END = dt.date(2026, 6, 28)
#: Random queries per state (``PULSO_ROLLUP_EXAMPLES`` for a deeper run).
DAY = rollups.ROLLUPS[0]
EXAMPLES = int(os.environ.get("PULSO_ROLLUP_EXAMPLES", "6"))
STATES = (
    "demo", "new_calls", "rewritten_calls", "new_surveys", "rewritten_surveys", "undo_surveys",
    "undo_rewrite", "calls_after_answers", "undo_new_calls", "first_load",
)  # fmt: skip


class RawDerived:
    """The store's raw rows, with the flags kept at load but no rollup."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def table(self, name: str) -> ibis.Table:
        return self.store.table(name)

    def read(self, expr: ibis.Table) -> pl.DataFrame:
        return self.store.read(expr)

    def derived(self) -> queries.Derived | None:
        return self.store.derived()


class RawComputed(RawDerived):
    """The raw rows with every flag computed at read (a Spark catalog, an old store)."""

    def derived(self) -> None:
        return None


def _csv(store: Store, query: str, path: Path) -> Path:
    store.sql(query).write_csv(path)
    return path


def _load(store: Store, path: Path, target: str) -> int:
    raw = read_file(path)
    report = ingest(store, raw, suggest_mapping(raw, target).mapping)  # type: ignore[arg-type]
    assert report.rejected == 0, report
    return report.batch_id


CANONICAL_CALLS = (
    "call_id, started_at, channel, queue, region, product, segment, agent_id, team, "
    "customer_id, wait_s, duration_s, hold_s, transfers, resolved, abandoned, escalated"
)


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A copy of the store file after each step of :data:`STATES`."""
    folder = tmp_path_factory.mktemp("rollups")
    path = folder / "store.duckdb"
    store = connect(str(path))
    demo.generate(store, calls=6_000, seed=11, end=END)
    saved: dict[str, Path] = {}

    def keep(name: str) -> None:
        store.con.execute("checkpoint")
        saved[name] = folder / f"{name}.duckdb"
        shutil.copy(path, saved[name])

    keep("demo")
    # New calls of known customers, 2 days after one of theirs, in another region; and
    # some a week past the end (the FCR horizon moves).
    _load(store, _csv(store, """
        select 'N' || call_id as call_id, started_at + interval 2 day as started_at, channel,
               queue, case region when 'North' then 'South' else 'North' end as region,
               product, segment, agent_id, team, customer_id, wait_s, duration_s, hold_s,
               transfers, resolved, abandoned, escalated
        from calls using sample 200 rows (reservoir, 3)
        union all
        select 'L' || call_id, started_at + interval 9 day, channel, queue, region, product,
               segment, agent_id, team, customer_id, wait_s, duration_s, hold_s, transfers,
               resolved, abandoned, escalated
        from calls where started_at >= (select max(started_at) from calls) - interval 2 day
        """, folder / "new_calls.csv"), "calls")  # fmt: skip
    keep("new_calls")
    rewrite = _load(store, _csv(store, f"""
        select call_id, started_at - interval 3 day as started_at, channel, queue,
               case when region = 'West' then 'East' else 'West' end as region, product,
               segment, agent_id, team, 'CX' || (hash(call_id) % 50) as customer_id, wait_s,
               duration_s, hold_s, transfers, not coalesce(resolved, false) as resolved,
               abandoned, escalated
        from (select {CANONICAL_CALLS} from calls using sample 250 rows (reservoir, 5))
        """, folder / "rewrite.csv"), "calls")  # fmt: skip
    keep("rewritten_calls")
    surveys = _load(store, _csv(store, """
        select 'S' || call_id as response_id, call_id, customer_id,
               started_at + interval 1 hour as responded_at, 'transactional' as survey_type,
               (hash(call_id) % 11)::int as nps, 1 + (hash(call_id) % 5)::int as csat
        from calls where not surveyed using sample 150 rows (reservoir, 7)
        """, folder / "surveys.csv"), "surveys")  # fmt: skip
    keep("new_surveys")
    # Answers that move to another call (and change score): their old and new calls'
    # answers are both rewritten.
    moved = _load(store, _csv(store, """
        select s.response_id, c.call_id, s.customer_id, s.responded_at, s.survey_type,
               ((coalesce(s.nps, 0) + 3) % 11)::int as nps, s.csat
        from (select *, row_number() over () as k from surveys where call_id is not null
              using sample 120 rows (reservoir, 9)) s
        join (select call_id, row_number() over () as k from calls
              using sample 120 rows (reservoir, 13)) c using (k)
        """, folder / "moved_surveys.csv"), "surveys")  # fmt: skip
    keep("rewritten_surveys")
    undo_batch(store, moved)
    undo_batch(store, surveys)
    keep("undo_surveys")
    undo_batch(store, rewrite)
    keep("undo_rewrite")
    # Answers that name calls not loaded yet, then those calls (a new call starts "not
    # surveyed": the load must find the answers that were waiting for it).
    _load(store, _csv(store, """
        select 'W' || call_id as response_id, 'Z' || call_id as call_id, customer_id,
               started_at + interval 2 hour as responded_at, 'transactional' as survey_type,
               (hash(call_id) % 11)::int as nps, 1 + (hash(call_id) % 5)::int as csat
        from calls using sample 80 rows (reservoir, 17)
        """, folder / "waiting_answers.csv"), "surveys")  # fmt: skip
    late = _load(store, _csv(store, """
        select 'Z' || call_id as call_id, started_at + interval 1 hour as started_at, channel,
               queue, region, product, segment, agent_id, team, customer_id, wait_s,
               duration_s, hold_s, transfers, resolved, abandoned, escalated
        from calls where 'Z' || call_id in (select call_id from surveys)
        """, folder / "late_calls.csv"), "calls")  # fmt: skip
    keep("calls_after_answers")
    # The demo's calls and answers loaded into an empty store (every call is new: the
    # flags are computed over every call at once, without the moved customers' filter).
    calls_csv = _csv(store, f"select {CANONICAL_CALLS} from calls", folder / "all_calls.csv")
    no_ces = "select * exclude (batch_id, ces, ces_scale) from surveys"  # CES needs its scale
    surveys_csv = _csv(store, no_ces, folder / "all_surveys.csv")
    # The late calls undone: a batch that only inserted (no before-image), so the undo
    # takes the short way; their answers wait again, their customers' calls lose repeats.
    undo_batch(store, late)
    keep("undo_new_calls")
    store.close()
    first = connect(str(folder / "first.duckdb"))
    _load(first, calls_csv, "calls")
    _load(first, surveys_csv, "surveys")
    first.con.execute("checkpoint")
    first.close()
    saved["first_load"] = folder / "first.duckdb"
    return saved


@pytest.fixture(params=STATES)
def store(
    request: pytest.FixtureRequest, states: dict[str, Path], tmp_path: Path
) -> Iterator[Store]:
    path = tmp_path / "s.duckdb"
    shutil.copy(states[request.param], path)
    opened = connect(str(path), read_only=True)
    yield opened
    opened.close()


def test_calls_loaded_after_their_answers_are_surveyed(states: dict[str, Path]) -> None:
    with closing(connect(str(states["calls_after_answers"]), read_only=True)) as store:
        late = store.sql("select surveyed from calls where call_id like 'Z%'")
    assert late.height == 80 and late["surveyed"].all()


def test_every_state_keeps_the_flags_that_a_read_would_compute(store: Store) -> None:
    calls, surveys = store.table("calls"), store.table("surveys")
    computed = queries.call_facts(calls, surveys)  # every flag from the rows
    kept = queries.call_facts(calls, surveys, store.derived())
    cols = ("call_id", "repeat_7d", "surveyed", "fcr_observed", "survey_linked")
    prior = queries.prior_flags(computed, calls)
    a = store.read(computed.select(*cols, prior=prior)).sort("call_id")
    b = store.read(kept.select(*cols, prior=kept.prior_7d)).sort("call_id")
    assert_frame_equal(a.with_columns(pl.col("prior").fill_null(False)), b)
    assert a["prior"].sum() > 100
    assert a["repeat_7d"].sum() > 100 and a["surveyed"].sum() > 1000  # not all false
    assert store.derived() is not None and store.rollup(DAY, "calls") is not None


def test_every_state_keeps_the_answers_that_a_join_would_give(store: Store) -> None:
    """``answers`` (kept at load) holds, after every load, update and undo, exactly the
    rows and columns of the join of the raw surveys with their calls."""
    joined = queries.answers_of(store.table("surveys"), store.table("calls"), ("prior_7d",))
    kept = store.answers()
    assert kept is not None and queries.kept_answers(store) is not None
    a = store.read(joined).sort("response_id")
    b = store.read(kept).sort("response_id")
    assert_frame_equal(a, b.select(a.columns))
    assert set(b.columns) == {*a.columns, *answers.CUSTOMER_COLUMNS}
    assert 0 < a["linked"].sum() < a.height  # relational answers have no call
    assert a["prior_7d"].sum() > 0
    # each customer's answers: how many in all, and the first of each calendar month
    s = store.sql("select response_id, customer_id, responded_at from surveys")
    month = pl.col("responded_at").dt.truncate("1mo")
    expected = (
        s.filter(pl.col("customer_id").is_not_null())
        .sort("responded_at", "response_id")
        .select(
            "response_id",
            customer_answers=pl.len().over("customer_id").cast(pl.Int64),
            first_in_month=pl.int_range(pl.len()).over("customer_id", month) == 0,
        )
    )
    counted = b.filter(pl.col("customer_id").is_not_null()).select(expected.columns)
    assert_frame_equal(expected.sort("response_id"), counted)
    assert b.filter(pl.col("customer_id").is_null())["customer_answers"].null_count() == (
        b["customer_id"].null_count()
    )
    assert counted["customer_answers"].max() > 1


def test_the_fatigue_trend_from_the_kept_counts_equals_the_raw_one(store: Store) -> None:
    from analytics.feedback import fatigue

    for policy in (fatigue.FatiguePolicy(), fatigue.FatiguePolicy(1, 30)):
        kept = store.read(fatigue.frequency_stats(store, policy)).sort("period")
        raw = store.read(fatigue.frequency_stats(RawComputed(store), policy)).sort("period")
        assert_frame_equal(kept, raw)
        assert kept["over_limit"].sum() > 0 or policy.max_surveys > 1  # a small demo
    assert fatigue._kept_counts(store, "month") is not None
    assert fatigue._kept_counts(store, "week") is None


@pytest.mark.parametrize("scope", [("region", "North"), ("survey_type", "transactional")])
def test_a_scoped_reader_sees_the_answers_of_its_scope(
    states: dict[str, Path], scope: tuple[str, str]
) -> None:
    store = connect(str(states["rewritten_surveys"]), read_only=True)
    dim, value = scope
    scoped = access.bind(store, access.Actor("n@x.org", "executive", ((dim, (value,)),)))
    kept = scoped.answers()
    assert kept is not None
    joined = queries.answers_of(scoped.table("surveys"), scoped.table("calls"), ("prior_7d",))
    a = scoped.read(joined).sort("response_id")
    b = scoped.read(kept).sort("response_id")
    assert_frame_equal(a, b.select(a.columns))
    assert 0 < a.height < store.read(store.table("surveys").count().as_table()).item()
    store.close()


_VALUES: dict[str, dict[str, list[str]]] = {}


def _values(store: Store) -> dict[str, list[str]]:
    if store.path in _VALUES:
        return _VALUES[store.path]
    out = {}
    for dim in (*DIMENSIONS, "survey_type"):
        table = "surveys" if dim == "survey_type" else "calls"
        out[dim] = store.sql(
            f"select distinct {dim} v from {table} where {dim} is not null order by 1"
        )["v"].to_list()
    _VALUES[store.path] = out
    return out


@st.composite
def queries_(draw: st.DrawFn, values: dict[str, list[str]]) -> tuple[Filters, str, str]:
    chosen = {}
    for dim in draw(st.lists(st.sampled_from(sorted(values)), max_size=3, unique=True)):
        picked = draw(st.lists(st.sampled_from(values[dim][:6]), min_size=1, max_size=2))
        chosen[dim] = tuple(dict.fromkeys(picked))
    start = END - dt.timedelta(days=draw(st.integers(0, 700)))
    end = min(start + dt.timedelta(days=draw(st.integers(0, 120))), END + dt.timedelta(days=12))
    compare = draw(st.sampled_from(("previous", "year")))
    f = Filters(start=start, end=end, compare=compare, **chosen)
    return f, draw(st.sampled_from(("day", "week", "month"))), draw(st.sampled_from(DIMENSIONS))


def _same(read: Callable[[object], pl.DataFrame], readers: list[object], keys: list[str]) -> None:
    first = read(readers[0]).sort(keys, nulls_last=True)
    for other in readers[1:]:
        assert_frame_equal(first, read(other).sort(keys, nulls_last=True), rel_tol=1e-12, abs_tol=0)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_rollup_reads_equal_raw_reads(store: Store, data: st.DataObject) -> None:
    readers: list[object] = [store, RawDerived(store), RawComputed(store)]
    f, grain, dim = data.draw(queries_(_values(store)))
    for s in ("calls", "surveys"):
        _same(lambda r, s=s: overview.window_stats(r, f, s), readers, ["window"])  # type: ignore[misc]
        _same(lambda r, s=s: overview.trend_stats(r, f, s, grain), readers, ["period"])  # type: ignore[misc]
        _same(lambda r, s=s: overview.breakdown_stats(r, f, s, dim), readers, [dim])  # type: ignore[misc]


def test_the_read_path_takes_the_rollup_only_when_it_answers_exactly(store: Store) -> None:
    on = Filters(start=END - dt.timedelta(days=30), end=END, region=("North",))
    assert queries.rolled(queries.facts(store, "calls", on))
    assert queries.rolled(queries.facts(store, "surveys", on, ("queue",)))
    assert not queries.rolled(queries.facts(store, "calls", on, ("agent_id",)))  # region x agent
    team = Filters(team=("T1",))
    assert queries.rolled(queries.facts(store, "surveys", team, ("team", "agent_id")))
    assert not queries.rolled(queries.facts(store, "calls", replace(team, queue=("Q",))))
    assert not queries.rolled(queries.facts(store, "calls"))  # no filters: raw rows


def test_a_scoped_reader_counts_the_repeat_calls_it_cannot_see(states: dict[str, Path]) -> None:
    """FCR of a North user = the whole center's filtered to North (a repeat call in
    another region still makes the North call a repeat), through the rollup and, for a
    team scope, through the raw rows."""
    store = connect(str(states["new_calls"]), read_only=True)
    f = Filters(start=END - dt.timedelta(days=90), end=END)
    team = store.sql("select min(team) t from calls")["t"][0]
    for dim, value in (("region", "North"), ("team", team)):
        scoped = access.bind(store, access.Actor("n@x.org", "executive", ((dim, (value,)),)))
        assert (scoped.rollup(DAY, "calls") is not None) == (dim == "region")
        assert queries.rolled(queries.facts(scoped, "calls", f))  # the agent rollup for a team
        mine = overview.window_stats(scoped, f, "calls")
        everyone = overview.window_stats(
            store, Filters(start=f.start, end=f.end, **{dim: (value,)}), "calls"
        )
        assert_frame_equal(mine.sort("window"), everyone.sort("window"))
        assert mine["n_fcr"].sum() > 0
    store.close()


def test_the_migration_builds_the_rollups_for_a_store_that_has_data(tmp_path: Path) -> None:
    path = str(tmp_path / "v12.duckdb")
    con = duckdb.connect(path)
    migrate(con, target=12)
    con.close()
    old = connect(":memory:")  # rows in the shape the tests insert them
    rows_c = [call(i, dt.datetime(2026, 3, 1 + i % 20, 9), region="North" if i % 2 else "South",
                   customer_id=f"K{i % 7}", resolved=i % 3 > 0) for i in range(40)]  # fmt: skip
    rows_s = [survey(i, dt.datetime(2026, 3, 1 + i % 20, 10), call_id=f"C{i}", nps=i % 11)
              for i in range(0, 40, 2)]  # fmt: skip
    insert(old, "calls", rows_c)
    insert(old, "surveys", rows_s)
    con = duckdb.connect(path)
    for table in ("calls", "surveys"):
        frame = old.sql(f"select * from {table}")
        later = ("repeat_7d", "prior_7d", "surveyed", "survey_version")  # versions 13, 14
        keep = [c for c in frame.columns if c not in later]
        con.register("incoming", frame.select(keep).to_arrow())
        con.execute(f"insert into {table} by name select * from incoming")
        con.unregister("incoming")
    con.close()
    store = connect(path)
    assert store.schema_version() >= 13 and store.rollup(DAY, "calls") is not None
    f = Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    for source in ("calls", "surveys"):
        a = overview.window_stats(store, f, source)  # type: ignore[arg-type]
        b = overview.window_stats(RawComputed(store), f, source)  # type: ignore[arg-type]
        assert_frame_equal(a.sort("window"), b.sort("window"))
    assert store.sql("select sum(n_calls) n from rollup_calls_day")["n"][0] == 40
    # version 15: the answers with their call, for the 20 answers already there
    kept = store.sql("select count(*) n, count(region) linked from answers").row(0)
    assert store.schema_version() >= 15 and kept == (20, 20)
    # version 16: a call written without its flags starts with them false
    store.con.execute("insert into calls (call_id, started_at) values ('new', '2026-03-02')")
    flags = store.sql("select repeat_7d, prior_7d, surveyed from calls where call_id = 'new'")
    assert flags.row(0) == (False, False, False)
    store.close()


def test_a_direct_write_without_a_rebuild_falls_back_to_the_raw_rows(empty_store: Store) -> None:
    insert(empty_store, "calls", [call(1, dt.datetime(2026, 1, 5, 9), customer_id="K")])
    assert empty_store.rollup(DAY, "calls") is not None
    empty_store.sql(
        "insert into calls (call_id, started_at, customer_id) values ('C2', '2026-01-06', 'K')"
    )
    assert empty_store.derived() is None and empty_store.rollup(DAY, "calls") is None
    rollups.rebuild(empty_store.write_cursor())
    repeat = empty_store.sql("select repeat_7d from calls where call_id = 'C1'")["repeat_7d"][0]
    assert repeat is True and empty_store.rollup(DAY, "calls") is not None


def test_the_drivers_read_the_kept_prior_contact_flag_with_the_same_result(store: Store) -> None:
    """The drivers' "called in the 7 days before" (kept at load) gives the same cells as
    the correlated lookup over the calls that the drivers page used to run."""
    from analytics.drivers import cells

    f = Filters(start=END - dt.timedelta(days=180), end=END)
    kept = cells.cells(store, f)
    computed = cells.cells(RawComputed(store), f)
    assert_frame_equal(kept, computed)
    assert kept.filter(pl.col("repeat") == 1).height > 0


def test_the_pages_that_read_answers_give_the_joins_result(store: Store) -> None:
    """Bias cells, polarisation, answers per survey type, comments with their call and
    scores per survey channel: the same from the kept answers as from the join."""
    from analytics import survey_channels
    from analytics.feedback import text
    from analytics.review import bias

    whole = Filters(start=END - dt.timedelta(days=180), end=END)
    north = replace(whole, region=("North",))
    raw = RawComputed(store)
    for f in (whole, north):
        _same(lambda r, f=f: bias.cell_stats(r, f), [store, raw], list(bias.CELL))  # type: ignore[misc]
        _same(lambda r, f=f: bias.polarisation(r, f), [store, raw], ["band"])  # type: ignore[misc]
        for linked in (False, True):
            assert overview.survey_types(store, f, linked) == overview.survey_types(raw, f, linked)
        _same(
            lambda r, f=f: r.read(text.comment_facts(r, f, with_calls=True)),  # type: ignore[attr-defined]
            [store, raw],
            ["response_id"],
        )
        _same(
            lambda r, f=f: survey_channels.by_channel(r, f, "nps"), [store, raw], ["survey_channel"]
        )  # type: ignore[misc]
    assert bias.cell_stats(store, north)["n_nps"].sum() > 0
    # the data's first and last day, from the day rollups
    assert overview.data_range(store) == overview.data_range(raw) is not None


def _rollup_rows(store: Store) -> dict[str, pl.DataFrame]:
    out = {}
    for rollup in rollups.ROLLUPS:
        for source in ("calls", "surveys"):
            frame = store.sql(f"select * from {rollup.table(source)}")
            out[rollup.table(source)] = frame.sort(frame.columns, nulls_last=True)
    return out


def test_loads_that_move_the_horizon_reuse_one_compiled_refresh(states: dict[str, Path],
                                                                 tmp_path: Path) -> None:  # fmt: skip
    """Each refresh runs statements compiled once per process, the FCR horizon bound
    when they run: two loads in a row that each move the horizon and turn older calls
    of the same customers into repeats leave the rollups a rebuild from scratch gives
    (the rebuild compiles with the horizon written in)."""
    path = tmp_path / "s.duckdb"
    shutil.copy(states["demo"], path)
    store = connect(str(path))
    compiled = None
    for step in (1, 2):
        horizon = store.derived()
        assert horizon is not None
        _load(store, _csv(store, f"""
            select 'H{step}' || call_id as call_id, started_at + interval 3 day as started_at,
                   channel, queue, region, product, segment, agent_id, team, customer_id,
                   wait_s, duration_s, hold_s, transfers, resolved, abandoned, escalated
            from calls where started_at >= (select max(started_at) from calls) - interval 1 day
            """, tmp_path / f"later{step}.csv"), "calls")  # fmt: skip
        moved = store.derived()
        assert moved is not None and moved.horizon > horizon.horizon  # type: ignore[operator]
        kept = _rollup_rows(store)
        repeats = store.sql("select count(*) n from calls where repeat_7d")["n"][0]
        with store.transaction() as cur:
            rollups.rebuild(cur)
        for name, frame in _rollup_rows(store).items():
            assert_frame_equal(kept[name], frame, rel_tol=1e-12, abs_tol=0)
        assert store.sql("select count(*) n from calls where repeat_7d")["n"][0] == repeats
        if compiled is not None:
            assert len(kept_sql.COMPILED) == compiled  # the second load compiled nothing
        compiled = len(kept_sql.COMPILED)
    store.close()


def test_a_new_store_builds_its_kept_tables_without_compiling_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connect(":memory:").close()  # the first store of the process compiles
    compiles: list[str] = []
    compile_ = kept_sql.sql
    monkeypatch.setattr(kept_sql, "sql", lambda expr: compiles.append("x") or compile_(expr))
    store = connect(":memory:")  # a test's fixture, the demo, a first load's new store
    assert compiles == []
    assert store.sql("select count(*) n from rollup_calls_agent_day")["n"][0] == 0
    assert store.rollup(DAY, "surveys") is not None  # built, and current
    store.close()


def test_filter_options_from_the_rollups_are_the_tables_values(store: Store) -> None:
    raw = RawDerived(store)  # no rollup: the distinct values of the table
    team = overview.dimension_values(raw, "team")[:2]
    for dim in (*DIMENSIONS, "survey_type"):
        assert overview.dimension_values(store, dim) == overview.dimension_values(raw, dim)
    within = (("team", tuple(team)),)
    agents = overview.dimension_values(store, "agent_id", within)
    assert agents and agents == overview.dimension_values(raw, "agent_id", within)
