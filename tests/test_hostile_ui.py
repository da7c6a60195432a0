"""The interface against hostile input (issue 15): links with numbers that are not
numbers, a page that raises, and data made of formulas (AppTest).

- F1: every URL-bound number input clamps what a link says (``inf``, ``1e999``,
  ``nan``, words, out of range) instead of crashing, and corrects the address;
- the error boundary: a page that raises shows one sentence with a reference, and the
  traceback (with its server paths) goes to the log only;
- F5: every page's tables hold their text cells formula-safe, for Streamlit's own
  "Download as CSV", while showing them as they are.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

from analytics.changes.design import DEFAULT_WEEKS, MAX_WEEKS
from analytics.feedback.fatigue import FatiguePolicy
from analytics.i18n import t
from analytics.ingest.export import TRIGGERS
from analytics.review import rankings
from analytics.store import connect
from tests.apptest import AppDb, open_app
from tests.conftest import DemoStores
from tests.test_every_page import PAGES, _name
from ui import tables, url
from ui.tables import Col

END = dt.date(2026, 6, 28)


@pytest.fixture(scope="module")
def demo_db(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_stores.copy(tmp_path_factory.mktemp("hostile_ui"), calls=8_000, seed=11, end=END)


# -- F1: numbers from the URL ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("6.6", 7),
        ("0", 1),  # below the range: the lower bound
        ("-5", 1),
        ("5000", 50),  # above it: the upper bound
        ("1e3", 50),
        ("inf", 20),  # not a finite number: the default
        ("-inf", 20),
        ("1e999", 20),
        ("nan", 20),
        ("abc", 20),
        ("", 20),
        ("0x10", 20),
        (None, 20),
    ],
)
def test_a_url_number_is_clamped_or_the_default(raw: str | None, expected: int) -> None:
    assert url.clamp(raw, 1, 50, 20) == expected


# Each page's URL-bound number inputs: (page, parameters of the link, key, low, high, default).
NUMBERS = [
    ("views/rankings.py", {}, "rank_min_n", 1, 1000, rankings.MIN_N),
    ("views/fatigue.py", {}, "fat_k", 1, 50, FatiguePolicy().max_surveys),
    ("views/fatigue.py", {}, "fat_n", 1, 730, FatiguePolicy().window_days),
    ("views/change_analysis.py", {"change": "1"}, "weeks_before", 1, MAX_WEEKS, DEFAULT_WEEKS),
    ("views/change_analysis.py", {"change": "1"}, "weeks_after", 1, MAX_WEEKS, DEFAULT_WEEKS),
    ("views/change_analysis.py", {"change": "1"}, "ramp_weeks", 0, MAX_WEEKS, 0),
]
HOSTILE_NUMBERS = {"inf": "default", "1e999": "default", "nan": "default", "x": "default",
                   "-1e9": "low", "99999999": "high"}  # fmt: skip


def test_the_table_of_url_numbers_is_the_pages_own() -> None:
    """Every ``url.number`` in views/ is listed in NUMBERS, and no number input is bound
    to the URL by Streamlit (which crashed on ``inf``)."""
    root = Path(__file__).resolve().parent.parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in (root / "views").glob("*.py"))
    calls = re.findall(r"url\.number\(", source)
    assert len(calls) == 4  # rankings, fatigue (2), change analysis (one for three inputs)
    for path in (root / "views").glob("*.py"):
        for call in re.findall(r"number_input\((?:[^()]|\([^()]*\))*\)", path.read_text()):
            assert "bind=" not in call, path


@pytest.mark.parametrize(("page", "link", "key", "low", "high", "default"), NUMBERS)
@pytest.mark.parametrize("raw", list(HOSTILE_NUMBERS))
def test_a_hostile_number_in_a_link_opens_the_page(
    page: str,
    link: dict[str, str],
    key: str,
    low: int,
    high: int,
    default: int,
    raw: str,
    demo_db: Path,
    app_db: AppDb,
) -> None:
    app_db(demo_db)
    at = open_app(page, **link, **{key: raw})
    assert not at.exception, [e.message for e in at.exception]
    assert not [e.value for e in at.error]
    expected = {"default": default, "low": low, "high": high}[HOSTILE_NUMBERS[raw]]
    assert at.number_input(key=key).value == expected
    # the address says what the page shows (a default stays implicit)
    assert at.query_params.get(key) == (None if expected == default else str(expected))


# -- the error boundary ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_page_that_raises_shows_a_reference_and_logs_the_traceback(
    lang: str,
    demo_db: Path,
    app_db: AppDb,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from ui import cache

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("boom in /srv/pulso/secret/path.py")

    app_db(demo_db)
    monkeypatch.setattr(cache, "rank_stats", broken)
    monkeypatch.delenv("PULSO_DEBUG")  # as deployed: the tests' switch raises it too
    with caplog.at_level(logging.ERROR, logger="pulso"):
        at = open_app("views/rankings.py", lang=lang)
    assert not at.exception  # nothing reaches Streamlit's own error display
    (shown,) = [e.value for e in at.error]
    ref = re.search(r"\b([0-9a-f]{8})\b", shown)
    assert ref is not None and shown == t("error.page", lang, ref=ref.group(1))  # type: ignore[arg-type]
    assert "/srv/" not in shown and "boom" not in shown and "Traceback" not in shown
    assert at.title[0].value == t("rank.title", lang)  # the page up to the error stays
    (record,) = [r for r in caplog.records if r.name == "pulso"]
    assert ref.group(1) in record.getMessage()
    assert record.exc_info is not None and "secret/path" in str(record.exc_info[1])


def test_with_the_debug_switch_the_error_also_reaches_streamlit(
    demo_db: Path, app_db: AppDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests run with PULSO_DEBUG: a page's error still fails them (at.exception)."""
    from ui import cache

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("boom")

    app_db(demo_db)
    monkeypatch.setattr(cache, "rank_stats", broken)
    at = open_app("views/rankings.py")
    assert at.exception  # (its text is redacted by the config: showErrorDetails = "none")
    assert len(at.error) == 1  # the short message is shown as well


def test_the_browser_never_gets_error_details() -> None:
    config = (Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text()
    assert re.search(r'^showErrorDetails = "none"$', config, re.M)


# -- F5: what the tables hold for their own CSV download ------------------------------------


def test_a_table_holds_quoted_text_and_shows_it_as_it_is() -> None:
    frame = pl.DataFrame(
        {
            "text": ['=HYPERLINK("x")', "+1", "-", "@SUM(A1)", "\tx", "\ry", "'=z", "ok", None],
            "value": [-1.5, 2.0, None, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        }
    )
    styler = tables.styled(frame, {"text": Col("Text"), "value": Col("Value", "number")}, "en")
    held = styler.data["text"].tolist()
    assert held[:7] == ['\'=HYPERLINK("x")', "'+1", "'-", "'@SUM(A1)", "'\tx", "'\ry", "'=z"]
    assert held[7] == "ok" and pd.isna(held[8])
    shown = [row[1]["display_value"] for row in styler._translate(False, False)["body"]]
    assert shown == ['=HYPERLINK("x")', "+1", "-", "@SUM(A1)", "\tx", "\ry", "'=z", "ok", "–"]
    assert styler.data["value"].iloc[0] == -1.5  # numbers are held as numbers


# Links that fill each page's tables: every follow-up item, a limit every customer is over.
LINKS = {"followup": {"fu_view": "all"}, "fatigue": {"fat_k": "1"}}


def _live(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TRIGGERS)


@pytest.fixture(scope="module")
def hostile_db(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store with a formula at the start of every text a table can show."""
    path = demo_stores.copy(tmp_path_factory.mktemp("formulas"), calls=8_000, seed=11, end=END)
    store = connect(str(path))
    cur = store.cursor()
    cur.execute("""update calls set team = '=' || team, queue = '+' || queue,
                   agent_id = '-' || agent_id, customer_id = '@' || customer_id""")  # fmt: skip
    cur.execute("""update surveys set customer_id = '@' || customer_id,
                   comment = '=HYPERLINK(""http://evil.example"")' || comment""")  # fmt: skip
    cur.execute("update process_changes set name = chr(9) || name")
    store.close()
    return path


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_no_table_holds_a_live_formula(page: str, hostile_db: Path, app_db: AppDb) -> None:
    app_db(hostile_db)
    at = open_app(page, **LINKS.get(_name(page), {}))
    assert not at.exception, [e.message for e in at.exception]
    frames = [d.value for d in at.dataframe]
    live = [v for f in frames for c in f.columns for v in f[c].tolist() if _live(v)]
    assert live == []
    quoted = sum(1 for f in frames for c in f.columns for v in f[c] if str(v).startswith("'"))
    if _name(page) in {"followup", "voice", "fatigue", "registry"}:  # the pages
        assert quoted > 0, "no hostile text reached this page's tables: the test tests nothing"


def test_the_hostile_store_is_hostile(hostile_db: Path) -> None:
    store = connect(str(hostile_db))
    try:
        teams = store.cursor().execute("select distinct team from calls").fetchall()
    finally:
        store.close()
    assert teams and all(str(team).startswith("=") for (team,) in teams)
