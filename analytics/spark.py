"""Spark mode: the same Ibis read path over tables in a Spark catalog.

In Spark mode the canonical tables (``calls``, ``surveys``, ``process_changes``) are
loaded by the company's own pipelines; Pulso only reads them. Writing (ingest,
follow-ups, the change registry) stays DuckDB's job in the embedded mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl


@dataclass
class SparkStore:
    """A read-only store over a SparkSession's catalog (Ibis pyspark backend)."""

    session: Any
    _backend: Any = field(init=False, repr=False)
    _tables: dict[str, ir.Table] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._backend = ibis.pyspark.connect(self.session)

    def table(self, name: str) -> ir.Table:
        if name not in self._tables:
            self._tables[name] = ibis.table(self._backend.table(name).schema(), name=name)
        return self._tables[name]

    def read(self, expr: ir.Table) -> pl.DataFrame:
        return pl.from_arrow(self._backend.to_pyarrow(expr))  # type: ignore[return-value]
