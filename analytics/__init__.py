"""Pulso's engine: store, read path, statistics. Never imports streamlit.

Public entry point: :func:`open_store`.
"""

from __future__ import annotations

import os

from analytics import access, replica
from analytics.store import Store, StoreError, connect, resolve_path

__all__ = ["Store", "StoreError", "open_store"]


def open_store(path_or_url: str | os.PathLike[str] | None = None, user: str | None = None) -> Store:
    """Open the Pulso store.

    With no argument: the database named by ``PULSO_DB`` (created empty if missing),
    else ``data/pulso.duckdb``, created and filled with demo data on first use.
    ``path_or_url`` may be a file path, ``duckdb://path`` or ``:memory:``.

    ``user`` (an e-mail): act as that user, with the role and scope the app gives them
    (``[pulso.roles]`` in ``.streamlit/secrets.toml`` and the store's roles table):
    reads see only their scope, writes their role allows (else ``Forbidden``).
    :class:`~analytics.access.NoRole` when they have none. Without it: the OS user, as
    admin (whoever can open the file can change it anyway).

    With ``PULSO_REPLICA`` set (and no argument): that published snapshot, read-only
    (:mod:`analytics.replica`).
    """
    if path_or_url is None and replica.is_replica():  # a read-only app server
        store = replica.open_replica(str(replica.replica_path()))
        return store if user is None else access.bind(store, access.for_user(store, user))
    path, is_default = resolve_path(path_or_url)
    store = connect(path)
    actor = None if user is None else access.for_user(store, user)  # NoRole: nothing written
    if is_default and store.is_empty():
        from analytics.demo.contact_center import generate  # demo code loads only when it is needed
        from analytics.demo.followup import seed

        generate(store)
        seed(store)  # the demo's follow-up queue, with a plausible history
    return store if actor is None else access.bind(store, actor)
