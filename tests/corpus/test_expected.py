"""The corpus's expected KPIs, checked against numbers verified another way.

The hard-coded numbers below were counted by hand with Python's ``csv`` module (a
different parser from polars, used in ``expected.py``) and, for the scores, by
tallying the 0-10 values one by one; the ``_csv_rows`` helper re-does the row count
with ``csv`` here so a change to a file shows up twice. Hashes pin the bytes that
PROVENANCE.md describes.
"""

from __future__ import annotations

import csv
import hashlib
import io

import pytest

from tests.corpus import expected as e

SHA256 = {
    "qualtrics_current_qualtrics_r.csv": (
        "3f55357fe3768d0f539dc8a47f39707f77344824ce40c675e941f2531ae2aaea"
    ),
    "qualtrics_legacy_qualtrics_r.csv": (
        "5c6d903404be0e04d2a12d3a0d960c1fded9d14317cacde402bca2b40719623b"
    ),
    "qualtrics_2016_singlequote_qualtricstools.csv": (
        "f9f3598a1d825d723f93b8e3b819bef057aa0c24195189a50f9006af86d1a84a"
    ),
    "surveymonkey_538_steak.csv": (
        "cc25080bf53209ba5034d738e857bd6106314f8e49ac7c203dbca9ff35474a1a"
    ),
    "surveymonkey_538_sleeping_alone.csv": (
        "268237abda83ddbdb5ea22d7594ddf354ae078e40b2e8bace8c44559eaec3895"
    ),
    "googleforms_sudzilla_nps.csv": (
        "263b17b8dc88ed1659b5b19552bbd13eaae670e1484d58ea2478efbfd6640571"
    ),
    "nps_prep_air.csv": "89c9d3ee274f921257fd7b6a219cb713762acabdca1831421a61c742cceae8e9",
    "googleforms_es_restaurante.csv": (
        "52cc6013e9f959c9e5fdb7c0570fd6ed68e509a9876e358d0d361000c0d68ed0"
    ),
    "googleforms_es_restaurante.xlsx": (
        "1e9e3acf16c539015f728edba2ea1bcbf3dfc408a9d261b3fae5612d2726c13b"
    ),
    "calls_contact_notes_prepbench.csv": (
        "3ad3f98e59107ca3c824bcd7900552079e97fc8e08f91dd016046435cbf54a83"
    ),
    "calls_agent_monthly_prepbench.csv": (
        "f4c8751c8a2326daa810d3d2d0616864122ae761f63b43d22a597b56f930b4d1"
    ),
    "calls_nyc311_sandy_by_day_538.csv": (
        "3b9c7812ab369b6d0a22de2dc66941f3195f156cdc8fdb4d046eab4499615e54"
    ),
}

# (encoding, header rows, data rows counted by hand with the csv module)
ROWS = {
    "qualtrics_current_qualtrics_r.csv": ("utf-8-sig", 3, 1),
    "qualtrics_legacy_qualtrics_r.csv": ("utf-8-sig", 2, 1),
    "qualtrics_2016_singlequote_qualtricstools.csv": ("utf-8-sig", 3, 10),
    "surveymonkey_538_steak.csv": ("utf-8-sig", 2, 550),
    "surveymonkey_538_sleeping_alone.csv": ("cp1252", 2, 1093),
    "googleforms_sudzilla_nps.csv": ("utf-8-sig", 1, 39),
    "nps_prep_air.csv": ("utf-8-sig", 1, 184),
    "googleforms_es_restaurante.csv": ("utf-8-sig", 1, 364),
    "calls_contact_notes_prepbench.csv": ("utf-8-sig", 1, 8),
    "calls_agent_monthly_prepbench.csv": ("utf-8-sig", 1, 135),
    "calls_nyc311_sandy_by_day_538.csv": ("utf-8-sig", 1, 1783),
}


def _csv_rows(name: str, encoding: str, delimiter: str = "") -> list[list[str]]:
    text = (e.CORPUS / name).read_bytes().decode(encoding)
    if not delimiter:
        delimiter = ";" if text.split("\n", 1)[0].count(";") > 3 else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(name: str) -> list[tuple]:
    """Every row of the first sheet, read with openpyxl (not polars/calamine)."""
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(e.CORPUS / name, read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def test_every_corpus_file_has_a_function_a_hash_and_a_row_count() -> None:
    on_disk = {p.name for p in e.CORPUS.glob("*") if p.suffix in {".csv", ".xlsx"}}
    assert on_disk == set(e.ALL) == set(SHA256) == set(ROWS) | {"googleforms_es_restaurante.xlsx"}


@pytest.mark.parametrize("name", sorted(SHA256))
def test_file_bytes_are_the_ones_described(name: str) -> None:
    digest = hashlib.sha256((e.CORPUS / name).read_bytes()).hexdigest()
    assert digest == SHA256[name]


@pytest.mark.parametrize("name", sorted(ROWS))
def test_row_count_agrees_with_the_csv_module(name: str) -> None:
    encoding, header_rows, rows = ROWS[name]
    assert len(_csv_rows(name, encoding)) - header_rows == rows
    assert e.ALL[name]()["rows"] == rows


def test_qualtrics_current_layout() -> None:
    got = e.qualtrics_current_qualtrics_r()
    assert got["response_ids"] == ["R_2YPOQ602ER1jkf1"]
    assert got["status_values"] == ["0"]  # a real (IP address) response
    assert got["user_language"] == ["DE"]
    assert got["responses_no_score"] == 1
    third = _csv_rows("qualtrics_current_qualtrics_r.csv", "utf-8")[2]
    assert third[0] == '{"ImportId":"startDate"}'


def test_qualtrics_legacy_layout_is_the_same_response() -> None:
    got = e.qualtrics_legacy_qualtrics_r()
    assert got["response_ids"] == e.qualtrics_current_qualtrics_r()["response_ids"]
    assert got["columns"] == 16  # trailing comma: an unnamed 16th column
    assert (e.CORPUS / "qualtrics_legacy_qualtrics_r.csv").read_bytes()[:3] == b"\xef\xbb\xbf"


def test_qualtrics_2016_single_quote_layout_holds_only_test_responses() -> None:
    rows = _csv_rows("qualtrics_2016_singlequote_qualtricstools.csv", "utf-8")
    assert rows[2][11] == "{'ImportId': 'QID1'}"
    got = e.qualtrics_2016_singlequote_qualtricstools()
    assert got["test_responses"] == 10
    assert got["rows_without_test"] == 0
    assert got["comments"] == 10
    assert got["responses_no_score"] == 10


def test_surveymonkey_files_have_no_score() -> None:
    steak = e.surveymonkey_538_steak()
    assert steak["distinct_respondent_ids"] == 550
    assert steak["responses_no_score"] == 550
    sleep = e.surveymonkey_538_sleeping_alone()
    assert sleep["responses_no_score"] == 1093
    # Day/month order not provable from the values: both parts stay <= 12.
    assert sleep["max_first_date_part"] <= 12
    assert sleep["max_second_date_part"] <= 12
    with pytest.raises(UnicodeDecodeError):
        (e.CORPUS / "surveymonkey_538_sleeping_alone.csv").read_bytes().decode("utf-8")


def test_google_forms_nps_by_hand() -> None:
    # Tally of column 2 (0-10), by hand: 9-10 -> 8 promoters, 7-8 -> 9, 0-6 -> 22.
    got = e.googleforms_sudzilla_nps()
    assert (got["promoters"], got["passives"], got["detractors"]) == (8, 9, 22)
    assert got["nps"] == pytest.approx((8 - 22) / 39 * 100)
    assert got["nps"] == pytest.approx(-35.897, abs=1e-3)
    assert got["comments"] == 37
    assert got["distinct_dates"] == ["11/1/2019", "11/2/2019", "11/4/2019"]
    scores = [int(r[1]) for r in _csv_rows("googleforms_sudzilla_nps.csv", "utf-8")[1:]]
    assert sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores) == 8 - 22


def test_plain_nps_file_by_hand() -> None:
    got = e.nps_prep_air()
    assert (got["promoters"], got["passives"], got["detractors"]) == (74, 75, 35)
    assert got["nps"] == pytest.approx((74 - 35) / 184 * 100)
    assert got["distinct_customers"] == 184


def test_contact_notes_cannot_be_calls() -> None:
    got = e.calls_contact_notes_prepbench()
    assert (got["phone"], got["email"]) == (4, 4)
    assert got["distinct_customers"] == 7  # customer 39822 contacted twice


def test_agent_monthly_aggregates() -> None:
    got = e.calls_agent_monthly_prepbench()
    assert got["offered_is_sum"]
    assert (got["calls"], got["answered"], got["abandoned"]) == (92094, 86239, 5855)
    assert got["abandonment_pct"] == pytest.approx(5855 / 92094 * 100)
    assert got["abandonment_pct"] == pytest.approx(6.358, abs=1e-3)
    assert got["duration_per_answered"] == pytest.approx(1162974 / 86239)
    assert got["transfers"] == 1796


def test_sandy_311_daily_counts() -> None:
    got = e.calls_nyc311_sandy_by_day_538()
    assert got["total_is_sum"]
    assert got["agencies"] == 23
    assert got["calls"] == 78158
    assert (got["first_date"], got["last_date"]) == ("10/22/12", "9/8/17")
    assert (got["busiest_day"], got["busiest_day_calls"]) == ("10/29/12", 8054)
    rows = _csv_rows("calls_nyc311_sandy_by_day_538.csv", "utf-8")[1:]
    assert sum(int(r[-1]) for r in rows) == 78158


def test_spanish_google_forms_csv_by_hand() -> None:
    rows = _csv_rows("googleforms_es_restaurante.csv", "utf-8-sig")
    assert rows[0][0] == "Marca temporal"
    service = [r[9].split(":")[0] for r in rows[1:]]
    # Tally by hand: Excepcional 216, Bueno 135, Aceptable 12, Insatisfactorio 1.
    assert [service.count(k) for k in ("Excepcional", "Bueno", "Aceptable", "Insatisfactorio")] == [
        216,
        135,
        12,
        1,
    ]
    got = e.googleforms_es_restaurante_csv()
    assert got["n_csat"] == 364
    assert got["csat_top2"] == 216 + 135
    assert got["csat_top2_pct"] == pytest.approx(351 / 364 * 100)
    assert got["csat_mean"] == pytest.approx((216 * 5 + 135 * 4 + 12 * 3 + 1) / 364)
    assert got["dishes_csat_mean"] == pytest.approx((240 * 5 + 117 * 4 + 4 * 3 + 2) / 362)
    assert got["responses_no_score"] == 0
    assert got["comments"] == sum(bool(r[16].strip()) for r in rows[1:])
    assert got["max_second_date_part"] == 29  # 8/29/2023: month-first, though Spanish


def test_spanish_google_forms_xlsx_is_the_same_survey() -> None:
    rows = _xlsx_rows("googleforms_es_restaurante.xlsx")
    assert rows[0][0] == "Marca temporal"
    assert len(rows) - 1 == 364
    got = e.googleforms_es_restaurante_xlsx()
    assert got["rows"] == 364
    as_csv = e.googleforms_es_restaurante_csv()
    for key in ("n_csat", "csat_top2", "csat_mean", "dishes_csat_mean", "comments"):
        assert got[key] == pytest.approx(as_csv[key])
    assert (got["first_date"], got["last_date"]) == ("2023-08-04", "2023-08-29")
