"""The app in Spark mode (``PULSO_ENGINE=spark``), under Streamlit's AppTest.

The overview and the change analysis are opened twice on the same link, once on the
embedded DuckDB store and once reading Spark's tables (published from that store), and
must show the same thing: every tile, every verdict line, every table. Then the error a
user sees when Spark cannot start (no Java), in both languages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from analytics import spark as spark_mode
from analytics.i18n import t
from tests.apptest import AppDb, clear_caches, open_app
from ui.markdown import markdown_escape


@pytest.fixture
def on(demo_both: tuple, app_db: AppDb, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``on("spark")``: the next AppTest reads Spark's ``pulso_demo`` tables, with the
    demo store as its app state; ``on("duckdb")``: the demo store alone."""
    duck, spark = demo_both
    app_db(Path(duck.path))

    def use(engine: str) -> None:
        monkeypatch.setenv(spark_mode.ENGINE, engine)
        monkeypatch.setenv(spark_mode.DATABASE, spark.database)
        clear_caches()

    return use


def shown(at: AppTest) -> dict[str, Any]:
    """What a page shows: its titles, tiles, text and tables."""
    return {
        "titles": [e.value for e in at.title],
        "metrics": [(m.label, m.value, m.delta) for m in at.metric],
        "markdown": [m.value for m in at.markdown],
        "captions": [c.value for c in at.caption],
        "warnings": [w.value for w in at.warning],
        "tables": [d.value.to_dict() for d in at.dataframe],
    }


def test_the_overview_on_spark_shows_what_duckdb_shows(on: Any) -> None:
    on("duckdb")
    duck = open_app(None, lang="en")
    assert not duck.exception and len(duck.metric) == 11
    on("spark")
    spark = open_app(None, lang="en")
    assert not spark.exception
    assert shown(spark) == shown(duck)


def test_the_change_analysis_on_spark_shows_what_duckdb_shows(on: Any) -> None:
    on("duckdb")
    duck = open_app("views/change_analysis.py", lang="es", change="1")
    assert not duck.exception and duck.dataframe  # an analysis, not a refusal
    on("spark")
    spark = open_app("views/change_analysis.py", lang="es", change="1")
    assert not spark.exception
    assert shown(spark) == shown(duck)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_upload_page_says_a_load_reaches_spark_only_when_published(on: Any, lang: str) -> None:
    on("spark")
    at = open_app("views/upload.py", lang=lang)
    assert not at.exception
    assert t("upload.spark_note", lang) in [i.value for i in at.info]
    on("duckdb")
    at = open_app("views/upload.py", lang=lang)
    assert t("upload.spark_note", lang) not in [i.value for i in at.info]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_without_java_the_app_says_so_in_the_users_language(
    app_db: AppDb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lang: str
) -> None:
    """No traceback: the page names the problem and the ways out, translated. (Needs no
    Spark session: it is the machine without Java.)"""
    app_db(tmp_path / "pulso.duckdb")
    monkeypatch.setenv(spark_mode.ENGINE, "spark")
    monkeypatch.delenv(spark_mode.REMOTE, raising=False)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java-here"))
    at = open_app(None, lang=lang)
    assert not at.exception
    assert [e.value for e in at.error] == [t("error.title", lang)]
    detail = markdown_escape(str(tmp_path / "no-java-here"))  # as ui/context.py shows it
    said = t("error.spark_no_java", lang, path="local", detail=detail)
    assert said in [m.value for m in at.markdown]
