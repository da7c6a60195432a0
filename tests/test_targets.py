"""Targets per KPI (issue 14): checks, the store, which target holds, the gap, and
their display on tiles, trends and breakdowns."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from analytics import charts, metrics, overview, targets
from analytics.metrics import EMPTY, Estimate
from analytics.queries import Filters
from analytics.settings import Invalid
from analytics.store import Store
from analytics.targets import Target

JAN, APR, JUL = dt.date(2026, 1, 1), dt.date(2026, 4, 1), dt.date(2026, 7, 1)


# -- checks --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "key"),
    [
        (Target("happiness", 50, JAN), "targets.error.kpi"),
        (Target("nps", 50, JAN, "planet", "Mars"), "targets.error.dimension"),
        (Target("nps", 50, JAN, "region"), "targets.error.segment_missing"),
        (Target("nps", 50, JAN, "region", "   "), "targets.error.segment_missing"),
        (Target("nps", 50, JAN, None, "North"), "targets.error.segment_alone"),
        (Target("aht", 300, JAN, "survey_type", "relational"), "targets.error.not_applied"),
        (Target("nps", math.nan, JAN), "targets.error.number"),
        (Target("nps", math.inf, JAN), "targets.error.number"),
        (Target("nps", 100.5, JAN), "targets.error.range.points"),
        (Target("nps", -101, JAN), "targets.error.range.points"),
        (Target("csat", 0.85 - 1, JAN), "targets.error.range.percent"),  # a share, not %
        (Target("csat", 101, JAN), "targets.error.range.percent"),
        (Target("asa", -1, JAN), "targets.error.range.seconds"),
        (Target("aht", 4 * 3600 + 1, JAN), "targets.error.range.seconds"),
        (Target("csat_mean", 5.5, JAN), "targets.error.range.score"),  # a 1-5 scale
        (Target("ces", 0.5, JAN), "targets.error.range.score"),
        (Target("ces", 7.5, JAN), "targets.error.range.score"),
    ],
)
def test_a_wrong_target_is_refused_with_its_reason(target: Target, key: str) -> None:
    with pytest.raises(Invalid) as caught:
        targets.check(target)
    assert caught.value.key == key
    assert isinstance(caught.value, ValueError)  # callers that catch ValueError still do


def test_the_reason_reads_in_both_languages() -> None:
    with pytest.raises(Invalid) as caught:
        targets.check(Target("csat_mean", 6, JAN))
    assert caught.value.text("en") == (
        "This score's target is between 1 and 5, the ends of its scale."
    )
    assert caught.value.text("es") == (
        "El objetivo de esta puntuación está entre 1 y 5, los extremos de su escala."
    )
    assert str(caught.value) == caught.value.text("en")  # logs and the command line


def test_a_good_target_is_tidied() -> None:
    checked = targets.check(Target("ces", 7, JAN, "region", " North "))
    assert checked == Target("ces", 7.0, JAN, "region", "North")
    assert targets.check(Target("nps", -100, JAN, "", "")) == Target("nps", -100.0, JAN)


# -- the store -----------------------------------------------------------------------------------


def test_targets_are_saved_edited_and_deleted(empty_store: Store) -> None:
    center = targets.save(empty_store, Target("nps", 30, JAN), by="ana")
    north = targets.save(empty_store, Target("nps", 35, JAN, "region", "North"))
    later = targets.save(empty_store, Target("nps", 32, APR))
    assert center.target_id is not None and north.target_id is not None
    assert targets.read(empty_store) == [center, later, north]  # center first, by date
    version = targets.version(empty_store)

    edited = targets.save(empty_store, Target("nps", 40, JAN, "region", "North", north.target_id))
    assert edited.target_id == north.target_id
    assert targets.read(empty_store)[-1].target == 40.0
    assert targets.version(empty_store) != version

    targets.delete(empty_store, later.target_id)  # type: ignore[arg-type]
    assert targets.read(empty_store) == [center, edited]
    with pytest.raises(KeyError):
        targets.delete(empty_store, 999)
    with pytest.raises(KeyError):
        targets.save(empty_store, Target("nps", 1, JUL, target_id=999))


def test_a_second_target_for_the_same_scope_and_date_is_refused(empty_store: Store) -> None:
    first = targets.save(empty_store, Target("nps", 30, JAN, "region", "North"))
    with pytest.raises(Invalid, match="already has a target"):
        targets.save(empty_store, Target("nps", 31, JAN, "region", "North"))
    center = targets.save(empty_store, Target("nps", 30, JAN))
    with pytest.raises(Invalid):
        targets.save(empty_store, Target("nps", 31, JAN))  # the center's (null scope) too
    with pytest.raises(Invalid):  # editing another one into the same slot
        targets.save(empty_store, Target("nps", 31, JAN, "region", "North", center.target_id))
    assert targets.save(empty_store, Target("nps", 33, JAN, "region", "North", first.target_id))
    assert [t.target for t in targets.read(empty_store)] == [30.0, 33.0]


def test_a_stored_row_past_the_checks_is_left_out(empty_store: Store) -> None:
    targets.save(empty_store, Target("nps", 30, JAN))
    empty_store.cursor().execute(
        "insert into targets (kpi, target, valid_from) values ('nps', 500, ?), ('gone', 1, ?)",
        [JAN, JAN],
    )
    assert [t.target for t in targets.read(empty_store)] == [30.0]


# -- which target holds --------------------------------------------------------------------------

HELD = (
    Target("nps", 30, JAN, target_id=1),
    Target("nps", 32, APR, target_id=2),
    Target("nps", 40, JAN, "region", "North", 3),
    Target("nps", 45, JAN, "team", "T1", 4),
    Target("nps", 50, APR, "agent_id", "A1", 5),
    Target("aht", 300, JAN, target_id=6),
    Target("csat", 80, JAN, "survey_type", "relational", 7),
)


@pytest.mark.parametrize(
    ("kpi", "filters", "on", "expected"),
    [
        ("nps", Filters(), dt.date(2025, 12, 31), None),  # before any target
        ("nps", Filters(), JAN, 1),
        ("nps", Filters(), dt.date(2026, 3, 31), 1),
        ("nps", Filters(), APR, 2),  # the latest start on or before the day
        ("nps", Filters(region=("North",)), JUL, 3),  # the segment's own
        ("nps", Filters(region=("South",)), JUL, 2),  # no target of its own: the center's
        ("nps", Filters(region=("North", "South")), JUL, 2),  # two regions: the center's
        ("nps", Filters(region=("North",), team=("T1",)), JUL, 4),  # the finer one
        ("nps", Filters(team=("T1",), agent_id=("A1",)), JUL, 5),
        ("nps", Filters(team=("T1",), agent_id=("A1",)), JAN, 4),  # A1's starts in April
        ("aht", Filters(region=("North",)), JUL, 6),
        ("fcr", Filters(), JUL, None),
    ],
)
def test_the_target_for_a_scope(
    kpi: str, filters: Filters, on: dt.date, expected: int | None
) -> None:
    found = targets.for_scope(HELD, kpi, filters, on)
    assert (found.target_id if found else None) == expected


def test_survey_type_does_not_pick_a_call_kpis_target() -> None:
    calls_only = (*HELD, Target("aht", 200, JAN, "survey_type", "relational", 8))
    found = targets.for_scope(calls_only, "aht", Filters(survey_type=("relational",)), JUL)
    assert found is not None and found.target_id == 6  # survey type does not filter calls
    found = targets.for_scope(HELD, "csat", Filters(survey_type=("relational",)), JUL)
    assert found is not None and found.target_id == 7


def test_a_segments_target_falls_back_to_the_centers() -> None:
    assert targets.for_segment(HELD, "nps", "region", "North", JUL).target_id == 3  # type: ignore[union-attr]
    assert targets.for_segment(HELD, "nps", "region", "East", JUL).target_id == 2  # type: ignore[union-attr]
    assert targets.for_segment(HELD, "nps", "region", None, JAN).target_id == 1  # type: ignore[union-attr]
    assert targets.for_segment(HELD, "fcr", "region", "North", JUL) is None


def test_steps_follow_the_periods_starts() -> None:
    weeks = [dt.date(2025, 12, 22), dt.date(2025, 12, 29), dt.date(2026, 3, 30), APR]
    assert targets.steps(HELD, "nps", Filters(), weeks) == [None, None, 30.0, 32.0]
    assert targets.steps(HELD, "nps", Filters(region=("North",)), weeks[2:]) == [40.0, 40.0]


# -- the gap -------------------------------------------------------------------------------------


def _estimate(value: float, low: float, high: float) -> Estimate:
    return Estimate(value, low, high, (high - low) / 4, 400)


@pytest.mark.parametrize(
    ("kpi", "estimate", "goal", "gap", "meets", "sure"),
    [
        ("nps", _estimate(38, 34, 42), 35, 3, True, False),  # the interval reaches 35
        ("nps", _estimate(38, 35, 41), 35, 3, True, True),  # low bound on target: sure
        ("nps", _estimate(30, 26, 34), 35, -5, False, True),
        ("nps", _estimate(33, 30, 36), 35, -2, False, False),
        ("nps", _estimate(35, 31, 39), 35, 0, True, False),  # exactly on target meets
        ("asa", _estimate(25, 23, 27), 20, 5, False, True),  # lower is better
        ("asa", _estimate(18, 16, 20), 20, -2, True, True),
        ("asa", _estimate(18, 15, 21), 20, -2, True, False),
        ("abandonment", _estimate(4, 3.5, 4.6), 5, -1, True, True),
    ],
)
def test_the_gap_to_target(
    kpi: str, estimate: Estimate, goal: float, gap: float, meets: bool, sure: bool
) -> None:
    target = Target(kpi, goal, JAN)
    got = targets.gap(kpi, estimate, target)
    assert got == targets.Gap(target, pytest.approx(gap), meets, sure)


def test_no_gap_without_a_value_or_a_target() -> None:
    assert targets.gap("nps", EMPTY, Target("nps", 30, JAN)) is None
    assert targets.gap("nps", _estimate(30, 25, 35), None) is None
    nan_bounds = Estimate(30.0, math.nan, math.nan, math.nan, 1)
    assert targets.gap("nps", nan_bounds, Target("nps", 20, JAN)) == targets.Gap(
        Target("nps", 20, JAN), 10.0, True, False
    )


# -- on tiles, trends and breakdowns -------------------------------------------------------------

WEEK = Filters(start=dt.date(2025, 4, 21), end=dt.date(2025, 4, 27))  # sample_store's last


def test_tiles_carry_the_target_holding_at_the_periods_end(sample_store: Store) -> None:
    held = (
        Target("nps", 10, dt.date(2025, 1, 1)),
        Target("nps", 20, dt.date(2025, 4, 27)),  # starts on the period's last day
        Target("nps", 90, dt.date(2025, 4, 28)),  # the day after: not yet
        Target("aht", 400, dt.date(2025, 1, 1), "region", "North"),
    )
    tiles = {
        t.kpi: t for t in overview.tiles(sample_store, WEEK, ("nps", "aht", "fcr"), None, held)
    }
    nps = tiles["nps"]
    assert nps.target == held[1]
    gap = nps.gap
    assert gap is not None and gap.gap == pytest.approx(nps.current.value - 20)
    assert gap.sure == (nps.current.low >= 20 if gap.meets else nps.current.high < 20)
    assert tiles["aht"].target is None and tiles["aht"].gap is None  # North's only
    north = overview.tiles(
        sample_store,
        Filters(start=WEEK.start, end=WEEK.end, region=("North",)),
        ("aht",),
        None,
        held,
    )
    assert north[0].target == held[3]
    # Without targets, as every caller before them.
    assert overview.tiles(sample_store, WEEK, ("nps",))[0].target is None


def test_a_tile_that_is_not_measured_has_no_gap(empty_store: Store) -> None:
    held = (Target("nps", 30, dt.date(2020, 1, 1)),)
    tile = overview.tiles(empty_store, WEEK, ("nps",), None, held)[0]
    assert tile.reason == "no_data" and tile.target == held[0] and tile.gap is None


def test_gap_words_in_the_kpis_unit() -> None:
    nps = targets.Gap(Target("nps", 35, JAN), -3.24, False, True)
    assert targets.gap_text("nps", nps, "en") == "Target 35 · -3.2"
    assert targets.gap_text("nps", nps, "es") == "Objetivo 35 · -3,2"
    csat = targets.Gap(Target("csat", 85, JAN), 1.5, True, False)
    assert targets.gap_text("csat", csat, "en") == "Target 85% · +1.5 pp"
    assert targets.gap_text("csat", csat, "es") == "Objetivo 85 % · +1,5 p.p."
    aht = targets.Gap(Target("aht", 400, JAN), 157.0, False, True)
    assert targets.gap_text("aht", aht, "es") == "Objetivo 6:40 · +2:37"
    asa = targets.Gap(Target("asa", 20, JAN), 0.0, True, False)
    assert targets.gap_text("asa", asa, "es") == "Objetivo 0:20 · en el objetivo"
    ces = targets.Gap(Target("ces", 5.5, JAN), 0.19, True, False)
    assert targets.gap_text("ces", ces, "en") == "Target 5.50 · +0.19"
    north = targets.Gap(Target("nps", 35.5, JAN, "region", "North"), -3.2, False, True)
    assert targets.help_text("nps", north, "en") == (
        "**Target**: 35.5 (Region: North), from 1 Jan 2026. The value is 3.2 below it."
        " The whole 95% interval is on the wrong side of the target: it is missed"
        " (shown in red)."
    )
    assert targets.help_text("nps", None, "en") == ""


def test_the_trend_draws_the_target_as_a_dashed_step_line() -> None:
    periods = [dt.date(2026, 3, 16), dt.date(2026, 3, 23), dt.date(2026, 3, 30), APR]
    frame = pl.DataFrame(
        {
            "period": periods,
            "value": [30.0, 31.0, math.nan, 33.0],
            "low": [25.0, 26.0, math.nan, 28.0],
            "high": [35.0, 36.0, math.nan, 38.0],
            "n": [100, 100, 0, 100],
            "low_sample": [False, False, True, False],
            "partial": [False] * 4,
        }
    )
    fig = charts.trend(frame, "NPS", "es", "week", target=[None, 30.0, 30.0, 32.0])
    line = next(tr for tr in fig.data if tr.name == "Objetivo")
    assert line.line.dash == "dash"
    assert list(line.x) == [periods[1], periods[2], periods[2], periods[3], periods[3]]
    assert list(line.y) == [30.0, 30.0, 30.0, 30.0, 32.0]  # flat, then a step up at April
    assert [tr.name for tr in charts.trend(frame, "NPS", "en", "week").data] == [
        "95% CI",
        "NPS",
    ]  # no targets, no line
    no_target = charts.trend(frame, "NPS", "en", "week", target=[None] * 4)
    assert len(no_target.data) == 2


def test_steps_break_where_there_is_no_target() -> None:
    xs, ys = charts.target_steps([1, 2, 3, 4], [10.0, None, 20.0, 20.0])
    assert (xs, ys) == ([1, 2, 2, 3, 4, 4], [10.0, 10.0, None, 20.0, 20.0, 20.0])


def test_breakdown_bars_are_coloured_against_their_segments_target(sample_store: Store) -> None:
    table = overview.breakdown(sample_store, WEEK, "nps", "region")
    east = table.filter(pl.col("region") == "East").row(0, named=True)
    held = (
        Target("nps", -100, JAN, "region", "North"),  # North meets it, surely
        Target("nps", 100, JAN, "region", "South"),  # South misses it, surely
        Target("nps", east["value"] + 1, JAN, "region", "East"),  # inside East's interval
    )
    scored = targets.against(table, "nps", "region", held, dt.date(2026, 6, 1))
    rows = {r["region"]: r for r in scored.iter_rows(named=True)}
    north, south, east = rows["North"], rows["South"], rows["East"]
    assert (north["target"], north["target_segment"], north["meets"], north["sure"]) == (
        -100.0,
        "North",
        True,
        True,
    )
    assert (south["meets"], south["sure"]) == (False, True)
    assert south["gap"] == pytest.approx(south["value"] - 100)
    assert (east["meets"], east["sure"]) == (False, False)
    fig = charts.breakdown(scored, "region", "NPS", "en", against_target=True)
    bars = {tr.name: list(tr.y) for tr in fig.data if tr.type == "bar"}
    assert bars == {
        "Meets its target": ["North"],
        "Misses its target": ["South"],
        "Target within the 95% interval": ["East"],
    }
    colours = {tr.name: tr.marker.color[0] for tr in fig.data if tr.type == "bar"}
    assert colours["Meets its target"] == charts.MEETS
    assert colours["Misses its target"] == charts.MISSES
    assert colours["Target within the 95% interval"] == charts.GREY
    marks = next(tr for tr in fig.data if tr.type == "scatter")
    assert marks.name == "Target" and sorted(marks.x) == sorted(t.target for t in held)
    order = list(fig.layout.yaxis.categoryarray)
    assert order == list(reversed(scored["region"].to_list()))  # best at the top, as before
    # A segment without a target of its own is held against the whole center's.
    center = targets.against(table, "nps", "region", (Target("nps", 0, JAN),), JUL)
    assert center["target"].to_list() == [0.0] * 3
    assert center["target_segment"].to_list() == [None] * 3
    none = targets.against(table, "nps", "region", (), JUL)
    fig = charts.breakdown(none, "region", "NPS", "es", against_target=True)
    assert [tr.name for tr in fig.data] == ["Sin objetivo"]
    # Without targets: one trace, as before.
    assert len(charts.breakdown(table, "region", "NPS", "en").data) == 1


def test_the_estimates_compared_are_the_tiles(sample_store: Store) -> None:
    """One truth: the gap uses the tile's own estimate (recomputed here by hand)."""
    rows = sample_store.sql(
        "select nps from surveys where responded_at >= ? and responded_at < ? and nps is not null",
        [dt.datetime(2025, 4, 21), dt.datetime(2025, 4, 28)],
    )["nps"].to_list()
    expected = metrics.nps(rows)
    held = (Target("nps", 0, dt.date(2025, 1, 1)),)
    tile = overview.tiles(sample_store, WEEK, ("nps",), None, held)[0]
    assert tile.current.value == pytest.approx(expected.value)
    assert tile.gap is not None and tile.gap.gap == pytest.approx(expected.value)
