"""Read-only replicas: many app servers reading one store's published snapshot.

DuckDB lets one process write a database file, and a process that writes it holds a
lock that keeps every other process out, readers included. So replicas never open the
live store: the writing app (the one where analysts load and managers edit) publishes
a copy of it, and any number of app servers open that copy read-only.

- The writer: ``PULSO_SNAPSHOT=/shared/pulso-snapshot.duckdb``. Its clock copies the
  whole store there (one transaction: a consistent copy) when anything changed, every
  ``PULSO_SNAPSHOT_EVERY_MINUTES`` (default 5). Each copy is a new file beside that
  name, which becomes a link to it (:func:`publish`), so a replica never sees half a
  file.
- A replica: ``PULSO_REPLICA=/shared/pulso-snapshot.duckdb``. It opens the snapshot
  read-only, reopens it when a newer one is published (checked on every page run),
  and everyone in it may read only, whatever their role: the write buttons are off, and
  the engine refuses writes (:meth:`analytics.access.Actor.can`), as DuckDB itself
  would. Scopes still apply. The writer creates follow-up items before it publishes,
  and runs the alerts: a replica does neither.
- ``python -m analytics snapshot DEST`` publishes once, for a store no app holds open.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path

from analytics.store import Store, StoreError, connect

log = logging.getLogger(__name__)
REPLICA_ENV = "PULSO_REPLICA"
SNAPSHOT_ENV = "PULSO_SNAPSHOT"
EVERY_ENV = "PULSO_SNAPSHOT_EVERY_MINUTES"
DEFAULT_MINUTES = 5.0


def replica_path(env: Mapping[str, str] = os.environ) -> str | None:
    """The snapshot this process serves read-only, if it is a replica."""
    return env.get(REPLICA_ENV, "").strip() or None


def is_replica(env: Mapping[str, str] = os.environ) -> bool:
    return replica_path(env) is not None


def current(path: str) -> str | None:
    """The snapshot file ``path`` names now (it is a link to the newest publication)."""
    return os.path.realpath(path) if os.path.exists(path) else None


#: The file each replica path was opened on.
_opened: dict[str, str] = {}


def open_replica(path: str) -> Store:
    """The snapshot at ``path``, read-only; StoreError when it is missing."""
    target = current(path)
    if target is None:
        raise StoreError("replica_missing", path)
    store = connect(target, read_only=True)
    _opened[path] = target
    return store


def published_at(path: str) -> dt.datetime | None:
    """When the snapshot this replica shows was published."""
    target = _opened.get(path)
    try:
        return dt.datetime.fromtimestamp(os.stat(target).st_mtime, tz=dt.UTC) if target else None
    except OSError:
        return None


def stale(path: str) -> bool:
    """A newer snapshot was published since this replica opened it."""
    now = current(path)
    return now is not None and _opened.get(path) not in (None, now)


def signature(store: Store) -> tuple[object, ...]:
    """Changes with any write: loads and undos (the data version) and every other write
    (each is audited); follow-up actions too."""
    from analytics.feedback import followup

    cur = store.write_cursor()
    audit = cur.execute("select max(audit_id) from audit_log").fetchone()
    return (store.data_version(), audit, followup.version(store))


def publish(store: Store, dest: str | os.PathLike[str], keep: int = 2) -> Path:
    """Copy ``store`` as one consistent snapshot, and make ``dest`` name it.

    Each publication is a new file beside ``dest`` (``NAME.<time>.duckdb``) and ``dest``
    a symbolic link to the newest, replaced atomically: a replica never sees half a
    file, and reopens a new name (DuckDB keeps one instance per file name in a process:
    a file replaced under the same name would be read from the old instance). The
    ``keep`` newest files stay (replicas may still read the one before); older ones are
    removed. Follow-up items are created first (a replica cannot create them).
    """
    from analytics.feedback import followup

    link = Path(os.path.abspath(dest))
    if Path(os.path.realpath(link)) == Path(os.path.realpath(store.path)):
        raise ValueError("a snapshot cannot replace the store it copies")
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists() and not link.is_symlink():
        raise ValueError(f"{link} is a file, not a published snapshot")
    target = link.with_name(f"{link.stem}.{time.time_ns()}{link.suffix or '.duckdb'}")
    followup.sync_items(store, followup.Policy.from_store(store))
    cur = store.write_cursor()
    row = cur.execute("select current_database()").fetchone()
    source = '"' + str(row[0] if row else "memory").replace('"', '""') + '"'
    cur.execute(f"attach '{_quoted(target)}' as pulso_snapshot")
    try:
        cur.execute(f"copy from database {source} to pulso_snapshot")
    finally:
        cur.execute("detach pulso_snapshot")
    pointer = link.with_name(link.name + ".tmp")
    pointer.unlink(missing_ok=True)
    pointer.symlink_to(target.name)  # relative: the folder may be mounted elsewhere
    os.replace(pointer, link)
    for old in sorted(link.parent.glob(f"{link.stem}.*{link.suffix or '.duckdb'}"))[:-keep]:
        if old.name[len(link.stem) + 1 :].split(".")[0].isdigit():
            old.unlink(missing_ok=True)
    return target


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


class Publisher:
    """The writer's clock job: publish when something changed since the last copy."""

    def __init__(self, dest: str) -> None:
        self.dest = dest
        self.last: tuple[object, ...] | None = None
        self.published = 0

    def __call__(self, store: Store) -> bool:
        now = signature(store)
        if now == self.last and os.path.exists(self.dest):
            return False
        publish(store, self.dest)
        self.last = signature(store)  # publishing may have created follow-up items
        self.published += 1
        log.info("published a snapshot of the store to %s", self.dest)
        return True


def snapshot_every(env: Mapping[str, str] = os.environ) -> tuple[str, dt.timedelta] | None:
    """Where and how often the writer publishes; None when it does not (or the interval
    is unreadable: logged, never taken for "off" silently)."""
    dest = env.get(SNAPSHOT_ENV, "").strip()
    if not dest:
        return None
    text = env.get(EVERY_ENV, "").strip()
    try:
        minutes = float(text) if text else DEFAULT_MINUTES
    except ValueError:
        minutes = float("nan")
    if not (0 < minutes < float("inf")):
        log.error("%s=%r is not a number of minutes; no snapshot is published", EVERY_ENV, text)
        return None
    return dest, dt.timedelta(minutes=minutes)
