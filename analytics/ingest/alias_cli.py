"""``python -m analytics aliases list|add|remove``: the value map from the command line.

``add FIELD ALIAS VALUE`` makes every later load read ``ALIAS`` (in any case, with or
without accents) as the stored ``VALUE`` of ``FIELD`` ("region Sur South");
``remove FIELD ALIAS`` takes it out; ``list [FIELD]`` shows the map. Exit codes: 0
done, 1 refused (nothing changed), 2 bad arguments. After a load, ``ingest`` prints
the values that were new to the store, each with a ready ``aliases add`` line
(:func:`new_value_lines`).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from analytics.i18n import Lang, t
from analytics.ingest import aliases
from analytics.ingest.aliases import Alias, NewValue
from analytics.ingest.reasons import IngestError
from analytics.ingest.review import explain
from analytics.store import connect, resolve_path

REFUSED = 1
#: New values printed per field after a load (the rest are counted).
LISTED = 10
LANG: Lang = "en"  # the CLI speaks English, as the ingest command does


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``aliases`` on an ``argparse`` sub-parsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "aliases", help="the value map: dimension values written another way"
    )
    actions = parser.add_subparsers(dest="action", required=True)
    fields = ", ".join(aliases.ALL_FIELDS)
    shown = actions.add_parser("list", help="show the value map")
    shown.add_argument("field", nargs="?", choices=aliases.ALL_FIELDS)
    added = actions.add_parser("add", help="read ALIAS as the stored VALUE in later loads")
    added.add_argument("field", help=fields)
    added.add_argument("alias", help="the value as a file writes it (e.g. Sur)")
    added.add_argument("value", help="the stored value it stands for (e.g. South)")
    removed = actions.add_parser("remove", help="take ALIAS out of the value map")
    removed.add_argument("field", help=fields)
    removed.add_argument("alias")
    for action in (shown, added, removed):
        action.add_argument("--db", help="database path (default: PULSO_DB or data/pulso.duckdb)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    store = connect(resolve_path(args.db)[0])
    try:
        if args.action == "list":
            lines = listing(aliases.read(store, [args.field] if args.field else None))
        elif args.action == "add":
            lines = _add(store, Alias(args.field, args.alias, args.value))
        else:
            aliases.remove(store, args.field, args.alias)
            lines = [t("aliases.cli.removed", LANG, field=args.field, alias=args.alias)]
    except IngestError as exc:
        sys.stderr.write(f"refused: {explain(exc, LANG)}\n")
        return REFUSED
    finally:
        store.close()
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


def listing(entries: tuple[Alias, ...]) -> list[str]:
    if not entries:
        return [t("aliases.cli.empty", LANG)]
    return [
        t("aliases.cli.entry", LANG, field=e.field, alias=e.alias, value=e.value) for e in entries
    ]


def _add(store: Any, entry: Alias) -> list[str]:
    if not aliases.save(store, [entry]):
        return [t("aliases.cli.same", LANG, field=entry.field, alias=entry.alias)]
    lines = [t("aliases.cli.added", LANG, field=entry.field, alias=entry.alias, value=entry.value)]
    target = aliases.target_of(entry.field)
    held = aliases.known(store.cursor(), target, [entry.field])[entry.field]
    if entry.value.strip() not in held:  # most likely a typo: say so, keep the entry
        lines.append(t("aliases.cli.unheard", LANG, field=entry.field, value=entry.value))
    return lines


def new_value_lines(found: tuple[NewValue, ...], lang: Lang = LANG) -> list[str]:
    """One line per new value (up to :data:`LISTED` per field), with its suggested
    stored value and the command that maps it."""
    lines: list[str] = []
    for field in dict.fromkeys(n.field for n in found):
        of_field = [n for n in found if n.field == field]
        lines += [_line(n, lang) for n in of_field[:LISTED]]
        if len(of_field) > LISTED:
            lines.append(t("aliases.cli.more", lang, count=len(of_field) - LISTED, field=field))
    return lines


def _line(new: NewValue, lang: Lang) -> str:
    params = {"field": new.field, "value": new.value, "rows": new.rows}
    one = ".one" if new.rows == 1 else ""
    if new.match is None:
        return t("aliases.cli.new" + one, lang, **params)
    command = shlex.join([new.field, new.value, new.match.value])
    how = t(f"upload.new.how.{new.match.how}", lang)
    found = {"match": new.match.value, "how": how, "command": command}
    return t("aliases.cli.new_match" + one, lang, **found, **params)
