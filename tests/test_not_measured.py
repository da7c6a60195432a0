"""Missing is not zero: a KPI whose input was not captured is "not measured", with a
reason, on every surface (estimates, tiles, trend, breakdown, change analysis and its
report, the overview page), and a partly captured input is a rate over the known rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analytics import charts, i18n, kpis, metrics, overview, queries
from analytics.changes import analysis as ca
from analytics.changes import registry, report, summary
from analytics.changes.registry import Change
from analytics.drivers import cells as dc
from analytics.queries import Filters
from analytics.review import bias
from analytics.store import Store, connect
from tests.apptest import AppDb, open_app
from tests.conftest import call, insert, linked_surveys, no_flag_calls, survey

T0 = dt.datetime(2025, 3, 3, 9)  # a Monday
CALL_KPIS = tuple(k for k in kpis.BY_KEY if kpis.get(k).source == "calls")
UNCAPTURED = ("resolution", "fcr", "abandonment", "service_level", "transfer_rate")
WINDOW = Filters(start=dt.date(2025, 3, 31), end=dt.date(2025, 4, 13))


def _store(tmp_path: Path, calls: list[dict[str, Any]], surveys: list[dict[str, Any]]) -> Store:
    store = connect(str(tmp_path / "pulso.duckdb"))
    insert(store, "calls", calls)
    if surveys:
        insert(store, "surveys", surveys)
    return store


@pytest.fixture(scope="module")
def no_flags(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Shared by the module's tests: only read."""
    calls = no_flag_calls(600)
    store = _store(tmp_path_factory.mktemp("no_flags"), calls, linked_surveys(calls))
    yield store
    store.close()


def _call_estimates(store: Store, by: tuple[str, ...] = ()) -> pl.DataFrame:
    stats = store.read(queries.call_stats(overview.facts(store, "calls"), by))
    return kpis.estimates(stats, CALL_KPIS, by)


def _by_kpi(estimates: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["kpi"]: r for r in estimates.iter_rows(named=True)}


# -- not captured at all ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def no_flag_estimates(no_flags: Store) -> dict[str, dict[str, Any]]:
    return _by_kpi(_call_estimates(no_flags))


@pytest.mark.parametrize("key", UNCAPTURED)
def test_estimates_without_the_inputs_are_nan_with_a_reason_not_zero(
    no_flag_estimates: dict[str, dict[str, Any]], key: str
) -> None:
    est = no_flag_estimates[key]
    assert math.isnan(est["value"]) and est["n"] == 0
    assert est["reason"] == "not_captured"


@pytest.mark.parametrize("key", ["aht", "asa", "response_rate"])
def test_estimates_whose_inputs_are_there_are_measured(
    no_flag_estimates: dict[str, dict[str, Any]], key: str
) -> None:
    assert no_flag_estimates[key]["reason"] is None and no_flag_estimates[key]["n"] == 600


def test_handle_time_is_measured_without_the_flags(
    no_flag_estimates: dict[str, dict[str, Any]],
) -> None:
    assert no_flag_estimates["aht"]["value"] == pytest.approx(300.0)


@pytest.fixture(scope="module")
def no_flag_tiles(no_flags: Store) -> dict[str, overview.Tile]:
    return {t.kpi: t for t in overview.tiles(no_flags, WINDOW, tuple(kpis.BY_KEY))}


@pytest.mark.parametrize("key", UNCAPTURED)
def test_tiles_say_not_captured_and_claim_no_change(
    no_flag_tiles: dict[str, overview.Tile], key: str
) -> None:
    tile = no_flag_tiles[key]
    assert tile.reason == tile.previous_reason == "not_captured"
    assert not tile.measured and tile.current.empty and math.isnan(tile.current.value)
    assert tile.change.direction == "none" and math.isnan(tile.change.estimate)
    assert tile.better is None


def test_tiles_with_their_inputs_are_measured(no_flag_tiles: dict[str, overview.Tile]) -> None:
    assert no_flag_tiles["nps"].measured and no_flag_tiles["aht"].measured
    assert no_flag_tiles["ces"].reason == "not_captured"  # responses, none with a CES answer


def test_trend_keeps_not_measured_periods_as_gaps(no_flags: Store) -> None:
    trend = overview.trend(no_flags, Filters(start=dt.date(2025, 3, 3), end=dt.date(2025, 4, 27)),
                           ("abandonment", "aht"), "week")  # fmt: skip
    abandonment = trend.filter(pl.col("kpi") == "abandonment")
    assert abandonment.height == 8
    assert abandonment["value"].is_nan().all() and (abandonment["n"] == 0).all()
    assert set(abandonment["reason"]) == {"not_captured"}
    assert overview.not_measured(abandonment) == "not_captured"
    aht = trend.filter(pl.col("kpi") == "aht")
    assert overview.not_measured(aht) is None and aht["reason"].is_null().all()


def test_breakdown_keeps_groups_that_are_not_measured(no_flags: Store) -> None:
    table = overview.breakdown(no_flags, Filters(), "service_level", "region")
    assert sorted(table["region"]) == ["East", "North", "South"]
    assert table["value"].is_nan().all() and set(table["reason"]) == {"not_captured"}
    assert overview.not_measured(table) == "not_captured"
    shown = overview.for_display(table, "es")
    assert shown["value"].is_null().all()  # an empty cell, not "NaN" or 0
    assert shown["note"][0] == (
        "No medido. Ninguna columna indica si una llamada fue atendida o abandonada, "
        "o cuánto esperó el cliente."
    )
    assert charts.breakdown(table, "region", "SL", "en").data[0].x == ()  # no bar of nothing


def test_a_breakdown_lists_measured_groups_first(tmp_path: Path) -> None:
    calls = [
        *no_flag_calls(90),  # North, South, East: no flags
        *(call(1000 + i, T0 + dt.timedelta(hours=i), region="West", abandoned=i % 4 == 0)
          for i in range(40)),
    ]  # fmt: skip
    store = _store(tmp_path, calls, [])
    table = overview.breakdown(store, Filters(), "abandonment", "region")
    assert table["region"].to_list() == ["West", "East", "North", "South"]
    assert table["value"][0] == pytest.approx(25.0)
    assert table["reason"].to_list() == [None, *["not_captured"] * 3]
    assert overview.not_measured(table) is None
    store.close()


# -- the other reasons ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def abandoned_then_recent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """50 abandoned calls from T0, then 48 answered ones 30 days later (only read)."""
    abandoned = [call(i, T0 + dt.timedelta(hours=i), abandoned=True) for i in range(50)]
    recent = [call(100 + i, T0 + dt.timedelta(days=30, hours=i)) for i in range(48)]
    store = _store(tmp_path_factory.mktemp("abandoned"), abandoned + recent, [])
    yield store
    store.close()


@pytest.fixture(scope="module")
def all_abandoned_tiles(abandoned_then_recent: Store) -> dict[str, overview.Tile]:
    window = Filters(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 5))
    return {t.kpi: t for t in overview.tiles(abandoned_then_recent, window, CALL_KPIS)}


@pytest.mark.parametrize(
    "key", ["resolution", "fcr", "aht", "asa", "transfer_rate", "response_rate"]
)
def test_a_rate_of_answered_calls_is_not_measured_when_all_were_abandoned(
    all_abandoned_tiles: dict[str, overview.Tile], key: str
) -> None:
    assert all_abandoned_tiles[key].reason == "all_abandoned"


def test_no_data_all_abandoned_and_too_recent_are_told_apart(
    abandoned_then_recent: Store, all_abandoned_tiles: dict[str, overview.Tile]
) -> None:
    abandonment = all_abandoned_tiles["abandonment"]
    assert abandonment.current.value == 100.0  # measured: all were abandoned
    assert abandonment.previous_reason == "no_data"  # nothing before T0
    last_days = {t.kpi: t for t in overview.tiles(abandoned_then_recent, Filters(start=dt.date(2025, 4, 2),
                 end=dt.date(2025, 4, 3)), ("fcr", "resolution"))}  # fmt: skip
    assert last_days["fcr"].reason == "too_recent"  # no 7 days after them yet
    assert last_days["resolution"].measured


@pytest.mark.parametrize(
    ("reason", "en", "es"),
    [
        ("not_captured", "No column says whether a call was answered or abandoned.",
         "Ninguna columna indica si una llamada fue atendida o abandonada."),
        ("no_data", "There are no calls in this period.", "No hay llamadas en este periodo."),
        ("all_abandoned", "Every call here was abandoned", "Todas las llamadas aquí"),
    ],
)  # fmt: skip
def test_reasons_in_words(reason: kpis.Reason, en: str, es: str) -> None:
    assert kpis.reason_text("abandonment", reason, "en").startswith(en)
    assert kpis.reason_text("abandonment", reason, "es").startswith(es)
    assert kpis.not_measured_text("abandonment", reason, "es").startswith("No medido. " + es)


@pytest.mark.parametrize("key", list(kpis.BY_KEY))
def test_every_kpi_says_what_it_needs(key: str) -> None:
    assert kpis.get(key).needs


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("key", list(kpis.BY_KEY))
def test_every_kpi_says_why_it_is_not_measured_in_both_languages(key: str, lang: str) -> None:
    text = i18n.catalog(lang)[f"kpi.{key}.not_measured"]  # type: ignore[arg-type]
    assert text.strip() and text.endswith(".")


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("reason", kpis.REASONS)
@pytest.mark.parametrize("key", ["nps", "fcr"])
def test_reasons_in_words_leave_no_placeholder(key: str, reason: kpis.Reason, lang: str) -> None:
    assert "{" not in kpis.reason_text(key, reason, lang)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", list(kpis.BY_KEY))
def test_a_row_of_nothing_is_no_data(key: str) -> None:
    assert kpis.not_measured(key, {}) == "no_data"


# -- partly captured: rates over the known rows -----------------------------------------------


def expected_known(c: pl.DataFrame, s: pl.DataFrame) -> dict[str, float]:
    """Each call KPI by hand, over the rows on which its input is known."""
    c = c.sort("customer_id", "started_at", "call_id").with_columns(
        next_at=pl.col("started_at").shift(-1).over("customer_id")
    )
    repeat = pl.col("next_at").is_not_null() & (
        pl.col("next_at") <= pl.col("started_at") + pl.duration(days=7)
    )
    flagged = c.filter(pl.col("abandoned").is_not_null())
    answered = c.filter(~pl.col("abandoned").fill_null(False))
    last = c["started_at"].max() - dt.timedelta(days=7)  # type: ignore[operator]
    eligible = answered.filter(
        (pl.col("started_at") <= last)
        & pl.col("resolved").is_not_null()
        & pl.col("customer_id").is_not_null()
    )
    sl_base = flagged.filter(pl.col("abandoned") | pl.col("wait_s").is_not_null())
    own = s.filter(pl.col("survey_type").is_null() | (pl.col("survey_type") == "transactional"))

    def share(frame: pl.DataFrame, flag: pl.Expr) -> float:
        return 100 * float(frame.select(flag.mean()).item())

    return {
        "abandonment": share(flagged, pl.col("abandoned")),
        "service_level": share(sl_base, ~pl.col("abandoned") & (pl.col("wait_s") <= 20)),
        "resolution": share(answered.drop_nulls("resolved"), pl.col("resolved")),
        "fcr": share(eligible, pl.col("resolved") & ~repeat),
        "transfer_rate": share(answered.drop_nulls("transfers"), pl.col("transfers") > 0),
        "aht": float(answered["duration_s"].drop_nulls().mean()),  # type: ignore[arg-type]
        "asa": float(answered["wait_s"].drop_nulls().mean()),  # type: ignore[arg-type]
        "response_rate": share(answered, pl.col("call_id").is_in(own["call_id"].to_list())),
    }


def test_the_gappy_store_has_gaps(gappy: Store) -> None:
    assert gappy.sql("select * from calls")["abandoned"].null_count() > 100


@pytest.mark.parametrize(
    "key",
    ["abandonment", "service_level", "resolution", "fcr", "transfer_rate", "aht", "asa",
     "response_rate"],
)  # fmt: skip
def test_partly_captured_rates_count_only_the_known_rows(gappy: Store, key: str) -> None:
    raw = gappy.sql("select * from calls"), gappy.sql("select * from surveys")
    got = _by_kpi(_call_estimates(gappy))[key]
    assert got["value"] == pytest.approx(expected_known(*raw)[key])
    assert got["reason"] is None


@pytest.mark.parametrize("key", ["abandonment", "service_level", "resolution", "transfer_rate"])
@pytest.mark.parametrize("region", ["North", "East"])
def test_partly_captured_rates_per_group(gappy: Store, region: str, key: str) -> None:
    calls, surveys = gappy.sql("select * from calls"), gappy.sql("select * from surveys")
    est = _call_estimates(gappy, ("region",))
    expected = expected_known(calls.filter(pl.col("region") == region), surveys)
    value = est.filter((pl.col("region") == region) & (pl.col("kpi") == key))["value"]
    assert value.item() == pytest.approx(expected[key])


def test_response_rate_is_not_measured_when_no_survey_names_its_call(tmp_path: Path) -> None:
    calls = [call(i, T0 + dt.timedelta(hours=i)) for i in range(60)]
    unlinked = [survey(i, T0 + dt.timedelta(hours=i), nps=8) for i in range(20)]
    store = _store(tmp_path, calls, unlinked)
    est = _call_estimates(store).filter(pl.col("kpi") == "response_rate").row(0, named=True)
    assert math.isnan(est["value"]) and est["reason"] == "not_captured"
    store.close()


# -- charts ------------------------------------------------------------------------------------


def test_the_trend_chart_leaves_a_gap_with_no_line_or_band_across_it() -> None:
    frame = pl.DataFrame(
        {
            "period": [dt.date(2026, 1, d) for d in (5, 12, 19, 26)],
            "value": [10.0, math.nan, 11.0, 12.0],
            "low": [8.0, math.nan, 9.0, 10.0],
            "high": [12.0, math.nan, 13.0, 14.0],
            "n": [300, 0, 200, 250],
            "low_sample": [False, True, False, False],
            "partial": [False, False, False, False],
        }
    )
    band, line = charts.trend(frame, "SL", "en").data
    assert list(line.y) == [10.0, None, 11.0, 12.0]  # None: plotly breaks the line
    assert list(band.y) == [12.0, 8.0, None, 13.0, 14.0, 10.0, 9.0]  # two shapes
    assert band.x[2] is None


# -- the 2.17e-17 bound ------------------------------------------------------------------------


def test_interval_bounds_at_zero_and_one_are_exact() -> None:
    # centre - half used to leave residues such as 2.2e-17 that tables showed as they are
    for n in range(1, 3000):
        assert metrics.proportion(0, n).low == 0.0, n
        assert metrics.proportion(n, n).high == 100.0, n
    assert i18n.number(metrics.proportion(0, 7).low, "en") == "0.0"


# -- change analysis and its report ------------------------------------------------------------


@pytest.fixture(scope="module")
def flagless_change(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Store, ca.Analysis]]:
    """Ten weeks of calls without the abandoned flag after a change on week 5 (the
    flag was captured before it): abandonment is measured before, not after."""
    change_on = (T0 + dt.timedelta(weeks=5)).date()
    calls = [
        {**c, "abandoned": (i % 10 == 0) if c["started_at"].date() < change_on else None}
        for i, c in enumerate(no_flag_calls(1400, days=70))
    ]
    store = _store(tmp_path_factory.mktemp("flagless_change"), calls, [])
    cid = registry.save_change(store, Change("New IVR", change_on, queues=("billing",)))
    settings = ca.Settings(metrics=("abandonment", "resolution", "aht"), weeks_before=4,
                           weeks_after=4)  # fmt: skip
    today = change_on + dt.timedelta(weeks=8)
    yield store, ca.analyse(store, registry.get_change(store, cid), settings, today=today)
    store.close()


def test_a_metric_not_measured_in_a_window_gets_no_verdict(
    flagless_change: tuple[Store, ca.Analysis],
) -> None:
    _, a = flagless_change
    assert a.problem is None
    assert a["abandonment"].not_measured == ca.NotMeasured("after", "not_captured")
    assert a["resolution"].not_measured == ca.NotMeasured("before", "not_captured")
    assert a["aht"].not_measured is None and a["aht"].its is not None
    head, why = report.verdict_parts(a, "abandonment", "en")
    assert head == "Abandonment is not measured after the change, so there is no verdict."
    assert why == "No column says whether a call was answered or abandoned."
    es = report.verdict_text(a, "resolution", "es")
    assert es.startswith("Tasa de resolución no se mide antes del cambio")
    assert report.notes(a["abandonment"], "en", "event") == []
    assert report.notes(a["abandonment"], "en", "its") == [f"{head} {why}"]


@pytest.mark.parametrize("metric", ["abandonment", "resolution"])
def test_a_metric_not_measured_has_no_method_finding_or_verdict(
    flagless_change: tuple[Store, ca.Analysis], metric: str
) -> None:
    _, a = flagless_change
    r = a[metric]
    assert r.its is None and r.did is None and not r.problems and a.findings(metric) == []
    assert report.verdict(a, metric, "en").code == "not_measured"


def test_the_report_tables_say_not_measured(flagless_change: tuple[Store, ca.Analysis]) -> None:
    _, a = flagless_change
    table = {r["metric"]: r for r in report.before_after_table(a, "en").iter_rows(named=True)}
    row = table["Abandonment"]
    assert row["before"] == "20.0%" and row["after"] == "Not measured"  # billing: even i
    assert row["change"] == row["ci"] == row["p"] == row["mde"] == "–"
    resolution = table["Resolution rate"]
    assert resolution["before"] == resolution["after"] == "Not measured"
    assert "Abandonment" not in report.its_table(a, "en")["metric"].to_list()
    page = summary.html(a, "es", generated=dt.date(2026, 1, 2))
    assert "No medido" in page and "Abandono no se mide después del cambio" in page
    assert not re.search(r"(?<![\d,])0,0 %", page)  # no rate of nothing
    assert "Abandono mejoró" not in page and "Abandono empeoró" not in page
    # Led by a metric not measured after the change: the summary says so, first.
    lead = summary.html(a, "en", "abandonment")
    assert (
        "Abandonment is not measured after the change, so there is no verdict."
        in (lead[lead.index('<p class="headline">') :].split("</p>")[0])
    )


# -- the read path elsewhere -------------------------------------------------------------------


def test_response_bias_keeps_an_unknown_outcome_apart(tmp_path: Path) -> None:
    calls = [call(i, T0 + dt.timedelta(hours=i), resolved=(None, True, False)[i % 3],
                  wait_s=None if i % 5 == 0 else 10.0) for i in range(60)]  # fmt: skip
    store = _store(tmp_path, calls, linked_surveys(calls))
    rates = bias.response_rates(store, Filters(), "resolved")
    assert dict(zip(rates["group"], rates["calls"], strict=True)) == {
        "false": 20, "true": 20, "unknown": 20,
    }  # fmt: skip
    waits = bias.response_rates(store, Filters(), "wait_band")
    assert dict(zip(waits["group"], waits["calls"], strict=True)) == {"unknown": 12, "w0_20s": 48}
    store.close()


def test_a_driver_never_captured_is_not_offered(no_flags: Store) -> None:
    cells = dc.cells(no_flags, Filters())
    assert cells.height and "resolved" in cells.columns
    offered = dc.available(cells)
    assert "resolved" not in offered and "transfers" not in offered and "duration" in offered


# -- the overview page -------------------------------------------------------------------------


@pytest.fixture
def flagless_db(tmp_path: Path, app_db: AppDb) -> Path:
    calls = no_flag_calls(600)
    _store(tmp_path, calls, linked_surveys(calls)).close()
    return app_db(tmp_path / "pulso.duckdb")


@pytest.mark.parametrize(
    ("lang", "label", "shown", "reason"),
    [
        ("en", "Abandonment", "Not measured",
         "No column says whether a call was answered or abandoned."),
        ("es", "Abandono", "No medido",
         "Ninguna columna indica si una llamada fue atendida o abandonada."),
    ],
)  # fmt: skip
@pytest.mark.usefixtures("flagless_db")
def test_the_overview_shows_not_measured_never_zero(
    lang: str, label: str, shown: str, reason: str
) -> None:
    at = open_app("views/overview.py", lang=lang, kpi="abandonment")
    assert not at.exception, [e.message for e in at.exception]
    texts = [m.value for m in at.markdown]
    tile = texts.index(label)  # the tile's title, then what it shows, then why
    assert texts[tile + 1].endswith(f"**{shown}**")
    assert reason in [c.value for c in at.caption]
    assert sum(text.endswith(f"**{shown}**") for text in texts) == 6  # CES, 5 call rates
    assert len(at.metric) == 5  # NPS, CSAT, response rate, AHT, ASA: the measured ones
    assert label not in {m.label for m in at.metric}
    assert not [m for m in at.metric if m.value in ("0.0%", "0,0 %")]
    assert any(reason in i.value for i in at.info)  # the trend and the breakdown say why
    assert not at.get("plotly_chart")  # no chart of nothing


def test_the_change_analysis_page_says_not_measured(tmp_path: Path, app_db: AppDb) -> None:
    change_on = (T0 + dt.timedelta(weeks=5)).date()
    store = _store(tmp_path, no_flag_calls(1400, days=70), [])
    cid = registry.save_change(store, Change("New IVR", change_on, queues=("billing",)))
    store.close()
    app_db(tmp_path / "pulso.duckdb")
    at = open_app(
        "views/change_analysis.py", lang="es", change=str(cid), metrics=["abandonment", "aht"],
        weeks_before="4", weeks_after="4",
    )  # fmt: skip
    assert not at.exception, [e.message for e in at.exception]
    verdicts = [m.value for m in at.markdown if m.value.startswith(":material/")]
    assert (
        ":material/block: **Abandono no se mide antes del cambio, así que no hay veredicto\\.**"
    ) in verdicts
    assert "Ninguna columna indica si una llamada fue atendida o abandonada\\." in [
        c.value for c in at.caption
    ]
    before_after = at.dataframe[1].value.set_index("metric")  # after every method side by side
    assert before_after.loc["Abandono", "before"] == "No medido"
    assert before_after.loc["Abandono", "after"] == "No medido"


def test_service_level_with_no_wait_captured_is_not_measured_not_zero() -> None:
    """A PBX log gives answered/abandoned but no wait: only the abandoned calls would be
    left in the denominator, and the rate would read 0% of nothing."""
    row = {"n_calls": 14, "n_answered": 11, "n_abandon_known": 14, "n_abandoned": 3,
           "n_within_sl": 0, "n_sl_known": 3, "wait_n": 0}  # fmt: skip
    assert kpis.get("service_level").estimate(row).empty
    # the outcomes are known (abandonment is measured beside it): the wait is what is missing
    assert kpis.not_measured("service_level", row) == "no_wait"
    assert kpis.reason_text("service_level", "no_wait", "en") == (
        "No column gives how long callers waited before an answer: the service level needs "
        "the wait of the answered calls."
    )
    no_outcome = {**row, "n_abandon_known": 0, "n_abandoned": 0, "n_sl_known": 0}
    assert kpis.not_measured("service_level", no_outcome) == "not_captured"  # both missing
    every_call_abandoned = {**row, "n_answered": 0, "n_abandoned": 14, "n_sl_known": 14}
    assert kpis.get("service_level").estimate(every_call_abandoned).value == 0.0  # truly missed


def test_fcr_without_a_resolved_column_says_so_before_too_recent() -> None:
    row = {"n_calls": 20, "n_answered": 20, "n_resolved_known": 0, "n_fcr_observed": 0,
           "n_fcr": 0, "n_fcr_eligible": 0}  # fmt: skip
    assert kpis.not_measured("fcr", row) == "not_captured"
    assert kpis.not_measured("fcr", {**row, "n_resolved_known": 20}) == "too_recent"
