"""AppTest of "What counts as a meaningful change" on the Overview (issue 12: a
2-second rise in speed of answer got a red alarm).

Speed of answer rises by 8 s from one week to the next, on 300 calls a week: a real
change, past the default minimum of 5 s, so the tile is red. A manager sets the
minimum to 10 s and saves: the same tile turns grey and says "small (< 0:10)", in
the words, colour and numbers of one Difference; back to the defaults, it is red again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from analytics import thresholds
from analytics.i18n import Lang, t
from analytics.store import connect
from tests.apptest import AppDb, open_app
from tests.conftest import PERIOD, DemoStores, eight_seconds_slower
from ui.tiles import tile_label

RED, GRAY = MetricProto.MetricColor.RED, MetricProto.MetricColor.GRAY


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return eight_seconds_slower(tmp_path / "pulso.duckdb")


@pytest.fixture
def overview(db: Path, app_db: AppDb) -> Callable[[Lang], AppTest]:
    app_db(db)

    def run(lang: Lang) -> AppTest:
        at = open_app("views/overview.py", lang=lang, period=PERIOD)
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def asa_tile(at: AppTest, lang: Lang):  # type: ignore[no-untyped-def]
    label = tile_label("asa", lang)
    return next(m for m in at.metric if m.label == label)


def submit(at: AppTest, button: str) -> AppTest:
    at.button(key=button).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize(
    ("lang", "small", "help_says"),
    [
        ("en", "small (< 0:10)", "counts as meaningful when it is 0:10 or more"),
        ("es", "pequeño (< 0:10)", "cuenta como relevante cuando es de 0:10 o más"),
    ],
)  # fmt: skip
def test_a_larger_minimum_turns_the_alarm_into_real_but_small(
    overview: Callable[[Lang], AppTest], db: Path, lang: Lang, small: str, help_says: str
) -> None:
    at = overview(lang)
    tile = asa_tile(at, lang)
    # Lower is better: a real rise of 8 s, past the default 5 s, is bad news.
    assert (tile.delta, tile.proto.delta_description, tile.proto.color) == ("+0:08", "", RED)
    assert t("meaningful.title", lang) in [e.label for e in at.expander]

    at.select_slider(key="meaningful_asa").set_value(10.0)
    submit(at, "meaningful_save")
    tile = asa_tile(at, lang)
    assert (tile.delta, tile.proto.delta_description, tile.proto.color) == ("+0:08", small, GRAY)
    assert tile.proto.direction == MetricProto.MetricDirection.UP  # a grey arrow, still up
    assert help_says in tile.help
    assert t("meaningful.saved", lang) in [s.value for s in at.success]
    assert t("meaningful.customised", lang, kpis=tile_label("asa", lang)) in [
        c.value for c in at.caption
    ]
    store = connect(str(db))  # kept in the store: a new session sees it too
    assert thresholds.read(store)["asa"] == 10.0
    store.close()

    submit(at, "meaningful_reset")
    tile = asa_tile(at, lang)
    assert (tile.delta, tile.proto.delta_description, tile.proto.color) == ("+0:08", "", RED)
    assert at.select_slider(key="meaningful_asa").value == thresholds.DEFAULTS["asa"]


@pytest.mark.parametrize(
    ("lang", "small"),
    [
        ("en", "The change is real but small: below the minimum meaningful change of 1:00."),
        ("es", "El cambio es real pero pequeño: menor que el mínimo relevante (1:00)."),
    ],
)
def test_the_change_verdict_uses_the_stored_minimum(
    demo_stores: DemoStores, tmp_path: Path, app_db: AppDb, lang: Lang, small: str
) -> None:
    """The demo's IVR change shortens billing's waits by about 20 s: "improved" with
    the default 5 s minimum; with a 60 s minimum saved, the same verdict adds that the
    change is real but small (the page reads the store's minimums, as the tiles do)."""
    path = app_db(demo_stores.copy(tmp_path, calls=20_000, seed=3, end=dt.date(2026, 6, 28)))

    def verdict() -> str:
        at = open_app("views/change_analysis.py", lang=lang, change="1", metrics=["asa"])
        assert not at.exception, [e.message for e in at.exception]
        line = next(m.value for m in at.markdown if t("kpi.asa", lang) in m.value)
        assert line.startswith(":material/thumb_up:")  # improved, either way
        return line.replace("\\", "")  # markdown escapes

    assert small not in verdict()
    store = connect(str(path))
    thresholds.save(store, {"asa": 60.0})
    store.close()
    assert small in verdict()
