"""What counts as a meaningful change: the classification (real and meaningful, real
but small, none), the minimums kept in the store, the tiles built with them, and the
change-analysis verdict that says a real change is small."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from analytics import changes, kpis, overview, thresholds
from analytics.changes import analysis as ca
from analytics.changes import registry, report
from analytics.changes.formatting import formatter
from analytics.changes.verdicts import Finding
from analytics.compare import Difference
from analytics.demo import contact_center
from analytics.i18n import catalog
from analytics.metrics import Estimate
from analytics.queries import Filters
from analytics.store import Store
from analytics.thresholds import DEFAULTS
from tests.conftest import DemoStores, call, insert

NAN = math.nan


def _real(estimate: float, half: float = 1.0) -> Difference:
    """A significant change: its interval (estimate +- half) excludes zero."""
    assert abs(estimate) > half
    return Difference(estimate, estimate - half, estimate + half, half / 1.96, 0.001)


@pytest.mark.parametrize(
    ("kpi", "change", "meaningful", "practical", "better"),
    [
        # Speed of answer (lower is better): the 2-second rise is real but small.
        ("asa", _real(2.0, 0.5), 5.0, "small", False),
        ("asa", _real(5.0), 5.0, "meaningful", False),  # exactly at the minimum
        ("asa", _real(4.999), 5.0, "small", False),
        ("asa", _real(-8.0), 5.0, "meaningful", True),  # a fall in waiting is good news
        ("asa", _real(-4.0), 5.0, "small", True),
        # Abandonment (lower is better), in percentage points.
        ("abandonment", _real(0.6, 0.3), 1.0, "small", False),
        ("abandonment", _real(1.4), 1.0, "meaningful", False),
        ("abandonment", _real(-1.0, 0.5), 1.0, "meaningful", True),
        # NPS: a large change whose interval includes zero is no real change, whatever
        # its size; a real one below 3 points is small.
        ("nps", Difference(6.0, -1.0, 13.0, 3.6, 0.09), 3.0, "none", None),
        ("nps", _real(-2.5, 2.0), 3.0, "small", False),
        ("nps", _real(-3.0, 2.0), 3.0, "meaningful", False),
        # 0: every real change is meaningful; an unknown minimum (NaN) likewise.
        ("csat", _real(0.3, 0.1), 0.0, "meaningful", True),
        ("csat", _real(0.3, 0.1), NAN, "meaningful", True),
        ("csat", Difference(NAN, NAN, NAN, NAN, NAN), 2.0, "none", None),
    ],
)
def test_a_change_is_meaningful_small_or_none(
    kpi: str, change: Difference, meaningful: float, practical: str, better: bool | None
) -> None:
    assert thresholds.classify(change, meaningful) == practical
    now = Estimate(50.0, 49.0, 51.0, 0.5, 1000)
    tile = overview.Tile(kpi, now, now, change, meaningful=meaningful)
    assert tile.practical == practical and tile.better is better


def test_every_kpi_has_a_default() -> None:
    assert set(DEFAULTS) == set(kpis.BY_KEY)


@pytest.mark.parametrize("key", list(DEFAULTS))
def test_each_default_is_in_range_with_a_reason(key: str) -> None:
    value = DEFAULTS[key]
    assert thresholds.check(key, value) == value and value > 0
    assert value in thresholds.choices(key, value)
    assert f"meaningful.why.{key}" in catalog("en") and f"meaningful.why.{key}" in catalog("es")


@pytest.mark.parametrize(
    ("key", "value"),
    [("asa", -1.0), ("asa", NAN), ("asa", math.inf), ("nps", 25.0), ("ces", 1.5), ("x", 1.0)],
)
def test_impossible_minimums_are_refused(key: str, value: float) -> None:
    with pytest.raises(ValueError):
        thresholds.check(key, value)


def test_a_minimum_off_the_list_is_offered_with_it() -> None:
    assert thresholds.choices("asa", 7.0) == [0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, 120]


# -- the store -------------------------------------------------------------------------------


def stored_keys(store: Store) -> set[str]:
    """The KPIs whose minimum has a row in the store (a default has none)."""
    return {k for (k,) in store.sql("select kpi from meaningful_changes").rows()}


def test_minimums_round_trip_through_the_store(empty_store: Store) -> None:
    assert thresholds.read(empty_store) == DEFAULTS
    thresholds.save(empty_store, {"asa": 10.0, "nps": 5.0, "csat": DEFAULTS["csat"]}, by="ana")
    assert thresholds.read(empty_store) == {**DEFAULTS, "asa": 10.0, "nps": 5.0}
    assert stored_keys(empty_store) == {"asa", "nps"}  # csat is its default
    rows = empty_store.sql("select kpi, updated_by from meaningful_changes order by kpi").rows()
    assert rows == [("asa", "ana"), ("nps", "ana")]

    thresholds.save(empty_store, {"asa": DEFAULTS["asa"]})  # back to the default: no row
    assert stored_keys(empty_store) == {"nps"}
    thresholds.reset(empty_store)
    assert thresholds.read(empty_store) == DEFAULTS and not stored_keys(empty_store)


def test_a_bad_value_saves_nothing(empty_store: Store) -> None:
    with pytest.raises(ValueError):
        thresholds.save(empty_store, {"asa": 10.0, "nps": -2.0})
    assert thresholds.read(empty_store) == DEFAULTS


def test_a_row_written_past_the_checks_reads_as_the_default(empty_store: Store) -> None:
    empty_store.sql("insert into meaningful_changes (kpi, meaningful) values ('asa', 999)")
    assert thresholds.read(empty_store)["asa"] == DEFAULTS["asa"]


def test_reset_of_some_kpis_keeps_the_others(empty_store: Store) -> None:
    thresholds.save(empty_store, {"asa": 10.0, "aht": 30.0})
    thresholds.reset(empty_store, ["asa"])
    assert thresholds.read(empty_store) == {**DEFAULTS, "aht": 30.0}


# -- tiles -----------------------------------------------------------------------------------

BEFORE, AFTER = dt.datetime(2025, 3, 10, 8), dt.datetime(2025, 3, 17, 8)
WEEK = Filters(start=dt.date(2025, 3, 17), end=dt.date(2025, 3, 23))  # compared with 10-16 March


def waits(store: Store, rise: float) -> None:
    """300 answered calls a week, every wait ``rise`` seconds longer in the second."""
    rows = [
        call(i, start + dt.timedelta(minutes=30 * (i % 300)), wait_s=25.0 + i % 300 % 11 + shift)
        for week, (start, shift) in enumerate(((BEFORE, 0.0), (AFTER, rise)))
        for i in range(week * 300, week * 300 + 300)
    ]
    insert(store, "calls", rows)


def test_tiles_carry_the_stored_minimum(empty_store: Store) -> None:
    waits(empty_store, 3.0)
    (tile,) = overview.tiles(empty_store, WEEK, ("asa",))
    assert tile.change.direction == "up" and tile.change.estimate == pytest.approx(3.0)
    assert tile.meaningful == DEFAULTS["asa"] and tile.practical == "small"
    thresholds.save(empty_store, {"asa": 2.0})
    (tile,) = overview.tiles(empty_store, WEEK, ("asa",), thresholds.read(empty_store))
    assert tile.meaningful == 2.0 and tile.practical == "meaningful" and tile.better is False


# -- the change-analysis verdict -------------------------------------------------------------


def _f(estimate: float, low: float, high: float, p: float, meaningful: float) -> Finding:
    return Finding("before_after", estimate, low, high, p, meaningful=meaningful)


@pytest.mark.parametrize(
    ("findings", "lang", "small"),
    [
        # Significant and below 2 pp: improved, and real but small.
        ([_f(1.2, 0.4, 2.0, 0.004, 2.0)], "en", "The change is real but small: below the minimum meaningful change of 2.0 pp."),
        ([_f(1.2, 0.4, 2.0, 0.004, 2.0)], "es", "El cambio es real pero pequeño: menor que el mínimo relevante (2,0 p.p.)."),
        # Close to the minimum: decimals that keep the two apart.
        ([_f(1.96, 0.9, 3.0, 0.001, 2.0)], "en", "+1.96 pp (95% CI +0.90 pp to +3.00 pp; p = 0.001). The change is real but small: below the minimum meaningful change of 2.00 pp."),
        # Not confirmed by every method, but real where found: small is said as well.
        ([_f(1.2, 0.4, 2.0, 0.004, 2.0), Finding("its", 0.5, -1, 2, 0.4, meaningful=2.0)], "en", "real but small"),
        # At the minimum, or not significant, or a minimum of 0: nothing added.
        ([_f(2.0, 1.0, 3.0, 0.001, 2.0)], "en", None),
        ([_f(1.2, -0.4, 2.8, 0.2, 2.0)], "en", None),
        ([_f(1.2, 0.4, 2.0, 0.004, 0.0)], "en", None),
    ],
)  # fmt: skip
def test_a_real_but_small_change_says_so_in_the_verdict(
    findings: list[Finding], lang: str, small: str | None
) -> None:
    v = changes.verdict("CSAT", findings, True)
    fmt = formatter("csat", lang)  # type: ignore[arg-type]
    headline, _ = changes.render_parts(v, lang, 1, fmt)  # type: ignore[arg-type]
    assert v.small == (small is not None)
    if small is None:
        assert "small" not in headline and "pequeño" not in headline
    else:
        assert small in headline


def test_disagreeing_methods_are_not_called_small() -> None:
    findings = [_f(1.2, 0.4, 2.0, 0.004, 2.0), Finding("its", -1.0, -1.8, -0.2, 0.01, meaningful=2.0)]  # fmt: skip
    v = changes.verdict("CSAT", findings, True)
    assert v.code == "disagree" and not v.small


def test_settings_give_the_stored_minimum_or_the_default() -> None:
    settings = ca.Settings(meaningful=(("asa", 30.0),))
    assert settings.minimum("asa") == 30.0 and settings.minimum("nps") == DEFAULTS["nps"]
    with pytest.raises(ValueError):
        ca.Settings(meaningful=(("asa", -1.0),))


@pytest.mark.parametrize(
    ("minimum", "small"), [(DEFAULTS["asa"], False), (60.0, True)], ids=["default", "60s"]
)
def test_the_change_analysis_verdict_uses_the_minimum_of_its_settings(
    demo_stores: DemoStores, tmp_path: Path, minimum: float, small: bool
) -> None:
    """The demo's IVR change cuts billing's waits by 20 s: worth a verdict with the
    default 5 s minimum, real but small against a 60 s one."""
    store = demo_stores.open(tmp_path, calls=20_000, seed=3, end=dt.date(2026, 6, 28))
    change = registry.get_change(store, 1)
    assert change.queues == (contact_center.IVR_QUEUE,)
    settings = ca.Settings(metrics=("asa",), meaningful=(("asa", minimum),))
    analysis = ca.analyse(store, change, settings)
    store.close()
    assert analysis.findings("asa")  # the check below has findings to check
    assert all(f.meaningful == minimum for f in analysis.findings("asa"))
    assert report.verdict(analysis, "asa", "en").code == "improved"
    text = report.verdict_text(analysis, "asa", "en")
    assert ("real but small" in text) == small, text
