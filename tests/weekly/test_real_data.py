"""The weekly review of a real call log nobody here wrote: a lab PBX's Asterisk
call-detail records (tests/data/corpus/PROVENANCE.md: KelySaina/cdr, MIT), loaded
through the command line as an analyst would. The report gives the abandonment
computed by hand from the raw file, and says "not measured" for everything the file
cannot give (it has no surveys, no wait and no resolution), never 0."""

from __future__ import annotations

from pathlib import Path

from analytics import kpis
from analytics.cli import main
from analytics.i18n import kpi_value, t
from tests.corpus import expected
from tests.corpus.test_call_logs import ASTERISK, CORPUS, load


def test_a_pbx_log_reports_its_abandonment_and_not_measured_for_the_rest(
    tmp_path: Path,
) -> None:
    db = tmp_path / "pulso.duckdb"
    assert load(db, CORPUS / "calls_asterisk_cdr_kelysaina.csv", *ASTERISK) == 0
    want = expected.calls_asterisk_cdr_kelysaina()
    day = want["first_start"][:10]
    out = tmp_path / "review.txt"
    args = ["report", "--start", day, "--end", day, "--format", "text", "--out", str(out)]
    assert main([*args, "--db", str(db)]) == 0
    text = out.read_text(encoding="utf-8")
    abandonment = kpi_value("percent", want["abandonment_pct"], "en")  # 3 of 14 calls
    assert f"- {t('kpi.abandonment', 'en')}: {abandonment};" in text
    for key in ("nps", "csat", "ces", "asa", "resolution", "transfer_rate"):
        line = next(x for x in text.splitlines() if x.startswith(f"- {t(f'kpi.{key}', 'en')}:"))
        assert t("kpi.not_measured", "en") in line, line
        assert kpi_value(kpis.get(key).unit, 0.0, "en") not in line, line  # never a 0
