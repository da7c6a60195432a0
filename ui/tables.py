"""Tables in the reader's language: every page shows its tables through :func:`show`.

``st.column_config.NumberColumn`` writes numbers with printf (always a decimal point) or
in the *browser's* locale, not in the language chosen in the sidebar. So a table goes to
``st.dataframe`` as a pandas Styler whose display values are written by
``analytics.i18n`` ("29,4", "12,3 %", "4:05", "10/06/2026 19:53"), while each column
keeps its values: a click on a header sorts by the number or the date, not the text.
Streamlit draws a Styler's display values in text, number and date columns unless the
column's config sets a ``format`` (streamlit/streamlit PR 9538; checked on 1.67 in
Chromium, tests/browser/test_tables_browser.py): no column here sets one. Missing cells
are drawn by the grid itself ("None"), not from the Styler: ``placeholder`` makes them "–".

The grid's own "Download as CSV" writes the values a table holds, not its display values
(``getCellValue`` in Streamlit's data exporter). So a table holds its text cells
formula-safe (:func:`analytics.exports.formula_safe`: ``=HYPERLINK(...)`` becomes
``'=HYPERLINK(...)``, as the app's own export buttons write it) while the Styler shows
them as they are: what the reader sees does not change, what leaves the app is inert.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl
import streamlit as st

from analytics import exports, i18n
from analytics.i18n import Lang

ColumnKind = Literal[
    "text", "number", "count", "id", "plain", "percent", "duration", "moment", "day", "check"
]
Width = Literal["small", "medium", "large"]
EMPTY = "–"  # a missing value, never "None" or "NaN"
MAX_CELLS = 100_000  # cells written per table (pandas' Styler refuses past 262,144)


@dataclass(frozen=True)
class Col:
    """One shown column: its header and how its values read.

    kinds: ``number`` (``decimals``, ``sign``), ``count`` (a whole number with the
    language's thousands mark), ``id`` (a whole number as it is: row numbers, item
    ids), ``plain`` (a number with as many decimals as it has: data as loaded),
    ``percent`` ("12,3 %" / "12.3%"), ``duration`` (seconds as m:ss), ``moment`` (date
    and time to the minute), ``day``, ``check`` (a tick box) and ``text``.
    """

    label: str
    kind: ColumnKind = "text"
    decimals: int = 1
    sign: bool = False
    width: Width | None = None


def for_unit(label: str, unit: str, sign: bool = False) -> Col:
    """A KPI's column in the KPI's unit: percent, m:ss, a 1-7 score, NPS points."""
    kinds: dict[str, Col] = {
        "percent": Col(label, "percent", sign=sign),
        "seconds": Col(label, "duration", sign=sign),
        "score": Col(label, "number", 2, sign),
    }
    return kinds.get(unit, Col(label, "number", 1, sign))


def guess(frame: pl.DataFrame, labels: Mapping[str, str]) -> dict[str, Col]:
    """Columns read from the data's types, for tables of loaded rows: numbers as they
    are (no thousands mark: an id stays an id), dates and times, yes/no as tick boxes."""
    out: dict[str, Col] = {}
    for name, label in labels.items():
        dtype = frame.schema[name]
        kind: ColumnKind = "text"
        if dtype.is_float():
            kind = "plain"
        elif dtype.is_integer():
            kind = "id"
        elif dtype == pl.Datetime:
            kind = "moment"
        elif dtype == pl.Date:
            kind = "day"
        elif dtype == pl.Boolean:
            kind = "check"
        out[name] = Col(label, kind)
    return out


def formatter(col: Col, lang: Lang) -> Callable[[Any], str]:
    """The text of one value of ``col`` (missing values are the grid's: see ``show``)."""
    d, sign = col.decimals, col.sign
    writers: dict[ColumnKind, Callable[[Any], str]] = {
        "number": lambda v: i18n.number(float(v), lang, d, sign),
        "count": lambda v: i18n.number(float(v), lang, 0, sign),
        "id": lambda v: str(int(v)),
        "plain": lambda v: _plain(float(v), lang),
        "percent": lambda v: i18n.percent(float(v), lang, d, sign),
        "duration": lambda v: i18n.kpi_value("seconds", float(v), lang, sign),
        "moment": lambda v: i18n.moment(v, lang),
        "day": lambda v: i18n.day(v, lang),
    }
    return writers.get(col.kind, str)


def labels(frame: pl.DataFrame, column: str, label: Callable[[Any], str]) -> pl.Series:
    """``label`` of each non-null value of ``column`` (nulls stay null), as text.

    Computed here, on the script's thread, not with ``map_elements``: that runs the
    Python function on polars' worker threads, which then wait for the GIL; with many
    sessions converting frames at once, a 16-session run at 10M calls hung the whole
    server in ``DataFrame.to_pandas`` (polars issues 26821 and 27396 describe such
    hangs). ``tests/test_architecture.py`` keeps ``map_elements`` out of the app."""
    values = frame[column].to_list()
    return pl.Series(column, [None if v is None else label(v) for v in values], dtype=pl.String)


def _plain(value: float, lang: Lang) -> str:
    text = str(int(value)) if value.is_integer() else repr(value)
    return text.replace(".", ",") if lang == "es" else text


#: Sessions build their tables one at a time. In a 16-session run at 10M calls (polars
#: 2.1) one session's ``DataFrame.to_pandas`` waited for polars' thread pool forever
#: while another's ``with_columns`` (the formula quoting) waited for it: the whole
#: server hung. The tables are small; taking turns costs milliseconds.
_CONVERTING = threading.Lock()


def styled(
    frame: pl.DataFrame, columns: Mapping[str, Col], lang: Lang, row_css: Sequence[str] = ()
) -> Any:
    """The shown columns as a pandas Styler: display values in ``lang``, data kept;
    ``row_css``, one CSS declaration per row ("" for none), tints whole rows."""
    with _CONVERTING:  # one session at a time: see _CONVERTING
        shown = frame.select(list(columns))
        safe = exports.formula_safe(shown)
        table = safe.to_pandas()
    formats = {c: formatter(col, lang) for c, col in columns.items() if col.kind != "check"}
    styler = table.style.format(formats, na_rep=EMPTY)
    for name in columns:  # a quoted cell is shown as it was: without the added quote
        quoted = _quoted_rows(shown[name], safe[name])
        if quoted:
            styler = styler.format(_unquote, subset=(quoted, [name]), na_rep=EMPTY)
    if row_css:
        styler = styler.apply(lambda row: [row_css[row.name]] * len(row), axis=1)
    return styler


def _quoted_rows(before: pl.Series, after: pl.Series) -> list[int]:
    """The rows whose cell :func:`analytics.exports.formula_safe` quoted."""
    if after.dtype != pl.String:
        return []
    changed = before.cast(pl.String).ne_missing(after)
    return changed.arg_true().to_list()


def _unquote(value: str) -> str:
    return value[1:]


def config(columns: Mapping[str, Col]) -> dict[str, Any]:
    """Headers and column types, never a ``format`` (it would win over the Styler's)."""
    cc = st.column_config
    types: dict[ColumnKind, Callable[..., Any]] = {
        "moment": cc.DatetimeColumn,
        "day": cc.DateColumn,
    }
    types |= {"text": cc.TextColumn, "check": cc.CheckboxColumn}
    out = {}
    for name, col in columns.items():
        make = types.get(col.kind, cc.NumberColumn)
        out[name] = make(col.label, width=col.width)
    return out


def show(
    frame: pl.DataFrame,
    columns: Mapping[str, Col],
    lang: Lang,
    *,
    row_css: Sequence[str] = (),
    into: Any = None,
    **options: Any,
) -> Any:
    """``st.dataframe`` (or ``into.dataframe``) of ``columns`` in this order, in
    ``lang``; ``options`` go to st.dataframe (key, on_select, height...). Returns what
    st.dataframe returns (the selection, with ``on_select``)."""
    where = st if into is None else into
    rows = MAX_CELLS // max(len(columns), 1)
    if frame.height > rows:  # the Styler writes every cell: ~1 s per 100,000
        total = i18n.number(frame.height, lang, 0)
        where.caption(
            i18n.t("table.first_rows", lang, shown=i18n.number(rows, lang, 0), total=total)
        )
        frame, row_css = frame.head(rows), row_css[:rows]
    return where.dataframe(
        styled(frame, columns, lang, row_css),
        hide_index=True,
        column_config=config(columns),
        placeholder=EMPTY,
        **options,
    )


def texts(labels: Mapping[str, str]) -> dict[str, Col]:
    """Text columns: for tables whose cells are already written in the language."""
    return {name: Col(label) for name, label in labels.items()}
