"""Word lists for the comment analysis (Spanish and English), all already normalised:
lower case, accents stripped (``analytics.feedback.words.normalize``), so "está" is ``esta``.

Kept compact and curated for contact-center feedback; extend by editing the strings.
"""

from __future__ import annotations

STOP_WORDS_EN = """
a about after again all also am an and any are as at be been before being both but by
can could did do does doing down during each few for from further had has have having he
her here hers him his how i if in into is it its itself just me more most my myself of
off on once only or other our ours out over own same she so some such than that the their
theirs them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours im ive its
get got one two three us thing things really much even still ok okay
"""
STOP_WORDS_ES = """
a al algo algunas algunos ante antes como con contra cual cuando de del desde donde dos
el ella ellas ellos en entre era eran eres es esa esas ese eso esos esta estaba estado
estan estar este esto estos estoy fue fueron fui ha habia han hasta hay la las le les lo
los me mi mis mucho muy mas o os otra otro para pero poco por porque que quien se sea ser
si sido sobre son su sus tambien te tengo tiene tienen todo todos tu tus un una uno unos
vez y ya yo nos nosotros ese esa esto eso aqui ahi alli asi cada hace hacer he hemos
sus les tan tanto tres vos usted ustedes
"""
# Negations are not stop words: "not fixed" and "sin resolverse" carry the meaning.
_NEGATORS = """
no not never nunca nada nothing nobody nadie ni sin tampoco jamas none
didn didnt don dont doesn doesnt isn isnt wasn wasnt cannot cant won wont
"""
NEGATORS = frozenset(_NEGATORS.split())
STOP_WORDS = frozenset((STOP_WORDS_EN + STOP_WORDS_ES).split()) - NEGATORS

# Function words that only one of the two languages uses: enough to tell them apart.
_ONLY_EN = "the and is was were my to of it they very for with you this not never thanks"
_ONLY_ES = "el la los las que del muy pero para con una fue mi esta este por es estuvo nunca nada"
ONLY_EN = frozenset(_ONLY_EN.split())
ONLY_ES = frozenset(_ONLY_ES.split())

_POSITIVE = """
excellent excelente great genial good buen buena bueno buenos buenas happy contento contenta
feliz fast rapido rapida rapidamente quick quickly enseguida efficient eficiente friendly
amable amables kind patient paciente clear claro clara claramente solved solve solucionado
solucionaron soluciono resolved resolvieron resuelto resuelta resolvio fixed fix thank
thanks gracias agradezco easy easier facil sencillo helpful help helped ayudo ayudaron
ayuda util reliable confiable conforme satisfied satisfecho perfect perfecto love encanta
encanto best mejor better recommend recomiendo professional profesional exactly
exactamente wonderful maravilloso nice amazing
"""
_NEGATIVE = """
terrible awful horrible pesimo pesima bad mal malo mala disappointed decepcionado
decepcionada worse worst peor slow lento lenta rude grosero grosera annoyed molesto
molesta wrong incorrecto incorrecta mal expensive caro cara poor unreliable problem
problema issue falla fallas hard dificil difficult trabas hate odio useless inutil
complaint queja angry enojado furious furioso waste unacceptable inaceptable ages
demasiado dropping cayendo cae caida broken roto annoying frustrating frustrado
frustrada ridiculous ridiculo
"""
LEXICON: dict[str, int] = {w: 1 for w in _POSITIVE.split()} | {w: -1 for w in _NEGATIVE.split()}

# Phrases that propose something; matched on normalised text by Python's re and by
# the database's RE2 (same syntax: word boundaries and non-capturing groups only).
SUGGESTION_PATTERN = (
    r"\b(?:sugiero|sugeriria|sugerencia|propongo|recomendaria|deberian|deberia"
    r"|seria (?:bueno|genial|mejor|util|ideal|bueno que)|estaria bien|ojala|podrian"
    r"|would be (?:great|nice|good|better|helpful|useful)|should|suggest|suggestion"
    r"|please add|i wish|why not|could you|it would help|you could|recommend adding)\b"
)
