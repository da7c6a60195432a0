"""Shared fixtures: small on-disk stores built from literal rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.store import Store, connect

ROOT = Path(__file__).resolve().parent.parent

CALL_COLUMNS = (
    "call_id",
    "started_at",
    "channel",
    "queue",
    "region",
    "product",
    "segment",
    "agent_id",
    "team",
    "customer_id",
    "wait_s",
    "duration_s",
    "hold_s",
    "transfers",
    "resolved",
    "abandoned",
    "escalated",
)
SURVEY_COLUMNS = (
    "response_id",
    "call_id",
    "customer_id",
    "responded_at",
    "survey_type",
    "survey_channel",
    "nps",
    "csat",
    "ces",
    "ces_scale",
    "comment",
    "language",
)


def call(i: int, at: dt.datetime, **kw: Any) -> dict[str, Any]:
    """A call row with plausible defaults; override any column by keyword."""
    row = dict(
        call_id=f"C{i}",
        started_at=at,
        channel="voice",
        queue="billing",
        region="North",
        product="mobile",
        segment="B2C",
        agent_id="A1",
        team="T1",
        customer_id=f"K{i}",
        wait_s=30.0,
        duration_s=300.0,
        hold_s=0.0,
        transfers=0,
        resolved=True,
        abandoned=False,
        escalated=False,
    )
    row.update(kw)
    return row


def survey(i: int, at: dt.datetime, **kw: Any) -> dict[str, Any]:
    row = dict(
        response_id=f"R{i}",
        call_id=None,
        customer_id=None,
        responded_at=at,
        survey_type="transactional",
        survey_channel="email",
        nps=None,
        csat=None,
        ces=None,
        ces_scale=None,
        comment=None,
        language="en",
    )
    row.update(kw)
    return row


def insert(store: Store, table: str, rows: list[dict[str, Any]]) -> None:
    cols = CALL_COLUMNS if table == "calls" else SURVEY_COLUMNS
    frame = pl.DataFrame(
        rows,
        schema_overrides={"started_at": pl.Datetime, "responded_at": pl.Datetime},
        infer_schema_length=None,
    ).select(cols)
    cur = store.cursor()
    cur.register("incoming", frame.to_arrow())
    cur.execute(f"insert into {table} by name select * from incoming")  # table: fixed literal above
    cur.unregister("incoming")


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    store = connect(str(tmp_path / "pulso.duckdb"))
    yield store
    store.close()


def open_app(page: str, *, timeout: float = 60, **params: str | list[str]) -> AppTest:
    """A fresh session on ``page`` (``views/NAME.py``), opened as a link with the URL
    parameters ``params``, on the store named by ``PULSO_DB``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.query_params.update(params)
    return at.switch_page(page).run()
