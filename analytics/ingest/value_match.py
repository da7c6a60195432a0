"""Which stored value a new dimension value probably stands for ("Sur" -> "South").

Three tests, in order, each on the values of one field: the same words once case,
accents, punctuation and spaces are set aside ("SOUTH", "south"); the same words
across Spanish and English in a small vocabulary of contact-center terms
("Soporte técnico" -> "Technical support"; word order does not matter); else a
close spelling (``difflib``'s ratio of at least :data:`CUTOFF`: "Biling" ->
"billing"). A match is only a suggestion: nothing is read differently until a
person saves it in the value map (see ``aliases``).

>>> suggest("Sur", {"South": 40, "North": 38}).value
'South'
>>> suggest("facturación", {"billing": 10}).how
'translation'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from analytics.ingest.vocabulary import normalise

How = Literal["same", "translation", "similar"]
#: ``difflib.SequenceMatcher.ratio`` a spelling must reach to be suggested: "billing"
#: and "biling" (0.92) pass, "North" and "South" (0.6) and "B2B" and "B2C" (0.67) do not.
CUTOFF = 0.8
#: Known values compared by spelling, most frequent first (difflib costs grow with both).
SIMILAR_LIMIT = 500

#: Words that mean the same in a contact center's dimensions, Spanish and English,
#: normalised; the first of each group names the group. Plurals ending in -s/-es are
#: found without being listed.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("north", "norte"), ("south", "sur"), ("east", "este", "oriente"),
    ("west", "oeste", "occidente", "poniente"), ("central", "centro", "center", "centre"),
    ("northeast", "noreste", "nordeste"), ("northwest", "noroeste"),
    ("southeast", "sureste", "sudeste"), ("southwest", "suroeste", "sudoeste"),
    ("billing", "facturacion", "invoicing", "factura", "invoice"),
    ("collections", "cobranza", "cobro", "recobro"), ("payment", "pago"),
    ("sales", "venta", "ventas"), ("support", "soporte", "asistencia"),
    ("technical", "tecnico", "tecnica", "tech"),
    ("return", "devolucion", "devoluciones"),
    ("complaint", "reclamacion", "reclamaciones", "reclamo", "queja"),
    ("cancellation", "cancelacion", "cancelaciones", "baja"),
    ("retention", "retencion", "fidelizacion"),
    ("phone", "telefono", "voice", "voz", "telephone", "telefonia", "llamada", "call"),
    ("email", "e mail", "mail", "correo", "correo electronico"),
    ("chat", "webchat", "chat web"), ("web", "website", "online", "en linea", "sitio web"),
    ("sms", "mensaje de texto", "text message"), ("social media", "redes sociales"),
    ("callback", "rellamada", "devolucion de llamada"),
    ("customer", "cliente", "client"), ("service", "servicio", "atencion", "care"),
    ("account", "cuenta"), ("order", "pedido"), ("shipping", "envio", "entrega", "delivery"),
    ("inquiry", "enquiry", "consulta", "question", "pregunta"),
    ("information", "info", "informacion"), ("general", "generales"),
    ("business", "empresa", "negocio", "corporate", "corporativo"),
    ("residential", "residencial", "particular", "consumer", "consumidor"),
    ("mobile", "movil", "celular", "cell"), ("fiber", "fibre", "fibra"),
    ("insurance", "seguro"), ("new", "nuevo", "nueva"), ("team", "equipo"),
    ("morning", "manana"), ("afternoon", "tarde"), ("night", "noche"),
    ("other", "otro", "otra", "otros", "otras"),
)  # fmt: skip
CONCEPTS: dict[str, str] = {word: group[0] for group in GROUPS for word in group}
#: Words that carry no meaning of their own in a value ("Atención al cliente").
STOPWORDS = frozenset(("de", "del", "la", "el", "los", "las", "al", "y", "e", "the", "of", "and"))


@dataclass(frozen=True)
class Match:
    """A stored value a new one probably stands for, and why it was chosen."""

    value: str
    how: How


def suggest(new: str, known: Mapping[str, int]) -> Match | None:
    """The stored value (of ``known``: value -> rows) that ``new`` probably stands for;
    among equals, the one with the most rows. None when nothing is close enough."""
    ranked = sorted(known, key=lambda v: (-known[v], v))
    key = normalise(new)
    same = [v for v in ranked if v != new and normalise(v) == key]
    if same and key:
        return Match(same[0], "same")
    meaning = concepts(new)
    translated = [v for v in ranked if v != new and concepts(v) == meaning]
    if translated and meaning:
        return Match(translated[0], "translation")
    return _similar(key, ranked[:SIMILAR_LIMIT])


def concepts(value: str) -> frozenset[str]:
    """The value's words as vocabulary groups ("Soporte técnico" -> {support,
    technical}), unknown words as they are; empty for a value with no words."""
    text = normalise(value)
    if text in CONCEPTS:
        return frozenset((CONCEPTS[text],))
    return frozenset(_concept(w) for w in text.split() if w not in STOPWORDS)


def _concept(word: str) -> str:
    for form in (word, word.removesuffix("es"), word.removesuffix("s")):
        if form in CONCEPTS:
            return CONCEPTS[form]
    return word


def _similar(key: str, ranked: Iterable[str]) -> Match | None:
    """A close spelling, among values with the same codes: "Team C" is not a
    misspelt "Team B", nor "Zone 3" of "Zone 2", however alike they look."""
    by_key: dict[str, str] = {}
    for value in ranked:
        if _codes(normalise(value)) == _codes(key):
            by_key.setdefault(normalise(value), value)  # the most frequent of equals
    close = difflib.get_close_matches(key, list(by_key), n=1, cutoff=CUTOFF)
    return Match(by_key[close[0]], "similar") if close and key else None


def _codes(key: str) -> frozenset[str]:
    """The words of a value that name rather than describe: short, or with a digit."""
    return frozenset(w for w in key.split() if len(w) <= 2 or any(c.isdigit() for c in w))
