"""Words in Spanish and English: column names, booleans, satisfaction labels, channels.

All entries are *normalised* (lower case, accents removed, punctuation as spaces),
the form :func:`normalise` and ``values.normalised`` produce, so "Sí", "SI" and "si"
or "Duración (seg)" and "duracion seg" meet.
"""

from __future__ import annotations

import re
import unicodedata

# Lower-cased, with and without accents: booleans are matched without the (slow)
# accent normalisation.
TRUE_WORDS = ("sí", "si", "s", "yes", "y", "true", "t", "1", "1.0", "verdadero", "cierto")
FALSE_WORDS = ("no", "n", "false", "f", "0", "0.0", "falso")

CSAT_LABELS: dict[str, int] = {
    **dict.fromkeys(
        ("muy satisfecho", "muy satisfecha", "totalmente satisfecho", "extremadamente satisfecho",
         "very satisfied", "extremely satisfied", "completely satisfied"), 5),
    **dict.fromkeys(
        ("satisfecho", "satisfecha", "algo satisfecho", "bastante satisfecho",
         "satisfied", "somewhat satisfied", "mostly satisfied"), 4),
    **dict.fromkeys(
        ("neutral", "neutro", "indiferente", "ni satisfecho ni insatisfecho",
         "neither satisfied nor dissatisfied", "neither satisfied nor unsatisfied"), 3),
    **dict.fromkeys(
        ("insatisfecho", "insatisfecha", "algo insatisfecho", "poco satisfecho",
         "dissatisfied", "unsatisfied", "somewhat dissatisfied"), 2),
    **dict.fromkeys(
        ("muy insatisfecho", "muy insatisfecha", "nada satisfecho", "totalmente insatisfecho",
         "extremadamente insatisfecho", "very dissatisfied", "very unsatisfied",
         "extremely dissatisfied", "completely dissatisfied"), 1),
}  # fmt: skip

SURVEY_TYPES: dict[str, str] = {
    **dict.fromkeys(
        ("transactional", "transaccional", "transaction", "transaccion"), "transactional"
    ),
    **dict.fromkeys(("relational", "relacional", "relationship", "relacion"), "relational"),
}
SURVEY_CHANNELS: dict[str, str] = {
    **dict.fromkeys(("ivr", "phone", "telefono", "telefonica", "voice", "voz"), "ivr"),
    **dict.fromkeys(("email", "e mail", "mail", "correo", "correo electronico"), "email"),
    **dict.fromkeys(("sms", "text message", "mensaje de texto"), "sms"),
    **dict.fromkeys(("app", "mobile app", "in app", "in-app", "aplicacion", "app movil"), "app"),
    # Qualtrics distribution channels that are web links.
    **dict.fromkeys(("web", "online", "link", "anonymous", "gl", "qr", "social", "website"), "web"),
}

#: Per target and canonical column: (normalised phrase, weight). An exact header
#: match scores the weight; the phrase inside a header or question text, less.
SYNONYMS: dict[str, dict[str, tuple[tuple[str, float], ...]]] = {
    "calls": {
        "call_id": (("call id", 1.0), ("id llamada", 1.0), ("id de llamada", 1.0),
                    ("llamada id", 1.0), ("interaction id", 0.9), ("contact id", 0.9),
                    ("id interaccion", 0.9), ("id contacto", 0.9), ("id", 0.75),
                    ("call number", 0.95), ("numero de llamada", 0.95),
                    ("numero llamada", 0.95), ("uniqueid", 0.9), ("event number", 0.8),
                    ("contact number", 0.8), ("ticket id", 0.75), ("case id", 0.75)),
        "started_at": (("started at", 1.0), ("start time", 1.0), ("call start", 1.0),
                       ("fecha inicio", 1.0), ("fecha de inicio", 1.0), ("hora inicio", 0.9),
                       ("inicio", 0.8), ("fecha llamada", 1.0), ("fecha de llamada", 1.0),
                       ("fecha hora", 0.9), ("fecha", 0.8), ("date", 0.8), ("call date", 1.0),
                       ("start date", 0.9), ("timestamp", 0.8), ("datetime", 0.8)),
        "channel": (("channel", 1.0), ("canal", 1.0), ("medio", 0.7)),
        "queue": (("queue", 1.0), ("cola", 1.0), ("contact reason", 0.9), ("motivo", 0.8),
                  ("motivo de contacto", 1.0), ("skill", 0.8), ("tipificacion", 0.8),
                  ("topic", 0.9), ("tema", 0.9), ("department", 0.85),
                  ("departamento", 0.85), ("reason", 0.7), ("call reason", 0.9),
                  ("categoria", 0.7), ("category", 0.7), ("servicio", 0.7)),
        "region": (("region", 1.0), ("zona", 0.8)),
        "product": (("product", 1.0), ("producto", 1.0)),
        "segment": (("segment", 1.0), ("segmento", 1.0), ("customer type", 0.9),
                    ("tipo de cliente", 0.9), ("tipo cliente", 0.9)),
        "agent_id": (("agent id", 1.0), ("agent", 0.9), ("id agente", 1.0), ("agente", 0.9),
                     ("asesor", 0.8), ("operador", 0.8)),
        "team": (("team", 1.0), ("equipo", 1.0), ("grupo", 0.7)),
        "customer_id": (("customer id", 1.0), ("id cliente", 1.0), ("id de cliente", 1.0),
                        ("client id", 1.0), ("customer", 0.7), ("cliente", 0.7),
                        ("account id", 0.8)),
        "wait_s": (("wait s", 1.0), ("wait", 0.9), ("wait time", 1.0), ("tiempo de espera", 1.0),
                   ("tiempo espera", 1.0), ("espera", 0.9), ("queue time", 0.9),
                   ("tiempo en cola", 0.9), ("speed of answer", 0.9), ("asa", 0.8)),
        "duration_s": (("duration s", 1.0), ("duration", 1.0), ("duracion", 1.0),
                       ("handle time", 1.0), ("aht", 0.9), ("talk time", 0.9),
                       ("call duration", 1.0), ("duracion llamada", 1.0),
                       ("tiempo de atencion", 0.9), ("tiempo de conversacion", 0.9)),
        "hold_s": (("hold s", 1.0), ("hold", 1.0), ("hold time", 1.0), ("retencion", 0.9),
                   ("tiempo en hold", 1.0), ("tiempo retenido", 0.9)),
        "transfers": (("transfers", 1.0), ("transfer", 0.9), ("transferencias", 1.0),
                      ("transferencia", 0.9), ("transfers count", 1.0)),
        "resolved": (("resolved", 1.0), ("resuelto", 1.0), ("resuelta", 1.0),
                     ("resolution", 0.9), ("resolucion", 0.9), ("fcr", 0.8), ("solved", 0.9),
                     ("solucionado", 0.9)),
        "abandoned": (("abandoned", 1.0), ("abandonada", 1.0), ("abandonado", 1.0),
                      ("abandono", 0.9), ("abandon", 0.9), ("disposition", 0.7),
                      ("call status", 0.75), ("status", 0.6), ("estado", 0.6),
                      ("estado llamada", 0.75), ("resultado", 0.6), ("result", 0.6)),
        "escalated": (("escalated", 1.0), ("escalada", 1.0), ("escalado", 1.0),
                      ("escalation", 0.9), ("escalamiento", 0.9)),
    },
    "surveys": {
        "response_id": (("response id", 1.0), ("responseid", 1.0), ("respondent id", 1.0),
                        ("id respuesta", 1.0), ("id de respuesta", 1.0),
                        ("id del encuestado", 1.0), ("survey response id", 1.0), ("id", 0.75)),
        "call_id": (("call id", 1.0), ("id llamada", 1.0), ("id de llamada", 1.0),
                    ("llamada id", 1.0), ("interaction id", 0.9), ("contact id", 0.9)),
        "customer_id": (("customer id", 1.0), ("id cliente", 1.0), ("id de cliente", 1.0),
                        ("client id", 1.0), ("external reference", 0.55),
                        ("external data reference", 0.55)),
        "responded_at": (("responded at", 1.0), ("recorded date", 1.0), ("recordeddate", 1.0),
                         ("response date", 1.0), ("fecha de respuesta", 1.0),
                         ("fecha respuesta", 1.0), ("submitted", 0.9), ("end date", 0.75),
                         ("enddate", 0.75), ("fecha", 0.8), ("date", 0.8),
                         ("start date", 0.55), ("startdate", 0.55), ("fecha de inicio", 0.55),
                         ("timestamp", 0.9), ("marca temporal", 1.0), ("marca de tiempo", 1.0),
                         ("submitted at", 1.0), ("submit date", 1.0), ("date submitted", 1.0)),
        "survey_type": (("survey type", 1.0), ("tipo de encuesta", 1.0), ("tipo encuesta", 1.0)),
        "survey_channel": (("survey channel", 1.0), ("canal de encuesta", 1.0),
                           ("canal encuesta", 1.0), ("canal", 0.7), ("channel", 0.7),
                           ("distribution channel", 0.7), ("distributionchannel", 0.7)),
        "survey_version": (("survey version", 1.0), ("version de encuesta", 1.0),
                           ("version encuesta", 1.0), ("questionnaire version", 1.0),
                           ("version del cuestionario", 1.0), ("scale version", 1.0),
                           ("version de escala", 1.0), ("question version", 1.0),
                           ("instrument version", 1.0), ("version", 0.7)),
        "nps": (("nps", 1.0), ("net promoter", 1.0), ("recommend", 0.9), ("recomend", 0.9),
                ("recomiende", 0.9), ("recomendaria", 0.9), ("recomendar", 0.9),
                ("likely to recommend", 1.0), ("probabilidad de que nos recomiende", 1.0),
                ("ltr", 0.8)),
        "csat": (("csat", 1.0), ("satisfaction", 0.9), ("satisfaccion", 0.9),
                 ("satisfied", 0.8), ("satisfecho", 0.8), ("satisfecha", 0.8)),
        "ces": (("ces", 1.0), ("customer effort", 1.0), ("effort", 0.9), ("esfuerzo", 0.9),
                ("easy", 0.8), ("facil", 0.8)),
        "comment": (("comment", 1.0), ("comments", 1.0), ("comentario", 1.0),
                    ("comentarios", 1.0), ("feedback", 0.9), ("verbatim", 0.9),
                    ("observaciones", 0.8), ("why", 0.6), ("por que", 0.6),
                    ("anything else", 0.9), ("tell us", 0.8), ("algo mas", 0.8),
                    ("suggestions", 0.8), ("sugerencias", 0.8),
                    ("reason for your score", 0.9), ("motivo de su puntuacion", 0.9)),
        "language": (("language", 1.0), ("idioma", 1.0), ("userlanguage", 1.0),
                     ("user language", 1.0), ("lang", 0.8)),
    },
}  # fmt: skip

#: Phrases that count only as a whole header, never inside one ("id" is no key
#: inside "agent id").
EXACT_ONLY = frozenset({"id"})

#: Headers that say the *opposite* of a yes/no field: the field is the column, inverted.
INVERTED: dict[str, dict[str, tuple[tuple[str, float], ...]]] = {
    "calls": {
        "abandoned": (
            ("answered", 1.0),
            ("answered y n", 1.0),
            ("contestada", 1.0),
            ("contestado", 1.0),
            ("atendida", 1.0),
            ("atendido", 1.0),
            ("respondida", 0.9),
            ("answered call", 1.0),
            ("llamada atendida", 1.0),
        ),
        "resolved": (
            ("unresolved", 1.0),
            ("not resolved", 1.0),
            ("no resuelto", 1.0),
            ("sin resolver", 1.0),
        ),
    },
    "surveys": {},
}

#: Headers of a time-of-day column that completes a date-only column.
TIME_OF_DAY = (("time", 1.0), ("hora", 1.0), ("call time", 1.0), ("hora llamada", 1.0),
               ("hora de llamada", 1.0), ("time of day", 1.0), ("hora del dia", 1.0),
               ("start time", 0.9), ("hora inicio", 0.9), ("hora de inicio", 0.9))  # fmt: skip

#: Words in a duration header that say the unit of its numbers.
DURATION_UNITS: tuple[tuple[str, str], ...] = (
    ("ms", "ms"), ("msec", "ms"), ("milliseconds", "ms"), ("milisegundos", "ms"),
    ("min", "min"), ("mins", "min"), ("minutes", "min"), ("minutos", "min"),
)  # fmt: skip

#: Label scales a field's values can be mapped from, by name: label -> value. Suggested
#: when nearly all of a column's values are labels of one scale.
VALUE_MAPS: dict[str, dict[str, str]] = {
    "satisfaction5_es": {"muy satisfecho": "5", "muy satisfecha": "5", "satisfecho": "4",
                         "satisfecha": "4", "neutral": "3", "ni satisfecho ni insatisfecho": "3",
                         "insatisfecho": "2", "insatisfecha": "2", "muy insatisfecho": "1",
                         "muy insatisfecha": "1"},
    "satisfaction5_en": {"very satisfied": "5", "satisfied": "4", "neutral": "3",
                         "neither satisfied nor dissatisfied": "3", "dissatisfied": "2",
                         "very dissatisfied": "1"},
    # Three-point satisfaction: the ends and the middle of the 1-5 scale.
    "satisfaction3_es": {"satisfecho": "5", "satisfecha": "5", "neutral": "3", "indiferente": "3",
                         "insatisfecho": "1", "insatisfecha": "1"},
    "satisfaction3_en": {"satisfied": "5", "neutral": "3", "dissatisfied": "1",
                         "unsatisfied": "1"},
    "quality5_es": {"excelente": "5", "muy buena": "4", "muy bueno": "4", "buena": "3",
                    "bueno": "3", "regular": "2", "mala": "1", "malo": "1", "muy mala": "1",
                    "muy malo": "1"},
    "quality3_es": {"buena": "5", "bueno": "5", "regular": "3", "mala": "1", "malo": "1"},
    "quality5_en": {"excellent": "5", "very good": "4", "good": "3", "fair": "2", "poor": "1"},
    "quality3_en": {"good": "5", "average": "3", "ok": "3", "bad": "1", "poor": "1"},
    "agree5_en": {"strongly agree": "5", "agree": "4", "neither agree nor disagree": "3",
                  "neutral": "3", "disagree": "2", "strongly disagree": "1"},
    "agree5_es": {"totalmente de acuerdo": "5", "muy de acuerdo": "5", "de acuerdo": "4",
                  "ni de acuerdo ni en desacuerdo": "3", "neutral": "3",
                  "en desacuerdo": "2", "totalmente en desacuerdo": "1",
                  "muy en desacuerdo": "1"},
    "ease5_en": {"very easy": "5", "easy": "4", "neither easy nor difficult": "3",
                 "neutral": "3", "difficult": "2", "very difficult": "1"},
    "ease5_es": {"muy facil": "5", "facil": "4", "ni facil ni dificil": "3", "neutral": "3",
                 "dificil": "2", "muy dificil": "1"},
    # A call's status as words, for ``abandoned``.
    # (ANSWERED / NO ANSWER / BUSY are a PBX's call-detail dispositions; FAILED is left
    # out on purpose: a call that never rang is not one the caller abandoned.)
    "call_status": {"answered": "false", "abandoned": "true", "missed": "true",
                    "no answer": "true", "busy": "true",
                    "contestada": "false", "atendida": "false", "abandonada": "true",
                    "no atendida": "true", "no contestada": "true", "perdida": "true"},
}  # fmt: skip

_MARKS = re.compile(r"[\u0300-\u036f]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Lower case, accents removed, anything but letters and digits as one space."""
    stripped = _MARKS.sub("", unicodedata.normalize("NFD", text.lower()))
    return _NON_WORD.sub(" ", stripped).strip()


def split_camel(text: str) -> str:
    """``RecordedDate`` -> ``Recorded Date``, ``callID`` -> ``call ID``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
