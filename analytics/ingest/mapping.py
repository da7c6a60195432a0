"""Suggesting a mapping from header names, question texts and values.

Each (canonical column, source column) pair gets a score: the best synonym match on
the header (exact, or as whole words inside it) or on the survey question text,
times how well a sample of the values parses as that column's kind. A canonical
column is mapped only when its best score is clear (>= ``THRESHOLD``) and clearly
ahead of the runner-up (>= ``MARGIN``); otherwise it is ambiguous, for a person.
Each source column feeds at most one canonical column (best pairs first).
"""

from __future__ import annotations

import polars as pl

from analytics.ingest import columns as cols
from analytics.ingest import steps
from analytics.ingest import vocabulary as vocab
from analytics.ingest.columns import Column
from analytics.ingest.model import Candidate, Mapping, RawTable, Suggestion, Target
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
    mapped = set(chosen.values())
    required = [c.name for c in cols.columns(target) if c.required and c.name not in chosen]
    return Suggestion(
        mapping=Mapping.of(target, chosen),
        ambiguous=ambiguous,
        missing_required=tuple(r for r in required if r not in ambiguous),
        unmapped=tuple(c for c in raw.columns if c not in mapped),
        candidates={k: v for k, v in scored.items() if v},
    )


def _candidates(
    raw: RawTable, sample: pl.DataFrame, target: Target, col: Column
) -> tuple[Candidate, ...]:
    phrases = vocab.SYNONYMS[target][col.name]
    found = []
    for source in raw.columns:
        name_score, why = _name_score(source, raw.questions.get(source, ""), phrases)
        if name_score <= 0:
            continue
        fit = value_fit(sample.get_column(source), col, raw)
        # Values that parse confirm a typed column; text columns always "fit".
        bonus = 0.05 if fit >= 0.9 and col.kind not in ("key", "text") else 0.0
        score = round(name_score * (0.3 if fit < 0.5 else 1.0) + bonus, 4)
        found.append(Candidate(source, score, f"{why}; {fit:.0%} of sample values fit"))
    return tuple(sorted(found, key=lambda c: -c.score))


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
    partial = [
        (w * INSIDE, f"header contains '{p}'") for p, w in phrases if f" {p} " in f" {header} "
    ]
    asked = [
        (w * IN_QUESTION, f"question mentions '{p}'")
        for p, w in phrases
        if question and f" {p} " in text
    ]
    return max(partial + asked, default=(0.0, ""))


def value_fit(values: pl.Series, col: Column, raw: RawTable) -> float:
    """Share of non-empty sample values that parse as ``col`` (1.0 when none)."""
    frame = (
        values.to_frame("v")
        .select(pl.col("v").cast(pl.String).str.strip_chars())
        .filter(pl.col("v") != "")
    )
    if frame.height == 0 or col.kind in ("key", "text"):
        return 1.0
    dayfirst = raw.facts.dayfirst is not False  # any order will do to see a date
    c = steps.cols_for("fit")
    context = Context(_FIT, raw.facts, dayfirst, NO_DUPLICATES, {})
    stages = [{c.name("text"): pl.col("v")}, *parse_column(col, c, context)]
    parsed = steps.run(frame.lazy(), stages).collect()
    ok = parsed.select((c("error").is_null() & c("value").is_not_null()).mean()).item()
    return float(ok or 0.0)


#: Widest CES scale, so that any CES-like value fits while sampling.
_FIT = Mapping("surveys", (), ces_scale=7, ces_direction="easier")


def _assign(
    scored: dict[str, tuple[Candidate, ...]],
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Greedy by score: best pairs first, each source used once, close calls left open."""
    chosen: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    used: set[str] = set()
    pairs = sorted(
        ((c.score, field, c.source) for field, cs in scored.items() for c in cs), reverse=True
    )
    for score, field, source in pairs:
        if field in chosen or field in ambiguous or source in used or score < THRESHOLD:
            continue
        rivals = [c for c in scored[field] if c.source != source and c.source not in used]
        if rivals and score - rivals[0].score < MARGIN:
            ambiguous[field] = (source, *(c.source for c in rivals if score - c.score < MARGIN))
            continue
        chosen[field] = source
        used.add(source)
    return chosen, ambiguous
