"""Command line: ``python -m analytics demo|ingest ...`` (store from PULSO_DB or default)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from analytics.alerts import cli as alerts_cli
from analytics.i18n import t
from analytics.ingest import alias_cli
from analytics.ingest import cli as ingest_cli
from analytics.store import StoreError, connect, resolve_path
from analytics.weekly import cli as report_cli


def _demo(args: argparse.Namespace) -> int:
    from analytics import demo
    from analytics.demo import followup as followup_demo

    path, _ = resolve_path(None)
    store = connect(path)
    if not store.is_empty():
        sys.stderr.write(f"{path} already holds data; demo data goes into an empty store.\n")
        return 2
    summary = demo.generate(store, calls=args.calls, seed=args.seed, end=args.end)
    followup_demo.seed(store)
    sys.stdout.write(f"{path}: {summary.calls:,} calls, {summary.surveys:,} survey responses\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m analytics", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="fill an empty store with generated demo data")
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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except StoreError as exc:  # the app's own words for it (a held lock names its holder)
        said = t(f"error.{exc.reason}", "en", path=exc.path, detail=exc.detail)
        sys.stderr.write(f"error: {said}\n")
        return 2
