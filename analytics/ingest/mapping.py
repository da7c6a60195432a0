"""Suggesting a mapping from header names, question texts and values.

Each (canonical column, source column) pair gets a score: the best synonym match on
the header (exact, or as whole words inside it) or on the survey question text,
times how well a sample of the values parses as that column's kind. A canonical
column is mapped only when its best score is clear (>= ``THRESHOLD``) and clearly
ahead of the runner-up (>= ``MARGIN``); otherwise it is ambiguous, for a person.
Each source column feeds at most one canonical column (best pairs first); a person
may then let one column feed several.

Transforms are suggested where the file needs them: a header saying the opposite
of a yes/no field ("Answered" for ``abandoned``) maps it inverted; labels of a known
scale ("Excelente ... Mala") get a value map; a date-only column gets the file's
time-of-day column; a duration header naming its unit ("ms", "minutes") sets it;
and a survey file with no key column gets a key generated from each row's content.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

import polars as pl

from analytics.ingest import columns as cols
from analytics.ingest import steps, values
from analytics.ingest import vocabulary as vocab
from analytics.ingest.columns import Column
from analytics.ingest.model import (
    Candidate,
    DurationUnit,
    Mapping,
    Misfit,
    RawTable,
    Suggestion,
    Target,
    Transform,
)
from analytics.ingest.roundtrip import is_reason_column
from analytics.ingest.validation import NO_DUPLICATES, Context, parse_column

THRESHOLD = 0.6
MARGIN = 0.15
SAMPLE_ROWS = 500
#: Weight of a phrase found inside a header (vs equal to it) or in question text.
INSIDE, IN_QUESTION = 0.85, 0.8


def suggest_mapping(raw: RawTable, target: Target) -> Suggestion:
    """The mapping the header names, question texts and values point to."""
    sample = raw.head(SAMPLE_ROWS)
    scored = {c.name: _candidates(raw, sample, target, c) for c in cols.columns(target)}
    chosen, ambiguous = _assign(scored)
    found = {f: c.transform for f, c in chosen.items()}
    mapping = Mapping.of(target, {f: c.source for f, c in chosen.items()}, found)
    mapping = _with_times(mapping, raw, sample)
    key, notes = cols.KEYS[target], cast(tuple[str, ...], ())
    # Survey tools (Google Forms) export no id; a phone system always has one, so a
    # call file without it is more likely totals than calls: there a person decides.
    if target == "surveys" and key not in mapping.fields and key not in ambiguous:
        mapping, notes = mapping.with_transform(key, generated=True), ("generated_key",)
    required = [c.name for c in cols.columns(target) if c.required]
    used = set(mapping.sources)
    return Suggestion(
        mapping=mapping,
        ambiguous=ambiguous,
        missing_required=tuple(r for r in required if r not in mapping.fields | ambiguous.keys()),
        unmapped=tuple(c for c in raw.columns if c not in used),
        candidates={k: v for k, v in scored.items() if v},
        notes=notes,
        misfits=_misfits(scored, mapping, ambiguous, sample, raw),
    )


def _misfits(
    scored: dict[str, tuple[Candidate, ...]],
    mapping: Mapping,
    ambiguous: dict[str, tuple[str, ...]],
    sample: pl.DataFrame,
    raw: RawTable,
) -> tuple[Misfit, ...]:
    """Unmapped fields a header names clearly, whose values mostly do not fit (see
    ``fit``): never left out in silence."""
    used = set(mapping.sources)
    found = []
    for field, candidates in scored.items():
        if field in mapping.fields or field in ambiguous or field in mapping.skipped:
            continue
        named = [c for c in candidates if c.named and c.fit < 0.5 and c.source not in used]
        if named:
            best = max(named, key=lambda c: c.score)
            col = cols.column(mapping.target, field)
            bad = unfit_values(sample.get_column(best.source), col, raw, best.transform)
            found.append(Misfit(field, best.source, best.fit, tuple(bad[:3])))
    return tuple(found)


def _candidates(
    raw: RawTable, sample: pl.DataFrame, target: Target, col: Column
) -> tuple[Candidate, ...]:
    found = []
    for phrases, invert in _vocabularies(target, col.name):
        for source in (c for c in raw.columns if not is_reason_column(c)):
            name_score, why = _name_score(source, raw.questions.get(source, ""), phrases)
            if name_score <= 0:
                continue
            transform = Transform(invert=invert, unit=_unit(source, col))
            fit = value_fit(sample.get_column(source), col, raw, transform)
            if fit < 0.9:
                transform, fit = _value_map(sample.get_column(source), col, raw, transform, fit)
            # Values that parse confirm a typed column; text columns always "fit".
            bonus = 0.05 if fit >= 0.9 and col.kind not in ("key", "text") else 0.0
            score = round(name_score * (0.3 if fit < 0.5 else 1.0) + bonus, 4)
            why = f"{why}{', inverted' if invert else ''}; {fit:.0%} of sample values fit"
            named = name_score >= THRESHOLD
            found.append(Candidate(source, score, why, transform, fit=fit, named=named))
    return tuple(sorted(found, key=lambda c: -c.score))


def _vocabularies(target: Target, field: str) -> list[tuple[tuple[tuple[str, float], ...], bool]]:
    """The field's synonyms, and those that mean its opposite (read inverted)."""
    found = [(vocab.SYNONYMS[target][field], False)]
    if field in vocab.INVERTED[target]:
        found.append((vocab.INVERTED[target][field], True))
    return found


def _unit(source: str, col: Column) -> DurationUnit | None:
    """The unit a duration header names: ``Talk time (ms)``, ``Espera (minutos)``."""
    if col.kind != "duration":
        return None
    words = set(vocab.normalise(vocab.split_camel(source)).split())
    found = next((unit for word, unit in vocab.DURATION_UNITS if word in words), None)
    return cast(DurationUnit | None, found)


def _value_map(
    values: pl.Series, col: Column, raw: RawTable, transform: Transform, fit: float
) -> tuple[Transform, float]:
    """A known label scale that reads (nearly) all of the values, if one does better."""
    if col.kind not in LABELLED:
        return transform, fit
    best = (transform, fit)
    for name in LABELLED[col.kind]:
        labelled = replace(transform, values=tuple(sorted(vocab.VALUE_MAPS[name].items())))
        share = value_fit(values, col, raw, labelled)
        if share > best[1] + 0.1:
            best = (labelled, share)
    return best


#: Label scales worth trying, by kind of field.
LABELLED: dict[str, tuple[str, ...]] = {
    "csat": ("satisfaction5_es", "satisfaction5_en", "satisfaction3_es", "satisfaction3_en",
             "quality5_es", "quality3_es",
             "quality5_en", "quality3_en", "agree5_en", "agree5_es"),
    "ces": ("ease5_en", "ease5_es", "agree5_en", "agree5_es"),
    "bool": ("call_status",),
}  # fmt: skip


def _with_times(mapping: Mapping, raw: RawTable, sample: pl.DataFrame) -> Mapping:
    """Date-only timestamp columns completed with the file's time-of-day column."""
    for col in cols.columns(mapping.target):
        source = mapping.source(col.name)
        if col.kind != "timestamp" or source is None or not _date_only(sample, source):
            continue
        used = set(mapping.sources)
        for candidate in raw.columns:
            score, _ = _name_score(candidate, "", vocab.TIME_OF_DAY)
            if candidate not in used and score >= THRESHOLD and _clocks(sample, candidate):
                mapping = mapping.with_transform(col.name, time_source=candidate)
                break
    return mapping


def _date_only(sample: pl.DataFrame, source: str) -> bool:
    """Every value is a date with no time, or with midnight (a spreadsheet date cell)."""
    text = _texts(sample, source)
    has_time = text.str.contains(r"\d{1,2}:\d{2}") & ~text.str.contains(r"[ T]00:00(:00)?$")
    return text.len() > 0 and not has_time.any()


def _clocks(sample: pl.DataFrame, source: str) -> bool:
    """Most values are clocks. Not "nearly all": the header already says time of day,
    and a few bad cells must reject their rows, not leave every call at midnight."""
    text = _texts(sample, source)
    return text.len() > 0 and text.str.contains(r"\d{1,2}:\d{2}").sum() > 0.5 * text.len()


def _texts(sample: pl.DataFrame, source: str) -> pl.Series:
    return sample.select(values.clean(pl.col(source))).to_series().drop_nulls()


def _name_score(
    source: str, question: str, phrases: tuple[tuple[str, float], ...]
) -> tuple[float, str]:
    """Best synonym match; a header *equal* to a synonym beats any partial match,
    so "StartDate" is "start date" (weak for responded_at), not "date" (strong)."""
    header = vocab.normalise(vocab.split_camel(source))
    squashed = header.replace(" ", "")
    exact = [(w, f"header is '{p}'") for p, w in phrases if p.replace(" ", "") == squashed]
    if exact:
        return max(exact)
    text = f" {vocab.normalise(question)} "
    inside = [(p, w) for p, w in phrases if p not in vocab.EXACT_ONLY]
    partial = [
        (w * INSIDE, f"header contains '{p}'") for p, w in inside if f" {p} " in f" {header} "
    ]
    asked = [
        (w * IN_QUESTION, f"question mentions '{p}'")
        for p, w in inside
        if question and f" {p} " in text
    ]
    return max(partial + asked, default=(0.0, ""))


def value_fit(
    sample: pl.Series, col: Column, raw: RawTable, transform: Transform | None = None
) -> float:
    """Share of non-empty sample values that parse as ``col`` (1.0 when none)."""
    parsed = _fit_frame(sample, col, raw, transform)
    if parsed is None:
        return 1.0
    return float(parsed.get_column("ok").mean() or 0.0)  # type: ignore[arg-type]


def unfit_values(
    sample: pl.Series, col: Column, raw: RawTable, transform: Transform | None = None
) -> list[str]:
    """The distinct non-empty sample values that do not parse as ``col``, in order."""
    parsed = _fit_frame(sample, col, raw, transform)
    if parsed is None:
        return []
    bad = parsed.filter(~pl.col("ok")).get_column("v").unique(maintain_order=True)
    return [str(v) for v in bad.to_list()]


def _fit_frame(
    sample: pl.Series, col: Column, raw: RawTable, transform: Transform | None
) -> pl.DataFrame | None:
    """The sample's non-empty values ``v`` and whether each reads (``ok``); None when
    there are none, or every value fits by kind (keys, free text)."""
    frame = (
        sample.to_frame("v")
        .select(pl.col("v").cast(pl.String).str.strip_chars())
        .filter(pl.col("v") != "")
    )
    if frame.height == 0 or col.kind in ("key", "text"):
        return None
    dayfirst = raw.facts.dayfirst is not False  # any order will do to see a date
    c = steps.cols_for("fit")
    how = transform or Transform()
    fit = replace(_FIT, target=_FIT.target, transforms=((col.name, how),))
    context = Context(fit, raw.facts, dayfirst, NO_DUPLICATES, {})
    text = values.relabel(pl.col("v"), dict(how.values)) if how.values else pl.col("v")
    stages = [{c.name("text"): text}, *parse_column(col, c, context)]
    ok = c("error").is_null() & c("value").is_not_null()
    return steps.run(frame.lazy(), stages).select("v", ok.alias("ok")).collect()


#: Widest CES scale, so that any CES-like value fits while sampling.
_FIT = Mapping("surveys", (), ces_scale=7, ces_direction="easier")


def _assign(
    scored: dict[str, tuple[Candidate, ...]],
) -> tuple[dict[str, Candidate], dict[str, tuple[str, ...]]]:
    """Greedy by score: best pairs first, each source used once, close calls left open."""
    chosen: dict[str, Candidate] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    used: set[str] = set()
    pairs = sorted(
        ((c.score, field, i) for field, cs in scored.items() for i, c in enumerate(cs)),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    for score, field, i in pairs:
        best = scored[field][i]
        if field in chosen or field in ambiguous or best.source in used or score < THRESHOLD:
            continue
        rivals = [c for c in scored[field] if c.source != best.source and c.source not in used]
        if rivals and score - rivals[0].score < MARGIN:
            close = dict.fromkeys(c.source for c in rivals if score - c.score < MARGIN)
            ambiguous[field] = (best.source, *close)
            continue
        chosen[field] = best
        used.add(best.source)
    return chosen, ambiguous
