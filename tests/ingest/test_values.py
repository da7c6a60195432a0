"""Cell parsers, table-driven: what each text becomes, or which reason rejects it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from analytics.ingest import dates, steps, values
from analytics.ingest.steps import Stages


def parse(texts: list[str | None], stages: Stages) -> list[tuple[Any, str | None]]:
    c = steps.cols_for("t")
    frame = pl.DataFrame({"v": texts}, schema={"v": pl.String}).lazy()
    first = {c.name("text"): values.clean(pl.col("v"))}
    out = steps.run(frame, [first, *stages]).collect()
    return list(zip(out.get_column(c.name("value")), out.get_column(c.name("error")), strict=True))


C = steps.cols_for("t")


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("95", ".", (95.0, None)),
        ("95.5", ".", (95.5, None)),
        ("95,5", ",", (95.5, None)),
        ("1.250,0", ",", (1250.0, None)),
        ("1,234.5", ".", (1234.5, None)),
        ("02:03", ".", (123.0, None)),
        ("1:02:03", ".", (3723.0, None)),
        ("00:01:30,5", ",", (90.5, None)),
        ("-5", ".", (None, "negative_duration")),
        ("-00:05", ".", (None, "negative_duration")),
        ("1:75", ".", (None, "duration_format")),
        ("abc", ".", (None, "duration_format")),
        ("95,5", ".", (None, "duration_format")),  # a comma where the file uses points
        ("inf", ".", (None, "duration_format")),
        ("  ", ".", (None, None)),
        (None, ".", (None, None)),
    ],
)
def test_duration(text: str | None, decimal: str, expected: tuple[Any, Any]) -> None:
    assert parse([text], values.duration(C, decimal)) == [expected]  # type: ignore[arg-type]


BOOLEAN_WORDS = ["Sí", "si", "SI", "sí", "S", "yes", "Y", "true", "TRUE", "1", "verdadero"]


@pytest.mark.parametrize("word", BOOLEAN_WORDS)
def test_true_words(word: str) -> None:
    assert parse([word], values.boolean(C)) == [(True, None)]


@pytest.mark.parametrize("word", ["No", "no", "N", "n", "false", "F", "0", "falso", "FALSO"])
def test_false_words(word: str) -> None:
    assert parse([word], values.boolean(C)) == [(False, None)]


@pytest.mark.parametrize("word", ["quizás", "maybe", "2", "yes!"])
def test_unknown_boolean_words(word: str) -> None:
    assert parse([word], values.boolean(C)) == [(None, "unknown_boolean")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", (0, None)),
        ("10", (10, None)),
        ("10 - Extremely likely", (10, None)),
        ("0 - Not at all likely", (0, None)),
        ("9.0", (9, None)),
        ("7.5", (None, "not_an_integer")),
        ("11", (None, "out_of_range")),
        ("-1", (None, "out_of_range")),
        ("nine", (None, "not_an_integer")),
    ],
)
def test_nps(text: str, expected: tuple[Any, Any]) -> None:
    assert parse([text], values.scale(C, ".", 0, 10)) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Muy satisfecho", 5), ("muy  satisfecha", 5), ("Satisfecho", 4),
        ("Ni satisfecho ni insatisfecho", 3), ("Insatisfecho", 2), ("Muy insatisfecho", 1),
        ("Very satisfied", 5), ("Extremely dissatisfied", 1), ("Somewhat satisfied", 4),
        ("4", 4), ("5 - Very satisfied", 5),
    ],
)  # fmt: skip
def test_csat_labels_and_numbers(text: str, expected: int) -> None:
    assert parse([text], values.csat(C, ".")) == [(expected, None)]


@pytest.mark.parametrize(("text", "code"), [("6", "out_of_range"), ("meh", "unknown_label")])
def test_csat_rejects(text: str, code: str) -> None:
    assert parse([text], values.csat(C, ".")) == [(None, code)]


@pytest.mark.parametrize(
    ("top", "harder", "text", "expected"),
    [
        (5, False, "4", 4.0),
        (5, True, "4", 2.0),  # 1..5 with higher = harder: 4 is fairly hard = 2 easy
        (7, True, "1", 7.0),
        (7, False, "6,5", None),  # the file's decimal mark is "."
    ],
)
def test_ces_is_stored_higher_easier(top: int, harder: bool, text: str, expected: Any) -> None:
    value, _ = parse([text], values.ces(C, ".", top, harder))[0]
    assert value == expected


def test_ces_out_of_declared_scale() -> None:
    assert parse(["6"], values.ces(C, ".", 5, False)) == [(None, "out_of_range")]


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("2024-03-05", None, dt.datetime(2024, 3, 5)),
        ("2024-03-05 14:30", None, dt.datetime(2024, 3, 5, 14, 30)),
        ("2024-03-05T14:30:09.5Z", None, dt.datetime(2024, 3, 5, 14, 30, 9, 500000)),
        ("2024-03-05T14:30:09+02:00", None, dt.datetime(2024, 3, 5, 12, 30, 9)),
        ("05/03/2024", True, dt.datetime(2024, 3, 5)),
        ("05/03/2024", False, dt.datetime(2024, 5, 3)),
        ("13/02/2024 10:15", True, dt.datetime(2024, 2, 13, 10, 15)),
        ("05-03-2024", True, dt.datetime(2024, 3, 5)),
        ("5.3.2024 1:05 PM", True, dt.datetime(2024, 3, 5, 13, 5)),
        ("03/14/2024 12:00 AM", False, dt.datetime(2024, 3, 14, 0, 0)),
        # Two-digit years, as older SurveyMonkey exports and US spreadsheets write
        # them: the POSIX %y rule (00-68 -> 20xx, 69-99 -> 19xx).
        ("7/10/14 18:37", False, dt.datetime(2014, 7, 10, 18, 37)),
        ("31/12/98", True, dt.datetime(1998, 12, 31)),
        ("1/2/68", True, dt.datetime(2068, 2, 1)),
    ],
)
def test_timestamps(text: str, dayfirst: bool | None, expected: dt.datetime) -> None:
    assert parse([text], dates.timestamp(C, dayfirst)) == [(expected, None)]


@pytest.mark.parametrize(
    ("text", "dayfirst", "code"),
    [
        ("31/02/2024", True, "impossible_date"),
        ("2023-02-29", None, "impossible_date"),
        ("2024-13-01", None, "impossible_date"),
        ("25:00 01/01/2024", True, "date_format"),
        ("05/03/245", True, "date_format"),
        ("1899-12-31", None, "impossible_date"),
        ("05/03/2024", None, "ambiguous_date"),  # no order decided: never per row
        ("hello", True, "date_format"),
    ],
)
def test_bad_timestamps(text: str, dayfirst: bool | None, code: str) -> None:
    assert parse([text], dates.timestamp(C, dayfirst)) == [(None, code)]


def test_fast_format_path_matches_the_full_path() -> None:
    texts = ["13/02/2024 10:15", "31/02/2024 10:15", "05/03/2024 08:00", "2024-01-01", None]
    fmt = dates.fast_format(pl.Series(texts), dayfirst=True)
    assert fmt == "%d/%m/%Y %H:%M"
    fast = parse(texts, dates.fast_timestamp(C, fmt))
    full = parse(texts, dates.timestamp(C, True))
    assert [e for _, e in fast] == [None, dates.SLOW, None, dates.SLOW, None]
    assert all(f == g for f, g in zip(fast, full, strict=True) if f[1] is None)


@pytest.mark.parametrize(
    ("words", "text", "expected"),
    [("types", "Transaccional", "transactional"), ("types", "relacional", "relational"),
     ("channels", "Correo electrónico", "email"), ("channels", "IVR", "ivr"),
     ("channels", "anonymous", "web"), ("channels", "fax", None)],
)  # fmt: skip
def test_choices(words: str, text: str, expected: str | None) -> None:
    from analytics.ingest import vocabulary as v

    table = v.SURVEY_TYPES if words == "types" else v.SURVEY_CHANNELS
    value, error = parse([text], values.choice(C, table))[0]
    assert value == expected and (error is None) == (expected is not None)
