"""The weekly review: its numbers are the app's, its HTML is self-contained and escaped,
"not measured" stays so, and the PDF reads back (pdftotext) and renders (pdftoppm)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from PIL import Image

from analytics import kpis, overview, targets, thresholds, weekly
from analytics.changes import registry
from analytics.demo import followup as followup_demo
from analytics.feedback import queue as followup_queue
from analytics.i18n import kpi_value, t
from analytics.queries import Filters
from analytics.review import rankings
from analytics.store import Store
from analytics.weekly import words
from analytics.weekly.build import KEYS, TREND_KEYS
from tests.conftest import call, insert, survey

END = dt.date(2026, 6, 28)
WEEK = weekly.week("2026-W25")
NOW = dt.datetime(2026, 7, 1, 9)
NORTH = Filters(region=("North",))


@pytest.fixture(scope="module")
def store(demo_stores: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_stores.open(tmp_path_factory.mktemp("weekly"), calls=20_000, seed=3, end=END)
    followup_demo.seed(s)
    targets.save(s, targets.Target("nps", 40.0, dt.date(2026, 1, 1)))
    targets.save(s, targets.Target("nps", 25.0, dt.date(2026, 1, 1), "region", "North"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def review(store: Store) -> weekly.Review:
    return weekly.build(store, NORTH, WEEK, "en", now=NOW)


def test_the_tiles_are_the_overviews_with_their_targets(
    store: Store, review: weekly.Review
) -> None:
    f = replace(NORTH, start=WEEK.start, end=WEEK.end)
    app = overview.tiles(store, f, KEYS, thresholds.read(store), targets.read(store))
    assert list(review.tiles) == app
    nps = review.tile("nps")
    assert nps.target is not None and nps.target.target == 25.0  # North's own, not the center's
    assert nps.gap is not None and nps.gap.gap == pytest.approx(nps.current.value - 25.0)


def test_the_page_shows_the_numbers_it_holds(review: weekly.Review) -> None:
    page = weekly.html(review)
    for tile in review.tiles:
        assert f"<td>{escape(words.value(tile, 'en'))}</td>" in page
        if tile.measured:
            said = escape(words.change(tile, "en")).replace(" · ", "<br>", 1)
            assert said in page  # the change, then what it is on its own line
    nps = review.tile("nps")
    assert escape(kpi_value("points", 25.0, "en")) in page  # the target
    assert words.gap(nps, "en") in weekly.text(review)


def test_the_segments_and_agents_are_the_overviews_and_fair_rankings(
    store: Store, review: weekly.Review
) -> None:
    f = review.filters
    goals = targets.read(store)
    for s in review.segments:
        # the overview's bars, each against its segment's target (NPS has targets here)
        app = targets.against(overview.breakdown(store, f, "nps", s.dimension), "nps",
                              s.dimension, goals, WEEK.end)  # fmt: skip
        kept = app.filter(pl.col("reason").is_null() & (pl.col("n") >= 30))
        assert s.best.equals(kept.head(s.best.height))
        assert s.best.height + s.worst.height == min(kept.height, 6)
        if s.worst.height:
            assert s.worst.row(0) == kept.row(-1)  # the worst first
    year = replace(f, start=END - dt.timedelta(days=364))
    ranked = rankings.ranking(store, year, "csat", "agent").filter(pl.col("rank").is_not_null())
    # only the agents the data sets apart: the top and the bottom tier, never a middle one
    top = ranked.filter(pl.col("tier") == "top").sort("rank")["unit"].head(3).to_list()
    bottom = ranked.filter(pl.col("tier") == "bottom").sort("rank", descending=True)
    assert review.agents.best["unit"].to_list() == top
    assert review.agents.worst["unit"].to_list() == bottom["unit"].head(3).to_list()
    page = weekly.html(review)
    for s in review.segments:
        for row in words.segment_rows(s.best, s.dimension, "en"):
            assert "".join(f"<td>{escape(c)}</td>" for c in row) in page


def test_follow_up_counts_are_the_follow_up_pages(store: Store, review: weekly.Review) -> None:
    counts = followup_queue.status_counts(store, review.filters, NOW)
    assert review.followup.counts == counts
    assert review.followup.created == sum(counts[s] for s in ("open", "contacted", "recovered",
                                                                "not_recovered"))  # fmt: skip
    assert review.followup.created > 0
    text = weekly.text(review)
    assert f"- {t('followup.count.overdue', 'en')}: {counts['overdue']}" in text


def test_the_page_is_self_contained(review: weekly.Review) -> None:
    page = weekly.html(review)
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "@import" not in page and "url(" not in page
    assert page.count("<svg") == len(TREND_KEYS)


def test_spanish_is_spanish(store: Store) -> None:
    es = weekly.build(store, NORTH, WEEK, "es", now=NOW)
    page = weekly.html(es)
    assert '<html lang="es">' in page and "Cifras clave" in page
    assert "semana 25 de 2026" in weekly.text(es)


@pytest.fixture
def odd_store(empty_store: Store) -> Store:
    """A week of calls in a region and team named with markup, without waits, and a
    change with markup in its name."""
    bad = "<b>x</b>"
    start = dt.datetime(2026, 6, 15, 9)
    calls = [call(i, start + dt.timedelta(hours=i), region=bad, team=bad, queue=bad,
                  wait_s=None, agent_id=f"A{i % 3}") for i in range(80)]  # fmt: skip
    surveys = [survey(i, c["started_at"] + dt.timedelta(hours=1), call_id=c["call_id"],
                      nps=i % 11, csat=1 + i % 5, comment=f"{bad} it would be great if x")
               for i, c in enumerate(calls)]  # fmt: skip
    insert(empty_store, "calls", calls)
    insert(empty_store, "surveys", surveys)
    change = registry.Change("<script>alert(1)</script>", dt.date(2026, 6, 16), queues=(bad,))
    registry.save_change(empty_store, change)
    return empty_store


def test_user_text_is_escaped(odd_store: Store) -> None:
    r = weekly.build(odd_store, Filters(), WEEK, "en", now=NOW)
    page = weekly.html(r)
    assert "<b>x</b>" not in page and "<script>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page  # shown as typed (segments, comments)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the change's name


def test_not_measured_stays_not_measured(odd_store: Store) -> None:
    r = weekly.build(odd_store, Filters(), WEEK, "en", now=NOW)
    asa = r.tile("asa")
    assert asa.reason == "not_captured"
    said = kpis.not_measured_text("asa", "not_captured", "en")
    assert escape(said) in weekly.html(r)
    assert f"- {t('kpi.asa', 'en')}: {said}" in weekly.text(r)
    assert "0:00" not in weekly.text(r)  # never a zero wait


def test_an_empty_period_says_so(store: Store) -> None:
    r = weekly.build(store, NORTH, weekly.week("2020-W10"), "en", now=NOW)
    assert r.empty
    assert escape(t("weekly.empty", "en")) in weekly.html(r)
    assert t("weekly.empty", "en") in weekly.text(r)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_pdf_reads_back_and_renders_a4_pages(review: weekly.Review, tmp_path: Path) -> None:
    path = tmp_path / "review.pdf"
    path.write_bytes(weekly.pdf(review))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert words.title(review) in text
    pages = len(re.findall(r"\f", text.rstrip("\f"))) + 1
    assert pages >= 2
    for page in range(1, pages + 1):
        assert re.search(rf"\b{page} ?/ ?{pages}\b", text), f"page number {page} / {pages}"
    flat = " ".join(text.split())
    for tile in review.tiles:
        assert words.value(tile, "en") in flat
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "page")],
                   check=True)  # fmt: skip
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == pages
    for png in pngs:
        with Image.open(png) as img:
            width, height = img.size
            assert height / width == pytest.approx(297 / 210, rel=0.01)  # A4
            grey = img.convert("L")
            dark = sum(grey.histogram()[:200])
            assert dark > 0.005 * width * height, f"{png.name} is blank"


def test_each_segment_is_held_against_its_own_target_else_the_centers(store: Store) -> None:
    """As the overview's bars: North against its 25, the other regions against the
    center's 40; the report says each row's gap."""
    review = weekly.build(store, Filters(), weekly.month("2026-06"), "en", now=NOW)
    region = next(s for s in review.segments if s.dimension == "region")
    rows = pl.concat([region.best, region.worst])
    assert "North" in rows["region"].to_list() and rows.height >= 2
    for r in rows.iter_rows(named=True):
        assert r["target"] == (25.0 if r["region"] == "North" else 40.0), r["region"]
        assert r["gap"] == pytest.approx(r["value"] - r["target"])
    page = weekly.html(review)
    for cells in words.segment_rows(rows, "region", "en"):
        assert "".join(f"<td>{escape(c)}</td>" for c in cells) in page
