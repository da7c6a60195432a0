"""``python -m analytics ingest calls|surveys FILE``: scheduled, unattended loads.

Maps columns automatically only when that is safe: a saved mapping for the same
header set, ``--mapping NAME``, or a suggestion with nothing ambiguous and every
required column found (``--map SOURCE=TARGET`` settles the rest, ``--skip FIELD``
leaves an optional field unmapped). Otherwise it refuses and lists what a person
must decide. Transforms, per field: ``--invert abandoned`` (a yes/no that says the
opposite), ``--time started_at=Time`` (date + time of day), ``--values
csat=excelente:5,buena:4`` or ``--values csat=quality5_es`` (labels to values, or a
known scale by name), ``--unit duration_s=min``, ``--const survey_type=transactional``.
Exit codes: 0 loaded (rejected rows are reported, not fatal, unless ``--strict``),
1 refused (nothing written), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any, NoReturn

from analytics.feedback import followup
from analytics.ingest import aliases, fit, quality, saved
from analytics.ingest import columns as cols
from analytics.ingest import vocabulary as vocab
from analytics.ingest.alias_cli import new_value_lines
from analytics.ingest.columns import KEYS
from analytics.ingest.loading import ingest
from analytics.ingest.model import (
    DURATION_UNITS,
    BatchReport,
    Mapping,
    Misfit,
    RawTable,
    ReadOptions,
    Suggestion,
    Target,
)
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
    parser.add_argument(
        "--skip", action="append", default=[], metavar="FIELD", help="leave a field unmapped"
    )
    parser.add_argument(
        "--invert", action="append", default=[], metavar="FIELD", help="a yes/no read inverted"
    )
    parser.add_argument(
        "--time", action="append", default=[], metavar="FIELD=SOURCE",
        help="the column with the time of day for a date field",
    )  # fmt: skip
    parser.add_argument(
        "--values", action="append", default=[], metavar="FIELD=LABEL:VALUE,...|SCALE",
        help=f"labels to values, or a known scale: {', '.join(sorted(vocab.VALUE_MAPS))}",
    )  # fmt: skip
    parser.add_argument(
        "--unit", action="append", default=[], metavar="FIELD=UNIT",
        help=f"unit of a duration: {', '.join(DURATION_UNITS)}",
    )  # fmt: skip
    parser.add_argument(
        "--const", action="append", default=[], metavar="FIELD=VALUE",
        help="one value for every row (e.g. survey_type=transactional)",
    )  # fmt: skip
    parser.add_argument(
        "--generate-key", action="store_true",
        help="no key column: make the key from each row's content (a reload adds nothing)",
    )  # fmt: skip
    parser.add_argument(
        "--strict", action="store_true",
        help="refuse the whole file if any row is rejected (nothing is written)",
    )  # fmt: skip
    parser.add_argument("--sheet", help="Excel sheet name (or 1-based position)")
    parser.add_argument(
        "--no-header", action="store_true",
        help="the first row is data (columns are then column_1, column_2...)",
    )  # fmt: skip
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
        if raw.facts.n_rows == 0 and not raw.facts.skipped:  # a header alone: no values
            raise IngestError("no_rows", file=raw.name)
        mapping = resolve_mapping(store, raw, args)
        for line in describe(mapping):
            _say(line)
        report = ingest(store, raw, mapping, dayfirst=args.dayfirst, strict=args.strict)
    except IngestError as exc:
        store.close()
        _say(f"refused: {exc}", sys.stderr)
        return REFUSED
    # Committed: say so at once (flushed), before the steps below, so that a kill or
    # a failure after the commit never hides a load that is in the store.
    _say(summary(report))
    sys.stdout.flush()
    try:
        new = aliases.new_in_batch(store, report.batch_id, report.target)
        if args.save_mapping:
            saved.save_mapping(store, args.save_mapping, mapping, raw)
        # Every detractor or dissatisfied customer gets a follow-up item right away,
        # not only when someone next opens the app (deadlines: Settings, else
        # PULSO_FOLLOWUP_*).
        items = followup.sync_items(store, followup.Policy.from_store(store))
    finally:
        store.close()
    for line in new_value_lines(new):  # values the store did not hold: "Sur" beside "South"?
        _say(f"warning: {line}")
    found = quality.of(report)
    for line in quality.lines(found, "en") if found is not None else []:
        _say(f"quality: {line}")
    if items:
        _say(f"follow-up: {items} new items")
    return 0


def _options(args: argparse.Namespace) -> ReadOptions:
    return ReadOptions(
        delimiter=_unescape(args.delimiter),
        encoding=args.encoding,
        sheet=args.sheet,
        dayfirst=args.dayfirst,
        layout="headerless" if args.no_header else None,
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
    mapping = with_transforms(base.with_columns(_pairs(args.map, raw, "--map")), args, raw)
    if args.ces_scale or args.ces_direction:
        mapping = replace(
            mapping,
            ces_scale=args.ces_scale or mapping.ces_scale,
            ces_direction=args.ces_direction or mapping.ces_direction,
        )
    if suggestion is not None:
        _refuse_if_open(raw, suggestion, mapping)
    return mapping


def with_transforms(mapping: Mapping, args: argparse.Namespace, raw: RawTable) -> Mapping:
    """The mapping with the command line's transforms (they win over saved ones)."""
    if args.generate_key:
        key = KEYS[mapping.target]
        mapping = mapping.without(key).with_transform(key, generated=True)
    for field in args.invert:
        mapping = mapping.with_transform(field, invert=True)
    for field, source in _pairs(args.time, raw, "--time", source_first=False).items():
        mapping = mapping.with_transform(field, time_source=source)
    for field, spec in _pairs(args.values, raw, "--values", source_first=False).items():
        mapping = mapping.with_transform(field, values=_value_map(spec, raw))
    for field, unit in _pairs(args.unit, raw, "--unit", source_first=False).items():
        if unit not in DURATION_UNITS:
            _bad(raw, f"--unit {field}={unit}: expected one of {', '.join(DURATION_UNITS)}")
        mapping = mapping.with_transform(field, unit=unit)
    for field, value in _pairs(args.const, raw, "--const", source_first=False).items():
        mapping = mapping.without(field).with_transform(field, constant=value)
    return mapping.skipping(*args.skip) if args.skip else mapping


def _value_map(spec: str, raw: RawTable) -> tuple[tuple[str, str], ...]:
    """``quality5_es`` (a known scale) or ``Excelente:5,Buena:4`` (labels normalised)."""
    if spec in vocab.VALUE_MAPS:
        return tuple(sorted(vocab.VALUE_MAPS[spec].items()))
    pairs = [item.rpartition(":") for item in spec.split(",") if item.strip()]
    if not pairs or any(not sep or not label.strip() for label, sep, _ in pairs):
        _bad(raw, f"--values {spec!r}: expected LABEL:VALUE,... or a scale name")
    return tuple(sorted((vocab.normalise(label), value.strip()) for label, _, value in pairs))


def _pairs(items: list[str], raw: RawTable, flag: str, source_first: bool = True) -> dict[str, str]:
    """``SOURCE=FIELD`` (``--map``) or ``FIELD=VALUE`` items as field -> value."""
    pairs = {}
    for item in items:
        left, sep, right = item.rpartition("=") if source_first else item.partition("=")
        if not sep or not left:
            shape = "SOURCE=TARGET" if source_first else "FIELD=VALUE"
            _bad(raw, f"{flag} {item!r}: expected {shape}")
        field, value = (right.strip(), left) if source_first else (left.strip(), right)
        pairs[field] = value
    return pairs


def _bad(raw: RawTable, detail: str) -> NoReturn:
    raise IngestError("mapping_incomplete", file=raw.name, detail=detail)


def _refuse_if_open(raw: RawTable, suggestion: Suggestion, mapping: Mapping) -> None:
    """Refuse when something a person must decide is still open after --map/--skip."""
    settled = set(mapping.fields) | set(mapping.skipped)
    ambiguous = {f: s for f, s in suggestion.ambiguous.items() if f not in settled}
    missing = [f for f in suggestion.missing_required if f not in settled]
    misfits = [m for m in suggestion.misfits if m.field not in settled]
    if not ambiguous and not missing and not misfits:
        return
    parts = [
        f"{f} could be any of {', '.join(repr(s) for s in srcs)}" for f, srcs in ambiguous.items()
    ]
    parts += [f"no column found for required {f}" for f in missing]
    parts += [_misfit_text(m, mapping) for m in misfits]
    unmapped = [c for c in raw.columns if c not in mapping.sources]
    parts.append("unmapped columns: " + (", ".join(repr(c) for c in unmapped) or "none"))
    parts.append("use --map SOURCE=TARGET, --skip FIELD (optional fields) or --mapping NAME")
    raise IngestError("mapping_incomplete", file=raw.name, detail="; ".join(parts))


def _misfit_text(misfit: Misfit, mapping: Mapping) -> str:
    """A column named like a field whose values do not fit it (see ``fit``)."""
    expected = fit.expected(cols.column(mapping.target, misfit.field), mapping)
    examples = ", ".join(repr(e) for e in misfit.examples)
    return (
        f"column {misfit.source!r} is named like {misfit.field} but {1 - misfit.fit:.0%} of "
        f"its first values do not read as it (e.g. {examples}; expected {expected}): "
        f"translate them with --values, or --skip {misfit.field}"
    )


def describe(mapping: Mapping) -> list[str]:
    """The mapping as used, one line per field, so a scheduled log shows what was read."""
    lines = []
    for field in mapping.fields:
        source, how = mapping.source(field), mapping.transform(field)
        text = f"{field} <- {source!r}" if source else f"{field}"
        if how.generated:
            text += " made from each row's content (the file has no key column)"
        if how.constant is not None:
            text += f" = {how.constant!r} for every row"
        if how.time_source:
            text += f" + time {how.time_source!r}"
        if how.invert:
            text += " (inverted)"
        if how.unit:
            text += f" (unit {how.unit})"
        if how.values:
            text += f" (values {', '.join(f'{k}:{v}' for k, v in how.values)})"
        lines.append(f"map: {text}")
    lines += [f"map: {field} left unmapped" for field in mapping.skipped]
    return lines


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
