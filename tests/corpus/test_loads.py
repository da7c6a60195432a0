"""Real public exports, loaded as an analyst would, give the numbers computed by hand.

Each case loads one file of ``tests/data/corpus`` (provenance in ``PROVENANCE.md``
there) through the command line, with only the flags a person must decide (the
column a 0-10 rating lives in when no header says "recommend", a day/month order
the values leave open, a label scale, a date the file does not have). The KPIs are
then read the way the app reads them (the Ibis read path and the KPI catalog) and
compared with ``expected``, which computes them from the raw bytes with polars.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from analytics import kpis, queries
from analytics.ingest import cli
from analytics.store import Store, connect
from tests.corpus import expected

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
SUDZILLA_NPS = "On a scale of 0-10, how would you rate Sudzilla?"
RESTAURANT_CSAT = "¿Qué opinás sobre nuestro servicio al cliente?"
#: The author's own recoding (restaurant-survey-sql, sql/02_transformar_limpio.sql).
RESTAURANT_LABELS = "csat=excepcional:5,bueno:4,aceptable:3,insatisfactorio:1"


@dataclass(frozen=True)
class Case:
    file: str
    flags: tuple[str, ...]
    expected: Callable[[], dict[str, Any]]
    #: Rows rejected on purpose, with the reason code (none unless said).
    rejected: int = 0


SURVEYS = [
    Case("googleforms_sudzilla_nps.csv", ("--monthfirst", "--map", f"{SUDZILLA_NPS}=nps"),
         expected.googleforms_sudzilla_nps),
    Case("googleforms_es_restaurante.csv", ("--map", f"{RESTAURANT_CSAT}=csat", "--values", RESTAURANT_LABELS),
         expected.googleforms_es_restaurante_csv),
    Case("googleforms_es_restaurante.xlsx", ("--map", f"{RESTAURANT_CSAT}=csat", "--values", RESTAURANT_LABELS),
         expected.googleforms_es_restaurante_xlsx),
    Case("nps_prep_air.csv", ("--map", "CustomerID=response_id", "--const", "responded_at=2021-01-01"),
         expected.nps_prep_air),
    Case("qualtrics_current_qualtrics_r.csv", (), expected.qualtrics_current_qualtrics_r),
    Case("qualtrics_legacy_qualtrics_r.csv", (), expected.qualtrics_legacy_qualtrics_r),
    Case("qualtrics_2016_singlequote_qualtricstools.csv", (),
         expected.qualtrics_2016_singlequote_qualtricstools),
    Case("surveymonkey_538_steak.csv", ("--const", "responded_at=2014-05-01"),
         expected.surveymonkey_538_steak),
    # Two responses are the same to the minute and the letter: with no id column,
    # they get the same key and are both rejected, naming each other.
    Case("surveymonkey_538_sleeping_alone.csv", ("--monthfirst",),
         expected.surveymonkey_538_sleeping_alone, rejected=2),
]  # fmt: skip


def load(db: Path, target: str, case: Case) -> int:
    parser = cli.add_parser(argparse.ArgumentParser().add_subparsers())
    args = parser.parse_args([target, str(CORPUS / case.file), *case.flags, "--db", str(db)])
    return int(cli.run(args))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Callable[[], Store]]:
    opened: list[Store] = []

    def open_() -> Store:
        opened.append(connect(str(tmp_path / "pulso.duckdb")))
        return opened[-1]

    yield open_
    for s in opened:
        s.close()


def survey_kpis(store: Store) -> dict[str, Any]:
    """NPS and CSAT over every stored response, as the app computes them."""
    facts = queries.survey_facts(queries.answers_of(store.table("surveys"), store.table("calls")))
    row = store.read(queries.survey_stats(facts)).row(0, named=True)
    return {key: kpis.get(key).estimate(row) for key in ("nps", "csat", "csat_mean")}


def counts(store: Store) -> tuple[int, int, int]:
    """Responses stored, rejected rows, and stored responses with no score at all."""
    sql = (
        "select (select count(*) from surveys), (select count(distinct row_number) from rejected_rows), "
        "(select count(*) from surveys where nps is null and csat is null and ces is null)"
    )
    found = store.cursor().execute(sql).fetchone()
    assert found is not None
    return int(found[0]), int(found[1]), int(found[2])


@pytest.mark.parametrize("case", SURVEYS, ids=lambda c: c.file)
def test_survey_export_loads_with_the_numbers_computed_by_hand(
    tmp_path: Path, store: Callable[[], Store], case: Case
) -> None:
    want = case.expected()
    assert load(tmp_path / "pulso.duckdb", "surveys", case) == 0
    opened = store()
    stored, rejected, no_score = counts(opened)
    rows = want.get("rows_without_test", want["rows"])  # Qualtrics test responses skip
    assert (stored + rejected, rejected) == (rows, case.rejected)
    assert no_score == min(want["responses_no_score"], stored)
    found = survey_kpis(opened)
    if "nps" in want:
        assert (found["nps"].n, found["nps"].value) == (want["n_nps"], pytest.approx(want["nps"]))
    else:  # never 0: not measured
        assert found["nps"].n == 0 and found["nps"].empty
    if "csat_top2_pct" in want:
        assert found["csat"].n == want["n_csat"]
        assert found["csat"].value == pytest.approx(want["csat_top2_pct"])
        assert found["csat_mean"].value == pytest.approx(want["csat_mean"])
    else:
        assert found["csat"].empty


def test_reloading_a_keyless_export_adds_nothing(
    tmp_path: Path, store: Callable[[], Store]
) -> None:
    case = SURVEYS[0]
    db = tmp_path / "pulso.duckdb"
    assert load(db, "surveys", case) == 0
    assert load(db, "surveys", case) == 0
    assert counts(store())[0] == expected.googleforms_sudzilla_nps()["rows"]


@pytest.mark.parametrize(
    "file",
    ["calls_agent_monthly_prepbench.csv", "calls_contact_notes_prepbench.csv",
     "calls_nyc311_sandy_by_day_538.csv"],
)  # fmt: skip
def test_call_totals_are_refused_not_loaded_as_calls(
    tmp_path: Path, store: Callable[[], Store], file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real call-centre files that hold totals per agent or per day, or notes: nothing
    in them is one call, so nothing is loaded and the refusal says what is missing."""
    assert load(tmp_path / "pulso.duckdb", "calls", Case(file, (), dict)) == 1
    error = capsys.readouterr().err
    assert f"refused: {file}: cannot map the columns without help" in error
    assert "no column found for required" in error
    calls = store().cursor().execute("select count(*) from calls").fetchone()
    assert calls == (0,)
