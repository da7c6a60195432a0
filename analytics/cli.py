"""Command line: ``python -m analytics [--user EMAIL] demo|ingest ...`` (store from
PULSO_DB or default).

Without --user the command acts as the OS user with the admin role (whoever can open
the store's file can change it anyway). With --user it acts as that user does in the
app: the role and scope from the store's roles and [pulso.roles] in
.streamlit/secrets.toml; reports and exports see only the scope, and a write the role
does not allow is refused (exit 1). ``demo`` fills the store for everyone: an admin's
alone, and audited."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from analytics import access, replica_cli, spark_publish
from analytics.alerts import cli as alerts_cli
from analytics.i18n import Lang, t
from analytics.ingest import alias_cli
from analytics.ingest import cli as ingest_cli
from analytics.store import StoreError, connect, resolve_path
from analytics.weekly import cli as report_cli


class DemoRefused(access.Forbidden):
    """Demo data is the whole store's, for everyone: only an admin may put it there.
    No permission of its own (the role ladder stays as the app shows it): it is the
    admin's, as the settings are; the message names the demo, not the settings."""

    def __init__(self, actor: access.Actor) -> None:
        super().__init__(actor, "settings")

    def message(self, lang: Lang) -> str:
        return t(
            "access.demo.forbidden",
            lang,
            user=self.actor.user,
            role=t(f"access.role.{self.actor.role}", lang),
            needed=t("access.role.admin", lang),
        )


def _demo(args: argparse.Namespace) -> int:
    from analytics import audit, demo
    from analytics.demo import followup as followup_demo

    path, _ = resolve_path(None)
    store = connect(path)
    try:
        actor = access.actor_of(store)  # --user's role; without it the OS user, as admin
        if actor.role != "admin":
            raise DemoRefused(actor)  # before anything is read or written
        if not store.is_empty():
            sys.stderr.write(f"{path} already holds data; demo data goes into an empty store.\n")
            return 2
        summary = demo.generate(store, calls=args.calls, seed=args.seed, end=args.end)
        followup_demo.seed(store)
        # Its own transaction: generate commits the data in one of its own.
        after = {
            "calls": summary.calls,
            "surveys": summary.surveys,
            "seed": args.seed,
            "start": summary.start,
            "end": summary.end,
        }
        with store.transaction() as cur:
            audit.record(cur, actor, "demo.generate", path, None, after)
    finally:
        store.close()
    sys.stdout.write(f"{path}: {summary.calls:,} calls, {summary.surveys:,} survey responses\n")
    return 0


def _actor(user: str, db: str | None) -> access.Actor:
    store = connect(resolve_path(db)[0])
    try:
        return access.for_user(store, user)
    finally:
        store.close()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m analytics", description=__doc__)
    p.add_argument(
        "--user",
        metavar="EMAIL",
        help="act as this user: their role and scope in Pulso (default: the OS user, as admin)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="fill an empty store with generated demo data (admins)")
    d.add_argument("--calls", type=int, default=150_000, help="number of calls (default 150,000)")
    d.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    d.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=None,
        help="last day of the data, YYYY-MM-DD (default today)",
    )
    d.set_defaults(func=_demo)
    ingest_cli.add_parser(sub)
    alias_cli.add_parser(sub)
    report_cli.add_parser(sub)
    alerts_cli.add_parser(sub)
    spark_publish.add_parser(sub)
    replica_cli.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.user:  # every store the subcommand opens acts for this user
            access.act_as(_actor(args.user, getattr(args, "db", None)))
        return int(args.func(args))
    except (access.Forbidden, access.NoRole) as exc:  # refused: nothing written
        sys.stderr.write(f"error: {exc.message('en')}\n")
        return 1
    except StoreError as exc:  # the app's own words for it (a held lock names its holder)
        said = t(f"error.{exc.reason}", "en", path=exc.path, detail=exc.detail)
        sys.stderr.write(f"error: {said}\n")
        # A held lock is "refused, nothing written, try again" (exit 1, as a refused
        # file); other store problems are the setup's (exit 2).
        return 1 if exc.reason == "store_locked" else 2
    finally:
        access.act_as(None)  # the process acts as itself again (tests call main in turn)
