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
from collections import Counter
from datetime import datetime

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
    "calls_asterisk_cdr_kelysaina.csv": (
        "24bac86caf90bd40a8da1c6f619937cd62f6249160e303856d24a8823fe93933"
    ),
    "calls_sffd_dispatch_usf.csv": (
        "cdb8f793b31800f824934d7d3e2fb5cb5d1717983924e21b3b292bfa299716ad"
    ),
    "calls_seattle_pd_911_csss508.csv": (
        "8d21672425bfd5d992cd4c3cfdc16e4909d67decf0df0f14964021294d052e14"
    ),
    "calls_nola_cfs_2011_excerpt.csv": (
        "2da71c01a4d3502c63ddcbbba3d36ca72ed4bbe571c7e3e9ef1ac177992fa7bd"
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
    "calls_asterisk_cdr_kelysaina.csv": ("utf-8-sig", 0, 14),
    "calls_sffd_dispatch_usf.csv": ("utf-8-sig", 1, 865),
    "calls_seattle_pd_911_csss508.csv": ("utf-8-sig", 1, 706),
    "calls_nola_cfs_2011_excerpt.csv": ("utf-8-sig", 0, 199),
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
    keys = ("n_csat", "csat_top2", "csat_mean", "dishes_csat_mean", "comments")
    assert {k: got[k] for k in keys} == pytest.approx({k: as_csv[k] for k in keys})
    assert (got["first_date"], got["last_date"]) == ("2023-08-04", "2023-08-29")


# ------------------------------------------------------------- per-call logs
# Second way: the csv module and datetime.strptime, row by row, and counts by hand.

US_12H = "%m/%d/%Y %I:%M:%S %p"


def _when(text: str, fmt: str = US_12H) -> datetime | None:
    return None if text in ("", "empty") else datetime.strptime(text, fmt)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def test_asterisk_cdr_by_hand() -> None:
    rows = _csv_rows("calls_asterisk_cdr_kelysaina.csv", "utf-8")
    assert {len(r) for r in rows} == {19}  # no header: cdr_custom writes none
    assert rows[0][:4] == ['"" <client1>', "client1", "6789", "default"]
    answered = [r for r in rows if r[13] == "ANSWERED"]
    unanswered = [r for r in rows if r[13] == "NO ANSWER"]
    assert (len(answered), len(unanswered)) == (11, 3)
    assert all(r[9] == "" for r in unanswered)
    got = e.calls_asterisk_cdr_kelysaina()
    assert (got["answered"], got["abandoned"]) == (11, 3)
    assert got["abandonment_pct"] == pytest.approx(3 / 14 * 100)
    assert got["abandonment_pct"] == pytest.approx(21.429, abs=1e-3)
    iso = "%Y-%m-%d %H:%M:%S"
    waits = [(_when(r[9], iso) - _when(r[8], iso)).total_seconds() for r in answered]
    # By hand: 18, 4, 7, 3, 5, 5, 6, 2, 3, 3, 2 seconds of ringing.
    assert waits == [18, 4, 7, 3, 5, 5, 6, 2, 3, 3, 2]
    assert got["avg_wait_s"] == pytest.approx(58 / 11)
    # billsec of the answered calls: 13+13+18+8+8+7+3+2+2+2+2 = 78.
    assert sum(int(r[12]) for r in answered) == 78
    assert got["avg_handle_s"] == pytest.approx(78 / 11)
    # The integer columns round differently from the timestamps.
    assert got["avg_wait_from_duration_minus_billsec_s"] == pytest.approx(
        sum(int(r[11]) - int(r[12]) for r in answered) / 11
    )
    assert got["avg_wait_from_duration_minus_billsec_s"] != pytest.approx(got["avg_wait_s"])
    assert got["avg_end_minus_answer_s"] == pytest.approx(81 / 11)
    assert Counter(r[2] for r in rows).most_common(1) == [("6789", 9)]
    assert got["top_dst_pct"] == pytest.approx(9 / 14 * 100)
    assert got["contexts"] == ["default"]
    assert len({r[16] for r in rows}) == got["distinct_uniqueid"] == 14
    assert (got["first_start"], got["last_start"]) == ("2023-07-26 01:51:32", "2023-07-26 09:25:00")


def test_sf_fire_dispatch_one_row_per_unit() -> None:
    rows = _csv_rows("calls_sffd_dispatch_usf.csv", "utf-8")
    header, data = rows[0], rows[1:]
    assert header[0] == "Call Number" and header[-1] == "RowID"
    calls: dict[str, list[list[str]]] = {}
    for r in data:
        calls.setdefault(r[0], []).append(r)
    got = e.calls_sffd_dispatch_usf()
    assert (got["rows"], got["calls"]) == (865, 173) == (len(data), len(calls))
    assert len({r[-1] for r in data}) == 865  # RowID = call + unit is the row key
    assert got["one_value_per_call"]
    first = {c: rs[0] for c, rs in calls.items()}
    assert Counter(r[13] for r in first.values()) == Counter(got["dispositions"])
    assert got["dispositions"]["Fire"] == 165
    types = Counter(r[3] for r in first.values())
    assert types == {"Structure Fire": 136, "Outside Fire": 37}
    assert got["top_type_pct"] == pytest.approx(136 / 173 * 100)
    taking = [(_when(r[7]) - _when(r[6])).total_seconds() for r in first.values()]
    to_dispatch = [
        (min(_when(u[8]) for u in rs) - _when(rs[0][6])).total_seconds() for rs in calls.values()
    ]
    assert got["avg_call_taking_s"] == pytest.approx(_mean(taking))
    assert got["avg_received_to_dispatch_s"] == pytest.approx(_mean(to_dispatch))
    assert got["avg_call_taking_s"] == pytest.approx(47.543, abs=1e-3)
    assert sum(r[4] != r[5] for r in data) == got["watch_date_not_call_date"] == 140
    received = sorted(_when(r[6]) for r in first.values())
    assert str(received[0]) == got["first_received"] == "2017-01-01 11:47:55"
    assert str(received[-1]) == got["last_received"] == "2018-12-28 08:48:56"


def test_seattle_911_twelve_hour_clock() -> None:
    rows = _csv_rows("calls_seattle_pd_911_csss508.csv", "utf-8")[1:]
    got = e.calls_seattle_pd_911_csss508()
    assert got["rows"] == got["distinct_events"] == 706
    cleared = [_when(r[7]) for r in rows]
    assert str(min(cleared)) == got["first_cleared"] == "2016-03-25 00:00:16"
    assert str(max(cleared)) == got["last_cleared"] == "2016-03-25 23:58:30"
    # Sorting the text is wrong: "01:01:03 AM" < "12:00:16 AM" as strings.
    assert min(r[7] for r in rows) == got["text_min"] == "03/25/2016 01:01:03 AM"
    assert got["text_min"] != "03/25/2016 12:00:16 AM"
    on_scene = [(_when(r[7]) - _when(r[18])).total_seconds() for r in rows if r[18]]
    assert len(on_scene) == got["with_at_scene"] == 271
    assert got["avg_scene_to_clear_s"] == pytest.approx(_mean(on_scene))
    assert Counter(r[6] for r in rows).most_common(1) == [("TRAFFIC RELATED CALLS", 114)]
    assert got["top_group_pct"] == pytest.approx(114 / 706 * 100)
    assert (
        sum(r[3].startswith("0") for r in rows) == got["clearance_codes_with_leading_zero"] == 135
    )


def test_new_orleans_headerless_excerpt_with_empty_word() -> None:
    rows = _csv_rows("calls_nola_cfs_2011_excerpt.csv", "utf-8")
    assert {len(r) for r in rows} == {16}
    assert rows[0][0] == "A0000111"  # data from the first line: no header
    got = e.calls_nola_cfs_2011_excerpt()
    assert got["distinct_items"] == 199
    assert sum(c == "empty" for r in rows for c in r) == got["empty_cells"] == 106
    waits = [(_when(r[7]) - _when(r[6])).total_seconds() for r in rows if r[7] != "empty"]
    handles = [(_when(r[9]) - _when(r[8])).total_seconds() for r in rows if r[8] != "empty"]
    assert (len(waits), len(handles)) == (got["with_dispatch"], got["with_arrive"]) == (184, 110)
    assert got["avg_wait_s"] == pytest.approx(_mean(waits))
    assert got["avg_handle_s"] == pytest.approx(_mean(handles))
    assert got["avg_wait_s"] == pytest.approx(683.076, abs=1e-3)
    assert Counter(r[10] for r in rows) == Counter(got["dispositions"])
    assert got["dispositions"]["NAT"] == 107 and got["dispositions"]["UNF"] == 60
    assert Counter(r[2] for r in rows).most_common(1) == [("DISCHARGING FIREARMS", 57)]
    assert got["top_type_pct"] == pytest.approx(57 / 199 * 100)
    # "12:00:02 AM" is two seconds after midnight, the first call of the year.
    assert got["first_created"] == "2011-01-01 00:00:02"
    assert got["last_created"] == str(max(_when(r[6]) for r in rows)) == "2011-01-01 01:07:34"
