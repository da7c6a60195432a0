"""A plain-language verdict on a process change whose words follow from the numbers.

Rules: never "improved" or "worsened" unless every method's 95% interval excludes zero
(and p < 0.05) on the same side; methods that disagree in significance or sign are
reported as disagreeing; a non-significant change smaller than the minimum detectable
effect is reported as "the data cannot tell", not as "no effect". A method tested by
randomization over too few units to ever reach p < 0.05 cannot make or break a claim
of significance, but its direction still counts, and the text gives its p-value with
the smallest one its units allow ("with 5 units the smallest possible p is 1/5"). The
p-value in a sentence reads "p = 0.012" or "p < 0.001" (Holm-adjusted where it is).

The sentence templates live here as one small dict per language (``{placeholder}``
format strings) until they move into the i18n catalogs.

References
----------
Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the
    statistical power of experimental designs. Evaluation Review 19(5), 547-556.
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics 6(2), 65-70.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from analytics import power as pw
from analytics.compare import Difference
from analytics.i18n import Lang, number

Method = Literal["before_after", "its", "did"]
VerdictCode = Literal[
    "improved", "worsened", "disagree", "cannot_tell", "no_clear_change", "not_enough_data",
    "not_measured",
]  # fmt: skip
ALPHA = 0.05


@dataclass(frozen=True)
class Finding:
    """One method's estimate of a change, as the verdict weighs it.

    A finding with ``units`` > 0 comes from randomization inference over that many
    units: it has a p-value but no interval (``low`` and ``high`` NaN), and
    ``smallest_p`` is the smallest p-value those units can give. ``holm`` marks a
    p-value adjusted across metrics (the text says so, so that an interval excluding
    zero next to an adjusted p above 0.05 does not read as a contradiction).
    """

    method: Method
    estimate: float
    low: float
    high: float
    p: float
    mde: float = math.nan
    units: int = 0
    smallest_p: float = 0.0
    holm: bool = False

    @property
    def by_randomization(self) -> bool:
        return self.units > 0

    @property
    def known(self) -> bool:
        numbers = (self.estimate, self.p) if self.by_randomization else (
            self.estimate, self.low, self.high, self.p
        )  # fmt: skip
        return all(math.isfinite(v) for v in numbers)

    @property
    def can_show_a_change(self) -> bool:
        """False when even the most extreme result could not reach p < 0.05 (too few units)."""
        return self.smallest_p < ALPHA

    @property
    def significant(self) -> bool:
        """p < 0.05 *and* the 95% interval excludes zero (both, so they never contradict);
        under randomization inference, which has no interval, p < 0.05."""
        if not self.known or not self.p < ALPHA or self.estimate == 0:
            return False
        return self.by_randomization or self.low > 0 or self.high < 0

    @property
    def sign(self) -> int:
        """+1 / -1 for a significant rise / fall; 0 when not significant."""
        return (1 if self.estimate > 0 else -1) if self.significant else 0

    @property
    def below_mde(self) -> bool:
        return pw.below_mde(self.estimate, self.mde)


def finding(
    method: Method,
    difference: Difference,
    mde: float = math.nan,
    *,
    units: int = 0,
    smallest_p: float = 0.0,
    holm: bool = False,
) -> Finding:
    """A verdict input from any method's :class:`Difference` (its effect) and its MDE."""
    d = difference
    return Finding(method, d.estimate, d.low, d.high, d.p, mde, units, smallest_p, holm)


@dataclass(frozen=True)
class Verdict:
    """What the numbers say, as a code plus the numbers; render with :func:`render_verdict`."""

    code: VerdictCode
    metric: str
    higher_is_better: bool
    findings: tuple[Finding, ...]
    unit: str = ""

    @property
    def headline(self) -> Finding | None:
        """The finding the headline quotes: a significant one for improved / worsened,
        one below its MDE for "cannot tell", else the first (None: nothing to quote)."""
        if self.code in ("not_enough_data", "not_measured"):
            return None
        if self.code in ("improved", "worsened"):
            return next(f for f in self.findings if f.significant)
        if self.code == "cannot_tell":
            return next((f for f in self.findings if f.below_mde), self.findings[0])
        return self.findings[0] if self.findings else None


def verdict(
    metric: str, findings: Sequence[Finding], higher_is_better: bool = True, unit: str = ""
) -> Verdict:
    """Judge a change from one or more methods' findings (the first is the headline).

    Methods that cannot show a change at all (randomization inference over too few
    units: :attr:`Finding.can_show_a_change`) are left out of the significance rules
    but not of the direction: pointing the other way, they make the methods disagree.

    - ``improved`` / ``worsened``: every method that can show a change is significant
      (interval excludes zero and p < 0.05) and in the same direction, and no other
      method's estimate points the other way; better or worse by ``higher_is_better``.
    - ``disagree``: at least one method is significant, but another is not, or points
      the other way.
    - ``cannot_tell``: nothing significant and the observed change is below a method's
      minimum detectable effect, or no method could have shown a change: the sample
      is too small to tell.
    - ``no_clear_change``: nothing significant although the change was not below the
      MDE (or no MDE was given).
    - ``not_enough_data``: no method produced numbers.

    ``not_measured`` (the metric's input was not captured in a window, or there was no
    data: see :func:`analytics.kpis.not_measured`) is not decided here: the caller
    knows it before any method runs, and builds that verdict itself, with no findings.
    """
    known = tuple(f for f in findings if f.known)
    if not known:
        return Verdict("not_enough_data", metric, higher_is_better, tuple(findings), unit)
    testable = [f for f in known if f.can_show_a_change]
    signs = {f.sign for f in testable}
    if signs in ({1}, {-1}):
        direction = signs.pop()
        against = any(f.estimate * direction < 0 for f in known)
        better = (direction == 1) == higher_is_better
        code: VerdictCode = "disagree" if against else "improved" if better else "worsened"
    elif signs - {0}:
        code = "disagree"
    elif not testable or any(f.below_mde for f in known):
        code = "cannot_tell"
    else:
        code = "no_clear_change"
    return Verdict(code, metric, higher_is_better, known, unit)


# Sentence templates, one small dict per language ({placeholders} as str.format fields).
# The numbers are formatted before they are inserted; ``{numbers}`` is one of the
# "numbers_*" fragments and ``{p}`` a whole statement ("p = 0.012", "p < 0.001"). No
# template but "improved" may use the word "improved" (a test checks it), and likewise
# in Spanish.
TEMPLATES: dict[Lang, dict[str, str]] = {
    "en": {
        "improved": "{metric} improved after the change: {numbers}.",
        "worsened": "{metric} worsened after the change: {numbers}.",
        "disagree": "The methods disagree about {metric}, so the change cannot be attributed "
        "with confidence.",
        "cannot_tell": "The data cannot tell whether {metric} moved: the observed change "
        "({estimate}{unit}) is smaller than the {mde}{unit} this sample can reliably detect.",
        "cannot_tell_units": "The data cannot tell whether {metric} moved: {numbers}.",
        "no_clear_change": "No clear change in {metric}: {numbers}.",
        "not_enough_data": "There is not enough data to judge {metric}.",
        "not_measured": "{metric} is not measured, so there is no verdict.",
        "detail": "{method}: {numbers}.",
        "numbers": "{estimate}{unit} (95% CI {low} to {high}; {p})",
        "numbers_units": "{estimate}{unit} (randomization {p}; with {units} units the "
        "smallest possible p is {smallest}, so this method alone cannot show a change)",
        "numbers_units_enough": "{estimate}{unit} (randomization {p}, across {units} units)",
        "p": "p = {value}",
        "p_below": "p < {value}",
        "p_holm": "Holm-adjusted p = {value}",
        "p_holm_below": "Holm-adjusted p < {value}",
        "before_after": "Before/after comparison",
        "its": "Interrupted time series",
        "did": "Difference-in-differences",
    },
    "es": {
        "improved": "{metric} mejoró tras el cambio: {numbers}.",
        "worsened": "{metric} empeoró tras el cambio: {numbers}.",
        "disagree": "Los métodos no coinciden sobre {metric}; no se puede atribuir el cambio "
        "con confianza.",
        "cannot_tell": "Los datos no permiten saber si {metric} se movió: el cambio observado "
        "({estimate}{unit}) es menor que los {mde}{unit} que esta muestra puede detectar con "
        "fiabilidad.",
        "cannot_tell_units": "Los datos no permiten saber si {metric} se movió: {numbers}.",
        "no_clear_change": "Sin cambio claro en {metric}: {numbers}.",
        "not_enough_data": "No hay datos suficientes para juzgar {metric}.",
        "not_measured": "{metric} no se mide, así que no hay veredicto.",
        "detail": "{method}: {numbers}.",
        "numbers": "{estimate}{unit} (IC 95 % {low} a {high}; {p})",
        "numbers_units": "{estimate}{unit} (aleatorización, {p}; con {units} unidades el "
        "menor p posible es {smallest}, así que este método por sí solo no puede mostrar "
        "un cambio)",
        "numbers_units_enough": "{estimate}{unit} (aleatorización, {p}, entre {units} unidades)",
        "p": "p = {value}",
        "p_below": "p < {value}",
        "p_holm": "p ajustado por Holm = {value}",
        "p_holm_below": "p ajustado por Holm < {value}",
        "before_after": "Comparación antes/después",
        "its": "Serie temporal interrumpida",
        "did": "Diferencias en diferencias",
    },
}


def render_verdict(v: Verdict, lang: Lang = "en", decimals: int = 1) -> str:
    """The verdict as sentences in ``lang``: the headline, then one line per method."""
    headline, details = render_parts(v, lang, decimals)
    return " ".join([headline, *details])


def render_parts(v: Verdict, lang: Lang = "en", decimals: int = 1) -> tuple[str, list[str]]:
    """The headline sentence and one sentence per method (none for a single method)."""
    if lang not in TEMPLATES:
        raise ValueError(f"lang must be one of {', '.join(TEMPLATES)}; got {lang!r}")
    text = TEMPLATES[lang]
    head = v.headline
    if head is None:
        empty = "not_measured" if v.code == "not_measured" else "not_enough_data"
        return text[empty].format(metric=v.metric), []
    key: str = v.code
    if v.code == "cannot_tell" and not head.below_mde:
        key = "cannot_tell_units"
    headline = text[key].format(metric=v.metric, **_fields(head, v.unit, lang, decimals))
    if len(v.findings) < 2:
        return headline, []
    details = [
        text["detail"].format(method=text[f.method], **_fields(f, v.unit, lang, decimals))
        for f in v.findings
    ]
    return headline, details


def p_statement(p: float, lang: Lang, holm: bool = False) -> str:
    """ "p = 0.012", "p < 0.001" (or Holm-adjusted), in ``lang``; never "p = < 0.001"."""
    text = TEMPLATES[lang]
    prefix = "p_holm" if holm else "p"
    if p < 0.001:
        return text[f"{prefix}_below"].format(value=number(0.001, lang, 3))
    return text[prefix].format(value=p_value(p, lang))


def p_value(p: float, lang: Lang) -> str:
    """A p-value's digits: 3 decimals, 4 when 3 would round a significant p up to 0.050."""
    decimals = 4 if p < ALPHA and round(p, 3) >= ALPHA else 3
    return number(p, lang, decimals)


def _fields(f: Finding, unit: str, lang: Lang, decimals: int) -> dict[str, str]:
    decimals = _precision(f, decimals)
    fields = {
        "estimate": number(f.estimate, lang, decimals, sign=True),
        "low": number(f.low, lang, decimals, sign=True),
        "high": number(f.high, lang, decimals, sign=True),
        "mde": number(f.mde, lang, decimals),
        "p": p_statement(f.p, lang, f.holm),
        "unit": f" {unit}" if unit else "",
    }
    text = TEMPLATES[lang]
    if f.by_randomization:
        key = "numbers_units_enough" if f.can_show_a_change else "numbers_units"
        units = {"units": str(f.units), "smallest": f"1/{round(1 / f.smallest_p)}"}
        fields["numbers"] = text[key].format(**fields, **units)
    else:
        fields["numbers"] = text["numbers"].format(**fields)
    return fields


def _precision(f: Finding, decimals: int) -> int:
    """More decimals when rounding would make the text contradict the numbers.

    An interval bound of 0.03 shown as "+0.0" looks like it touches zero; a change of
    5.94 below an MDE of 5.96 would read "5.9 is smaller than 5.9".
    """

    def blurred(d: int) -> bool:
        bound_shows_zero = any(b != 0 and round(b, d) == 0 for b in (f.low, f.high))
        tie = f.estimate != f.mde and round(abs(f.estimate), d) == round(f.mde, d)
        return bound_shows_zero or tie

    while decimals < 4 and blurred(decimals):
        decimals += 1
    return decimals
