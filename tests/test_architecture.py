"""House rules that keep the layers apart."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_analytics_never_imports_streamlit() -> None:
    offenders = [p for p in (ROOT / "analytics").rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_pages_run_no_sql_and_no_statistics() -> None:
    """A page is a view: no database or statistics library is imported in views/."""
    banned = {"duckdb", "ibis", "statsmodels", "scipy", "sqlglot"}
    offenders = {p.name: _imports(p) & banned for p in (ROOT / "views").glob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_app_is_a_router() -> None:
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    assert "st.navigation(" in source and ".run()" in source
    assert len(source.splitlines()) < 60  # a page table and st.navigation, no logic


def _calls(path: Path, method: str) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
    ]


def test_no_python_function_runs_on_polars_threads_in_the_app() -> None:
    """``map_elements`` / ``map_batches`` run Python on polars' worker threads, which then
    wait for the GIL: a 16-session run at 10M calls hung the server in
    ``DataFrame.to_pandas`` while pages labelled their tables that way. Pages and the
    UI label with ``ui.tables.labels`` (plain Python on the script's thread). The one
    exception is the load's generated row key (hashing a batch; one load at a time)."""
    allowed = {("analytics/ingest/transforms.py", "map_batches")}
    found = [
        (str(p.relative_to(ROOT)), method, line)
        for folder in ("views", "ui", "analytics")
        for p in (ROOT / folder).rglob("*.py")
        for method in ("map_elements", "map_batches")
        for line in _calls(p, method)
    ]
    assert [f for f in found if f[:2] not in allowed] == []
    assert [f[:2] for f in found] == sorted(allowed)  # the exception is still there
