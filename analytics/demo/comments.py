"""Comment texts for the demo data: a bilingual phrase bank and the composer.

Comments follow the score (detractors complain, promoters praise) and what happened on
the call (the caller in :mod:`analytics.demo` says which topics apply), so the term
analysis of later pages has real signal to find.
"""

from __future__ import annotations

import numpy as np
import polars as pl

COMMENT_SHARE = 0.40
SECOND_TOPIC_SHARE = 0.4
OPENER_SHARE = 0.7
SUGGESTION_SHARE = 0.05  # of comments
LONG_WAIT_S = 300.0
LONG_HOLD_S = 180.0
FAST_ANSWER_S = 60.0

# Comment phrases: topic, language, then variants split on "|". {m} is the minutes
# waited, {t} the departments seen. Topics are picked per response among those its
# call makes applicable (see analytics.demo.surveys), so term analysis has real signal.
PHRASES = """
open_det en Terrible service. | Very disappointed. | Awful experience. | Not happy at all.
open_det es Pésimo servicio. | Muy decepcionado. | Una experiencia horrible. | Nada contento.
open_pas en It was ok. | Not bad, but could be better. | Average service.
open_pas es Estuvo bien. | No estuvo mal, pero podría mejorar. | Servicio normal.
open_pro en Excellent service! | Great experience. | Very happy. | Thank you!
open_pro es ¡Excelente servicio! | Muy buena experiencia. | Muy contento. | ¡Gracias!
wait en I waited {m} minutes before anyone answered. | The wait was far too long. | {m} minutes waiting just to talk to someone. | Nobody picks up, the waiting time is terrible.
wait es Esperé {m} minutos para que me atendieran. | La espera fue demasiado larga. | {m} minutos de espera para hablar con alguien. | Nadie contesta, el tiempo de espera es terrible.
unresolved en My problem is still not fixed. | Still not fixed after calling. | Nothing was solved, I will have to call again. | They did not solve my issue.
unresolved es Mi problema sigue sin resolverse. | Sigue sin resolverse después de llamar. | No me solucionaron nada, tendré que volver a llamar. | No resolvieron mi problema.
transfer en I was transferred from one agent to another. | They kept transferring me around. | Transferred between {t} departments and had to repeat everything.
transfer es Me pasaron de un agente a otro. | Me transfirieron varias veces. | Me pasaron por {t} departamentos y tuve que repetir todo.
hold en They put me on hold for ages. | Too much time on hold.
hold es Me dejaron en espera muchísimo tiempo. | Demasiado tiempo en espera con música.
repeat en This is the second time I call about the same thing. | I already called about this last week.
repeat es Es la segunda vez que llamo por lo mismo. | Ya había llamado por esto la semana pasada.
escalated en I had to ask for a supervisor. | Only the supervisor could help.
escalated es Tuve que pedir hablar con un supervisor. | Solo el supervisor pudo ayudarme.
q_billing en There is a wrong charge on my bill. | My invoice is wrong again.
q_billing es Hay un cobro incorrecto en mi factura. | Otra vez la factura viene mal.
q_technical en My internet keeps dropping. | The technical problem is back.
q_technical es El internet se sigue cayendo. | La falla técnica volvió.
q_sales en The offer was not what they promised. | They sold me a plan I did not need.
q_sales es La oferta no era lo que me prometieron. | Me vendieron un plan que no necesitaba.
q_cancellations en They made it very hard to cancel. | They kept pushing offers instead of cancelling.
q_cancellations es Me pusieron muchas trabas para cancelar. | Solo me ofrecían promociones en vez de cancelar.
q_general en Nobody knew the answer to a simple question. | I got three different answers.
q_general es Nadie sabía responder una pregunta simple. | Me dieron tres respuestas distintas.
rude en The agent was not helpful. | The agent seemed annoyed.
rude es El agente no me ayudó. | El agente parecía molesto.
price en Too expensive for what it is. | Prices keep going up.
price es Demasiado caro para lo que ofrece. | Los precios no paran de subir.
coverage en The coverage is poor in my area. | The connection is unreliable.
coverage es La cobertura es mala en mi zona. | La conexión falla mucho.
fast en They answered right away. | Fast and efficient.
fast es Me atendieron enseguida. | Rápido y eficiente.
solved en They solved my problem on the first call. | Problem solved, thanks! | Everything was fixed quickly.
solved es Me resolvieron el problema en la primera llamada. | Problema resuelto, ¡gracias! | Lo solucionaron todo rápido.
friendly en The agent was very friendly. | Very kind and patient agent.
friendly es El agente fue muy amable. | Muy amable y paciente.
expert en The agent knew exactly what to do. | Clear explanations.
expert es El agente sabía exactamente qué hacer. | Me explicaron todo muy claro.
new_menu en The new phone menu is much easier. | The new menu got me to the right person quickly.
new_menu es El nuevo menú telefónico es mucho más fácil. | Con el nuevo menú llegué rápido a la persona correcta.
loyal en I have been a customer for years and I am happy. | Reliable service overall.
loyal es Soy cliente hace años y estoy conforme. | En general el servicio es confiable.
suggest en It would be great if you could call me back instead of waiting. | I suggest adding a chat on the website. | You should send a text with the case number. | It would be great if agents could see my previous calls.
suggest es Sugiero que me devuelvan la llamada en vez de esperar. | Deberían tener un chat en la web. | Sería bueno que envíen un SMS con el número de caso. | Deberían ver mis llamadas anteriores.
"""
TOPIC_WEIGHT = dict(wait=2, unresolved=3, transfer=2, hold=1, repeat=2, escalated=1, rude=0.3)
TOPIC_WEIGHT |= dict(price=1, coverage=1, fast=2, solved=2, friendly=1.5, expert=1, new_menu=3)
_CALL_COMPLAINTS = ("wait", "unresolved", "transfer", "hold", "repeat", "escalated", "rude")


def _phrase_bank() -> tuple[list[str], pl.Series, np.ndarray, np.ndarray]:
    """Topics, all variants (index 0 is empty), and per language x topic offset/count."""
    rows = [line.split(maxsplit=2) for line in PHRASES.strip().splitlines()]
    topics = list(dict.fromkeys(topic for topic, _, _ in rows))
    bank, offset, count = [""], np.zeros((2, len(topics)), int), np.zeros((2, len(topics)), int)
    for topic, lang, text in rows:
        variants = [v.strip() for v in text.split("|")]
        where = (("en", "es").index(lang), topics.index(topic))
        offset[where], count[where] = len(bank), len(variants)
        bank += variants
    return topics, pl.Series(bank), offset, count


_TOPICS, _BANK, _OFFSET, _COUNT = _phrase_bank()
_WEIGHT = np.array([TOPIC_WEIGHT.get(t, 1.5) for t in _TOPICS])
# Queue topics (q_billing...) are complaints about the contact reason.
COMPLAINTS = (*_CALL_COMPLAINTS, *(t for t in _TOPICS if t.startswith("q_")), "price", "coverage")


def scatter(text: pl.Series, picked: np.ndarray) -> pl.Series:
    """``text`` placed at the ``picked`` positions of an otherwise null series."""
    full = np.full(len(picked), None, dtype=object)
    full[picked] = text.to_numpy()
    return pl.Series(full.tolist(), dtype=pl.String)


def compose(
    rng: np.random.Generator,
    nps: np.ndarray,
    spanish: np.ndarray,
    applicable: dict[str, np.ndarray],
    values: dict[str, np.ndarray],
) -> pl.Series:
    """Compose comments: an opener by NPS group, one or two topics, maybe a suggestion.

    Detractors only complain, promoters only praise, passives do either. Topics are
    drawn without replacement among the applicable ones in proportion to TOPIC_WEIGHT
    (exponential race: the smallest Exp(1) / weight wins).
    """
    n, group = len(nps), np.digitize(nps, [7, 9])  # 0 detractor, 1 passive, 2 promoter
    allowed = np.zeros((n, len(_TOPICS)), bool)
    for topic, ok in applicable.items():
        tone = group != 2 if topic in COMPLAINTS else group != 0
        allowed[:, _TOPICS.index(topic)] = ok & tone
    key = np.where(allowed, rng.exponential(size=allowed.shape) / _WEIGHT, np.inf)
    order = np.argsort(key, axis=1)[:, :2]
    found = np.isfinite(np.take_along_axis(key, order, axis=1))
    found[:, 1] &= rng.random(n) < SECOND_TOPIC_SHARE
    opener = np.array([_TOPICS.index(f"open_{g}") for g in ("det", "pas", "pro")])[group]
    suggest = np.full(n, _TOPICS.index("suggest"))
    lang = spanish.astype(np.int64)
    picks = [
        _pick(rng, lang, opener, rng.random(n) < OPENER_SHARE),
        _pick(rng, lang, order[:, 0], found[:, 0]),
        _pick(rng, lang, order[:, 1], found[:, 1]),
        _pick(rng, lang, suggest, rng.random(n) < SUGGESTION_SHARE),
    ]
    parts = pl.DataFrame([_BANK.gather(p).alias(f"p{i}") for i, p in enumerate(picks)])
    text = pl.concat_str(pl.col("p0", "p1", "p2", "p3"), separator=" ")
    for name, column in values.items():
        parts = parts.with_columns(pl.Series(name, column).cast(pl.Int64).cast(pl.String))
        text = text.str.replace_all("{" + name + "}", pl.col(name), literal=True)
    return parts.select(text.str.replace_all(" +", " ").str.strip_chars()).to_series()


def _pick(
    rng: np.random.Generator, lang: np.ndarray, topic: np.ndarray, on: np.ndarray
) -> np.ndarray:
    """Index into _BANK of a random variant of ``topic`` in ``lang``; 0 (empty) if off."""
    variant = np.floor(rng.random(len(lang)) * _COUNT[lang, topic]).astype(np.int64)
    return np.where(on, _OFFSET[lang, topic] + variant, 0)
