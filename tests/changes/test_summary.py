"""The one-page summary: a headline sentence (the page's, from the same numbers), one
chart drawn as static SVG, the other metrics, the methods in plain words, then the
numbers; self-contained, escaped, in English and Spanish."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from html import unescape

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import kpis
from analytics.changes import analysis as ca
from analytics.changes import charts as change_charts
from analytics.changes import prepost, registry, report, summary
from analytics.changes.formatting import DECIMALS, formatter
from analytics.changes.verdicts import Finding, headline_fields, verdict
from analytics.i18n import t
from analytics.store import Store
from tests.conftest import DemoStores

END = dt.date(2025, 6, 30)
NASTY = registry.Change(
    'IVR <script>alert("x")</script> & co',
    dt.date(2024, 12, 30),
    "Menu <b>redesign</b> & [link](javascript:alert(1))",
    queues=("billing", "<i>vip</i>"),
    owner="Ops <img src=x onerror=alert(1)>",
)
SECTIONS = {
    "en": ("Other metrics", "How to read this", "The numbers, method by method"),
    "es": ("Otros indicadores", "Cómo leer este resumen", "Las cifras, método a método"),
}


@pytest.fixture(scope="module")
def store(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_stores.open(tmp_path_factory.mktemp("summary"), calls=30_000, seed=11, end=END)
    yield s
    s.close()


@pytest.fixture(scope="module")
def analysis(store: Store) -> ca.Analysis:
    cid = registry.save_change(store, NASTY)
    return ca.analyse(store, registry.get_change(store, cid))


def first_paragraph(page: str) -> tuple[str, str]:
    """The page's first paragraph: its class and its text, unescaped."""
    match = re.search(r'<p(?: class="([^"]*)")?>(.*?)</p>', page, re.S)
    assert match is not None
    return match.group(1) or "", unescape(match.group(2))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_headline_then_one_chart_then_others_then_methods_then_numbers(
    analysis: ca.Analysis, lang: str
) -> None:
    page = summary.html(analysis, lang, "asa")  # type: ignore[arg-type]
    others, how, numbers = SECTIONS[lang]
    marks = [
        "<h1>", '<p class="headline">', "<figure><svg", f"<h2>{others}</h2>",
        f"<h2>{how}</h2>", f"<h2>{numbers}</h2>", "<footer>",
    ]  # fmt: skip
    positions = [page.index(mark) for mark in marks]
    assert positions == sorted(positions)
    assert page.count("<svg") == page.count("<figure>") == 1  # one chart
    assert first_paragraph(page)[0] == "headline"  # nothing between the title and it


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("metric", ["asa", "nps", "csat"])
def test_the_first_sentence_is_the_headline_the_page_shows(
    analysis: ca.Analysis, metric: str, lang: str
) -> None:
    page = summary.html(analysis, lang, metric)  # type: ignore[arg-type]
    _, sentence = first_paragraph(page)
    assert sentence == summary.headline(analysis, metric, lang)  # type: ignore[arg-type]
    # The same verdict, with the same numbers, as the page's verdict line on the metric.
    v = report.verdict(analysis, metric, lang)  # type: ignore[arg-type]
    page_line, _ = report.verdict_parts(analysis, metric, lang)  # type: ignore[arg-type]
    places = DECIMALS[kpis.get(metric).unit]
    key, fields = headline_fields(v, lang, places, formatter(metric, lang))  # type: ignore[arg-type]
    quoted = ("estimate", "mde") if key == "cannot_tell" else ("numbers",)
    assert all(fields[k] in page_line and fields[k] in sentence for k in quoted)
    assert not re.search(r"\. [A-ZÁÉÍÓÚ]", sentence) and sentence.endswith(".")  # one sentence
    assert t(f"kpi.{metric}", lang) in sentence  # type: ignore[arg-type]
    assert ("30 Dec 2024" if lang == "en" else "30 dic 2024") in sentence


def test_the_headline_says_what_changed_how_much_and_how_sure(analysis: ca.Analysis) -> None:
    # Here the structural counterfactual (trusted: controls exist, too few for DiD to
    # answer) finds a shorter wait and the time series does not: the honest "not
    # confirmed", quoting the trusted method's own interval and p-value.
    v, fit = report.verdict(analysis, "asa", "en"), analysis["asa"].structural
    assert v.code == "not_confirmed" and fit is not None
    assert v.headline is not None and v.headline.method == "structural"
    e = fit.effect
    low, high, est = (report.change_text("asa", x, "en") for x in (e.low, e.high, e.estimate))
    p = prepost.p_statement(e.p, "en")
    assert summary.headline(analysis, "asa", "en") == (
        f"After “{NASTY.name}” on 30 Dec 2024, the structural counterfactual finds a fall in "
        f"Avg speed of answer, {est} (95% CI {low} to {high}; {p}), but not every method "
        "does, so the change is not confirmed."
    )
    es = summary.headline(analysis, "asa", "es")
    assert es.startswith(f"Tras el cambio «{NASTY.name}» del 30 dic 2024, el contrafactual ")
    assert es.endswith("pero no todos los métodos la encuentran, así que el cambio no está "
                       "confirmado.")  # fmt: skip
    nps = summary.headline(analysis, "nps", "en")
    assert "the data cannot tell whether NPS moved" in nps and "can reliably detect." in nps


def test_the_chart_is_inline_svg_of_the_lead_metric(analysis: ca.Analysis) -> None:
    page = summary.html(analysis, "en", "asa")
    svg = page[page.index("<svg") : page.index("</svg>")]
    series = analysis["asa"].series.filter(pl.col("n") > 0)
    assert svg.count("<circle") == series.height + 2  # a dot per period; 2 legend keys
    assert "Change: 30 Dec 2024" in svg and "Avg speed of answer" in svg
    ba = analysis.before_after
    assert ba is not None
    assert f"Average before: {report.level_text('asa', ba['asa'].before.value, 'en')}" in svg
    ticks = re.findall(r'text-anchor="end" fill="#4b5563" font-size="12">([^<]*)<', svg)
    assert ticks and all(re.fullmatch(r"\d+:\d\d", tick) for tick in ticks)  # m:ss


def test_a_ramp_up_is_shaded_drawn_hollow_and_said(store: Store, analysis: ca.Analysis) -> None:
    ramped = ca.analyse(store, analysis.change, ca.Settings(ramp_weeks=2))
    page = summary.html(ramped, "en", "asa")
    figure = page[page.index("<figure>") : page.index("</figure>")]
    assert figure.count("<rect") == 1
    assert figure.count('fill="white"') == 2 + 1  # the 2 weeks, and their legend key
    assert "Hollow dots: the ramp-up, left out of the comparison." in figure
    assert "Hollow dots" not in summary.html(analysis, "en", "asa")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_summary_opens_offline_and_runs_nothing(analysis: ca.Analysis, lang: str) -> None:
    page = summary.html(analysis, lang, "asa")  # type: ignore[arg-type]
    assert page.startswith("<!doctype html>") and page.endswith("</html>")
    assert not re.search(r"https?:|//[a-z]", page, re.I)  # no reference to fetch
    assert not re.search(r"<(script|link|img|iframe|object|embed|image|use)\b", page, re.I)
    assert not re.search(r"\b(src|href)=", page.replace("src=x", ""))
    assert len(page) < 60_000  # light: an SVG, no plotting library


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_data_value_is_escaped(analysis: ca.Analysis, lang: str) -> None:
    page = summary.html(analysis, lang, "asa")  # type: ignore[arg-type]
    name = "IVR &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"
    headline = page[page.index('<p class="headline">') :].split("</p>")[0]
    assert name in headline and name in page[: page.index("</title>")]
    assert "Menu &lt;b&gt;redesign&lt;/b&gt; &amp;" in page
    assert "Ops &lt;img src=x onerror=alert(1)&gt;" in page
    assert "billing, &lt;i&gt;vip&lt;/i&gt;" in page  # a scope value
    assert [tag for tag in ("<script", "<b>", "<img", "<i>") if tag in page] == []


def test_the_other_metrics_table_has_their_verdicts_and_the_pages_numbers(
    analysis: ca.Analysis,
) -> None:
    table = summary.others_table(analysis, "asa", "es")
    assert table.columns == list(summary.OTHERS_COLUMNS)
    assert table["metric"].to_list() == [
        t(f"kpi.{m}", "es") for m in analysis.settings.metrics if m != "asa"
    ]
    page_table = report.before_after_table(analysis, "es")
    for row in table.iter_rows(named=True):
        same = page_table.filter(pl.col("metric") == row["metric"]).row(0, named=True)
        assert [row[c] for c in ("before", "after", "change", "ci")] == [
            same[c] for c in ("before", "after", "change", "ci")
        ]
    codes = {
        t(f"kpi.{m}", "es"): report.verdict(analysis, m, "es").code
        for m in analysis.settings.metrics
    }
    assert [t(f"summary.code.{codes[m]}", "es") for m in table["metric"]] == table[
        "verdict"
    ].to_list()
    page = summary.html(analysis, "es", "asa")
    assert "<th>Veredicto</th>" in page and "<th>IC 95 % (ajustado, 6 métricas)</th>" in page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Before/after compares the 12 weeks before", "extends the trend",
                "not touch (cancellations, general, sales, technical)", "Adjusted for 6 metrics",
                "“Not confirmed” means", "“Cannot tell” means",
                "with 5 groups, the smallest p-value it can give is 1/5",
                "The structural counterfactual learns", "staggered roll-out estimate")),
        ("es", ("compara las 12 semanas anteriores", "prolonga la tendencia",
                "no afectó (cancellations, general, sales, technical)", "Ajustado por 6 métricas",
                "«No confirmado» significa", "«No se puede saber» significa",
                "con 5 grupos, el menor valor p que pueden dar es 1/5",
                "El contrafactual estructural aprende", "despliegue escalonado")),
    ],
)  # fmt: skip
def test_the_methods_in_plain_words(
    analysis: ca.Analysis, lang: str, words: tuple[str, ...]
) -> None:
    paragraphs = summary.how_text(analysis, lang)  # type: ignore[arg-type]
    assert len(paragraphs) == len(words)
    for paragraph, said in zip(paragraphs, words, strict=True):
        assert said in paragraph and "{" not in paragraph
    page = summary.html(analysis, lang)  # type: ignore[arg-type]
    assert all(f"<p>{p}</p>" in unescape(page) for p in paragraphs)


def test_a_single_metric_has_nothing_to_adjust(store: Store, analysis: ca.Analysis) -> None:
    one = ca.analyse(store, analysis.change, ca.Settings(metrics=("csat",)))
    paragraphs = summary.how_text(one, "en")
    assert "nothing to adjust for" in paragraphs[3] and "Adjusted" not in " ".join(paragraphs)
    assert summary.lead_metric(one, "asa") == "csat"  # not analysed: the first is
    assert "<h2>Other metrics</h2>" not in summary.html(one, "en")  # no other metric


def test_an_analysis_that_could_not_run_leads_with_why(store: Store) -> None:
    future = registry.Change("Next year", END + dt.timedelta(days=365), queues=("billing",))
    a = ca.analyse(store, future, today=END)
    assert a.problem is not None
    page = summary.html(a, "es")
    cls, sentence = first_paragraph(page)
    assert cls == "headline" and sentence == report.problem_text(a.problem, "es")
    assert "en el futuro" in sentence and "<table" not in page and "<svg" not in page


# -- the headline sentence over any verdict -----------------------------------------------


@st.composite
def _finding(draw: st.DrawFn) -> Finding:
    """An estimate with an interval and the p-value of the same test."""
    est = draw(st.floats(-20, 20, allow_nan=False))
    low, high = est - draw(st.floats(0, 10)), est + draw(st.floats(0, 10))
    p = draw(st.floats(0, 0.049) if low > 0 or high < 0 else st.floats(0.05, 1))
    method = draw(st.sampled_from(["before_after", "its", "did"]))
    mde = draw(st.one_of(st.just(math.nan), st.floats(0, 15)))
    return Finding(method, est, low, high, p, mde)


@settings(max_examples=200, deadline=None)
@given(st.lists(_finding(), min_size=1, max_size=3), st.booleans(), st.sampled_from(["en", "es"]))
def test_the_headline_never_says_more_than_the_verdict(
    findings: list[Finding], higher_is_better: bool, lang: str
) -> None:
    v = verdict("CSAT", findings, higher_is_better)
    sentence = summary.lead(v, lang, 1, formatter("csat", lang), "Pilot", "2 Mar 2026")  # type: ignore[arg-type]
    start = {"en": "After “Pilot” on 2 Mar 2026, ", "es": "Tras el cambio «Pilot» del 2 Mar 2026, "}
    assert sentence.startswith(start[lang]) and sentence.endswith(".") and "{" not in sentence
    improved, worsened = {"en": ("improved", "worsened"), "es": ("mejoró", "empeoró")}[lang]
    assert (improved in sentence) == (v.code == "improved")
    assert (worsened in sentence) == (v.code == "worsened")
    agree = {"en": (" agree.", " agrees."), "es": (" coincide.", " coinciden.")}[lang]
    all_agree = v.code in ("improved", "worsened") and len(v.findings) > 1
    assert sentence.endswith(agree) == all_agree


# -- the chart's figure -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_summary_chart_draws_the_periods_the_averages_and_the_change(
    analysis: ca.Analysis, lang: str
) -> None:
    r, w, ba = analysis["csat"], analysis.windows, analysis.before_after
    assert w is not None and ba is not None
    c = ba["csat"]
    levels = [(*w.before, c.before.value), (*w.after, c.after.value)]
    fig = change_charts.summary_chart(r.series, "csat", lang, w.change_on, levels)  # type: ignore[arg-type]
    before, after, avg_before, avg_after = fig.data
    assert len(before.x) + len(after.x) == r.series.filter(pl.col("n") > 0).height
    assert list(avg_before.y) == [c.before.value] * 2 and list(avg_after.x) == list(w.after)
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == w.change_on
    suffix = " %" if lang == "es" else "%"
    assert all(text.endswith(suffix) for text in fig.layout.yaxis.ticktext)
    months = {  # the windows: 7 Oct 2024 - 23 Mar 2025
        "en": ("Nov 2024", "Dec 2024", "Jan 2025", "Feb 2025", "Mar 2025"),
        "es": ("nov 2024", "dic 2024", "ene 2025", "feb 2025", "mar 2025"),
    }
    assert fig.layout.xaxis.ticktext == months[lang]


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        ([37.2, 81.9], [30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]),
        ([5.61, 6.37], [5.6, 5.8, 6.0, 6.2, 6.4]),
        ([0.0, 0.0], [0.0, 0.2]),
        ([-12.0, 3.0], [-12.5, -10.0, -7.5, -5.0, -2.5, 0.0, 2.5, 5.0]),
    ],
)
def test_round_ticks_enclose_the_values(values: list[float], ticks: list[float]) -> None:
    assert change_charts.round_ticks(values) == pytest.approx(ticks)


@pytest.mark.parametrize(
    ("start", "end", "lang", "labels"),
    [
        (dt.date(2025, 9, 29), dt.date(2026, 3, 15), "es", ["oct 2025", "nov 2025", "dic 2025",
                                                            "ene 2026", "feb 2026", "mar 2026"]),
        (dt.date(2024, 1, 1), dt.date(2025, 12, 31), "en", ["Jan 2024", "Apr 2024", "Jul 2024",
                                                            "Oct 2024", "Jan 2025", "Apr 2025",
                                                            "Jul 2025", "Oct 2025"]),
        (dt.date(2026, 3, 4), dt.date(2026, 3, 20), "en", ["9 Mar 2026", "16 Mar 2026"]),
    ],
)  # fmt: skip
def test_date_ticks_are_months_or_mondays(
    start: dt.date, end: dt.date, lang: str, labels: list[str]
) -> None:
    _, text = change_charts.date_ticks(start, end, lang)  # type: ignore[arg-type]
    assert text == labels
