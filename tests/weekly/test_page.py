"""The weekly review against the app: the overview's tiles for the same region and week
hold the report's numbers; the Weekly review page previews and offers both downloads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from analytics import weekly
from analytics.i18n import Lang
from analytics.queries import Filters
from analytics.store import connect
from analytics.tile_text import change_parts, tile_label
from analytics.weekly import words
from tests.apptest import AppDb, open_app

END = dt.date(2026, 6, 28)
WEEK = weekly.week("2026-W25")


@pytest.fixture
def db(demo_stores: Any, tmp_path: Path, app_db: AppDb) -> Path:
    return app_db(demo_stores.copy(tmp_path, calls=20_000, seed=3, end=END))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_overview_shows_the_reports_numbers(db: Path, lang: Lang) -> None:
    period = [WEEK.start.isoformat(), WEEK.end.isoformat()]
    at = open_app("views/overview.py", lang=lang, period=period, region=["North"])
    assert not at.exception, [e.message for e in at.exception]
    shown = {m.label.removesuffix(" :material/warning:"): m for m in at.metric}
    store = connect(str(db))
    review = weekly.build(store, Filters(region=("North",)), WEEK, lang)
    store.close()
    page, compared = weekly.html(review), 0
    for tile in review.tiles:
        if not tile.measured:
            continue
        metric = shown[tile_label(tile.kpi, lang)]
        assert metric.value == words.value(tile, lang)  # the same string, from the same numbers
        assert f"<td>{metric.value}</td>" in page
        if metric.delta:
            assert metric.delta == change_parts(tile, lang)[0]
            assert metric.delta in page
        compared += 1
    assert compared >= 8


def test_the_page_previews_and_offers_html_and_pdf(db: Path) -> None:
    at = open_app("views/weekly.py", region=["North"], report_week="2026-W25")
    assert not at.exception, [e.message for e in at.exception]
    assert any("15 Jun 2026 – 21 Jun 2026" in c.value for c in at.caption)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download HTML", "Download PDF"]
    assert not at.error
