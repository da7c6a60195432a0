"""The roles, what each may do, and the check of it: who may do what.

Four roles, each with the permissions of the one before: an executive reads; an analyst
also loads and undoes files and keeps the value aliases; a manager also keeps the change
registry, the follow-up queue and the targets; an admin also the settings, the alert
rules and the roles. The checks live where the writes happen (:func:`require`, called
by each write function in ``analytics``), so the app, the CLI and a notebook are held
alike; the app's hidden or disabled buttons are a courtesy on top.

An :class:`Actor` is a user acting in a role and seeing only a scope (a region, or any
dimension of :mod:`analytics.dimensions`). A store without an actor (a notebook or CLI
run with no user: whoever can open the file can change it anyway) acts as the local OS
user with the admin role. The callers reach these names through :mod:`analytics.access`.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from analytics import dimensions, replica
from analytics.i18n import Lang, t
from analytics.store import Store

Role = Literal["executive", "analyst", "manager", "admin"]
ROLES: tuple[Role, ...] = ("executive", "analyst", "manager", "admin")
Permission = Literal[
    "read",
    "load",
    "undo",
    "aliases",
    "registry",
    "followup",
    "targets",
    "settings",
    "alerts",
    "roles",
]
#: What each role adds to the one before it.
_ADDS: dict[Role, tuple[Permission, ...]] = {
    "executive": ("read",),
    "analyst": ("load", "undo", "aliases"),
    "manager": ("registry", "followup", "targets"),
    "admin": ("settings", "alerts", "roles"),
}
#: A dimension and the values a user may see of it (an empty mapping: everything).
Scope = tuple[tuple[str, tuple[str, ...]], ...]


def permissions(role: Role) -> frozenset[Permission]:
    """The role's permissions: its own and those of every role below it."""
    upto = ROLES[: ROLES.index(role) + 1]
    return frozenset(p for r in upto for p in _ADDS[r])


def minimum_role(permission: Permission) -> Role:
    """The lowest role that holds ``permission``."""
    return next(r for r in ROLES if permission in _ADDS[r])


@dataclass(frozen=True)
class Actor:
    """A user acting in a role, seeing only ``scope`` (hashable: a cache key part)."""

    user: str
    role: Role
    scope: Scope = ()

    def can(self, permission: Permission) -> bool:
        """Whether the role allows ``permission``; in a read-only replica, reading only
        (:mod:`analytics.replica`: its writes would be lost with the next snapshot)."""
        if permission != "read" and replica.is_replica():
            return False
        return permission in permissions(self.role)

    def scope_dict(self) -> dict[str, tuple[str, ...]]:
        return dict(self.scope)


class Forbidden(PermissionError):
    """The actor's role does not allow the action (``message(lang)`` says which)."""

    def __init__(self, actor: Actor, permission: Permission) -> None:
        super().__init__(f"{actor.user} ({actor.role}) may not {permission}")
        self.actor = actor
        self.permission = permission

    def message(self, lang: Lang) -> str:
        if replica.is_replica():
            return t("access.replica_forbidden", lang)
        return t(
            "access.forbidden",
            lang,
            user=self.actor.user,
            role=t(f"access.role.{self.actor.role}", lang),
            action=t(f"access.permission.{self.permission}", lang),
            needed=t(f"access.role.{minimum_role(self.permission)}", lang),
        )


def local_actor() -> Actor:
    """No sign-in: the OS user, as admin (whoever can open the file can change it)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = "local"
    return Actor(user=user, role="admin")


def check_role(role: object) -> Role:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return role


def check_scope(scope: Mapping[str, Iterable[str]] | None) -> Scope:
    """A scope from config or a form: known dimensions, values as strings, sorted."""
    checked: list[tuple[str, tuple[str, ...]]] = []
    for name, values in (scope or {}).items():
        if name not in {d.name for d in dimensions.CATALOG}:
            raise ValueError(f"unknown scope dimension {name!r}")
        if isinstance(values, str):
            values = [values]
        kept = tuple(sorted({str(v) for v in values if str(v).strip()}))
        if not kept:
            raise ValueError(f"scope dimension {name!r} needs at least one value")
        checked.append((name, kept))
    return tuple(sorted(checked))


# --- the check, where the writes happen ----------------------------------------------


def actor_of(store: Store) -> Actor:
    """Who acts through ``store``: its bound actor, else the local OS user as admin."""
    actor = getattr(store, "actor", None)  # a BoundStore's, or a Spark-mode store's
    return actor if isinstance(actor, Actor) else local_actor()


def require(store: Store, permission: Permission) -> Actor:
    """The acting user, if their role allows ``permission``; else :class:`Forbidden`."""
    actor = actor_of(store)
    if not actor.can(permission):
        raise Forbidden(actor, permission)
    return actor
