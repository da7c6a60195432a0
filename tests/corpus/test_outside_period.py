"""Two real exports of different years in one store: a PBX log of July 2023 (Asterisk
CDR) and a Google Forms NPS survey of November 2019. The pages open on the calls' last
28 days, where there is no survey answer: each page that reads answers says so, and
says which dates hold them, instead of only "no data in this period"."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from analytics import overview
from analytics.ingest import cli
from analytics.store import connect
from tests.apptest import AppDb, open_app
from tests.corpus.test_call_logs import ASTERISK, CORPUS
from tests.corpus.test_loads import SUDZILLA_NPS

SURVEYS = {
    "en": "The survey responses loaded run from 1 Nov 2019 to 4 Nov 2019, outside this "
    "period: choose those dates in the sidebar to see them.",
    "es": "Las respuestas de encuesta cargadas van del 1 nov 2019 al 4 nov 2019, fuera de "
    "este periodo: elija esas fechas en el panel lateral para verlas.",
}
PAGES = ("views/overview.py", "views/drivers.py", "views/voice.py", "views/bias.py",
         "views/rankings.py", "views/followup.py")  # fmt: skip


def _load(db: Path, target: str, file: str, *flags: str) -> None:
    parser = cli.add_parser(argparse.ArgumentParser().add_subparsers())
    args = parser.parse_args([target, str(CORPUS / file), *flags, "--db", str(db)])
    assert cli.run(args) == 0


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("outside") / "pulso.duckdb"
    _load(db, "calls", "calls_asterisk_cdr_kelysaina.csv", *ASTERISK)
    _load(db, "surveys", "googleforms_sudzilla_nps.csv", "--monthfirst",
          "--map", f"{SUDZILLA_NPS}=nps")  # fmt: skip
    return db


def test_each_source_keeps_its_own_dates(two_years: Path) -> None:
    store = connect(str(two_years), read_only=True)
    ranges = overview.source_ranges(store)
    store.close()
    days = {s: (lo.isoformat(), hi.isoformat()) for s, (lo, hi) in ranges.items()}
    assert days == {"calls": ("2023-07-26", "2023-07-26"), "surveys": ("2019-11-01", "2019-11-04")}
    assert overview.span(ranges) == (ranges["surveys"][0], ranges["calls"][1])
    july = overview.outside(ranges, ranges["calls"][0], ranges["calls"][1])
    assert list(july) == ["surveys"]  # the calls are in July's period: no note for them


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_page_of_the_calls_period_says_where_the_answers_are(
    two_years: Path, app_db: AppDb, page: str, lang: str
) -> None:
    app_db(two_years)
    at = open_app(page, lang=lang)
    assert not at.exception, [e.message for e in at.exception]
    notes = [i.value for i in at.info]
    assert SURVEYS[lang] in notes, notes
    assert not any("2023" in n and "loaded run" in n for n in notes)  # the calls are here


def test_the_period_that_holds_the_answers_has_no_note(two_years: Path, app_db: AppDb) -> None:
    app_db(two_years)
    at = open_app("views/overview.py", period=["2019-10-15", "2019-11-10"])
    notes = [i.value for i in at.info]
    assert SURVEYS["en"] not in notes
    calls = "The calls loaded run from 26 Jul 2023 to 26 Jul 2023, outside this period"
    assert any(n.startswith(calls) for n in notes), notes  # now the calls are elsewhere
