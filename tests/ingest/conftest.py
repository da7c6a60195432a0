"""Ingest fixtures: a fresh on-disk store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.store import Store, connect


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = connect(str(tmp_path / "pulso.duckdb"))
    yield opened
    opened.close()
