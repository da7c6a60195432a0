"""The verdict's words follow from its numbers: the rules, the sentences, and a property
test that no verdict contradicts the intervals and p-values it quotes."""

from __future__ import annotations

import math
import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analytics import changes
from analytics.changes.verdicts import Finding, Method
from analytics.i18n import catalog


def _f(
    method: str, est: float, low: float, high: float, p: float, mde: float = math.nan
) -> Finding:
    return Finding(method, est, low, high, p, mde)  # type: ignore[arg-type]


def _ri(est: float, p: float, units: int = 5) -> Finding:
    """A difference-in-differences by randomization inference: a p-value, no interval."""
    return Finding("did", est, math.nan, math.nan, p, units=units, smallest_p=1 / units)


@pytest.mark.parametrize(
    ("findings", "higher_is_better", "code"),
    [
        ([_f("before_after", 5, 2, 8, 0.001)], True, "improved"),
        ([_f("before_after", 5, 2, 8, 0.001), _f("its", 4, 1, 7, 0.01)], True, "improved"),
        ([_f("before_after", -9, -14, -4, 0.001)], False, "improved"),  # wait time fell
        ([_f("before_after", 5, 2, 8, 0.001)], False, "worsened"),
        # Significant one way, not significant (either way) by another: not confirmed.
        ([_f("before_after", 5, 2, 8, 0.001), _f("its", 1, -2, 4, 0.5)], True, "not_confirmed"),
        ([_f("before_after", 5, 2, 8, 0.001), _f("its", -1, -4, 2, 0.5)], True, "not_confirmed"),
        # Significant both ways: the methods disagree.
        ([_f("before_after", 5, 2, 8, 0.001), _f("did", -3, -5, -1, 0.01)], True, "disagree"),
        ([_f("before_after", 1, -2, 4, 0.5, mde=6)], True, "cannot_tell"),
        ([_f("before_after", 1, -2, 4, 0.5, mde=0.8)], True, "no_clear_change"),
        ([_f("before_after", 1, -2, 4, 0.5)], True, "no_clear_change"),
        ([_f("before_after", math.nan, math.nan, math.nan, math.nan)], True, "not_enough_data"),
        # An interval excluding zero next to a p above 0.05 is an inconsistent pair (no
        # method gives one): it counts as not significant.
        ([_f("before_after", 5, 0.1, 9.9, 0.2, mde=7)], True, "cannot_tell"),
        # Exactly zero is neither a rise nor a fall.
        ([_f("before_after", 0.0, -2, 2, 1.0, mde=3)], True, "cannot_tell"),
        ([_f("before_after", 5, 2, 8, 0.001), _f("its", 0.0, -3, 3, 1.0)], False, "not_confirmed"),
    ],
)
def test_verdict_codes(findings: list[Finding], higher_is_better: bool, code: str) -> None:
    assert changes.verdict("CSAT", findings, higher_is_better).code == code


def test_all_positive_with_only_some_significant_is_not_confirmed_not_disagreement() -> None:
    # The case: +0.45, +0.20, +0.40, only the first and last significant.
    findings = [
        _f("before_after", 0.45, 0.21, 0.69, 0.001),
        _f("its", 0.20, -0.45, 0.85, 0.54),
        _f("did", 0.40, 0.05, 0.75, 0.03),
    ]
    v = changes.verdict("CES", findings)
    assert v.code == "not_confirmed" and v.headline == findings[0]
    text = changes.render_verdict(v, "en", 2)
    assert text.startswith(
        "Not confirmed: the before/after comparison finds a rise in CES, +0.45 (95% CI +0.21 "
        "to +0.69; p = 0.001), but not every method does"
    )
    assert "disagree" not in text
    es = changes.render_verdict(v, "es", 2)
    assert es.startswith("No confirmado: la comparación antes/después encuentra una subida de CES")
    # A significant fall by one method turns it into a real disagreement.
    v = changes.verdict("CES", [*findings[:2], _f("did", -0.4, -0.75, -0.05, 0.03)])
    assert v.code == "disagree"
    assert "some find a rise, others a fall" in changes.render_verdict(v, "en")


def test_verdict_renders_in_english_and_spanish() -> None:
    v = changes.verdict("CSAT", [_f("before_after", 5.04, 2.0, 8.1, 0.0012)], unit="pp")
    assert changes.render_verdict(v, "en") == (
        "CSAT improved after the change: +5.0 pp (95% CI +2.0 pp to +8.1 pp; p = 0.001)."
    )
    assert changes.render_verdict(v, "es") == (
        "CSAT mejoró tras el cambio: +5,0 pp (IC 95 % +2,0 pp a +8,1 pp; p = 0,001)."
    )
    v = changes.verdict("NPS", [_f("before_after", 1.5, -2, 5, 0.4, mde=6.2)])
    assert "cannot tell" in changes.render_verdict(v, "en")
    assert "6.2" in changes.render_verdict(v, "en") and "6,2" in changes.render_verdict(v, "es")
    v = changes.verdict("NPS", [_f("before_after", 5.91, -1, 12.9, 0.09, mde=5.94)])
    assert "(+5.91) is smaller than the 5.94" in changes.render_verdict(v, "en")
    v = changes.verdict("NPS", [_f("before_after", 4, 0.03, 8, 0.04)])
    assert "(95% CI +0.03 to +8.00; p = 0.040)" in changes.render_verdict(v, "en")
    two = [_f("before_after", 5, 2, 8, 0.001), _f("its", 1, -2, 4, 0.5)]
    text = changes.render_verdict(changes.verdict("NPS", two), "en")
    assert "Not confirmed" in text and "Interrupted time series: +1.0" in text


def test_an_adjusted_pair_says_so_once_for_both_numbers() -> None:
    f = Finding("before_after", -5.7, -12.1, 0.7, 0.24, mde=9, adjusted_for=6)
    en = changes.render_verdict(changes.verdict("CSAT", [f]), "en")
    assert en == (
        "The data cannot tell whether CSAT moved: the observed change (-5.7) is smaller than "
        "the 9.0 this sample can reliably detect."
    )
    v = changes.verdict("CSAT", [f, _f("its", -3, -6, 1, 0.2)])
    assert "Before/after comparison: -5.7 (95% CI -12.1 to +0.7; p = 0.240; both adjusted " in (
        changes.render_verdict(v, "en")
    )
    assert "ambos ajustados por 6 métricas" in changes.render_verdict(v, "es")


def test_the_caller_formats_the_numbers_in_the_metrics_unit() -> None:
    seconds = Finding("before_after", -7.3, -9.4, -5.2, 0.001)
    v = changes.verdict("Wait", [seconds], higher_is_better=False)
    text = changes.render_verdict(v, "en", 0, lambda x, d, sign: f"{x:+.{d}f}s")
    assert text == "Wait improved after the change: -7s (95% CI -9s to -5s; p = 0.001)."


@pytest.mark.parametrize(
    ("p", "holm", "en", "es"),
    [
        (0.0004, False, "p < 0.001", "p < 0,001"),
        (0.0004, True, "Holm-adjusted p < 0.001", "p ajustado por Holm < 0,001"),
        (0.0123, False, "p = 0.012", "p = 0,012"),
        # 3 decimals would show a significant p as 0.050: one more digit.
        (0.04996, False, "p = 0.0500", "p = 0,0500"),
        (0.4, True, "Holm-adjusted p = 0.400", "p ajustado por Holm = 0,400"),
    ],
)
def test_p_values_read_as_statements(p: float, holm: bool, en: str, es: str) -> None:
    assert (changes.p_statement(p, "en", holm), changes.p_statement(p, "es", holm)) == (en, es)
    findings = [Finding("before_after", 5, 2, 8, p), _f("its", 4, 1, 7, 0.0001)]
    texts = {
        lang: changes.render_verdict(changes.verdict("NPS", findings), lang)
        for lang in ("en", "es")
    }  # type: ignore[arg-type]
    assert {lang: ("= <" in s, "p < 0" in s) for lang, s in texts.items()} == {
        "en": (False, True),
        "es": (False, True),
    }


@pytest.mark.parametrize(
    ("findings", "code"),
    [
        # Five units cannot give p < 0.05: the method is left out, whatever its sign.
        ([_f("before_after", 5, 2, 8, 0.001), _f("its", 4, 1, 7, 0.01), _ri(3, 0.2)], "improved"),
        ([_f("before_after", 5, 2, 8, 0.001), _ri(-3, 0.2)], "improved"),
        ([_f("before_after", 5, 2, 8, 0.001), _ri(0.0, 1.0)], "improved"),
        ([_f("before_after", 1, -2, 4, 0.5), _ri(3, 0.2)], "no_clear_change"),
        # The DiD alone: nothing can answer.
        ([_ri(3, 0.2)], "cannot_tell"),
        # Enough units (1 of 40: p down to 0.025): a randomization p counts.
        ([_f("before_after", 5, 2, 8, 0.001), _ri(3, 0.025, 40)], "improved"),
        ([_f("before_after", 5, 2, 8, 0.001), _ri(3, 0.3, 40)], "not_confirmed"),
        ([_f("before_after", 5, 2, 8, 0.001), _ri(-3, 0.025, 40)], "disagree"),
    ],
)
def test_a_method_that_cannot_answer_is_left_out(findings: list[Finding], code: str) -> None:
    v = changes.verdict("NPS", findings)
    assert v.code == code
    assert [f.units for f in v.left_out] == [f.units for f in findings if f.units == 5]
    assert all(f.can_show_a_change for f in v.findings)


def test_a_method_left_out_is_not_quoted_and_alone_says_why_it_cannot_answer() -> None:
    findings = [_f("before_after", 5, 2, 8, 0.001), _f("its", 4, 1, 7, 0.01), _ri(3.04, 0.2)]
    en = changes.render_verdict(changes.verdict("NPS", findings), "en")
    assert "Difference-in-differences" not in en and "randomization" not in en
    es = changes.render_verdict(changes.verdict("NPS", [_ri(3.04, 0.2)]), "es")
    assert es.startswith("Los datos no permiten saber si NPS se movió: +3,0 (aleatorización")
    assert "con 5 unidades el menor p posible es 1/5" in es
    enough = changes.render_verdict(changes.verdict("NPS", [_ri(3.04, 0.025, 40)]), "en")
    assert (
        enough == "NPS improved after the change: +3.0 (randomization p = 0.025, across 40 units)."
    )


def test_templates_have_the_same_placeholders_and_only_improved_says_improved() -> None:
    def fields(s: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(s) if name}

    en, es = catalog("en"), catalog("es")
    keys = [k for k in en if k.startswith("verdict.")]
    assert len(keys) > 20 and all(k in es for k in keys)
    # Every template checked, every offender listed.
    assert [k for k in keys if fields(en[k]) != fields(es[k])] == []
    assert [k for k in keys if "improved" in en[k]] == ["verdict.improved"]
    assert [k for k in keys if "mejoró" in es[k]] == ["verdict.improved"]
    assert [k for k in keys if "worsened" in en[k]] == ["verdict.worsened"]


_finite = st.floats(-50, 50, allow_nan=False)
_width = st.floats(0, 30, allow_nan=False)
_method: st.SearchStrategy[Method] = st.sampled_from(["before_after", "its", "did"])
_mde = st.one_of(st.just(math.nan), st.floats(0, 40))


@st.composite
def _finding(draw: st.DrawFn) -> Finding:
    """A method's estimate with any interval around it (possibly crossing or touching
    zero, or exactly zero) and the p-value of the same test, or a randomization p-value
    over some units with no interval."""
    est = draw(st.one_of(_finite, st.just(0.0)))
    below, above = draw(_width), draw(_width)
    if draw(st.booleans()):
        units = draw(st.integers(2, 60))
        p = draw(st.floats(1 / units, 1))  # no randomization p is below its floor
        return Finding("did", est, math.nan, math.nan, p, units=units, smallest_p=1 / units)
    low, high = est - below, est + above
    excludes = low > 0 or high < 0
    p = draw(st.floats(0, 0.0499) if excludes else st.floats(0.05, 1))
    return Finding(
        draw(_method), est, low, high, p, draw(_mde), adjusted_for=draw(st.sampled_from([1, 6]))
    )


_findings = st.lists(_finding(), min_size=1, max_size=3)
_ZERO = Finding("did", 0.0, math.nan, math.nan, 1 / 3, units=3, smallest_p=1 / 3)


@settings(max_examples=400, deadline=None)
@given(_findings, st.booleans(), st.sampled_from(["en", "es"]))
@example([Finding("before_after", 5, 2, 8, 0.001), _ZERO], False, "en")  # the flaky case
@example([Finding("its", 0.0, 0.0, 0.0, 1.0), Finding("did", 4, 1, 7, 0.01)], True, "es")
def test_verdict_never_contradicts_the_numbers(
    findings: list[Finding], higher_is_better: bool, lang: str
) -> None:
    v = changes.verdict("CSAT", findings, higher_is_better)
    text = changes.render_verdict(v, lang)  # type: ignore[arg-type]
    weighed = [f for f in findings if f.can_show_a_change]
    assert list(v.findings) == weighed and list(v.left_out) == [
        f for f in findings if not f.can_show_a_change
    ]
    for f in weighed:  # significant is "interval excludes 0" (or a randomization p < 0.05)
        excludes = f.p < 0.05 if f.by_randomization else (f.low > 0 or f.high < 0)
        assert f.significant == (excludes and f.estimate != 0)
    rises = [f for f in weighed if f.significant and f.estimate > 0]
    falls = [f for f in weighed if f.significant and f.estimate < 0]
    if v.code in ("improved", "worsened"):
        assert all(f.significant for f in weighed) and not (rises and falls)
        assert (bool(rises) == higher_is_better) == (v.code == "improved")
    expected = {
        "disagree": bool(rises and falls),
        "not_confirmed": bool(rises or falls) and not (rises and falls)
        and not all(f.significant for f in weighed),
        "cannot_tell": not rises and not falls and (
            not weighed or any(f.below_mde for f in weighed)
        ),
    }  # fmt: skip
    assert {code: v.code == code for code in expected} == expected, v.code
    words = {"en": ("improved", "worsened"), "es": ("mejoró", "empeoró")}[lang]
    assert (words[0] in text) == (v.code == "improved")
    assert (words[1] in text) == (v.code == "worsened")
    assert "= <" not in text and "{" not in text
