"""The read path: Ibis aggregates + inference equal an independent polars computation."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest

from analytics import kpis, metrics, overview, queries, rollups
from analytics.queries import Filters
from analytics.store import Store


@pytest.fixture
def store(sample_store: Store) -> Store:
    """600 random calls and their surveys (tests/conftest.py; the Spark parity test reads
    the same rows)."""
    return sample_store


def raw(store: Store, table: str) -> pl.DataFrame:
    return store.sql(f"select * from {table}")


def expected_call_kpis(c: pl.DataFrame, s: pl.DataFrame) -> dict[str, float]:
    """Each KPI computed directly from raw rows, by its definition (analytics/kpis.py)."""
    c = c.sort("customer_id", "started_at", "call_id").with_columns(
        next_at=pl.col("started_at").shift(-1).over("customer_id")
    )
    last = c["started_at"].max()
    repeat = pl.col("next_at").is_not_null() & (
        pl.col("next_at") <= pl.col("started_at") + pl.duration(days=7)
    )
    ans = c.filter(~pl.col("abandoned"))
    elig = ans.filter(pl.col("started_at") <= last - dt.timedelta(days=7))
    surveyed = set(s.filter(pl.col("survey_type") == "transactional")["call_id"].drop_nulls())
    return {
        "resolution": 100 * ans["resolved"].mean(),
        "fcr": 100 * elig.select((pl.col("resolved") & ~repeat).mean()).item(),
        "aht": ans["duration_s"].mean(),
        "asa": ans["wait_s"].mean(),
        "abandonment": 100 * c["abandoned"].mean(),
        "service_level": 100
        * c.select((~pl.col("abandoned") & (pl.col("wait_s") <= 20)).mean()).item(),
        "transfer_rate": 100 * (ans["transfers"] > 0).mean(),
        "response_rate": 100 * ans["call_id"].is_in(list(surveyed)).mean(),
    }


@pytest.mark.parametrize(
    "key",
    ["resolution", "fcr", "aht", "asa", "abandonment", "service_level", "transfer_rate",
     "response_rate"],
)  # fmt: skip
def test_whole_period_kpis_match_raw_computation(store: Store, key: str) -> None:
    est = kpis.estimates(
        store.read(queries.call_stats(overview.facts(store, "calls"))),
        tuple(k for k in kpis.BY_KEY if kpis.get(k).source == "calls"),
    )
    got = dict(zip(est["kpi"], est["value"], strict=True))
    expected = expected_call_kpis(raw(store, "calls"), raw(store, "surveys"))
    assert got[key] == pytest.approx(expected[key])


def test_survey_kpis_match_metric_functions_on_raw_scores(store: Store) -> None:
    s = raw(store, "surveys")
    stats = store.read(queries.survey_stats(overview.facts(store, "surveys")))
    row = stats.row(0, named=True)
    assert kpis.get("nps").estimate(row) == metrics.nps(s["nps"].to_list())
    assert kpis.get("csat").estimate(row) == metrics.csat(s["csat"].drop_nulls().to_list())
    assert kpis.get("ces").estimate(row).value == pytest.approx(
        metrics.ces(s["ces"].drop_nulls().to_list()).value
    )


def test_tiles_compare_equal_windows(store: Store) -> None:
    f = Filters(start=dt.date(2025, 4, 2), end=dt.date(2025, 4, 15))  # not a calendar unit
    prev = f.previous()
    assert (prev.start, prev.end) == (dt.date(2025, 3, 19), dt.date(2025, 4, 1))
    tile = overview.tiles(store, f, ("nps",))[0]
    s = raw(store, "surveys")
    in_window = s.filter(pl.col("responded_at").dt.date().is_between(f.start, f.end))
    in_prev = s.filter(pl.col("responded_at").dt.date().is_between(prev.start, prev.end))
    assert tile.current == metrics.nps(in_window["nps"].to_list())
    assert tile.previous == metrics.nps(in_prev["nps"].to_list())
    assert tile.change.estimate == pytest.approx(tile.current.value - tile.previous.value)


def test_dimension_filters_restrict_calls_and_surveys(store: Store) -> None:
    f = Filters(region=("South",), queue=("tech",))
    tile = overview.tiles(
        store,
        replace(f, start=dt.date(2025, 3, 3), end=dt.date(2025, 4, 27)),
        ("nps", "resolution"),
    )
    c = raw(store, "calls").filter((pl.col("region") == "South") & (pl.col("queue") == "tech"))
    s = raw(store, "surveys").filter(pl.col("call_id").is_in(c["call_id"].to_list()))
    assert tile[0].current == metrics.nps(s["nps"].to_list())
    answered = c.filter(~pl.col("abandoned"))
    assert tile[1].current.value == pytest.approx(100 * answered["resolved"].mean())


def test_breakdown_sorted_best_first_and_keeps_unlinked_surveys(store: Store) -> None:
    table = overview.breakdown(store, Filters(), "nps", "region")
    values = table["value"].to_list()
    assert values == sorted(values, reverse=True)
    assert None in table["region"].to_list()  # the relational survey is shown, not dropped
    assert table["n"].sum() == raw(store, "surveys").height


def test_breakdown_for_lower_is_better_kpi_sorts_ascending(store: Store) -> None:
    table = overview.breakdown(store, Filters(), "aht", "queue")
    assert table["value"].to_list() == sorted(table["value"].to_list())


def test_trend_weeks_add_up_to_the_total(store: Store) -> None:
    trend = overview.trend(store, Filters(), ("nps",), "week")
    assert trend["n"].sum() == raw(store, "surveys").height
    assert all(d.weekday() == 0 for d in trend["period"])  # ISO weeks start on Monday


def test_unknown_dimension_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown dimension"):
        overview.breakdown(store, Filters(), "nps", "region; drop table calls")


def test_empty_store_gives_empty_estimates(empty_store: Store) -> None:
    tiles = overview.tiles(
        empty_store, Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 7)), ("nps", "aht")
    )
    assert all(t.current.empty and t.change.direction == "none" for t in tiles)
    assert overview.data_range(empty_store) is None


def test_trend_marks_periods_cut_by_the_range() -> None:
    frame = pl.DataFrame(
        {"period": [dt.date(2025, 3, 3), dt.date(2025, 3, 10), dt.date(2025, 3, 17)]}
    )
    f = Filters(start=dt.date(2025, 3, 5), end=dt.date(2025, 3, 19))  # Wednesday to Wednesday
    marked = overview.mark_partial(frame, f, "week")
    assert marked["partial"].to_list() == [True, False, True]
    months = overview.mark_partial(
        pl.DataFrame({"period": [dt.date(2025, 2, 1)]}),
        Filters(start=dt.date(2025, 2, 1), end=dt.date(2025, 2, 28)),
        "month",
    )
    assert months["partial"].to_list() == [False]


@pytest.mark.parametrize(
    ("grain", "start"),
    [
        ("month", dt.date(2025, 4, 1)),  # 13 months: April 2025 to April 2026
        ("week", dt.date(2025, 11, 3)),  # 26 weeks, from a Monday
        ("day", dt.date(2026, 3, 1)),  # 56 days would start 6 March: March is compared
    ],
)
def test_the_trend_spans_a_year_of_months_or_half_a_year_of_weeks(
    grain: queries.Grain, start: dt.date
) -> None:
    """The month grain showed 3 points when the trend spanned only the period and the
    one before: it now looks back the same way whatever the period."""
    april = Filters(start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30), region=("South",))
    window = overview.trend_window(april, grain)
    assert (window.start, window.end, window.region) == (start, april.end, ("South",))
    months = (window.end.year - window.start.year) * 12 + window.end.month - window.start.month
    assert grain != "month" or months + 1 == overview.TREND_SPAN["month"]
    assert grain != "week" or (window.start.weekday(), (window.end - window.start).days) == (0, 178)


def test_a_trend_is_never_shorter_than_the_period_and_its_comparison() -> None:
    year = Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    assert overview.trend_window(year, "week").start == dt.date(2024, 1, 1)  # the year before


def test_a_missing_dimension_value_is_named_in_tables(store: Store) -> None:
    table = overview.breakdown(store, Filters(), "nps", "region")
    shown = overview.for_display(table, "en", "region")
    assert None in table["region"].to_list()
    assert "(no linked call)" in shown["region"].to_list() and None not in shown["region"]


# -- scores by survey channel, and survey-design changes between the compared periods ----


def test_scores_by_survey_channel_match_the_metric_functions_per_channel(store: Store) -> None:
    """Issue 17: each channel's NPS and CSAT, with its interval, equals the metric
    functions on that channel's raw answers; answers with no channel keep their row."""
    from analytics import survey_channels

    store.sql(
        "update surveys set survey_channel = case hash(response_id) % 3"
        " when 0 then 'ivr' when 1 then 'sms' else null end"
    )
    rollups.rebuild(store.write_cursor())  # a direct write, outside a load
    s = raw(store, "surveys")
    whole = Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    for key, metric in (("nps", metrics.nps), ("csat", metrics.csat)):
        got = survey_channels.by_channel(store, whole, key)
        assert set(got["survey_channel"].to_list()) == {"ivr", "sms", None}
        for r in got.iter_rows(named=True):
            mine = s.filter(
                pl.col("survey_channel").is_null()
                if r["survey_channel"] is None
                else pl.col("survey_channel") == r["survey_channel"]
            )
            want = metric(mine[key].drop_nulls().to_list())
            assert (r["value"], r["low"], r["high"], r["n"]) == pytest.approx(
                (want.value, want.low, want.high, want.n)
            )
    with pytest.raises(ValueError, match="not a survey KPI"):
        survey_channels.by_channel(store, whole, "aht")


def test_a_survey_design_change_between_the_periods_is_named() -> None:
    from analytics import survey_channels

    changes = pl.DataFrame(
        {
            "change_id": [1, 2, 3],
            "name": ["Keypad", "Menu", "Old scale"],
            "started_on": [dt.date(2026, 3, 9), dt.date(2026, 3, 9), dt.date(2026, 1, 5)],
            "kind": ["survey_design", "process", "survey_design"],
            "instruments": [["ivr"], None, ["sms"]],
        }
    )
    start, end = dt.date(2026, 2, 1), dt.date(2026, 3, 31)  # February compared with March
    found = survey_channels.coinciding(changes, start, end, ("csat", "aht"))
    assert [(c.name, c.instruments, c.kpis) for c in found] == [("Keypad", ("ivr",), ("csat",))]
    assert survey_channels.coinciding(changes, start, end, ("aht",)) == []  # no survey KPI moved
    # A change on the comparison period's first day is before both periods' answers.
    assert survey_channels.coinciding(changes, dt.date(2026, 3, 9), end, ("csat",)) == []
