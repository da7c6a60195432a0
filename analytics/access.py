"""Who may do what, and which rows they see: roles, permissions, scope.

Four roles, each with the permissions of the one before: an executive reads; an analyst
also loads and undoes files and keeps the value aliases; a manager also keeps the change
registry, the follow-up queue and the targets; an admin also the settings, the alert
rules and the roles. The checks live where the writes happen (:func:`require`, called
by each write function in ``analytics``), so the app, the CLI and a notebook are held
alike; the app's hidden or disabled buttons are a courtesy on top.

The actor travels with the store: :func:`bind` returns a store handle for one actor.
A handle without an actor (a notebook or CLI run with no user: whoever can open the file
can change it anyway) acts as the local OS user with the admin role.

Scope (a region, or any dimension of :mod:`analytics.dimensions`) is applied in the read
path itself: a scoped handle's cursors see ``calls``, ``surveys`` and the follow-up
tables through temporary views of the same names, restricted to the scope. Every read,
Ibis or SQL, page, table, download, report or CLI, goes through a cursor, so none can
reach another region's rows; a filter for another region finds nothing. Writes run on
an unscoped cursor (a load checks its keys against the whole store).
"""

from __future__ import annotations

import getpass
import json
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import duckdb
import ibis.expr.types as ir

from analytics import answers, audit, dimensions, replica, rollups
from analytics.dimensions import Source
from analytics.i18n import Lang, t
from analytics.queries import Filters
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
GROUP_PREFIX = "group:"


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


# --- who is who: the role mapping ---------------------------------------------------


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


# --- the actor bound to a store -------------------------------------------------------


@dataclass
class BoundStore(Store):
    """A store handle acting for ``actor``: reads see only the actor's scope."""

    actor: Actor = field(default_factory=local_actor)
    _db: str = field(default="", repr=False)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.con.cursor()
        if self.actor.scope:
            _shadow(cur, self.actor.scope, self._database(cur))
        return cur

    def write_cursor(self) -> duckdb.DuckDBPyConnection:
        """Writes see the whole store (a load checks its keys against every row)."""
        return self.con.cursor()

    def rollup(self, rollup: rollups.Rollup, source: Source) -> ir.Table | None:
        """The rollup, shadowed with the scope's rows, when the scope is on dimensions
        it keeps; else None (the reads filter the raw rows)."""
        if not _scope_kept(self.actor.scope, rollup):
            return None
        return super().rollup(rollup, source)

    def _database(self, cur: duckdb.DuckDBPyConnection) -> str:
        if not self._db:
            row = cur.execute("select current_database()").fetchone()
            self._db = '"' + str(row[0] if row else "memory").replace('"', '""') + '"'
        return self._db


#: Raw rows of any region (rejects, before-images): none for a scoped user.
_HIDDEN = ("rejected_rows", "ingest_before_calls", "ingest_before_surveys")


def _shadow(cur: duckdb.DuckDBPyConnection, scope: Scope, database: str) -> None:
    """Temporary views on ``cur`` that shadow the fact tables with the scope's rows.

    The allowed values go into a temporary table as bound parameters (a view's text
    cannot bind them); dimension names come from the catalog's allow-list.
    """
    kept = rollups.current(cur) is not None  # before the views shadow the tables
    cur.execute("create temp table pulso_scope (dimension varchar, value varchar)")
    cur.executemany(
        "insert into pulso_scope values (?, ?)", [[d, v] for d, values in scope for v in values]
    )
    main = f"{database}.main"
    preds: dict[str, list[str]] = {"calls": ["true"], "surveys": ["true"]}
    for name, _ in scope:
        dim = dimensions.get(name)
        preds[dim.table].append(
            f'"{dim.name}" in (select value from temp.main.pulso_scope'  # noqa: S608
            f" where dimension = '{dim.name}')"
        )
    rows = "as select * from"
    views = [
        f"{name} {rows} {main}.{name} where {' and '.join(where)}"
        for name, where in _rollup_scopes(scope, preds)
    ]
    # answers carry their call's attributes: the scope applies to them as to a rollup
    views.append(f"{answers.ANSWERS} {rows} {main}.{answers.ANSWERS} where "
                 + " and ".join(preds["calls"] + preds["surveys"][1:]))  # fmt: skip
    if len(preds["calls"]) > 1:  # a call attribute scopes surveys through their call
        # The kept answers hold their call's attributes: reading the scope there is
        # 2-5x faster than through every call (10M calls: the follow-up items of one
        # region 0.04 s, not 0.22 s). Only while they are current (a load keeps them so;
        # a direct write that changes the row counts makes the reads use the calls).
        through = "response_id in (select response_id from temp.main.answers)"
        preds["surveys"].append(
            through if kept else "call_id in (select call_id from temp.main.calls)"
        )
    views += [
        f"calls {rows} {main}.calls where {' and '.join(preds['calls'])}",
        f"surveys {rows} {main}.surveys where {' and '.join(preds['surveys'])}",
        f"followup_items {rows} {main}.followup_items where response_id in"  # noqa: S608
        " (select response_id from temp.main.surveys)",
        f"followup_actions {rows} {main}.followup_actions where item_id in"  # noqa: S608
        " (select item_id from temp.main.followup_items)",
        *(f"{name} {rows} {main}.{name} where false" for name in _HIDDEN),
    ]
    cur.execute(";".join(f"create temp view {view}" for view in views))


def _scope_kept(scope: Scope, rollup: rollups.Rollup) -> bool:
    """Whether every scoped dimension is one ``rollup`` keeps."""
    return {name for name, _ in scope} <= set(rollup.dims["surveys"])


def _rollup_scopes(scope: Scope, preds: dict[str, list[str]]) -> Iterator[tuple[str, list[str]]]:
    """Each rollup table and its scope conditions: the call attributes on both (and
    the survey type on surveys'); none of its rows when it does not keep a scoped
    dimension (the reads then take the raw rows, see :meth:`BoundStore.rollup`)."""
    for rollup in rollups.ROLLUPS:
        kept = _scope_kept(scope, rollup)
        calls, surveys = preds["calls"], preds["calls"] + preds["surveys"][1:]
        yield rollup.table("calls"), calls if kept else ["false"]
        yield rollup.table("surveys"), surveys if kept else ["false"]


def bind(store: Store, actor: Actor | None) -> Store:
    """``store`` acting for ``actor`` (the store itself for no actor)."""
    if actor is None:
        return store
    rebind = getattr(store, "bound", None)  # a Spark-mode store binds its embedded one
    if callable(rebind):
        return rebind(actor)
    return BoundStore(con=store.con, path=store.path, actor=actor)


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


def within_scope(store: Store, filters: Filters) -> Filters:
    """``filters`` narrowed to the acting user's scope (all their values where none is
    chosen), so that what a report says of its scope is what its rows are: "Region:
    North", not "all the data", for a North user. The rows are the same either way."""
    narrowed: dict[str, Any] = {}
    for name, allowed in actor_of(store).scope:
        asked: tuple[str, ...] = getattr(filters, name)
        narrowed[name] = tuple(v for v in asked if v in allowed) or asked or allowed
    return replace(filters, **narrowed) if narrowed else filters


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
        from analytics.alerts.channels import secrets_files  # it imports this module

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
