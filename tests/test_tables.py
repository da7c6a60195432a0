"""Tables in the reader's language (ui/tables.py): what each kind of column reads in
English and Spanish, empty cells, and that the data under the text stays numbers and
dates (a click on a header sorts by them). Plus the house rules that keep every page on
it: no st.dataframe elsewhere, no multiselect with Streamlit's English placeholder."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from ui import tables
from ui.tables import Col

ROOT = Path(__file__).resolve().parent.parent
AT = dt.datetime(2026, 6, 10, 19, 53, 42)


def display_values(element: Any) -> pd.DataFrame:
    """What the grid draws in an AppTest dataframe: the Styler's display values."""
    return dataframe_util.convert_arrow_bytes_to_pandas_df(
        element.proto.arrow_data.styler.display_values
    )


@pytest.mark.parametrize(
    ("col", "value", "en", "es"),
    [
        (Col("x", "number"), 29.44, "29.4", "29,4"),
        (Col("x", "number"), 1234.56, "1,234.6", "1.234,6"),
        (Col("x", "number", 2, sign=True), 0.456, "+0.46", "+0,46"),
        (Col("x", "count"), 1024, "1,024", "1.024"),
        (Col("x", "id"), 1024, "1024", "1024"),
        (Col("x", "plain"), 125.5, "125.5", "125,5"),
        (Col("x", "plain"), 60.0, "60", "60"),
        (Col("x", "percent"), 12.34, "12.3%", "12,3 %"),
        (Col("x", "percent", sign=True), -5.67, "-5.7%", "-5,7 %"),
        (Col("x", "duration"), 245.4, "4:05", "4:05"),
        (Col("x", "duration", sign=True), 7.0, "+0:07", "+0:07"),
        (Col("x", "moment"), AT, "2026-06-10 19:53", "10/06/2026 19:53"),
        (Col("x", "moment"), pd.Timestamp(AT), "2026-06-10 19:53", "10/06/2026 19:53"),
        (Col("x", "day"), dt.date(2026, 6, 3), "3 Jun 2026", "3 jun 2026"),
        (Col("x", "day"), pd.Timestamp(AT), "10 Jun 2026", "10 jun 2026"),
        (Col("x"), "Sur", "Sur", "Sur"),
    ],
)
def test_each_kind_reads_as_the_language_writes_it(
    col: Col, value: object, en: str, es: str
) -> None:
    assert (tables.formatter(col, "en")(value), tables.formatter(col, "es")(value)) == (en, es)


@pytest.mark.parametrize(
    ("unit", "kind", "decimals"),
    [("percent", "percent", 1), ("seconds", "duration", 1), ("score", "number", 2),
     ("points", "number", 1)],
)  # fmt: skip
def test_a_kpi_column_is_in_the_kpi_unit(unit: str, kind: str, decimals: int) -> None:
    assert tables.for_unit("Value", unit) == Col("Value", kind, decimals)  # type: ignore[arg-type]


def test_loaded_rows_are_read_from_their_types() -> None:
    frame = pl.DataFrame(
        {"row": [2], "wait": [12.5], "at": [AT], "on": [AT.date()], "ok": [True], "q": ["b"]}
    )
    kinds = {c: col.kind for c, col in tables.guess(frame, {c: c for c in frame.columns}).items()}
    assert kinds == {
        "row": "id", "wait": "plain", "at": "moment", "on": "day", "ok": "check", "q": "text"
    }  # fmt: skip


def test_the_styler_writes_the_text_and_keeps_the_values() -> None:
    frame = pl.DataFrame({"v": [29.44, None, float("nan")], "q": ["a", None, "c"]})
    styled = tables.styled(frame, {"v": Col("Value", "percent"), "q": Col("Queue")}, "es")
    html = styled.to_html()
    assert "29,4 %" in html and html.count(tables.EMPTY) == 3  # None and NaN alike
    assert styled.data["v"].iloc[0] == 29.44  # the value under the text


def test_rows_are_tinted_one_by_one() -> None:
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    columns = {"a": Col("A", "count"), "b": Col("B")}
    styled = tables.styled(frame, columns, "en", row_css=["color: red", ""])
    styled._compute()
    assert styled.ctx[(0, 1)] == [("color", "red")] and (1, 0) not in styled.ctx


def _page() -> None:  # an AppTest script: imports inside
    import datetime as dt

    import polars as pl
    import streamlit as st

    from ui import tables
    from ui.tables import Col

    lang = "es" if st.query_params.get("lang") == "es" else "en"
    frame = pl.DataFrame(
        {
            "queue": ["billing", None, "tech"],
            "value": [29.44, None, 1234.5],
            "n": [1024, 3, None],
            "when": [dt.datetime(2026, 6, 10, 19, 53), None, dt.datetime(2025, 1, 2, 3, 4)],
            "late": [True, False, True],
        }
    )
    columns = {
        "queue": Col("Queue"),
        "value": Col("Value", "percent"),
        "n": Col("n", "count"),
        "when": Col("When", "moment"),
        "late": Col("Late", "check"),
    }
    tables.show(frame, columns, lang)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", [["billing", "29.4%", "1,024", "2026-06-10 19:53"], ["–", "–", "3", "–"],
                ["tech", "1,234.5%", "–", "2025-01-02 03:04"]]),
        ("es", [["billing", "29,4 %", "1.024", "10/06/2026 19:53"], ["–", "–", "3", "–"],
                ["tech", "1.234,5 %", "–", "02/01/2025 03:04"]]),
    ],
)  # fmt: skip
def test_a_shown_table_draws_the_language_over_the_values(
    lang: str, expected: list[list[str]]
) -> None:
    at = AppTest.from_function(_page)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    element = at.dataframe[0]
    drawn = display_values(element)[["queue", "value", "n", "when"]]
    assert drawn.values.tolist() == expected
    data = element.value
    assert data["value"].tolist()[::2] == [29.44, 1234.5]  # sorting sorts numbers
    assert data["when"].dt.year.tolist()[::2] == [2026, 2025]  # and moments
    assert element.proto.placeholder == tables.EMPTY  # an empty cell is drawn "–"
    assert element.proto.arrow_data.styler.display_values  # the Styler reached the grid
    assert '"format"' not in element.proto.columns  # a format would hide the Styler's text


def _long_page() -> None:  # an AppTest script: imports inside
    import polars as pl

    from ui import tables
    from ui.tables import Col

    frame = pl.DataFrame({"a": range(8), "b": ["x"] * 8})
    tables.show(frame, {"a": Col("A", "count"), "b": Col("B")}, "es", row_css=["color: red"] * 8)


def test_a_long_table_shows_its_first_rows_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "MAX_CELLS", 10)  # two columns: five rows
    at = AppTest.from_function(_long_page).run()
    assert not at.exception
    assert at.dataframe[0].value["a"].tolist() == [0, 1, 2, 3, 4]
    assert at.caption[0].value == "Aquí se muestran las primeras 5 de 8 filas."


# -- house rules --------------------------------------------------------------------------------


def _calls(name: str, on: str | None = None) -> list[tuple[Path, ast.Call]]:
    """Every call of ``<anything>.name(...)`` (or ``<on>.name(...)``) in the pages and
    the Streamlit glue."""
    found = []
    for path in sorted([*(ROOT / "views").glob("*.py"), *(ROOT / "ui").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            receiver = node.func.value
            if node.func.attr == name and (on is None or getattr(receiver, "id", None) == on):
                found.append((path, node))
    return found


def test_every_page_table_goes_through_ui_tables() -> None:
    """st.dataframe is called in ui/tables.py only; the one st.table (the data-quality
    report, Markdown cells already written in the language) is in views/upload_load.py."""
    tables_py = ROOT / "ui" / "tables.py"
    assert {p.name for p, _ in _calls("dataframe")} == {tables_py.name}
    assert [p.name for p, _ in _calls("table", on="st")] == ["upload_load.py"]


def test_every_multiselect_has_a_translated_placeholder() -> None:
    """Without one Streamlit writes "Choose options" in English on Spanish pages."""
    calls = _calls("multiselect")
    assert calls
    missing = [
        f"{p.name}:{c.lineno}" for p, c in calls if "placeholder" not in {k.arg for k in c.keywords}
    ]
    assert missing == []
