"""``PULSO_HOSTILE_FIGURES=path``: the corpus's figures as JSON, for the whole run.

Each process (an xdist worker, or pytest alone) keeps its own :data:`TALLY`; after
each test module it writes its figures under its worker's name into the one file
(under a lock) and the totals are summed again, so the file always holds the run so
far. A file left by another run is started afresh.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.harness import TALLY

RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    yield
    out = os.environ.get("PULSO_HOSTILE_FIGURES")
    if out:
        write(Path(out), TALLY.figures())


def write(path: Path, mine: dict[str, object]) -> None:
    with path.open("a+") as out:  # the file is its own lock
        fcntl.flock(out, fcntl.LOCK_EX)
        out.seek(0)
        try:
            body = json.loads(out.read() or "{}")
        except ValueError:
            body = {}
        if body.get("run") != RUN:
            body = {"run": RUN, "workers": {}}
        body["workers"][WORKER] = mine
        body["total"] = total(list(body["workers"].values()))
        out.seek(0)
        out.truncate()
        out.write(json.dumps(body, indent=2, sort_keys=True) + "\n")


def total(parts: list[dict[str, object]]) -> dict[str, object]:
    """Numbers added, and dicts of numbers added key by key."""
    out: dict[str, object] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict):
                into = out.setdefault(key, {})
                assert isinstance(into, dict)
                for k, n in value.items():
                    into[k] = into.get(k, 0) + n
            else:
                out[key] = int(out.get(key, 0)) + int(value)  # type: ignore[call-overload]
    return out
