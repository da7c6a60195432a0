"""``python -m analytics snapshot DEST``: publish the store once for read-only replicas
(:mod:`analytics.replica`), for a store no app holds open (a running app publishes
itself with ``PULSO_SNAPSHOT``).

The copy holds every row of every region and the app's own state: an admin's alone
(the ``settings`` permission, checked before anything is read), and audited
(``store.snapshot``), as the demo command is.
"""

from __future__ import annotations

import argparse
import os
import sys

from analytics import access, audit, replica
from analytics.i18n import number, t
from analytics.store import connect, resolve_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("snapshot", help="publish a read-only copy of the store (admins)")
    p.add_argument("dest", help="the snapshot file replicas open (PULSO_REPLICA)")
    p.add_argument("--db", default=None, help="the store (default: PULSO_DB or the default)")
    p.set_defaults(func=_snapshot)


def _snapshot(args: argparse.Namespace) -> int:
    path, _ = resolve_path(args.db)
    store = connect(path)
    try:
        actor = access.require(store, "settings")  # before anything is read
        try:
            written = replica.publish(store, args.dest)
        except ValueError:
            sys.stderr.write(t("cli.snapshot.same", "en", dest=args.dest) + "\n")
            return 2
        dest = os.path.abspath(args.dest)
        size_bytes = written.stat().st_size
        after = {"file": written.name, "bytes": size_bytes}
        with store.transaction() as cur:
            audit.record(cur, actor, "store.snapshot", dest, None, after)
    finally:
        store.close()
    size = f"{number(size_bytes / 2**20, 'en', 1)} MB"
    sys.stdout.write(t("cli.snapshot.done", "en", db=path, dest=dest, size=size) + "\n")
    return 0
