"""Sentiment of one comment, in English or Spanish, and how far to trust it.

Two steps per language, both local (nothing is downloaded at run time):

1. a lexicon with rules: VADER for English (the ``vaderSentiment`` package ships its
   7,500-entry lexicon, negations, intensifiers and "but" clauses); for Spanish, the
   curated word list of :mod:`analytics.feedback.lexicon` with negations (no maintained Spanish
   lexicon or model installs with pip without a download or incompatible pins);
2. where the lexicon finds no opinion word ("The wait was far too long", "Would not go
   back"), a multinomial Naive Bayes classifier trained, on first use, on public labelled
   review sentences that ship in ``analytics/data/sentiment/`` (provenance in
   ``tests/data/sentiment/PROVENANCE.md``). Its score is halved: a weaker signal.

:data:`MEASURED` holds the accuracy per language on held-out public corpora
(``tests/feedback/test_sentiment.py`` recomputes it); a language under :data:`TRUSTED` is shown
as *indicative*.

References
----------
Hutto, C. J. & Gilbert, E. (2014). VADER: a parsimonious rule-based model for sentiment
analysis of social media text. ICWSM-14.
Taboada, M., Brooke, J., Tofiloski, M., Voll, K. & Stede, M. (2011). Lexicon-based
methods for sentiment analysis. Computational Linguistics 37(2), 267-307.
Wang, S. & Manning, C. (2012). Baselines and bigrams: simple, good sentiment and topic
classification. ACL 2012 (binarised Naive Bayes features).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from analytics.feedback.lexicon import LEXICON, NEGATORS, ONLY_EN, ONLY_ES
from analytics.feedback.words import tokens
from analytics.metrics import Estimate, proportion

Lang = Literal["en", "es"]
LANGS: tuple[Lang, ...] = ("en", "es")
Tone = Literal["positive", "neutral", "negative"]
DATA = Path(__file__).parent.parent / "data" / "sentiment"
TRAINING: dict[Lang, tuple[str, ...]] = {
    "en": ("en_imdb_kotzias.tsv",),
    "es": ("es_opener_train.tsv",),
}
NEGATION_WINDOW = 2
FALLBACK_WEIGHT = 0.5  # the classifier speaks only where the lexicon is silent
TRUSTED = 0.80  # below this accuracy a language's sentiment is shown as indicative

# Accuracy on positive vs negative (a neutral answer counts as wrong) over every held-out
# labelled sentence of the language, none of them seen in training; recomputed by
# tests/feedback/test_sentiment.py. English: 600 Amazon + Yelp review sentences (Kotzias et al.
# 2015): 488 of 600 (81.3 %). Spanish: 52 OpeNER hotel-review sentences (development
# split): 41 of 52 (78.8 %).
MEASURED: dict[Lang, tuple[int, int]] = {"en": (488, 600), "es": (41, 52)}  # right, of


@dataclass(frozen=True)
class NaiveBayes:
    """Log-likelihood ratios per feature (positive minus negative), Laplace-smoothed."""

    weights: dict[str, float]

    def score(self, text: str) -> float:
        return sum(self.weights.get(f, 0.0) for f in features(text))


def features(text: str) -> set[str]:
    """Binarised words; a word after a negation is marked (``NOT_good``)."""
    out: set[str] = set()
    negated = False
    for word in tokens(text):
        if word in NEGATORS:
            negated = True
            continue
        out.add(f"NOT_{word}" if negated else word)
    return out


def train(rows: Iterable[tuple[bool, str]]) -> NaiveBayes:
    """Multinomial NB over binarised features with equal class priors; the smaller
    class's counts are scaled up to the larger's so that an unbalanced corpus (hotel
    reviews are mostly praise) does not tilt every unseen phrase positive."""
    counts: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    docs = Counter[bool]()
    for positive, text in rows:
        counts[positive].update(features(text))
        docs[positive] += 1
    vocab = counts[True].keys() | counts[False].keys()
    scale = {c: max(docs.values()) / docs[c] for c in (True, False)}
    total = {c: scale[c] * sum(counts[c].values()) + len(vocab) for c in (True, False)}

    def log_p(c: bool, f: str) -> float:
        return math.log((scale[c] * counts[c][f] + 1) / total[c])

    return NaiveBayes({f: log_p(True, f) - log_p(False, f) for f in vocab})


def read_labelled(path: Path) -> list[tuple[bool, str]]:
    """``positive|negative <TAB> text`` lines."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        rows.append((label == "positive", text))
    return rows


@cache
def classifier(lang: Lang) -> NaiveBayes:
    return train(row for name in TRAINING[lang] for row in read_labelled(DATA / name))


@cache
def _vader() -> object:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lexicon_score(text: str, lang: Lang) -> float:
    """The rule-based score in [-1, 1]; 0 when no opinion word is found."""
    if lang == "en":
        return float(_vader().polarity_scores(text)["compound"])  # type: ignore[attr-defined]
    words = tokens(text)
    polarity = [_polarity(words, i) for i in range(len(words))]
    hits = sum(1 for p in polarity if p)
    return sum(polarity) / hits if hits else 0.0


def _polarity(words: list[str], i: int) -> int:
    value = LEXICON.get(words[i], 0)
    if value and any(w in NEGATORS for w in words[max(0, i - NEGATION_WINDOW) : i]):
        return -value
    return value


def score(text: str, lang: Lang) -> float:
    """Sentiment in [-1, 1]: the lexicon's score, else the classifier's, halved; rounded
    to the two decimals shown, so that the tone never disagrees with the number
    (-0.004 is "neutral", not a "negative" shown as -0.00)."""
    rules = lexicon_score(text, lang)
    if not rules:
        rules = FALLBACK_WEIGHT * math.tanh(classifier(lang).score(text) / 4)
    return round(rules, 2) + 0.0  # + 0.0: no -0.0


def detect(text: str, declared: str | None = None) -> Lang:
    """The comment's language: the declared one when it is English or Spanish
    ('es-MX' -> 'es'); else Spanish when it uses Spanish-only function words and no
    English-only ones, else English (:func:`analytics.feedback.text.sql_language` is the twin)."""
    code = (declared or "").strip().lower()[:2]
    for lang in LANGS:
        if code == lang:
            return lang
    words = set(tokens(text))
    return "es" if words & ONLY_ES and not words & ONLY_EN else "en"


def tone(value: float) -> Tone:
    """The label of a sentiment score: above 0 positive, below 0 negative."""
    return "positive" if value > 0 else "negative" if value < 0 else "neutral"


def accuracy(lang: Lang) -> Estimate:
    """The measured accuracy in ``lang``, in percent, with its Wilson 95% interval."""
    return proportion(*MEASURED[lang])


def indicative(lang: Lang) -> bool:
    """Whether the measured accuracy in ``lang`` is under :data:`TRUSTED`."""
    right, of = MEASURED[lang]
    return right / of < TRUSTED
