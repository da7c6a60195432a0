"""F3 and F6 on the Upload page: a file's name never renders as Markdown, and a hostile
workbook is a message, not a dead server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import streamlit

from tests.hostile import files
from tests.upload.conftest import db, open_page  # noqa: F401  (fixtures)
from tests.upload.page import Open, confirm, upload

NAME = "[click](javascript:alert(1)) **b**.csv"


def _shown(at: Any) -> list[str]:
    parts = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success]
    return [p.value for p in parts]


def test_a_file_name_is_text_in_the_progress_and_every_message(
    open_page: Open,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    said: list[str] = []

    class Bar:
        def progress(self, value: float, text: str | None = None) -> None:
            said.append(text or "")

    def progress(value: float, text: str | None = None) -> Bar:
        said.append(text or "")
        return Bar()

    monkeypatch.setattr(streamlit, "progress", progress)
    at = upload(open_page(target="surveys"), NAME, files.csv(files.survey_rows(3)).encode())
    assert any("click" in s for s in _shown(at))
    confirm(at)
    assert said and all("click" in s for s in said)
    for text in [*said, *_shown(at)]:
        assert "[click](" not in text and "**b**" not in text, text  # escaped: literal


def test_a_hostile_workbook_is_refused_with_a_message(open_page: Open) -> None:  # noqa: F811
    bad = files.xlsx_dimension()
    at = upload(open_page(target="surveys"), bad.name, bad.data, "application/vnd.ms-excel")
    assert any("16384 columns" in e.value for e in at.error)
    assert not at.exception


def test_a_locked_store_is_named_locked_on_the_page(
    open_page: Open,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    import views.upload_load
    from analytics.store import StoreError

    def held(*args: object, **kwargs: object) -> None:
        raise StoreError("store_locked", str(tmp_path / "x.duckdb"), "python3, PID 4242")

    monkeypatch.setattr(views.upload_load, "load", held)
    at = upload(open_page(target="surveys"), "ok.csv", files.csv(files.survey_rows(2)).encode())
    confirm(at)
    text = " ".join(e.value for e in at.error).replace("\\", "")
    assert "PID 4242" in text and "Another program has the database file" in text
    assert "format" not in text
