"""The change analysis reads the treated group from the whole scope: products and
segments as well as queues, teams, regions and channels (issue 12), counted against
an independent SQL count on a small demo store; and a new change's proposed start
date is one the analysis can answer on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest

from analytics import overview
from analytics.changes import analysis as ca
from analytics.changes import cells, registry
from analytics.changes.design import DEFAULT_WEEKS
from analytics.changes.registry import Change
from analytics.queries import Filters
from analytics.store import Store
from tests.conftest import DemoStores

END = dt.date(2026, 6, 28)
START = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def store(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_stores.open(tmp_path_factory.mktemp("change_cells"), calls=20_000, seed=3, end=END)
    yield s
    s.close()


def test_every_scope_field_maps_to_a_call_dimension() -> None:
    assert set(cells.SCOPE_DIMS) == set(registry.SCOPE_FIELDS)


@pytest.mark.parametrize(
    "scope",
    [
        {"products": ("tv",)},
        {"segments": ("B2B",)},
        {"products": ("tv", "mobile"), "segments": ("B2C",)},
    ],
)
def test_a_product_and_segment_scope_selects_its_calls(
    store: Store, scope: dict[str, tuple[str, ...]]
) -> None:
    change = Change("x", START, **scope)  # type: ignore[arg-type]
    span = (START - dt.timedelta(weeks=4), START + dt.timedelta(weeks=4) - dt.timedelta(days=1))
    frames = cells.read_cells(store, change, Filters(), ("aht",), span, 0, 7)
    treated = frames["calls"].filter(pl.col("treated"))["n_calls"].sum()
    where = " and ".join(f"list_contains(?, {cells.SCOPE_DIMS[k]})" for k in scope)  # allow-listed
    expected = store.sql(
        f"select count(*) as n from calls where {where} and started_at >= ? and started_at < ?",
        [*(list(v) for v in scope.values()), span[0], span[1] + dt.timedelta(days=1)],
    )["n"][0]
    assert treated == expected > 0
    assert cells.unit_dims(change) == tuple(cells.SCOPE_DIMS[k] for k in scope)


def test_a_change_scoped_on_product_and_segment_is_analysed(store: Store) -> None:
    change = Change("Bundle retention script", START, products=("bundle",), segments=("B2B",))
    a = ca.analyse(store, change, ca.Settings(metrics=("nps", "aht")), today=END)
    assert a.problem is None and a.units is not None
    assert a.units.dims == ("product", "segment") and a.units.treated == ("bundle · B2B",)
    assert len(a.units.control) == 4 * 2 - 1  # every other product x segment
    assert a["aht"].did is not None


def test_the_proposed_start_of_a_new_change_can_be_analysed(store: Store) -> None:
    bounds = overview.data_range(store)
    start, why = registry.default_start(bounds, DEFAULT_WEEKS, today=END)
    assert why == "registry.default.after"
    a = ca.analyse(store, Change("New", start, queues=("billing",)), ca.Settings(("aht",)), END)
    assert a.problem is None and a.windows is not None
    assert (a.windows.weeks_before, a.windows.weeks_after) == (DEFAULT_WEEKS, DEFAULT_WEEKS)
    # What the form proposed before: the last day of data, which cannot be analysed.
    last = ca.analyse(store, Change("Old", END, queues=("billing",)), ca.Settings(("aht",)), END)
    assert last.problem is not None and last.problem.key == "analysis.error.too_little_after"
