"""``python -m analytics report``: the weekly review as a file, for a schedule.

    python -m analytics report --week 2026-W47 --lang es --format pdf --out review.pdf
    python -m analytics report --month 2026-11 --region North --region South
    python -m analytics report --start 2026-11-03 --end 2026-11-20 --format text

Without a period: the last complete week in the data. The scope takes one option per
filter dimension (``--region``, ``--queue``, ``--team``...), each repeatable; a value
the data does not hold is an error, not an empty report. Exit codes: 0 written, 2 a
bad argument (week, date, value) or an unwritable path, 3 the PDF renderer cannot run
here (the message says what to install).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

from analytics import dimensions, overview
from analytics.queries import Filters
from analytics.store import Store, connect, resolve_path

FORMATS = ("pdf", "html", "text")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``report`` sub-command on an ``argparse`` sub-parsers object."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="write the weekly review (HTML, PDF or text) for a week, a month or dates",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    when = p.add_mutually_exclusive_group()
    when.add_argument("--week", metavar="YYYY-Www", help="an ISO week, e.g. 2026-W47")
    when.add_argument("--month", metavar="YYYY-MM", help="a calendar month, e.g. 2026-11")
    when.add_argument("--start", metavar="YYYY-MM-DD", help="first day (with --end)")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last day (with --start)")
    p.add_argument("--lang", choices=("en", "es"), default="en", help="language (default en)")
    p.add_argument("--format", choices=FORMATS, default="pdf", help="file format (default pdf)")
    p.add_argument("--out", metavar="PATH", help="file to write (default: review-PERIOD.EXT)")
    p.add_argument("--db", help="database path (default: PULSO_DB or data/pulso.duckdb)")
    for dim in dimensions.CATALOG:
        p.add_argument(
            f"--{dim.name.replace('_', '-')}",
            dest=dim.name,
            action="extend",
            nargs="+",
            default=[],
            metavar="VALUE",
            help=f"only these {dim.name} values (repeatable)",
        )
    p.set_defaults(func=run)
    return p


class Refused(ValueError):
    """A bad argument, said in one line."""


def run(args: argparse.Namespace) -> int:
    from analytics import weekly
    from analytics.feedback import followup

    try:
        out = _out_path(args)
        store = connect(resolve_path(args.db)[0])
        period = _period(args, store)
        filters = _filters(args, store)
    except (Refused, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    followup.sync_items(store, followup.Policy.from_store(store))  # as the pages do
    review = weekly.build(store, filters, period, args.lang)
    try:
        if args.format == "pdf":
            data = weekly.pdf(review)
        else:
            page = weekly.html(review) if args.format == "html" else weekly.text(review)
            data = page.encode("utf-8")
    except weekly.PdfUnavailable as exc:
        sys.stderr.write(f"error: the PDF cannot be made here.\n{exc}\n")
        return 3
    target = out or Path(f"review-{period.code}.{_EXT[args.format]}")
    try:
        target.write_bytes(data)
    except OSError as exc:
        sys.stderr.write(f"error: cannot write {target}: {exc.strerror or exc}\n")
        return 2
    sys.stdout.write(f"{target}: {period.name(args.lang)}, {len(data):,} bytes\n")
    return 0


_EXT = {"pdf": "pdf", "html": "html", "text": "txt"}


def _out_path(args: argparse.Namespace) -> Path | None:
    """The output file, checked before any work: its folder must exist and be writable."""
    if args.out is None:
        return None
    out = Path(args.out)
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise Refused(f"cannot write {out}: it is a folder; give a file name")
    if not folder.is_dir():
        raise Refused(f"cannot write {out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise Refused(f"cannot write {out}: permission denied")
    return out


def _period(args: argparse.Namespace, store: Store) -> Any:
    from analytics import weekly

    if args.week:
        return weekly.week(args.week)
    if args.month:
        return weekly.month(args.month)
    if args.start or args.end:
        if not (args.start and args.end):
            raise Refused("give both --start and --end (YYYY-MM-DD)")
        return weekly.custom(_day(args.start, "--start"), _day(args.end, "--end"))
    bounds = overview.data_range(store)
    if bounds is None:
        raise Refused("the store holds no data: give --week, --month or --start/--end")
    return weekly.last_complete_week(bounds[1])


def _day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refused(f"{option} {text!r} is not a date; write it as YYYY-MM-DD") from None


def _filters(args: argparse.Namespace, store: Store) -> Filters:
    """The scope; every value must be one the data holds (a typo would report nothing)."""
    chosen: dict[str, tuple[str, ...]] = {}
    for dim in dimensions.CATALOG:
        values = tuple(dict.fromkeys(getattr(args, dim.name)))
        if not values:
            continue
        known = overview.dimension_values(store, dim.name)
        unknown = [v for v in values if v not in known]
        if unknown:
            option = f"--{dim.name.replace('_', '-')}"
            shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            raise Refused(
                f"{option} {', '.join(unknown)}: not in the data; known values: {shown or 'none'}"
            )
        chosen[dim.name] = values
    return Filters(start=None, end=None, compare="previous", **chosen)
