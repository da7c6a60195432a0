"""notebooks/overview.ipynb runs top to bottom and shows the analytics' own numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from analytics import kpis, overview
from analytics.queries import Filters
from analytics.store import connect
from tests.conftest import DemoStores

ROOT = Path(__file__).resolve().parent.parent


def test_overview_notebook_executes_and_matches(
    demo_stores: DemoStores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = demo_stores.copy(tmp_path, calls=10_000, seed=2, end=dt.date(2026, 3, 29))
    store = connect(str(db))
    _, last = overview.data_range(store)  # type: ignore[misc]
    nps = overview.tiles(
        store, Filters(start=last - dt.timedelta(days=27), end=last), tuple(kpis.BY_KEY)
    )[0]
    store.close()

    monkeypatch.setenv("PULSO_DB", str(db))
    nb = nbformat.read(ROOT / "notebooks" / "overview.ipynb", as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()

    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert f"NPS {nps.current.value:.4f}" in printed
    charts = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(charts) == 2
