"""The dimension catalog drives every filter: the Filters fields, what each dimension
filters (calls, surveys or both), every page's reads, the sidebar and its URL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from analytics import dimensions, i18n, kpis, metrics, overview, queries
from analytics.dimensions import Dimension
from analytics.drivers import cells as driver_cells
from analytics.feedback import followup, text
from analytics.feedback import queue as followup_queue
from analytics.queries import Filters
from analytics.review import rankings
from analytics.store import Store, connect
from tests.apptest import AppDb, open_app
from tests.conftest import call, insert, survey
from ui import context

T0 = dt.datetime(2025, 3, 3, 9)
START, END = T0.date(), dt.date(2025, 3, 28)  # the first and last day with data
WHOLE = Filters(start=START, end=END)
AGENTS = {"T1": ("A1", "A2"), "T2": ("A3", "A4", "A5")}


def _calls() -> list[dict[str, Any]]:
    """48 calls in 4 weeks; each dimension cycles with its own length, so that no two
    dimensions pick out the same calls."""
    rows = []
    for i in range(48):
        team = ("T1", "T2")[i % 2]
        rows.append(
            call(
                i,
                T0 + dt.timedelta(hours=13 * i),
                region=("North", "South", "East")[i % 3],
                channel=("voice", "chat")[i // 2 % 2],
                queue=("billing", "tech")[i // 3 % 2],
                product=("mobile", "tv", "bundle")[i // 4 % 3],
                segment=("B2C", "B2B")[i // 5 % 2],
                team=team,
                agent_id=AGENTS[team][i // 2 % len(AGENTS[team])],
                resolved=i % 4 != 0,
            )
        )
    return rows


def _surveys(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A transactional answer (with a comment) to two calls of three, one of unknown
    type, and relational answers with no call (the brand-level measure)."""
    rows = [
        survey(i, c["started_at"] + dt.timedelta(hours=1), call_id=c["call_id"], nps=i % 11,
               csat=1 + i % 5, comment=f"agent was {'helpful' if i % 2 else 'slow'} today")
        for i, c in enumerate(calls) if i % 3
    ]  # fmt: skip
    rows.append(survey(900, T0 + dt.timedelta(days=3), call_id="C3", survey_type=None, nps=5))
    rows += [
        survey(1000 + i, T0 + dt.timedelta(days=2 * i), survey_type="relational", nps=10 - i,
               csat=5, comment="brand is slow to change")
        for i in range(6)
    ]  # fmt: skip
    return rows


CALLS = _calls()
SURVEYS = _surveys(CALLS)


def _fill(store: Store) -> Store:
    insert(store, "calls", CALLS)
    insert(store, "surveys", SURVEYS)
    return store


@pytest.fixture
def store(empty_store: Store) -> Store:
    return _fill(empty_store)


# --- the catalog and Filters -------------------------------------------------------------


def test_filters_has_one_field_per_catalog_dimension() -> None:
    names = [f.name for f in dataclasses.fields(Filters)]
    assert names == ["start", "end", "compare", *(d.name for d in dimensions.CATALOG)]
    assert dimensions.columns("calls") == queries.DIMENSIONS
    assert queries.SURVEY_DIMENSIONS == dimensions.columns("surveys") == ("survey_type",)


def test_filters_cannot_be_built_positionally() -> None:
    with pytest.raises(TypeError):
        Filters(START, END)  # type: ignore[misc]
    with pytest.raises(TypeError):
        Filters(None, None, "previous", ("North",))  # type: ignore[misc]


def test_filters_by_keyword_work_as_before_and_are_hashable() -> None:
    f = Filters(region=("North",))
    assert f == Filters(region=("North",)) and hash(f) == hash(Filters(region=("North",)))
    assert f.dimension_values() == {"region": ("North",)}
    assert {f: 1}[Filters(region=("North",))] == 1  # a cache key
    chosen = Filters(queue=("tech",), survey_type=("relational",))
    assert chosen.dimension_values("calls") == {"queue": ("tech",)}
    assert chosen.dimension_values("surveys") == {
        "queue": ("tech",),
        "survey_type": ("relational",),
    }


def test_a_survey_attribute_cannot_be_declared_to_filter_calls() -> None:
    with pytest.raises(ValueError, match="cannot filter calls"):
        Dimension("x", "surveys", "through_call", "filters.x")


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("dim", dimensions.CATALOG, ids=lambda d: d.name)
def test_every_dimension_has_a_label_in_both_languages(dim: Dimension, lang: i18n.Lang) -> None:
    assert dim.label in i18n.catalog(lang)


# --- each dimension filters calls and surveys as declared ------------------------------------


def _value(dim: Dimension) -> str:
    """A value of the dimension that picks out some rows but not all."""
    rows = CALLS if dim.table == "calls" else SURVEYS
    return sorted({r[dim.name] for r in rows if r[dim.name] is not None})[-1]


def _expected(dim: Dimension, value: str) -> tuple[set[str], set[str]]:
    """(call ids, response ids) the filter keeps, from the raw rows and the catalog's
    declaration: a call attribute reaches surveys through their call; a survey
    attribute leaves calls alone."""
    kept_calls = {c["call_id"] for c in CALLS if dim.table == "surveys" or c[dim.name] == value}
    if dim.table == "surveys":
        kept = {s["response_id"] for s in SURVEYS if s[dim.name] == value}
    else:
        linked = {c["call_id"] for c in CALLS if c[dim.name] == value}
        kept = {s["response_id"] for s in SURVEYS if s["call_id"] in linked}
    return kept_calls, kept


@pytest.mark.parametrize("dim", dimensions.CATALOG, ids=lambda d: d.name)
def test_each_dimension_filters_calls_and_surveys_as_declared(store: Store, dim: Dimension) -> None:
    value = _value(dim)
    f = dataclasses.replace(WHOLE, **{dim.name: (value,)})
    calls_kept, surveys_kept = _expected(dim, value)
    assert 0 < len(surveys_kept) < len(SURVEYS)
    s = store.read(queries.apply_filters(queries.facts(store, "surveys"), f, "surveys"))
    c = store.read(queries.apply_filters(queries.facts(store, "calls"), f, "calls"))
    assert set(s["response_id"]) == surveys_kept
    assert set(c["call_id"]) == calls_kept
    nps, resolution = overview.tiles(store, f, ("nps", "resolution"))
    scores = [r["nps"] for r in SURVEYS if r["response_id"] in surveys_kept]
    assert nps.current == metrics.nps([x for x in scores if x is not None])
    resolved = [r["resolved"] for r in CALLS if r["call_id"] in calls_kept]
    assert resolution.current.value == pytest.approx(100 * sum(resolved) / len(resolved))


def _page_numbers(store: Store, f: Filters) -> dict[str, int]:
    """How many answers each page's reader counts under ``f``."""
    cells = driver_cells.cells(store, f)
    ranks = rankings.unit_stats(store, f)
    return {
        "voice": store.read(text.comment_facts(store, f)).height,
        "drivers": int(cells["nps_n"].sum()),
        "rankings": int(ranks["n_nps"].sum()),
        "followup": sum(
            followup_queue.status_counts(store, f).get(s, 0) for s in followup.STATUSES
        ),
    }


def _detractor(nps: int | None) -> bool:
    return nps is not None and nps <= 6


def _dissatisfied(csat: int | None) -> bool:
    return csat is not None and csat <= 2


@pytest.mark.parametrize("dim", dimensions.CATALOG, ids=lambda d: d.name)
def test_every_page_reader_applies_every_dimension(store: Store, dim: Dimension) -> None:
    """The pages that offer a dimension read it too (a reader that ignored it would
    show the same numbers whatever the filter)."""
    followup.sync_items(store, followup.Policy(), now=T0 + dt.timedelta(days=40))
    value = _value(dim)
    _, kept = _expected(dim, value)
    rows = [r for r in SURVEYS if r["response_id"] in kept]
    linked = {c["call_id"] for c in CALLS}
    expected = {
        "voice": sum(r["comment"] is not None for r in rows),
        "drivers": sum(r["nps"] is not None and r["call_id"] in linked for r in rows),
        "rankings": sum(r["nps"] is not None and r["call_id"] in linked for r in rows),
        "followup": sum(_detractor(r["nps"]) or _dissatisfied(r["csat"]) for r in rows),
    }
    assert _page_numbers(store, dataclasses.replace(WHOLE, **{dim.name: (value,)})) == expected


def test_answers_per_survey_type_tell_a_mix(store: Store) -> None:
    assert overview.survey_types(store, WHOLE) == {"relational": 6, "transactional": 32}
    assert overview.survey_types(store, WHOLE, linked=True) == {"transactional": 32}
    # a call attribute leaves the relational answers out (and the one of unknown type)
    assert overview.survey_types(store, Filters(region=("South",))) == {"transactional": 16}


def test_dimension_values_come_from_the_dimensions_table(store: Store) -> None:
    assert overview.dimension_values(store, "survey_type") == ["relational", "transactional"]
    assert overview.dimension_values(store, "agent_id") == ["A1", "A2", "A3", "A4", "A5"]
    assert overview.dimension_values(store, "agent_id", (("team", ("T1",)),)) == ["A1", "A2"]
    with pytest.raises(ValueError, match="unknown dimension"):
        overview.dimension_values(store, "agent_id; drop table calls")


BOTH, CALLS_ONLY = {"calls", "surveys"}, {"calls"}


@pytest.mark.parametrize(
    ("page", "tables"),
    [("overview", BOTH), ("drivers", BOTH), ("voice", BOTH), ("rankings", BOTH),
     ("followup", BOTH), ("bias", CALLS_ONLY), ("change_analysis", CALLS_ONLY), ("upload", set())],
)  # fmt: skip
def test_survey_attributes_only_where_every_number_is_an_answer(
    page: str, tables: set[str]
) -> None:
    """Response bias and change analysis weigh calls too: no survey type there."""
    assert {d.table for d in context.page_dimensions(page)} == tables


# --- the sidebar and its URL ---------------------------------------------------------------


@pytest.fixture
def app_store(tmp_path: Path, app_db: AppDb) -> Path:
    path = tmp_path / "pulso.duckdb"
    _fill(connect(str(path))).close()
    return app_db(path)


def _tiles(at: AppTest) -> dict[str, str]:
    return {m.label.removesuffix(" :material/warning:"): m.value for m in at.metric}


def _expected_tiles(path: Path, f: Filters) -> dict[str, str]:
    store = connect(str(path))
    tiles = overview.tiles(store, f, ("nps", "resolution"))
    store.close()
    return {
        i18n.t(f"kpi.{t.kpi}"): i18n.kpi_value(kpis.get(t.kpi).unit, t.current.value, "en")
        for t in tiles
    }


PERIOD = [START.isoformat(), END.isoformat()]
LABELS = (i18n.t("kpi.nps"), i18n.t("kpi.resolution"))


def test_an_old_link_opens_the_same_view(app_store: Path) -> None:
    """The parameters links carried before the catalog: same widgets, same numbers."""
    old = dict(region=["South"], channel=["voice"], queue=["tech"], segment=["B2C"])
    at = open_app("views/overview.py", period=PERIOD, compare="year", by="queue", **old)
    assert not at.exception
    for key, values in old.items():
        assert at.sidebar.multiselect(key=key).value == values
        assert at.query_params[key] == values[0]
    assert at.radio(key="compare").value == "year"
    assert (at.query_params["period"], at.query_params["by"]) == (PERIOD, "queue")
    expected = Filters(
        start=START, end=END, compare="year", **{k: tuple(v) for k, v in old.items()}
    )
    shown = _tiles(at)
    assert {k: shown[k] for k in LABELS} == _expected_tiles(app_store, expected)


@pytest.mark.parametrize(
    ("key", "values"),
    [("product", ["tv"]), ("team", ["T2"]), ("agent_id", ["A1", "A2"]),
     ("survey_type", ["relational"])],
)  # fmt: skip
def test_new_filters_appear_apply_and_round_trip(
    app_store: Path, key: str, values: list[str]
) -> None:
    plain = open_app("views/overview.py", period=PERIOD)
    at = open_app("views/overview.py", period=PERIOD, **{key: values})
    assert not at.exception
    assert at.sidebar.multiselect(key=key).value == values
    assert at.query_params[key] == (values[0] if len(values) == 1 else values)
    chosen = Filters(start=START, end=END, **{key: tuple(values)})
    shown = _tiles(at)
    assert {k: shown[k] for k in LABELS} == _expected_tiles(app_store, chosen)
    assert _tiles(at) != _tiles(plain)


def test_survey_type_shows_translated_names_and_keeps_codes(app_store: Path) -> None:
    at = open_app("views/overview.py", period=PERIOD, lang="es", survey_type=["relational"])
    widget = at.sidebar.multiselect(key="survey_type")
    assert widget.label == "Tipo de encuesta"
    assert widget.options == ["Relacional (la marca)", "Transaccional (tras una llamada)"]
    assert at.query_params["survey_type"] == "relational"


def test_mixed_survey_types_are_said_and_a_survey_filter_says_what_it_leaves(
    app_store: Path,
) -> None:
    mixed = i18n.t("dimensions.mixed_types", transactional="32", relational="6")
    plain = open_app("views/overview.py", period=PERIOD)
    assert mixed in [c.value for c in plain.caption]
    chosen = open_app("views/overview.py", period=PERIOD, survey_type=["relational"])
    captions = [c.value for c in chosen.caption]
    assert mixed not in captions
    assert i18n.t("dimensions.calls_unfiltered", filters="Survey type") in captions
    by_call = open_app(
        "views/overview.py", period=PERIOD, survey_type=["relational"], region=["North"]
    )
    assert i18n.t("dimensions.relational_no_call") in [c.value for c in by_call.caption]


def test_agents_are_narrowed_to_the_chosen_team(app_store: Path) -> None:
    at = open_app("views/overview.py", period=PERIOD, team=["T1"])
    assert at.sidebar.multiselect(key="agent_id").options == ["A1", "A2"]


def test_a_dimension_absent_from_the_data_shows_no_filter(tmp_path: Path, app_db: AppDb) -> None:
    path = tmp_path / "no_product.duckdb"
    store = connect(str(path))
    insert(store, "calls", [{**c, "product": None} for c in CALLS])  # a log without products
    insert(store, "surveys", SURVEYS)
    store.close()
    app_db(path)
    at = open_app("views/overview.py", period=PERIOD, product=["tv"])
    plain = open_app("views/overview.py", period=PERIOD)
    assert not at.exception
    keys = {w.key for w in at.sidebar.multiselect}
    assert "product" not in keys and {"region", "team", "survey_type"} <= keys
    assert _tiles(at) == _tiles(plain)  # a link with a product filter applies none


def test_a_page_without_survey_attributes_hides_survey_type(app_store: Path) -> None:
    at = open_app("views/bias.py", period=PERIOD, survey_type=["relational"])
    assert not at.exception
    keys = {w.key for w in at.sidebar.multiselect}
    assert "survey_type" not in keys and "agent_id" in keys
    assert "survey_type" not in at.query_params  # the link carries only what applies
