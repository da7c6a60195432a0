"""Sentiment: accuracy on public labelled review sentences per language, the plain cases
that the hand-written lexicon got wrong, and language detection (Python = database).

The held-out samples and their provenance are in tests/data/sentiment/ (PROVENANCE.md);
none of their sentences is in the training data of analytics/data/sentiment/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from analytics.feedback import sentiment, text
from analytics.queries import Filters
from analytics.store import connect
from tests.conftest import insert, survey

HERE = Path(__file__).parent.parent / "data" / "sentiment"
HELD_OUT: dict[sentiment.Lang, tuple[str, ...]] = {
    "en": ("en_kotzias_amazon_yelp.tsv",),
    "es": ("es_opener_heldout.tsv",),
}


def right(name: str, lang: sentiment.Lang) -> tuple[int, int]:
    """(correct, total) on one labelled file; a neutral answer counts as wrong."""
    rows = sentiment.read_labelled(HERE / name)
    hits = sum(
        sentiment.tone(sentiment.score(t, lang)) == ("positive" if pos else "negative")
        for pos, t in rows
    )
    return hits, len(rows)


@pytest.mark.parametrize("lang", sentiment.LANGS)
def test_reported_accuracy_is_the_measured_one(lang: sentiment.Lang) -> None:
    # The page shows sentiment.MEASURED (and "indicative" below 80 %): it must be what
    # the scorer actually achieves on the held-out public corpora, all files pooled.
    counts = [right(name, lang) for name in HELD_OUT[lang]]
    measured = (sum(c for c, _ in counts), sum(n for _, n in counts))
    assert measured == sentiment.MEASURED[lang]


def test_spanish_is_indicative_english_is_not() -> None:
    assert not sentiment.indicative("en")  # 488 / 600 = 81.3 %
    assert sentiment.indicative("es")  # 41 / 52 = 78.8 %
    acc = sentiment.accuracy("es")  # Wilson 95 % interval, in percent
    hits, of = sentiment.MEASURED["es"]
    assert acc.value == pytest.approx(100 * hits / of) and acc.low < 80 and acc.n == of


@pytest.mark.parametrize("lang", list(HELD_OUT))
def test_held_out_sentences_are_not_in_training(lang: sentiment.Lang) -> None:
    trained = {
        t.lower()
        for name in sentiment.TRAINING[lang]
        for _, t in sentiment.read_labelled(sentiment.DATA / name)
    }
    held = {t.lower() for name in HELD_OUT[lang] for _, t in sentiment.read_labelled(HERE / name)}
    assert not trained & held


@pytest.mark.parametrize(
    "path",
    sorted(HERE.glob("*.tsv")) + sorted(sentiment.DATA.glob("*.tsv")),
    ids=lambda p: p.name,
)
def test_every_sample_has_its_checksum_in_the_provenance(path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest in (HERE / "PROVENANCE.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("comment", "tone"),
    [
        # the two plain cases of issue 12 (the old lexicon said 0.00 and +1.00)
        ("Very disappointed with how my call was handled.", "negative"),
        ("The wait was far too long.", "negative"),
        ("Muy decepcionado con la atención.", "negative"),
        ("La espera fue demasiado larga.", "negative"),
        ("Excellent service! Very happy.", "positive"),
        ("Terrible service. The wait was far too long.", "negative"),
        ("Not happy at all.", "negative"),
        ("Not bad, but could be better.", "positive"),
        ("My problem is still not fixed.", "negative"),
        ("They did not solve my issue.", "negative"),
        pytest.param(
            "It was ok.",
            "positive",
            marks=pytest.mark.xfail(
                strict=True,
                reason="VADER finds no opinion word here (0.00) and the English classifier, "
                "now trained on the IMDb sentences alone, reads it as slightly negative",
            ),
        ),
        ("¡Excelente servicio! Muy amable y paciente.", "positive"),
        ("Pésimo servicio, muy decepcionado.", "negative"),
        ("No estuvo mal.", "positive"),
        ("Nada contento.", "negative"),
        ("El agente no me ayudó.", "negative"),
        ("Nunca resolvieron mi problema.", "negative"),
        ("Me resolvieron el problema, ¡gracias!", "positive"),
    ],
)
def test_plain_cases(comment: str, tone: str) -> None:
    assert sentiment.tone(sentiment.score(comment, sentiment.detect(comment))) == tone


def test_the_classifier_speaks_only_where_the_lexicon_is_silent() -> None:
    assert sentiment.lexicon_score("The wait was far too long.", "en") == 0
    fallback = sentiment.score("The wait was far too long.", "en")
    assert -sentiment.FALLBACK_WEIGHT < fallback < 0
    assert sentiment.score("Terrible.", "en") == round(
        sentiment.lexicon_score("Terrible.", "en"), 2
    )


@pytest.mark.parametrize(
    ("comment", "declared", "lang"),
    [
        ("La espera fue larga", None, "es"),
        ("No estuvo mal.", None, "es"),
        ("The agent was kind", None, "en"),
        ("Excelente", None, "en"),  # no function word: English by default...
        ("Excelente", "es-MX", "es"),  # ...unless the survey says so
        ("Great", "ES", "es"),
        ("Gracias", "de", "en"),  # a language the page does not split out
        ("Espere mucho; my problem is still not fixed", None, "en"),
    ],
)
def test_language_detection_in_python_and_in_the_database(
    comment: str, declared: str | None, lang: str, tmp_path: Path
) -> None:
    assert sentiment.detect(comment, declared) == lang
    store = connect(str(tmp_path / "lang.duckdb"))
    t0 = dt.datetime(2026, 3, 2, 9)
    insert(store, "surveys", [survey(1, t0, comment=comment, language=declared)])
    assert text.language_counts(store, Filters())[lang] == 1  # type: ignore[index]
    store.close()
