"""Change analysis on the demo store: the planted IVR change is recovered, a placebo is
not, bad input becomes a translated problem; and the read path adds up.

One module-scoped demo store at the default size (150k calls, seed 7, fixed end), the
same as tests/demo/test_contact_center.py, whose planted truths (``analytics.demo``) are the reference.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator

import polars as pl
import pytest

from analytics import kpis
from analytics.changes import analysis as ca
from analytics.changes import cells, methods, registry, report
from analytics.changes.design import DEFAULT_WEEKS, METRICS
from analytics.changes.registry import Change
from analytics.demo import contact_center
from analytics.queries import Filters
from analytics.store import Store
from bench.bench_changes import placebo_dates, placebo_sweep
from tests.conftest import DemoStores

END = dt.date(2025, 6, 30)
SEED = 7
OTHER_QUEUES = tuple(q for q in contact_center.QUEUES if q != contact_center.IVR_QUEUE)


@pytest.fixture(scope="module")
def store(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("change_analysis")
    s = demo_stores.open(folder, calls=150_000, seed=SEED, end=END)  # the default size
    yield s
    s.close()


@pytest.fixture(scope="module")
def ivr(store: Store) -> ca.Analysis:
    change = registry.get_change(store, 1)
    assert change.queues == (contact_center.IVR_QUEUE,)
    return ca.analyse(store, change, ca.Settings(metrics=("nps", "csat", "ces", "asa")))


# -- planted truth ---------------------------------------------------------------------


def test_the_planted_ces_gain_is_inside_every_methods_interval(ivr: ca.Analysis) -> None:
    # contact_center.IVR_CES_GAIN is the total effect on billing's mean CES (1-7), the metric
    # analysed here, so each method's 95% interval should cover it (each fails 5% of
    # the time by construction; with the fixed seed this is deterministic).
    truth = contact_center.IVR_CES_GAIN
    ba = ivr.before_after["ces"] if ivr.before_after else None
    assert ba is not None and ba.difference.low <= truth <= ba.difference.high
    assert ba.significant
    result = ivr["ces"]
    assert result.its is not None and result.did is not None
    assert result.its.errors == "small_sample"
    assert result.its.effect.low <= truth <= result.its.effect.high
    # Five queues: the DiD's p comes from randomization and it claims no interval.
    # Billing's effect is the most extreme of the five (p = 1/5, the floor), and its
    # estimate is within the classical sampling error of the truth.
    did = result.did
    assert did.randomization is not None and did.n_clusters == 5
    assert math.isnan(did.effect.low) and math.isnan(did.effect.high)
    assert did.effect.p == did.randomization.smallest_p == pytest.approx(0.2)
    assert abs(did.effect.estimate - truth) < 3 * did.table["se"][3]


@pytest.mark.parametrize("metric", ["ces", "asa"])
def test_its_and_did_agree_in_sign(ivr: ca.Analysis, metric: str) -> None:
    r = ivr[metric]
    assert r.its is not None and r.did is not None
    assert (r.its.effect.estimate > 0) == (r.did.effect.estimate > 0)


def test_the_shorter_wait_is_found(ivr: ca.Analysis) -> None:
    # The demo cuts the *expected wait of all billing calls* by IVR_WAIT_CUT_S. ASA
    # counts answered calls only, and abandoned calls are the long waits the cut
    # shortens most, so ASA falls by somewhat less: the estimate must be a real fall,
    # no larger than the cut plus 3 standard errors and at least half of it.
    cut = contact_center.IVR_WAIT_CUT_S
    result = ivr["asa"]
    assert result.its is not None and result.did is not None and ivr.before_after is not None
    ba = ivr.before_after["asa"].difference
    for effect in (ba, result.its.effect):
        assert effect.high < 0
        assert -cut - 3 * effect.se <= effect.estimate <= -cut / 2
    did = result.did
    assert -cut - 3 * did.table["se"][3] <= did.effect.estimate <= -cut / 2
    assert did.effect.p == pytest.approx(0.2)  # the most extreme of five queues
    # Before/after and ITS significant, the DiD pointing the same way but unable to
    # reach p < 0.05 with five queues: improved (a lower wait is better); the DiD is
    # left out of the verdict, and the page says why once.
    assert report.verdict(ivr, "asa", "en").code == "improved"
    assert "Difference-in-differences" not in report.verdict_text(ivr, "asa", "en")
    assert report.left_out_text(ivr, "en") == (
        "Difference-in-differences is left out of the verdicts: with 5 units, the smallest "
        "p-value it can give is 1/5, so it cannot show a change at the 5% level with this "
        "design. Its estimates are in its tab, for their size and direction."
    )


def test_a_placebo_on_an_untouched_queue_is_not_significant(store: Store) -> None:
    # Same date as the IVR, on sales, compared with the other untouched queues (the
    # default control would include billing, which did change).
    placebo = Change("Placebo", registry.get_change(store, 1).started_on, queues=("sales",))
    control = tuple(q for q in OTHER_QUEUES if q != "sales")
    a = ca.analyse(store, placebo, ca.Settings(control=control))
    assert a.problem is None and a.before_after is not None
    assert not any(c.significant for c in a.before_after.changes)  # adjusted across metrics
    codes = {m: report.verdict(a, m, "en").code for m in a.settings.metrics}
    assert not {"improved", "worsened"} & set(codes.values()), codes


def test_placebo_changes_are_rarely_significant(store: Store) -> None:
    """A bounded placebo sweep: changes that never happened, on each untouched queue at
    6 dates (6 metrics: 144 tests per method). Every significant result is a false
    positive. The binomial s.e. at 5% is 1.8 points, more with correlated metrics, so
    11% is about 3 s.e. above nominal. The methods as they were (Newey-West alone,
    cluster-robust with 4 queues) are far above it; the full sweep (71 dates, ``python
    -m bench changes --placebo``) has the figures.
    """
    sweep = placebo_sweep(store, placebo_dates(store, step=10))
    assert sweep.height == 6 * 4 * 6
    rate = sweep.select(pl.exclude("date", "queue", "metric").cast(pl.Float64).mean()).row(
        0, named=True
    )
    assert rate["its"] <= 0.11 and rate["pre_trend"] <= 0.11, rate
    assert rate["did"] == 0  # 4 queues: randomization p >= 1/4
    assert rate["before_after"] <= 0.11 and rate["verdict_claims"] <= 0.05, rate
    assert rate["its_nw"] > 0.11 and rate["did_cr1"] > 0.15, rate  # what was fixed


# -- the read path adds up -------------------------------------------------------------


def test_window_statistics_equal_a_direct_count(store: Store, ivr: ca.Analysis) -> None:
    w = ivr.windows
    assert w is not None
    rows = store.sql(
        "select s.responded_at >= ? as after, count(s.nps),"
        " count(*) filter (where s.nps >= 9), avg(c.wait_s) filter (where not c.abandoned)"
        " from surveys s join calls c using (call_id) where c.queue = ?"
        " and s.responded_at >= ? and s.responded_at < ? group by all order by all",
        [w.after[0], contact_center.IVR_QUEUE, w.before[0], w.after[1] + dt.timedelta(days=1)],
    )
    nps = ivr.before_after["nps"] if ivr.before_after else None
    assert nps is not None
    assert rows["count(s.nps)"].to_list() == [nps.before.n, nps.after.n]


def test_periods_are_anchored_on_the_change(ivr: ca.Analysis) -> None:
    series = ivr["nps"].series
    w = ivr.windows
    assert w is not None
    before = series.filter(pl.col("window") == "before")["period"]
    after = series.filter(pl.col("window") == "after")["period"]
    assert before.max() == w.change_on - dt.timedelta(days=7)
    assert after.min() == w.change_on
    offsets = series.select((pl.col("period") - pl.lit(w.change_on)).dt.total_days() % 7)
    assert (offsets.to_series() == 0).all()
    assert before.len() == after.len() == DEFAULT_WEEKS == 12


@pytest.mark.parametrize("metric", METRICS)
def test_sufficient_statistics_give_the_kpi_catalogs_estimate(metric: str) -> None:
    row = {
        "n_nps": 50, "promoters": 20, "detractors": 10, "n_csat": 40, "csat_top2": 30,
        "csat_sum": 150, "csat_sumsq": 600, "n_ces": 30, "ces_sum": 150.0,
        "ces_sumsq": 800.0, "ces_easy": 12, "n_responses": 60, "n_calls": 100,
        "n_answered": 90, "n_abandon_known": 96, "n_abandoned": 10, "n_resolved_known": 85,
        "n_resolved": 70, "n_fcr_observed": 88, "n_fcr_eligible": 80, "n_fcr": 60,
        "handle_n": 90, "handle_sum": 27000.0, "handle_sumsq": 9.0e6, "wait_n": 90,
        "wait_sum": 2700.0, "wait_sumsq": 1.2e5, "n_sl_known": 93, "n_within_sl": 40,
        "n_transfers_known": 87, "n_transferred": 20, "n_response_base": 90, "n_surveyed": 25,
    }  # fmt: skip
    from analytics.changes import before_after

    s = cells.sufficient(metric, row)
    got = before_after({metric: (s, s)})[metric].before
    want = kpis.get(metric).estimate(row)
    assert (round(got.value, 9), got.n) == (round(want.value, 9), want.n)


# -- windows -------------------------------------------------------------------------------

BOUNDS = (dt.date(2025, 1, 6), dt.date(2025, 6, 29))  # a Monday to a Sunday, 25 weeks


@pytest.mark.parametrize(
    ("change", "settings", "expected"),
    [
        # Defaults: 12 whole weeks either side.
        (Change("x", dt.date(2025, 4, 7)), ca.Settings(), (12, 12)),
        # Only 8 weeks of data before the change.
        (Change("x", dt.date(2025, 3, 3)), ca.Settings(), (8, 12)),
        # The data ends 3 weeks and 6 days after: only whole weeks count.
        (Change("x", dt.date(2025, 6, 2)), ca.Settings(), (12, 4)),
        # A change that ended cuts the after window.
        (Change("x", dt.date(2025, 4, 7), ended_on=dt.date(2025, 5, 4)), ca.Settings(), (12, 4)),
        # The ramp-up is left out between the windows.
        (Change("x", dt.date(2025, 4, 7)), ca.Settings(ramp_weeks=2, weeks_after=4), (12, 4)),
    ],
)
def test_windows_are_whole_weeks_inside_the_data(
    change: Change, settings: ca.Settings, expected: tuple[int, int]
) -> None:
    w = ca.windows(change, settings, BOUNDS, dt.date(2026, 1, 1))
    assert isinstance(w, ca.Windows)
    assert (w.weeks_before, w.weeks_after) == expected
    assert w.after[0] == change.started_on + dt.timedelta(weeks=settings.ramp_weeks)
    assert (w.before[1] - w.before[0]).days + 1 == 7 * w.weeks_before
    assert (w.after[1] - w.after[0]).days + 1 == 7 * w.weeks_after


# -- bad input: a problem (i18n key), never a traceback --------------------------------------


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (Change("future", END + dt.timedelta(days=400)), "analysis.error.future"),
        (Change("recent", END - dt.timedelta(days=8)), "analysis.error.too_little_after"),
        (Change("early", dt.date(2023, 7, 12)), "analysis.error.too_little_before"),
        (Change("nowhere", dt.date(2025, 3, 3), queues=("nope",)), "analysis.error.empty_scope"),
    ],
)
def test_bad_changes_give_a_translated_problem(store: Store, change: Change, key: str) -> None:
    a = ca.analyse(store, change, today=END + dt.timedelta(days=1))
    assert a.problem is not None and a.problem.key == key
    assert a.results == () and a.before_after is None
    texts = {lang: report.problem_text(a.problem, lang) for lang in ("en", "es")}
    assert [lang for lang, s in texts.items() if not s or "{" in s or "analysis." in s] == []


@pytest.mark.parametrize(
    ("change", "control", "key"),
    [
        (Change("x", dt.date(2025, 3, 3), queues=("sales",)), ("sales",), "control_is_treated"),
        (
            Change("x", dt.date(2025, 3, 3), queues=("sales",)),
            ("sales", "general"),
            "control_overlaps",
        ),
        (Change("x", dt.date(2025, 3, 3)), (), "no_scope"),
    ],
)
def test_a_bad_control_group_stops_only_the_did(
    store: Store, change: Change, control: tuple[str, ...], key: str
) -> None:
    a = ca.analyse(store, change, ca.Settings(metrics=("nps", "asa"), control=control))
    assert a.problem is None and a.before_after is not None
    for r in a.results:
        assert r.did is None and r.event is None and r.its is not None
        assert r.problems["did"].key == f"analysis.did.{key}"
    assert all(report.notes(r, "es", "did") for r in a.results)


def test_too_few_periods_stops_only_the_time_series(store: Store) -> None:
    settings = ca.Settings(metrics=("nps",), weeks_before=2, weeks_after=2)
    a = ca.analyse(store, registry.get_change(store, 1), settings)
    r = a["nps"]
    assert a.before_after is not None and r.its is None and r.did is not None
    assert r.problems["its"].key == "analysis.its.too_few_periods"
    assert dict(r.problems["its"].params) == {"before": 2, "after": 2, "need": 3}


@pytest.mark.parametrize(
    "kwargs",
    [dict(metrics=()), dict(metrics=("nope",)), dict(weeks_before=0), dict(grain="year")],
)
def test_settings_refuse_impossible_values(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        ca.Settings(**kwargs)


def test_a_scope_on_two_dimensions_makes_units_of_their_combinations(store: Store) -> None:
    change = Change("x", dt.date(2025, 3, 3), queues=("billing",), regions=("North", "East"))
    a = ca.analyse(store, change, ca.Settings(metrics=("asa",)))
    assert a.units is not None and a.units.dims == ("queue", "region")
    assert a.units.treated == ("billing · East", "billing · North")
    assert len(a.units.control) == len(contact_center.QUEUES) * len(contact_center.REGIONS) - 2
    assert a["asa"].did is not None and a["asa"].did.n_clusters == 25


def test_a_hand_picked_control_group_is_used(store: Store) -> None:
    change = registry.get_change(store, 1)
    a = ca.analyse(store, change, ca.Settings(metrics=("asa",), control=("sales", "general")))
    assert a.units is not None and a.units.control == ("general", "sales")
    assert a["asa"].did is not None and a["asa"].did.n_clusters == 3
    options = cells.unit_options(store, change, Filters())
    assert options == sorted(contact_center.QUEUES)


# -- every interval shown beside a p-value agrees with it --------------------------------

CI = re.compile(
    r"(?:95% CI|IC 95 %) (?P<low>[-+]?[\d:.,]+)(?: pp| p\.p\.)? (?:to|a) "
    r"(?P<high>[-+]?[\d:.,]+)(?: pp| p\.p\.)?; p (?P<op>[=<]) (?P<p>[\d.,]+)"
)


def _shown(text: str, lang: str) -> float:
    """A number as the page shows it ("-1,234.5", "+0:07", "-0:00,3" in Spanish)."""
    text = text.strip().removesuffix(" pp").removesuffix(" p.p.").removeprefix("< ")
    text = text.replace(".", "").replace(",", ".") if lang == "es" else text.replace(",", "")
    sign = -1.0 if text.startswith("-") else 1.0
    minutes, _, seconds = text.lstrip("+-").rpartition(":")
    return sign * (60 * float(minutes or 0) + float(seconds))


def _pairs_shown(a: ca.Analysis, lang: str) -> list[tuple[str, float, float, float]]:
    """(where, low, high, p) of every interval shown with a p-value, as shown: each
    table row with an interval, and each verdict sentence quoting one."""
    pairs = []
    for name, table in (
        ("before/after", report.before_after_table(a, lang)),  # type: ignore[arg-type]
        ("its", report.its_table(a, lang)),  # type: ignore[arg-type]
        ("did", report.did_table(a, lang)),  # type: ignore[arg-type]
    ):
        for row in table.iter_rows(named=True):
            if row["ci"] != "–":
                low, high = row["ci"].split(" … ")
                p = 0.0 if row["p"].startswith("<") else _shown(row["p"], lang)
                pairs.append((f"{name} {row['metric']}", _shown(low, lang), _shown(high, lang), p))
    for metric in a.settings.metrics:
        text = report.verdict_text(a, metric, lang)  # type: ignore[arg-type]
        for m in CI.finditer(text):
            p = 0.0 if m["op"] == "<" else _shown(m["p"], lang)
            pairs.append((text, _shown(m["low"], lang), _shown(m["high"], lang), p))
    return pairs


def test_every_interval_shown_with_a_p_value_agrees_with_it(store: Store) -> None:
    """Over real and placebo changes, every metric and every method: an interval shown
    (in a table or a verdict, in either language, as rounded for display) excludes 0
    exactly when the p-value shown beside it is below 0.05."""
    ivr = registry.get_change(store, 1)
    outage = ivr.started_on - dt.timedelta(
        weeks=contact_center.SPIKE_WEEKS_BEFORE_END - contact_center.IVR_WEEKS_BEFORE_END
    )
    wide = Change("wide", ivr.started_on, queues=("billing", "sales", "technical"),
                  regions=contact_center.REGIONS, channels=("voice", "chat"))  # fmt: skip
    designs = [
        (ivr, ca.Settings(metrics=METRICS)),
        (ivr, ca.Settings(metrics=("ces", "asa"), weeks_before=8, weeks_after=8, grain="day")),
        (Change("outage", outage, queues=("sales",)), ca.Settings(metrics=METRICS)),
        (Change("placebo", ivr.started_on, queues=("general",)), ca.Settings(metrics=METRICS)),
        (wide, ca.Settings(metrics=("nps", "csat", "aht", "asa"))),
    ]
    shown = []
    for change, settings in designs:
        a = ca.analyse(store, change, settings)
        assert a.problem is None, change.name
        shown += [pair for lang in ("en", "es") for pair in _pairs_shown(a, lang)]
    # Every disagreement listed, not only the first.
    assert [(w, lo, hi, p) for w, lo, hi, p in shown if (lo > 0 or hi < 0) != (p < 0.05)] == []
    significant = sum(p < 0.05 for *_, p in shown)
    assert significant > 40 and len(shown) - significant > 100, (significant, len(shown))
    # The wide scope has 40 units: its DiD has cluster-robust intervals, checked above.
    assert ca.analyse(store, wide, ca.Settings(metrics=("asa",)))["asa"].did.randomization is None


def test_a_did_that_can_answer_stays_in_the_verdict(store: Store) -> None:
    # Two changed units among 25 (queue x region): 300 assignments, so randomization
    # can give p down to 1/300 and the method answers; nothing is left out.
    change = Change("x", dt.date(2025, 3, 3), queues=("billing",), regions=("North", "East"))
    a = ca.analyse(store, change, ca.Settings(metrics=("asa", "nps")))
    did = a["asa"].did
    assert did is not None and did.randomization is not None
    assert did.randomization.smallest_p == pytest.approx(1 / math.comb(25, 2))
    v = report.verdict(a, "asa", "en")
    weighed = [f.method for f in v.findings]
    assert sorted(weighed) == ["before_after", "did", "its", "structural"] and not v.left_out
    assert weighed[0] == methods.trust(a, "asa").method  # the trusted method leads
    assert "Difference-in-differences: " in report.verdict_text(a, "asa", "en")
    assert report.left_out_text(a, "en") == ""
