"""Parsing in stages of named columns, so that polars evaluates each piece once.

A parser that wrote ``value`` and ``error`` as nested expressions would repeat the
shared sub-expressions (the cleaned text, the parsed number) in every branch that
uses them: the tree grows multiplicatively and a 1M-row column took seconds. Here a
parser returns *stages*: each stage is a set of named columns computed from the
previous stages' columns, applied with one ``with_columns`` per stage (all mapped
columns side by side, so polars still parallelises across them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import zip_longest

import polars as pl

Stage = dict[str, pl.Expr]
Stages = list[Stage]


@dataclass(frozen=True)
class Cols:
    """The temporary column names of one canonical column (``text``, ``value``...)."""

    prefix: str

    def __call__(self, name: str) -> pl.Expr:
        return pl.col(self.prefix + name)

    def name(self, name: str) -> str:
        return self.prefix + name

    @property
    def text(self) -> pl.Expr:
        return self("text")


def cols_for(canonical: str) -> Cols:
    return Cols(f"\x00{canonical}\x00")


def value_name(canonical: str) -> str:
    return cols_for(canonical).name("value")


def error_name(canonical: str) -> str:
    return cols_for(canonical).name("error")


def merge(all_stages: Iterable[Stages]) -> Stages:
    """Stage *i* of every column together."""
    merged: Stages = []
    for parts in zip_longest(*all_stages, fillvalue={}):
        stage: Stage = {}
        for part in parts:
            stage.update(part)
        merged.append(stage)
    return merged


def run(frame: pl.LazyFrame, stages: Stages) -> pl.LazyFrame:
    for stage in stages:
        if stage:
            frame = frame.with_columns(**stage)
    return frame
