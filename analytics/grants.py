"""Who is who: the grants that give a user or a group a role and a scope.

A grant names a user (an e-mail) or a group (``group:NAME``). The grants come from
``[pulso.roles]`` in the secrets files and from the store's ``roles`` table (admins edit
it on the Settings page; it wins for the same principal). :func:`resolve` turns a user
and their groups into an :class:`~analytics.roles.Actor`; :func:`for_user` does so for
a user named outside the app (the command line's ``--user``, a notebook). The callers
reach these names through :mod:`analytics.access`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analytics import audit
from analytics.i18n import Lang, t
from analytics.roles import ROLES, Actor, Role, Scope, check_role, check_scope, require
from analytics.store import Store

GROUP_PREFIX = "group:"


@dataclass(frozen=True)
class Grant:
    """A user (an e-mail) or a group (``group:NAME``) and the role and scope it gets."""

    principal: str
    role: Role
    scope: Scope = ()

    @property
    def is_group(self) -> bool:
        return self.principal.startswith(GROUP_PREFIX)


def grant(principal: str, role: object, scope: Mapping[str, Iterable[str]] | None = None) -> Grant:
    """A checked :class:`Grant` (principals compare without case)."""
    name = principal.strip().lower()
    if not name or name == GROUP_PREFIX:
        raise ValueError("access.error.principal")
    return Grant(name, check_role(role), check_scope(scope))


def grants_from_config(config: Mapping[str, Any]) -> list[Grant]:
    """``[pulso.roles]`` in secrets: ``"ana@x.org" = "manager"``, or an inline table
    ``{ role = "analyst", scope = { region = ["North"] } }``."""
    found = []
    for principal, value in config.items():
        if isinstance(value, Mapping):
            found.append(grant(principal, value.get("role"), value.get("scope")))
        else:
            found.append(grant(principal, value))
    return found


def resolve(user: str, groups: Iterable[str], grants: Iterable[Grant]) -> Actor | None:
    """The user's own grant, else the highest-role grant of their groups; None: no
    grant (the app refuses the user). Later grants of the same principal win (the
    store's table is passed after the secrets file)."""
    by_name = {g.principal: g for g in grants}
    own = by_name.get(user.strip().lower())
    if own is None:
        mine = [by_name[p] for p in (f"{GROUP_PREFIX}{g.lower()}" for g in groups) if p in by_name]
        own = max(mine, key=lambda g: ROLES.index(g.role), default=None)
    return None if own is None else Actor(user=user, role=own.role, scope=own.scope)


def scope_json(scope: Scope) -> str | None:
    return json.dumps(dict(scope), ensure_ascii=False, sort_keys=True) if scope else None


# --- the roles table (admins edit it on the Settings page) -------------------------


def read_grants(store: Store) -> list[Grant]:
    """The store's grants (they override the secrets file's for the same principal)."""
    rows = store.con.cursor().execute("select principal, role, scope from roles order by 1")
    return [
        Grant(p, check_role(r), check_scope(json.loads(s) if s else None))
        for p, r, s in rows.fetchall()
    ]


def save_grant(store: Store, new: Grant) -> None:
    """Give ``new.principal`` a role and scope (admins only; audited)."""
    actor = require(store, "roles")
    with store.transaction() as cur:
        before = audit.row(
            cur, "select role, scope from roles where principal = ?", [new.principal]
        )
        cur.execute("delete from roles where principal = ?", [new.principal])
        cur.execute(
            "insert into roles (principal, role, scope, updated_by) values (?, ?, ?, ?)",
            [new.principal, new.role, scope_json(new.scope), actor.user],
        )
        after = {"role": new.role, "scope": scope_json(new.scope)}
        audit.record(cur, actor, "roles.save", new.principal, before, after)


def delete_grant(store: Store, principal: str) -> None:
    """Take a principal's grant out of the store (admins only; audited)."""
    actor = require(store, "roles")
    with store.transaction() as cur:
        before = audit.row(cur, "select role, scope from roles where principal = ?", [principal])
        cur.execute("delete from roles where principal = ?", [principal])
        audit.record(cur, actor, "roles.delete", principal, before, None)


# --- a user named on the command line or in a notebook ------------------------------


class NoRole(LookupError):
    """A user named outside the app (``--user``, ``open_store(user=)``) has no grant."""

    def __init__(self, user: str) -> None:
        super().__init__(f"{user} has no role in Pulso")
        self.user = user

    def message(self, lang: Lang) -> str:
        return t("access.cli.no_role", lang, user=self.user)


def secrets_grants(files: Iterable[Path] | None = None) -> list[Grant]:
    """``[pulso.roles]`` of the secrets files the app reads (the working folder's
    ``.streamlit/secrets.toml``, then the home folder's), read with tomllib: the
    command line and a notebook find the deployer's roles without Streamlit."""
    if files is None:
        from analytics.alerts.channels import secrets_files  # it imports access (a cycle)

        files = secrets_files()
    found: list[Grant] = []
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        pulso = data.get("pulso")
        roles = pulso.get("roles") if isinstance(pulso, Mapping) else None
        if isinstance(roles, Mapping):
            found += grants_from_config(roles)
    return found


def for_user(
    store: Store, user: str, groups: Iterable[str] = (), files: Iterable[Path] | None = None
) -> Actor:
    """The actor ``user`` is in the app: the secrets files' grants, then the store's
    (which win), as the app resolves a signed-in user; :class:`NoRole` for none."""
    found = resolve(user, groups, [*secrets_grants(files), *read_grants(store)])
    if found is None:
        raise NoRole(user)
    return found
