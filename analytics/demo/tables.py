"""The demo's chunks as rows of the store's ``calls`` and ``surveys`` tables.

Codes become labels, 0-based numbers become zero-padded ids that continue across chunks
(``C0000001``, ``S0000001``, ``CU00001``, ``A001``), a day and a second become a
timestamp from the plan's start, and the ``-1`` codes of unasked questions become nulls.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.demo.calls import CHANNELS, QUEUES, Columns
from analytics.demo.plan import N_AGENTS, PRODUCTS, REGIONS, TEAMS, Plan
from analytics.demo.surveys import CES_SCALE, KEYPAD_VERSIONS, OTHER_VERSION, SURVEY_CHANNELS


def calls_frame(plan: Plan, calls: Columns, offset: int) -> pl.DataFrame:
    """The chunk as rows of the ``calls`` table; ids continue from ``offset``."""
    customer, agent = plan.customers[calls["customer"]], calls["agent"]
    return pl.DataFrame(
        {
            "call_id": _ids("C", offset + np.arange(len(agent)), plan.id_width),
            "started_at": _timestamps(plan, calls["day"] * 86400 + calls["second"]),
            "channel": _labels(CHANNELS, calls["channel"]),
            "queue": _labels(QUEUES, calls["queue"]),
            "region": _labels(REGIONS, customer[:, 0]),
            "product": _labels(PRODUCTS, customer[:, 1]),
            "segment": _labels(("B2C", "B2B"), customer[:, 2]),
            "agent_id": _ids("A", agent, 3),
            "team": _labels(TEAMS, agent * len(TEAMS) // N_AGENTS),
            "customer_id": _ids("CU", calls["customer"], plan.customer_width),
            "wait_s": calls["wait"],
            "duration_s": calls["duration"],
            "hold_s": calls["hold"],
            "transfers": pl.Series(calls["transfers"], dtype=pl.Int32),
        }
        | {key: calls[key] for key in ("resolved", "abandoned", "escalated")}
    )


def surveys_frame(plan: Plan, surveys: pl.DataFrame, offset: int, call_offset: int) -> pl.DataFrame:
    """The chunk's responses as rows of the ``surveys`` table (-1 codes become null)."""
    call, customer = surveys["call"].to_numpy(), surveys["customer"].to_numpy()
    version = surveys["version"].to_numpy()
    frame = pl.DataFrame(
        {
            "response_id": _ids("S", offset + np.arange(surveys.height), plan.id_width),
            "call_id": _ids("C", call_offset + call, plan.id_width),
            "customer_id": _ids("CU", customer, plan.customer_width),
            "responded_at": _timestamps(plan, surveys["at"].to_numpy()),
            "survey_type": _labels(("transactional", "relational"), call < 0),
            "survey_channel": _labels(SURVEY_CHANNELS, surveys["channel"].to_numpy()),
            "survey_version": _labels(
                (*KEYPAD_VERSIONS, OTHER_VERSION), np.where(version < 0, 2, version)
            ),
            "nps": surveys["nps"].cast(pl.Int8),
            "csat": surveys["csat"].cast(pl.Int8),
            "ces": surveys["ces"].cast(pl.Float64),
            "ces_scale": np.full(surveys.height, CES_SCALE, np.int8),
            "comment": surveys["comment"],
            "language": _labels(("en", "es"), plan.customers[customer, 3]),
        }
    )
    return frame.with_columns(
        call_id=pl.when(pl.Series(call >= 0)).then("call_id"),
        csat=pl.when(pl.col("csat") > 0).then("csat"),
        ces=pl.when(pl.col("ces") > 0).then("ces"),
        ces_scale=pl.when(pl.col("ces") > 0).then("ces_scale"),
    )


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """Zero-padded ids from 0-based numbers: ``_ids("A", [0], 3)`` is ``A001``."""
    digits = pl.Series(numbers + 1).cast(pl.String).str.zfill(width)
    return pl.select(pl.lit(prefix) + digits).to_series()


def _labels(names: tuple[str, ...], codes: np.ndarray) -> pl.Series:
    return pl.Series(names, dtype=pl.String).gather(np.asarray(codes, dtype=np.int64))


def _timestamps(plan: Plan, seconds: np.ndarray) -> np.ndarray:
    origin = np.datetime64(plan.start.isoformat(), "us")
    return origin + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")
