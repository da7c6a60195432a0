"""A plain-language verdict on a process change whose words follow from the numbers.

Rules: never "improved" or "worsened" unless every method's 95% interval excludes zero
(and p < 0.05) on the same side; methods that disagree in significance or sign are
reported as disagreeing; a non-significant change smaller than the minimum detectable
effect is reported as "the data cannot tell", not as "no effect".

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
    "improved", "worsened", "disagree", "cannot_tell", "no_clear_change", "not_enough_data"
]
ALPHA = 0.05


@dataclass(frozen=True)
class Finding:
    """One method's estimate of a change, as the verdict weighs it."""

    method: Method
    estimate: float
    low: float
    high: float
    p: float
    mde: float = math.nan

    @property
    def known(self) -> bool:
        return all(math.isfinite(v) for v in (self.estimate, self.low, self.high, self.p))

    @property
    def significant(self) -> bool:
        """The 95% interval excludes zero *and* p < 0.05 (both, so they never contradict)."""
        return self.known and (self.low > 0 or self.high < 0) and self.p < ALPHA

    @property
    def sign(self) -> int:
        """+1 / -1 for a significant rise / fall; 0 when not significant."""
        return (1 if self.estimate > 0 else -1) if self.significant else 0

    @property
    def below_mde(self) -> bool:
        return pw.below_mde(self.estimate, self.mde)


def finding(method: Method, difference: Difference, mde: float = math.nan) -> Finding:
    """A verdict input from any method's :class:`Difference` (its effect) and its MDE."""
    d = difference
    return Finding(method, d.estimate, d.low, d.high, d.p, mde)


@dataclass(frozen=True)
class Verdict:
    """What the numbers say, as a code plus the numbers; render with :func:`render_verdict`."""

    code: VerdictCode
    metric: str
    higher_is_better: bool
    findings: tuple[Finding, ...]
    unit: str = ""


def verdict(
    metric: str, findings: Sequence[Finding], higher_is_better: bool = True, unit: str = ""
) -> Verdict:
    """Judge a change from one or more methods' findings (the first is the headline).

    - ``improved`` / ``worsened``: every method is significant (interval excludes zero
      and p < 0.05) and in the same direction; better or worse by ``higher_is_better``.
    - ``disagree``: at least one method is significant, but another is not, or points
      the other way.
    - ``cannot_tell``: nothing significant and the observed change is below a method's
      minimum detectable effect: the sample is too small to tell.
    - ``no_clear_change``: nothing significant although the change was not below the
      MDE (or no MDE was given).
    - ``not_enough_data``: no method produced numbers.
    """
    known = tuple(f for f in findings if f.known)
    if not known:
        return Verdict("not_enough_data", metric, higher_is_better, tuple(findings), unit)
    signs = {f.sign for f in known}
    if signs in ({1}, {-1}):
        better = (signs == {1}) == higher_is_better
        code: VerdictCode = "improved" if better else "worsened"
    elif signs != {0}:
        code = "disagree"
    elif any(f.below_mde for f in known):
        code = "cannot_tell"
    else:
        code = "no_clear_change"
    return Verdict(code, metric, higher_is_better, known, unit)


# Sentence templates, one small dict per language ({placeholders} as str.format fields).
# The numbers are formatted before they are inserted. No template but "improved" may
# use the word "improved" (a test checks it), and likewise in Spanish.
TEMPLATES: dict[Lang, dict[str, str]] = {
    "en": {
        "improved": "{metric} improved after the change: {estimate}{unit} "
        "(95% CI {low} to {high}).",
        "worsened": "{metric} worsened after the change: {estimate}{unit} "
        "(95% CI {low} to {high}).",
        "disagree": "The methods disagree about {metric}, so the change cannot be attributed "
        "with confidence.",
        "cannot_tell": "The data cannot tell whether {metric} moved: the observed change "
        "({estimate}{unit}) is smaller than the {mde}{unit} this sample can reliably detect.",
        "no_clear_change": "No clear change in {metric}: {estimate}{unit} "
        "(95% CI {low} to {high}).",
        "not_enough_data": "There is not enough data to judge {metric}.",
        "detail": "{method}: {estimate}{unit} (95% CI {low} to {high}; p = {p}).",
        "before_after": "Before/after comparison",
        "its": "Interrupted time series",
        "did": "Difference-in-differences",
    },
    "es": {
        "improved": "{metric} mejoró tras el cambio: {estimate}{unit} (IC 95 % {low} a {high}).",
        "worsened": "{metric} empeoró tras el cambio: {estimate}{unit} (IC 95 % {low} a {high}).",
        "disagree": "Los métodos no coinciden sobre {metric}; no se puede atribuir el cambio "
        "con confianza.",
        "cannot_tell": "Los datos no permiten saber si {metric} se movió: el cambio observado "
        "({estimate}{unit}) es menor que los {mde}{unit} que esta muestra puede detectar con "
        "fiabilidad.",
        "no_clear_change": "Sin cambio claro en {metric}: {estimate}{unit} "
        "(IC 95 % {low} a {high}).",
        "not_enough_data": "No hay datos suficientes para juzgar {metric}.",
        "detail": "{method}: {estimate}{unit} (IC 95 % {low} a {high}; p = {p}).",
        "before_after": "Comparación antes/después",
        "its": "Serie temporal interrumpida",
        "did": "Diferencias en diferencias",
    },
}


def render_verdict(v: Verdict, lang: Lang = "en", decimals: int = 1) -> str:
    """The verdict as sentences in ``lang``: the headline, then one line per method."""
    if lang not in TEMPLATES:
        raise ValueError(f"lang must be one of {', '.join(TEMPLATES)}; got {lang!r}")
    text = TEMPLATES[lang]
    if v.code == "not_enough_data":
        return text["not_enough_data"].format(metric=v.metric)
    # "cannot tell" quotes the method whose change is below its MDE.
    head = next(f for f in v.findings if f.below_mde) if v.code == "cannot_tell" else v.findings[0]
    lines = [text[v.code].format(metric=v.metric, **_fields(head, v.unit, lang, decimals))]
    if len(v.findings) > 1:
        for f in v.findings:
            detail = _fields(f, v.unit, lang, decimals)
            lines.append(text["detail"].format(method=text[f.method], **detail))
    return " ".join(lines)


def _fields(f: Finding, unit: str, lang: Lang, decimals: int) -> dict[str, str]:
    p = "< 0,001" if lang == "es" else "< 0.001"
    decimals = _precision(f, decimals)
    return {
        "estimate": number(f.estimate, lang, decimals, sign=True),
        "low": number(f.low, lang, decimals, sign=True),
        "high": number(f.high, lang, decimals, sign=True),
        "mde": number(f.mde, lang, decimals),
        "p": p if f.p < 0.001 else number(f.p, lang, 3),
        "unit": f" {unit}" if unit else "",
    }


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
