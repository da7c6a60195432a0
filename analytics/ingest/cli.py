"""``python -m analytics ingest calls|surveys FILE``: scheduled, unattended loads.

Maps columns automatically only when that is safe: a saved mapping for the same
header set, ``--mapping NAME``, or a suggestion with nothing ambiguous and every
required column found (``--map SOURCE=TARGET`` settles the rest). Otherwise it
refuses and lists what a person must decide. Exit codes: 0 loaded (rejected rows
are reported, not fatal), 1 refused (nothing written), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from analytics import followup
from analytics.ingest import saved
from analytics.ingest.loading import ingest
from analytics.ingest.model import BatchReport, Mapping, RawTable, ReadOptions, Suggestion, Target
from analytics.ingest.readers import read_file
from analytics.ingest.reasons import IngestError
from analytics.store import connect, resolve_path

REFUSED = 1


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``ingest`` sub-command on an ``argparse`` sub-parsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ingest", help="load a calls or surveys file"
    )
    parser.add_argument("target", choices=["calls", "surveys"])
    parser.add_argument("file")
    parser.add_argument("--mapping", metavar="NAME", help="use this saved mapping")
    parser.add_argument(
        "--save-mapping", metavar="NAME", help="save the mapping used under this name"
    )
    parser.add_argument(
        "--map", action="append", default=[], metavar="SOURCE=TARGET", help="map a column"
    )
    parser.add_argument("--sheet", help="Excel sheet name (or 1-based position)")
    parser.add_argument("--delimiter", help="CSV delimiter (default: detected)")
    parser.add_argument("--encoding", help="text encoding (default: detected)")
    parser.add_argument("--ces-scale", type=int, choices=[5, 7])
    parser.add_argument(
        "--ces-direction", choices=["easier", "harder"], help="what a higher CES score means"
    )
    order = parser.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst", dest="dayfirst", action="store_const", const=True, default=None
    )
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False)
    parser.add_argument("--db", help="database path (default: PULSO_DB or data/pulso.duckdb)")
    parser.set_defaults(func=run)  # the house CLI calls args.func(args)
    return parser


def run(args: argparse.Namespace) -> int:
    # connect, not open_store: a fresh default store must not get demo data mixed
    # in with the analyst's real rows.
    store = connect(resolve_path(args.db)[0])
    try:
        raw = read_file(args.file, options=_options(args))
        mapping = resolve_mapping(store, raw, args)
        report = ingest(store, raw, mapping, dayfirst=args.dayfirst, on_progress=None)
        if args.save_mapping:
            saved.save_mapping(store, args.save_mapping, mapping, raw)
        # Every detractor or dissatisfied customer gets a follow-up item right away,
        # not only when someone next opens the app (deadlines: PULSO_FOLLOWUP_*).
        items = followup.sync_items(store, followup.Policy.from_env())
    except IngestError as exc:
        _say(f"refused: {exc}", sys.stderr)
        return REFUSED
    finally:
        store.close()
    _say(summary(report))
    if items:
        _say(f"follow-up: {items} new items")
    return 0


def _options(args: argparse.Namespace) -> ReadOptions:
    return ReadOptions(
        delimiter=_unescape(args.delimiter),
        encoding=args.encoding,
        sheet=args.sheet,
        dayfirst=args.dayfirst,
    )


def _unescape(delimiter: str | None) -> str | None:
    return "\t" if delimiter in ("\\t", "tab") else delimiter


def resolve_mapping(store: Any, raw: RawTable, args: argparse.Namespace) -> Mapping:
    target: Target = args.target
    if args.mapping:
        base = saved.load_mapping(store, args.mapping, target)
        suggestion = None
    else:
        suggestion = saved.suggest(store, raw, target)
        base = suggestion.mapping
    mapping = base.with_columns(_pairs(args.map, raw))
    if args.ces_scale or args.ces_direction:
        mapping = Mapping(mapping.target, mapping.columns, args.ces_scale or mapping.ces_scale,
                          args.ces_direction or mapping.ces_direction, mapping.dayfirst)  # fmt: skip
    if suggestion is not None:
        _refuse_if_open(raw, suggestion, mapping)
    return mapping


def _pairs(items: list[str], raw: RawTable) -> dict[str, str]:
    pairs = {}
    for item in items:
        source, sep, field = item.rpartition("=")
        if not sep or not source:
            raise IngestError(
                "mapping_incomplete",
                file=raw.name,
                detail=f"--map {item!r}: expected SOURCE=TARGET",
            )
        pairs[field.strip()] = source
    return pairs


def _refuse_if_open(raw: RawTable, suggestion: Suggestion, mapping: Mapping) -> None:
    """Refuse when something a person must decide is still open after --map."""
    chosen = mapping.as_dict
    ambiguous = {f: s for f, s in suggestion.ambiguous.items() if f not in chosen}
    missing = [f for f in suggestion.missing_required if f not in chosen]
    if not ambiguous and not missing:
        return
    parts = [
        f"{f} could be any of {', '.join(repr(s) for s in srcs)}" for f, srcs in ambiguous.items()
    ]
    parts += [f"no column found for required {f}" for f in missing]
    unmapped = [c for c in raw.columns if c not in chosen.values()]
    parts.append("unmapped columns: " + (", ".join(repr(c) for c in unmapped) or "none"))
    parts.append("use --map SOURCE=TARGET or --mapping NAME")
    raise IngestError("mapping_incomplete", file=raw.name, detail="; ".join(parts))


def summary(report: BatchReport) -> str:
    lines = [
        f"batch {report.batch_id}: {report.file_name} -> {report.target}",
        f"rows {report.n_rows}: inserted {report.inserted}, updated {report.updated}, "
        f"unchanged {report.unchanged}, rejected {report.rejected}",
    ]
    if report.skipped:
        lines.append("skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(report.skipped.items())))
    lines += [f"warning: {w.message}" for w in report.warnings]
    return "\n".join(lines)


def _say(text: str, stream: Any = None) -> None:
    (stream or sys.stdout).write(text + "\n")
