"""The Upload page's sentences: refusals, warnings, the file's facts and the count tiles.

The engine speaks in codes with parameters; :func:`explain` and :func:`warning_text`
turn them into sentences through the catalogs (keys ``ingest.<code>`` and
``ingest.warning.<code>``), keeping the engine's English when a catalog has none.
Values from files are always substituted as values, never read as templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping as AbcMapping
from typing import Any

from analytics.i18n import Lang, catalog, number, t
from analytics.ingest.model import BatchWarning, FormatFacts
from analytics.ingest.reasons import IngestError

ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
}


class _Keep(dict[str, Any]):
    """Leaves a placeholder the parameters lack visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _text(key: str, lang: Lang, fallback: str, **params: Any) -> str:
    template = catalog(lang).get(key) or catalog("en").get(key)
    return template.format_map(_Keep(params)) if template else fallback


def explain(error: IngestError, lang: Lang, escape: Any = None) -> str:
    """A refusal as a sentence; ``escape`` (e.g. markdown escaping) applies to values."""
    params = {k: _listed(v) for k, v in error.params.items()}
    if escape is not None:
        params = {k: escape(v) for k, v in params.items()}
    return _text(f"ingest.{error.code}", lang, str(error), **params)


def _listed(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def describe_facts(facts: FormatFacts, lang: Lang) -> list[tuple[str, str]]:
    """(label, value) pairs: what was detected about the file, for the analyst to check."""
    shown: list[tuple[str, str]] = [
        (t("upload.fact.format", lang), t(f"upload.format.{facts.format}", lang)),
        (t("upload.fact.layout", lang), t(f"upload.layout.{facts.layout}", lang)),
    ]
    if facts.sheet is not None:
        shown.append((t("upload.fact.sheet", lang), facts.sheet))
    if facts.encoding is not None:
        shown.append(
            (t("upload.fact.encoding", lang), ENCODINGS.get(facts.encoding, facts.encoding))
        )
    if facts.delimiter is not None:
        shown.append((t("upload.fact.delimiter", lang), _delimiter(facts.delimiter, lang)))
    shown.append((t("upload.fact.decimal", lang), f"“{facts.decimal}”"))
    shown.append((t("upload.fact.dates", lang), _dates(facts, lang)))
    shown.append((t("upload.fact.rows", lang), number(facts.n_rows, lang, 0)))
    if facts.skipped:
        shown.append((t("upload.fact.skipped", lang), skipped_text(facts.skipped, lang)))
    return shown


def _delimiter(delimiter: str, lang: Lang) -> str:
    return t("upload.delimiter.tab", lang) if delimiter == "\t" else f"“{delimiter}”"


def _dates(facts: FormatFacts, lang: Lang) -> str:
    examples = ", ".join(facts.date_evidence)
    if facts.date_order == "conflict":
        day, month = (*facts.date_evidence, "", "")[:2]
        return t("upload.dates.conflict", lang, dayfirst=day, monthfirst=month)
    return t(f"upload.dates.{facts.date_order}", lang, examples=examples)


def skipped_text(skipped: AbcMapping[str, int], lang: Lang) -> str:
    """``{"preview": 2, "blank": 1}`` -> "2 survey-preview responses, 1 blank row"."""
    parts = [
        t(f"upload.skipped.{reason}", lang, count=number(count, lang, 0))
        for reason, count in skipped.items()
        if count
    ]
    return ", ".join(parts) if parts else "0"


def warning_text(warning: BatchWarning, lang: Lang) -> str:
    examples = ", ".join(warning.examples)
    return _text(
        f"ingest.warning.{warning.code}",
        lang,
        warning.message,
        count=number(warning.count, lang, 0),
        examples=examples,
    )


def counts(values: Iterable[tuple[str, int]], lang: Lang) -> list[tuple[str, str]]:
    """(label, formatted count) pairs for the count tiles."""
    return [(t(f"upload.count.{k}", lang), number(v, lang, 0)) for k, v in values]
