"""Every string in the app goes through the catalogs, and both languages are complete."""

from __future__ import annotations

import ast
import datetime as dt
import re
import string
from pathlib import Path

import pytest

from analytics import i18n, kpis
from analytics.queries import DIMENSIONS

ROOT = Path(__file__).resolve().parent.parent
UI_FILES = [
    ROOT / "app.py",
    *sorted((ROOT / "views").glob("*.py")),
    *sorted((ROOT / "ui").glob("*.py")),
]
# st.* calls whose first argument is text a person reads.
TEXT_CALLS = {
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "write",
    "info",
    "warning",
    "error",
    "success",
    "button",
    "selectbox",
    "multiselect",
    "radio",
    "metric",
    "date_input",
    "text_input",
    "number_input",
    "checkbox",
    "toggle",
    "download_button",
    "segmented_control",
    "tabs",
    "expander",
    "slider",
    "file_uploader",
    "form_submit_button",
}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    en, es = i18n.catalog("en"), i18n.catalog("es")
    assert set(en) == set(es)
    # Every key checked, every mismatch listed (the catalogs hold hundreds of keys).
    assert [key for key in en if _fields(en[key]) != _fields(es[key])] == []
    assert [key for key in es if not es[key].strip()] == []


@pytest.mark.parametrize("key", list(kpis.BY_KEY))
def test_every_kpi_has_a_name_and_help(key: str) -> None:
    en = i18n.catalog("en")
    assert f"kpi.{key}" in en and f"kpi.{key}.help" in en


@pytest.mark.parametrize("dim", DIMENSIONS)
def test_every_dimension_has_a_name(dim: str) -> None:
    assert f"dim.{dim}" in i18n.catalog("en")


def _is_text(arg: ast.expr) -> bool:
    return (
        isinstance(arg, ast.Constant)
        and isinstance(arg.value, str)
        and any(c.isalpha() for c in arg.value)
    )


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_ui_passes_no_literal_text_to_streamlit(path: Path) -> None:
    """A literal with letters as the first argument of st.title(...) etc. is untranslated."""
    offenders = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr in TEXT_CALLS and node.args and _is_text(node.args[0]):
            offenders.append(f"{path.name}:{node.lineno} {ast.unparse(node.args[0])}")
    assert not offenders


def test_used_keys_exist() -> None:
    """Every literal key passed to t(...) in the UI exists in the English catalog."""
    en = i18n.catalog("en")
    missing = []
    for path in UI_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and arg.value not in en:
                    missing.append(f"{path.name}:{node.lineno} {arg.value}")
    assert not missing


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("es-ES", "es"), ("es-419", "es"), ("en-GB", "en"), ("fr-FR", "en"), (None, "en")],
)
def test_language_from_browser_locale(locale: str | None, lang: str) -> None:
    assert i18n.language_from_locale(locale) == lang


def test_numbers_follow_the_language() -> None:
    assert i18n.number(12345.67, "en") == "12,345.7"
    assert i18n.number(12345.67, "es") == "12.345,7"
    assert i18n.number(-3.25, "es", 2, sign=True) == "-3,25"
    assert i18n.number(float("nan"), "en") == "–"
    assert i18n.number(-0.04, "en", 1, sign=True) == "0.0"  # never "-0.0"
    assert i18n.kpi_value("seconds", 372.4, "en") == "6:12"
    assert i18n.kpi_value("percent", 81.25, "es") == "81,2 %"
    assert i18n.percent(12.34, "en") == "12.3%"
    assert i18n.percent(-5.67, "es", 2, sign=True) == "-5,67 %"
    assert i18n.percent(None, "es") == "–"  # empty: no "– %"
    assert i18n.number(float("inf"), "es", 3) == "∞"  # an unbounded interval, not "inf"
    assert i18n.day(dt.date(2026, 1, 5), "es") == "5 ene 2026"


EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_text_or_page_uses_an_emoji_for_an_icon(lang: str) -> None:
    """Where no emoji font exists an emoji is an empty box: icons are Material icons."""
    assert not {k: v for k, v in i18n.catalog(lang).items() if EMOJI.search(v)}  # type: ignore[arg-type]
    assert not [p.name for p in UI_FILES if EMOJI.search(p.read_text(encoding="utf-8"))]


def test_a_value_ending_in_a_full_stop_ends_a_sentence_with_one() -> None:
    """Spanish percentage points are "p.p.": a sentence ending in one had "p.p.."."""
    from analytics.i18n import t

    said = t("drivers.verdict.resolution", "es", ratio="2,4", res="51,2 p.p.", outcome="CSAT",
             dur="21,3 p.p.")  # fmt: skip
    assert said.endswith("difieren en 21,3 p.p.") and ".." not in said
    assert "51,2 p.p. en CSAT" in said  # mid-sentence: unchanged
    english = t("drivers.verdict.resolution", "en", ratio="2.4", res="51.2 pp", outcome="CSAT",
                dur="21.3 pp")  # fmt: skip
    assert english.endswith("21.3 pp.")
