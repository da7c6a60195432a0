"""Normalised word tokens, shared by the comment analysis and the sentiment scorer.

Lower case and the Latin accents of Spanish stripped ("Esperé" -> ``espere``, "año" ->
``ano``) with Unicode NFKD; the database side uses a fixed ``translate`` map of the
same letters (see :mod:`analytics.feedback.text`).
"""

from __future__ import annotations

import re
import unicodedata

SPLIT = "[^a-z0-9]+"


def normalize(text: str) -> str:
    """Lower case without accents: 'Esperé MUCHO' -> 'espere mucho'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """Normalised word tokens, in order (numbers kept: the caller decides)."""
    return [w for w in re.split(SPLIT, normalize(text)) if w]
