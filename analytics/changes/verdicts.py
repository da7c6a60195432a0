"""A plain-language verdict on a process change whose words follow from the numbers.

Rules, over the methods that *can* answer with the design at hand:

- "improved" / "worsened" only when every method is significant, on the same side;
- "not confirmed" when some methods are significant, all on one side, and the others
  are not significant: no method contradicts the change, but not all confirm it;
- "the methods disagree" only when significant estimates point opposite ways;
- a non-significant change smaller than the minimum detectable effect is "the data
  cannot tell", not "no effect";
- a significant change smaller than the metric's minimum meaningful change (the one the
  Overview's tiles use, :mod:`analytics.thresholds`) keeps its verdict, which adds that
  the change is real but small.

The two minimums answer different questions and are not merged. The minimum detectable
effect is a property of the sample (what it could see, for a change it did not
confirm); the minimum meaningful change is a property of the business (what is worth
acting on, for a change it did confirm). A verdict quotes the first only when nothing
is significant and the second only when something is.

Significant means the shown interval excludes zero, which for every pair here is the
shown p-value below 0.05: each method's interval and p-value come from the same test,
and before/after pairs are adjusted together across the metrics (Bonferroni, see
:func:`analytics.changes.before_after`), so no interval can contradict its p-value or
the verdict. A method tested by randomization over too few units to ever reach
p < 0.05 (:attr:`Finding.can_show_a_change`) cannot answer: it is left out of the
verdict (``Verdict.left_out``), and the page says so once.

The sentences are i18n templates (``verdict.*`` in ``locales/<lang>/changes.json``);
numbers are formatted by the caller's formatter, so that a verdict and a table show a
change in the same unit and with the same decimals.

References
----------
Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the
    statistical power of experimental designs. Evaluation Review 19(5), 547-556.
Dunn, O. J. (1961). Multiple comparisons among means. JASA 56(293), 52-64.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from analytics import thresholds
from analytics.compare import Difference
from analytics.i18n import Lang, number, t
from analytics.metrics import ALPHA

Method = Literal["before_after", "its", "did", "structural", "staggered"]
VerdictCode = Literal[
    "improved", "worsened", "not_confirmed", "disagree", "cannot_tell", "no_clear_change",
    "not_enough_data", "not_measured",
]  # fmt: skip
# A value formatter: (value, decimals, with a sign) -> text in the metric's unit.
Format = Callable[[float, int, bool], str]


@dataclass(frozen=True)
class Finding:
    """One method's estimate of a change, as the verdict weighs it.

    A finding with ``units`` > 0 comes from randomization inference over that many
    units: it has a p-value but no interval (``low`` and ``high`` NaN), and
    ``smallest_p`` is the smallest p-value those units can give. ``adjusted_for`` > 1
    marks an interval and p-value adjusted together for that many metrics.
    """

    method: Method
    estimate: float
    low: float
    high: float
    p: float
    mde: float = math.nan
    units: int = 0
    smallest_p: float = 0.0
    adjusted_for: int = 1
    meaningful: float = math.nan

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
        """The interval excludes zero (and p < 0.05, the same thing for a consistent
        pair); under randomization inference, which has no interval, p < 0.05. An
        estimate of exactly zero is never significant."""
        if not self.known or not self.p < ALPHA or self.estimate == 0:
            return False
        return self.by_randomization or self.low > 0 or self.high < 0

    @property
    def sign(self) -> int:
        """+1 / -1 for a significant rise / fall; 0 when not significant."""
        return (1 if self.estimate > 0 else -1) if self.significant else 0

    @property
    def below_mde(self) -> bool:
        # power imports scipy.stats (~0.6 CPU s): only a change's verdict pays for it,
        # not every page that formats a number through this module (the overview's tiles)
        from analytics.changes import power

        return power.below_mde(self.estimate, self.mde)

    @property
    def small(self) -> bool:
        """Significant, but smaller than the minimum meaningful change."""
        return self.significant and thresholds.below(self.estimate, self.meaningful)


def finding(
    method: Method,
    difference: Difference,
    mde: float = math.nan,
    *,
    units: int = 0,
    smallest_p: float = 0.0,
    adjusted_for: int = 1,
    meaningful: float = math.nan,
) -> Finding:
    """A verdict input from any method's :class:`Difference` (its effect), its MDE and
    the metric's minimum meaningful change."""
    d = difference
    return Finding(
        method, d.estimate, d.low, d.high, d.p, mde, units, smallest_p, adjusted_for, meaningful
    )


@dataclass(frozen=True)
class Verdict:
    """What the numbers say, as a code plus the numbers; render with :func:`render_verdict`.

    ``findings`` are the methods weighed; ``left_out`` those that cannot answer with
    this design (randomization over too few units), known but not weighed.
    """

    code: VerdictCode
    metric: str
    higher_is_better: bool
    findings: tuple[Finding, ...]
    unit: str = ""
    left_out: tuple[Finding, ...] = ()

    @property
    def headline(self) -> Finding | None:
        """The finding the headline quotes: a significant one when there is one, one
        below its MDE for "cannot tell", else the first (None: nothing to quote)."""
        if self.code in ("not_enough_data", "not_measured"):
            return None
        significant = [f for f in self.findings if f.significant]
        if significant:
            return significant[0]
        if self.code == "cannot_tell":
            below = [f for f in self.findings if f.below_mde]
            return next(iter(below or self.findings or self.left_out), None)
        return self.findings[0] if self.findings else None

    @property
    def small(self) -> bool:
        """A change the verdict claims (improved, worsened, not confirmed) that is real
        but smaller than the minimum meaningful change."""
        head = self.headline
        claims = self.code in ("improved", "worsened", "not_confirmed")
        return claims and head is not None and head.small


def verdict(
    metric: str, findings: Sequence[Finding], higher_is_better: bool = True, unit: str = ""
) -> Verdict:
    """Judge a change from one or more methods' findings (the first is the headline).

    Methods that cannot show a change at all (:attr:`Finding.can_show_a_change`) are
    left out. Over the others:

    - ``improved`` / ``worsened``: all significant, in one direction; better or worse
      by ``higher_is_better``.
    - ``not_confirmed``: some significant, all in one direction, the others not.
    - ``disagree``: significant estimates in opposite directions.
    - ``cannot_tell``: nothing significant and the observed change is below a method's
      minimum detectable effect, or no method can answer: the sample cannot tell.
    - ``no_clear_change``: nothing significant although the change was not below the
      MDE (or no MDE was given).
    - ``not_enough_data``: no method produced numbers.

    ``not_measured`` (the metric's input was not captured in a window, or there was no
    data: see :func:`analytics.kpis.not_measured`) is not decided here: the caller
    knows it before any method runs, and builds that verdict itself, with no findings.
    """
    known = [f for f in findings if f.known]
    weighed = tuple(f for f in known if f.can_show_a_change)
    left_out = tuple(f for f in known if not f.can_show_a_change)
    signs = {f.sign for f in weighed}
    if not known:
        code: VerdictCode = "not_enough_data"
    elif {1, -1} <= signs:
        code = "disagree"
    elif signs in ({1}, {-1}):
        code = "improved" if (signs == {1}) == higher_is_better else "worsened"
    elif signs - {0}:
        code = "not_confirmed"
    elif not weighed or any(f.below_mde for f in weighed):
        code = "cannot_tell"
    else:
        code = "no_clear_change"
    return Verdict(code, metric, higher_is_better, weighed, unit, left_out)


def render_verdict(
    v: Verdict, lang: Lang = "en", decimals: int = 1, fmt: Format | None = None
) -> str:
    """The verdict as sentences in ``lang``: the headline, then one line per method."""
    headline, details = render_parts(v, lang, decimals, fmt)
    return " ".join([headline, *details])


def render_parts(
    v: Verdict, lang: Lang = "en", decimals: int = 1, fmt: Format | None = None
) -> tuple[str, list[str]]:
    """The headline sentence and one sentence per method weighed (none for one).

    ``fmt`` formats a change in the metric's unit (default: the number, then
    ``v.unit``); ``decimals`` is the fewest decimals it is given (see :func:`precision`).
    """
    fmt = fmt or _plain(v.unit, lang)
    key, fields = headline_fields(v, lang, decimals, fmt)
    headline = t(f"verdict.{key}", lang, **fields)
    if v.small:  # real but small: said in the headline, not only in a table
        headline += " " + t("meaningful.verdict.small", lang, meaningful=fields["meaningful"])
    if len(v.findings) < 2 or v.headline is None:
        return headline, []
    details = [
        t("verdict.detail", lang, **{**_fields(f, lang, decimals, fmt), "method": _name(f, lang)})
        for f in v.findings
    ]
    return headline, details


def headline_fields(
    v: Verdict, lang: Lang, decimals: int, fmt: Format
) -> tuple[str, dict[str, str]]:
    """Which headline sentence the verdict reads as (a ``verdict.*`` key's last part:
    the code, or ``cannot_answer`` for "cannot tell" with no change below an MDE) and
    its fields: the metric and the quoted finding's numbers. One source for the page's
    verdict and the one-page summary's opening sentence (:mod:`analytics.changes.summary`)."""
    head = v.headline
    if head is None:
        empty = "not_measured" if v.code == "not_measured" else "not_enough_data"
        return empty, {"metric": v.metric}
    fields = {**_fields(head, lang, decimals, fmt), "metric": v.metric}
    key: str = v.code
    if v.code == "cannot_tell" and not head.below_mde:
        key = "cannot_answer"
    elif v.code == "not_confirmed":
        direction = t("verdict.rise" if head.estimate > 0 else "verdict.fall", lang)
        fields |= {"direction": direction, "method": t(f"verdict.the.{head.method}", lang)}
    return key, fields


def _name(f: Finding, lang: Lang) -> str:
    return t(f"verdict.{f.method}", lang)


def p_statement(p: float, lang: Lang, holm: bool = False) -> str:
    """ "p = 0.012", "p < 0.001" (or Holm-adjusted), in ``lang``; never "p = < 0.001";
    "–" for no p-value."""
    if math.isnan(p):
        return "–"
    prefix = "verdict.p_holm" if holm else "verdict.p"
    if p < 0.001:
        return t(f"{prefix}_below", lang, value=number(0.001, lang, 3))
    return t(prefix, lang, value=p_value(p, lang))


def p_value(p: float, lang: Lang) -> str:
    """A p-value's digits: 3 decimals, 4 when 3 would round a significant p up to 0.050."""
    decimals = 4 if p < ALPHA and round(p, 3) >= ALPHA else 3
    return number(p, lang, decimals)


def _plain(unit: str, lang: Lang) -> Format:
    suffix = f" {unit}" if unit else ""
    return lambda value, decimals, sign: number(value, lang, decimals, sign) + suffix


def _fields(f: Finding, lang: Lang, decimals: int, fmt: Format) -> dict[str, str]:
    values = (f.estimate, f.low, f.high)
    decimals = precision(values, f.mde, decimals)
    if f.small:  # "+1.96 pp, below 2.00 pp", not "+2.0 pp, below 2.0 pp"
        decimals = precision(values, f.meaningful, decimals)
    fields = {
        "estimate": fmt(f.estimate, decimals, True),
        "low": fmt(f.low, decimals, True),
        "high": fmt(f.high, decimals, True),
        "mde": fmt(f.mde, decimals, False),
        "meaningful": fmt(f.meaningful, decimals, False),
        "p": p_statement(f.p, lang),
        "m": str(f.adjusted_for),
        "method": _name(f, lang),
    }
    if f.by_randomization:
        key = "numbers_units_enough" if f.can_show_a_change else "numbers_units"
        units = {"units": str(f.units), "smallest": f"1/{round(1 / f.smallest_p)}"}
        fields["numbers"] = t(f"verdict.{key}", lang, **fields, **units)
    else:
        key = "numbers_adjusted" if f.adjusted_for > 1 else "numbers"
        fields["numbers"] = t(f"verdict.{key}", lang, **fields)
    return fields


def precision(values: Sequence[float], mde: float = math.nan, decimals: int = 1) -> int:
    """The decimals to show an estimate, its interval (``values``) and its MDE with:
    ``decimals``, or more when rounding would make the text contradict the numbers.

    An interval bound of 0.03 shown as "+0.0" looks like it touches zero; a change of
    5.94 below an MDE of 5.96 would read "5.9 is smaller than 5.9".
    """
    estimate = values[0] if values else math.nan

    def blurred(d: int) -> bool:
        bound_shows_zero = any(b != 0 and round(b, d) == 0 for b in values[1:])
        tie = estimate != mde and round(abs(estimate), d) == round(mde, d)
        return bound_shows_zero or tie

    while decimals < 4 and blurred(decimals):
        decimals += 1
    return decimals
