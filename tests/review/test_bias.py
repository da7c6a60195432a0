"""Response bias: response rates, polarisation, post-stratification to all calls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl
import pytest

from analytics.metrics import wilson
from analytics.queries import Filters
from analytics.review import bias
from analytics.store import Store, connect
from tests.conftest import call, insert, survey

T0 = dt.datetime(2026, 3, 2, 9)
# (resolved, channel, queue): calls, responses, share with CSAT 4-5 (true in the cell)
# Unresolved calls answer 5x as often: the raw CSAT is far below that of all calls.
CELLS = {
    (True, "voice", "billing"): (400, 40, 0.9),
    (True, "chat", "billing"): (200, 20, 0.8),
    (True, "voice", "tech"): (300, 30, 0.8),
    (False, "voice", "billing"): (100, 50, 0.3),
    (False, "chat", "tech"): (100, 50, 0.2),
}


def _population() -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
    """Calls whose every caller has a true CSAT; respondents mirror their cell.

    Returns calls, responses and the CSAT top-2-box (%) of all answered calls, as if
    everyone had answered: the value post-stratification must recover.
    """
    calls, surveys, top2 = [], [], 0
    for (resolved, channel, queue), (n, m, share) in CELLS.items():
        happy_calls, happy_resp = round(share * n), round(share * m)
        top2 += happy_calls
        for j in range(n):
            i = len(calls)
            calls.append(
                call(
                    i, T0 + dt.timedelta(minutes=i), resolved=resolved, channel=channel, queue=queue
                )
            )
            answers = j < happy_resp or happy_calls <= j < happy_calls + m - happy_resp
            if answers:
                score = 5 if j < happy_calls else 2
                nps = 10 if score == 5 else 3
                surveys.append(
                    survey(
                        i,
                        T0 + dt.timedelta(minutes=i, hours=1),
                        call_id=f"C{i}",
                        csat=score,
                        nps=nps,
                    )
                )
    i = len(calls)  # abandoned calls are never surveyed and are not in the population
    calls.append(call(i, T0, abandoned=True, resolved=False))
    total = sum(n for n, _, _ in CELLS.values())
    return calls, surveys, 100 * top2 / total


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = connect(str(tmp_path_factory.mktemp("bias") / "pulso.duckdb"))
    calls, surveys, _ = _population()
    insert(s, "calls", calls)
    insert(s, "surveys", surveys)
    yield s
    s.close()


def test_reweighting_recovers_the_population_and_raw_does_not(store: Store) -> None:
    *_, truth = _population()  # (360 + 160 + 240 + 30 + 20) / 1100 = 73.64 %
    assert truth == pytest.approx(100 * 810 / 1100)
    result = bias.reweight(bias.cell_stats(store, Filters()), "csat")
    assert result.weighted.value == pytest.approx(truth)
    assert result.raw.value == pytest.approx(100 * 101 / 190)  # 53.2 %: biased
    assert result.weighted.low < truth < result.weighted.high
    assert not result.raw.low < truth < result.raw.high
    assert (result.cells, result.collapsed, result.strata, result.uncovered) == (5, 0, 5, 0.0)


def test_nps_reweighted_by_hand(store: Store) -> None:
    # Cell NPS: respondents are all promoters (CSAT 5) or all detractors (CSAT 2):
    # (0.8, 0.6, 0.6, -0.4, -0.6) weighted by calls (400, 200, 300, 100, 100) / 1100
    result = bias.reweight(bias.cell_stats(store, Filters()), "nps")
    expected = 100 * (400 * 0.8 + 200 * 0.6 + 300 * 0.6 - 100 * 0.4 - 100 * 0.6) / 1100
    assert result.weighted.value == pytest.approx(expected)
    assert result.raw.value == pytest.approx(100 * (101 - 89) / 190)


def test_the_sentence_names_the_reason(store: Store) -> None:
    cells = bias.cell_stats(store, Filters())
    result = bias.reweight(cells, "csat")
    driver = bias.main_driver(cells, "csat")
    # Largest term of raw - weighted = sum (r - W)(p - raw): resolved calls,
    # (90/190 - 900/1100) * (84.4 - 53.2) = -0.109 against -0.099 for unresolved.
    assert driver is not None and (driver.dimension, driver.level) == ("resolved", "true")
    en = bias.explain(result, driver, "en")
    assert en.startswith(
        "Weighted to all answered calls, CSAT (top-2-box) is 73.6% against 53.2% as answered"
        " (+20.5 points)"  # 73.636 - 53.158: percentage points
    )
    assert "because resolved calls are 47% of the responses but 82% of the calls" in en
    es = bias.explain(result, driver, "es")
    assert "llamadas resueltas" in es and "73,6 % frente a 53,2 %" in es and "+20,5 puntos" in es


def _cells(rows: list[tuple[bool, str, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            dict(
                resolved=r,
                channel=c,
                queue=q,
                calls=n,
                n_nps=m,
                promoters=m,
                detractors=0,
                n_csat=m,
                csat_top2=m,
            )
            for r, c, q, n, m in rows
        ]
    )


def test_a_cell_without_responses_is_merged_with_its_other_channels() -> None:
    cells = _cells(
        [
            (True, "voice", "billing", 100, 10),
            (True, "chat", "billing", 50, 0),  # empty: merged with voice/billing
            (True, "voice", "tech", 100, 10),
            (False, "voice", "tech", 40, 4),
        ]
    )
    st = bias.strata(cells, "n_csat")
    assert st["stratum"].to_list() == [
        "true|*|billing",
        "true|*|billing",
        "true|voice|tech",
        "false|voice|tech",
    ]
    result = bias.reweight(cells, "csat")
    assert (result.collapsed, result.strata, result.uncovered) == (2, 3, 0.0)


def test_a_resolved_value_without_any_response_is_left_out_and_reported() -> None:
    cells = _cells([(True, "voice", "billing", 300, 30), (False, "voice", "billing", 100, 0)])
    result = bias.reweight(cells, "csat")
    assert result.uncovered == pytest.approx(0.25)
    assert result.weighted.value == pytest.approx(100.0)


def test_response_rates_by_outcome_with_wilson_intervals(store: Store) -> None:
    rates = bias.response_rates(store, Filters(), "resolved")
    row = rates.row(by_predicate=pl.col("group") == "false", named=True)
    assert (row["calls"], row["responses"]) == (200, 100)  # the abandoned call is left out
    low, high = wilson(100, 200)
    assert (row["low"], row["high"]) == pytest.approx((100 * low, 100 * high))
    by_queue = bias.response_rates(store, Filters(), "queue")
    assert by_queue["calls"].sum() == 1100
    waits = bias.response_rates(store, Filters(), "wait_band")
    assert waits["group"].to_list() == ["w1_1m"]  # every test call waited 30 s
    with pytest.raises(ValueError, match="unknown outcome"):
        bias.response_rates(store, Filters(), "agent_id; drop table calls")


def test_polarisation(store: Store) -> None:
    polar = {r["band"]: r for r in bias.polarisation(store, Filters()).iter_rows(named=True)}
    assert polar["csat_high"]["x"] == 101 and polar["csat_high"]["n"] == 190
    assert polar["csat_low"]["x"] == 0
    assert polar["nps_high"]["share"] == pytest.approx(100 * 101 / 190)


def test_filters_restrict_the_population(store: Store) -> None:
    cells = bias.cell_stats(store, Filters(queue=("tech",)))
    assert cells["calls"].sum() == 400
    assert bias.reweighted(store, Filters(queue=("tech",)), "en")[1][0].raw.n == 80


def test_empty_filters_give_empty_estimates(store: Store) -> None:
    day = dt.date(2020, 1, 1)
    result, sentence = bias.reweighted(store, Filters(start=day, end=day), "en")[0]
    assert result.raw.empty and result.weighted.empty and sentence


def test_reweighting_recovers_a_simulated_population_with_known_response_bias() -> None:
    # 200,000 calls over resolved x channel x queue. The true CSAT depends on the cell
    # (resolved +45 points), and unresolved callers answer 4x as often as resolved
    # ones (chat 1.5x more than voice): missing at random within cells, so the
    # post-stratified estimate is consistent for the CSAT of all calls, while the raw
    # one is biased down (Lohr 2019, sec. 4.4; Little & Rubin 2019, sec. 3.3).
    rng = np.random.default_rng(20260323)
    rows = []
    truth_top2 = total = 0
    for resolved in (True, False):
        for channel, rate in (("voice", 0.04), ("chat", 0.06)):
            for queue, shift in (("billing", -0.05), ("tech", 0.05), ("sales", 0.0)):
                n = int(rng.integers(15_000, 25_000))
                p_happy = (0.85 if resolved else 0.40) + shift
                happy = rng.random(n) < p_happy
                answers = rng.random(n) < rate * (1 if resolved else 4)
                truth_top2, total = truth_top2 + int(happy.sum()), total + n
                m, x = int(answers.sum()), int((happy & answers).sum())
                rows.append((resolved, channel, queue, n, m, x))
    names = ("resolved", "channel", "queue", "calls", "n_csat", "csat_top2")
    cells = pl.DataFrame([dict(zip(names, r, strict=True)) for r in rows]).with_columns(
        n_nps=pl.col("n_csat"),
        promoters=pl.col("csat_top2"),
        detractors=pl.col("n_csat") - pl.col("csat_top2"),
    )
    truth = 100 * truth_top2 / total
    result = bias.reweight(cells, "csat")
    assert abs(result.weighted.value - truth) < 3 * result.weighted.se
    assert result.weighted.low < truth < result.weighted.high
    assert result.raw.value < truth - 10  # the unhappy over-answer: raw far too low
    assert not result.raw.low < truth < result.raw.high


def test_as_answered_is_reconciled_with_the_overview(tmp_path: Any) -> None:
    """Point 10: the overview counts every response, reweighting only those whose
    answered call is known; the page says so, with both counts."""
    s = connect(str(tmp_path / "pulso.duckdb"))
    calls, surveys, _ = _population()
    abandoned = len(calls) - 1
    extra = [survey(10_000 + j, T0, csat=5, nps=10) for j in range(10)]  # no call
    extra.append(survey(20_000, T0, call_id=f"C{abandoned}", csat=1, nps=0))
    insert(s, "calls", calls)
    insert(s, "surveys", [*surveys, *extra])
    march = Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    results = [r for r, _ in bias.reweighted(s, march, "en")]
    shown = bias.overview_figures(s, march)
    nps = bias.Reconciled("nps", shown["nps"], results[0].raw)
    assert (nps.overview.n, nps.here.n, nps.left_out) == (201, 190, 11)
    # 101 + 10 promoters, 89 + 1 detractors of 201 (the overview) vs 101 - 89 of 190
    assert nps.overview.value == pytest.approx(100 * (111 - 90) / 201)
    assert bias.reconcile_text(nps, "en") == (
        "The overview shows NPS 10.4 points from 201 responses: it counts every response. "
        "Here 190 count, those linked to an answered call, since each is weighted by its "
        "call; 11 responses without a known answered call are left out."
    )
    same = bias.Reconciled("csat", results[1].raw, results[1].raw)
    assert bias.reconcile_text(same, "es").startswith("Las mismas 190 respuestas")
    s.close()
