"""Who may see and do what: roles, grants and the scoped store, and the actor bound to it.

Four roles, each with the permissions of the one before (executive, analyst, manager,
admin). The checks live where the writes happen (:func:`require`, called by each write
function in ``analytics``), so the app, the CLI and a notebook are held alike; the app's
hidden or disabled buttons are a courtesy on top.

The actor travels with the store: :func:`bind` returns a store handle for one actor.
A handle without an actor (a notebook or CLI run with no user: whoever can open the file
can change it anyway) acts as the local OS user with the admin role. A scoped handle's
reads see only the rows of the actor's scope; its writes see the whole store.

The pieces have their own modules, whose names this one re-exports (the pages, the
command line and notebooks call them as ``access.<name>``):

- :mod:`analytics.roles`: the roles and their permissions, the actor, and the check
  (:func:`require`);
- :mod:`analytics.grants`: who is who, from the secrets files and the store's ``roles``
  table, and a user named on the command line or in a notebook;
- :mod:`analytics.scoped_store`: the store handle whose reads see only the actor's
  scope (:class:`BoundStore`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from analytics.grants import (
    GROUP_PREFIX,
    Grant,
    NoRole,
    delete_grant,
    for_user,
    grant,
    grants_from_config,
    read_grants,
    resolve,
    save_grant,
    scope_json,
    secrets_grants,
)
from analytics.queries import Filters
from analytics.roles import (
    ROLES,
    Actor,
    Forbidden,
    Permission,
    Role,
    Scope,
    actor_of,
    check_role,
    check_scope,
    local_actor,
    minimum_role,
    permissions,
    require,
)
from analytics.scoped_store import BoundStore
from analytics.scoped_store import _scope_kept as _scope_kept  # analytics.spark reads it
from analytics.store import Store

__all__ = [
    "GROUP_PREFIX", "ROLES", "Actor", "BoundStore", "Forbidden", "Grant", "NoRole",
    "Permission", "Role", "Scope", "act_as", "actor_of", "author", "bind", "check_role",
    "check_scope", "delete_grant", "for_user", "grant", "grants_from_config", "local_actor",
    "minimum_role", "permissions", "process_actor", "read_grants", "require", "resolve",
    "save_grant", "scope_json", "secrets_grants", "within_scope",
]  # fmt: skip


# --- the actor bound to a store -------------------------------------------------------


def bind(store: Store, actor: Actor | None) -> Store:
    """``store`` acting for ``actor`` (the store itself for no actor)."""
    if actor is None:
        return store
    rebind = getattr(store, "bound", None)  # a Spark-mode store binds its embedded one
    if callable(rebind):
        return rebind(actor)
    return BoundStore(con=store.con, path=store.path, actor=actor)


def within_scope(store: Store, filters: Filters) -> Filters:
    """``filters`` narrowed to the acting user's scope (all their values where none is
    chosen), so that what a report says of its scope is what its rows are: "Region:
    North", not "all the data", for a North user. The rows are the same either way."""
    narrowed: dict[str, Any] = {}
    for name, allowed in actor_of(store).scope:
        asked: tuple[str, ...] = getattr(filters, name)
        narrowed[name] = tuple(v for v in asked if v in allowed) or asked or allowed
    return replace(filters, **narrowed) if narrowed else filters


# --- the user a whole process acts as (the command line's --user) ------------------


#: The user a whole process acts as (the CLI's ``--user``); None: the OS user, as admin.
_process_actor: Actor | None = None


def act_as(actor: Actor | None) -> None:
    """Every store :func:`analytics.store.connect` opens from now on acts for ``actor``
    (the command line's ``--user``: its subcommands open their own stores)."""
    global _process_actor  # one process, one user: set once by the CLI
    _process_actor = actor


def process_actor() -> Actor | None:
    return _process_actor


def author(store: Store, given: str | None = None) -> str:
    """The name a write records: a bound (signed-in) actor's, whatever the caller says;
    else ``given`` (a CLI's or notebook's own label), else the OS user."""
    app = getattr(store, "app", store)  # a Spark-mode store: its embedded one's actor
    if isinstance(app, BoundStore):
        return app.actor.user
    return given or local_actor().user
