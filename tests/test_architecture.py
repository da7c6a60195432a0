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
