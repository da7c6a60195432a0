"""Fuzz: real public exports damaged byte by byte, through the CLI and the Upload engine.

Seeds: the real exports of ``tests/data/corpus`` (Qualtrics from ropensci/qualtRics,
MIT, and ctesta01/QualtricsTools, BSD; SurveyMonkey from fivethirtyeight/data, CC BY
4.0; Google Forms and Preppin' Data from zzzbitz/prepbench, MIT, and
ladiesman16/restaurant-survey-sql, MIT; Asterisk CDR from KelySaina/cdr, MIT; 911
logs of Seattle, CC0, New Orleans, CC0, and San Francisco, PDDL: paths, commits and
SHA-256 in ``tests/data/corpus/PROVENANCE.md``). Damage: bytes flipped, inserted
(NUL, BOMs, quotes, delimiters, line ends, Windows-1252 in UTF-8, RTL marks, formulas)
or deleted, the file cut, lines dropped, repeated, swapped or blank, quotes broken,
delimiters swapped, line ends changed, the encoding or byte-order mark changed, a
wrong suffix. Every file: no crash, no partial load, nothing lost silently.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile import fuzz


@pytest.fixture(scope="module")
def doors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fuzz.Doors]:
    opened = fuzz.Doors.open(tmp_path_factory.mktemp("exports"))
    yield opened
    opened.close()


@pytest.mark.parametrize(
    "seed", fuzz.SURVEY_SEEDS + fuzz.CALL_SEEDS, ids=lambda s: s.file.removesuffix(".csv")
)
def test_every_seed_loads_whole_untouched(seed: fuzz.Seed, doors: fuzz.Doors) -> None:
    """So that a damaged copy that is refused was refused for its damage (and the
    damaged copies then meet their rows again: updated, unchanged or rejected)."""
    by_cli, by_engine = doors.both(fuzz.seed_case(seed))
    doors.cli.recorded()
    assert (by_cli.outcome, by_engine.outcome) == ("loaded", "loaded"), by_cli.err
    report = by_engine.report
    assert report is not None and report.n_rows + sum(report.skipped.values()) > 0


def test_damaged_survey_exports(doors: fuzz.Doors) -> None:
    fuzz.run(fuzz.damaged(fuzz.SURVEY_SEEDS), doors, "exports")


def test_damaged_call_logs(doors: fuzz.Doors) -> None:
    fuzz.run(fuzz.damaged(fuzz.CALL_SEEDS), doors, "exports_calls")
