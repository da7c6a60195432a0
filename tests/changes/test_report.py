"""The analysis in words, tables and charts: escaped, translated, and saying what the
numbers say (the one-page HTML: tests/changes/test_summary.py)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator

import polars as pl
import pytest

from analytics.changes import analysis as ca
from analytics.changes import charts as change_charts
from analytics.changes import methods, registry, report, summary
from analytics.changes.registry import Change
from analytics.charts import GREY
from analytics.i18n import catalog, t
from analytics.store import Store
from tests.conftest import DemoStores

END = dt.date(2025, 6, 30)
NASTY = Change(
    'IVR <script>alert("x")</script> & co',
    dt.date(2024, 12, 30),
    "Menu <b>redesign</b> & [link](javascript:alert(1))",
    queues=("billing",),
    owner="Ops <img src=x onerror=alert(1)>",
)


@pytest.fixture(scope="module")
def store(demo_stores: DemoStores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_stores.open(tmp_path_factory.mktemp("report"), calls=30_000, seed=11, end=END)
    yield s
    s.close()


@pytest.fixture(scope="module")
def analysis(store: Store) -> ca.Analysis:
    cid = registry.save_change(store, NASTY)
    return ca.analyse(store, registry.get_change(store, cid))


def test_before_after_table_formats_the_analysis_numbers(analysis: ca.Analysis) -> None:
    table = report.before_after_table(analysis, "en")
    assert table.columns == list(report.BEFORE_AFTER_COLUMNS)
    assert table.height == len(analysis.settings.metrics)
    ba = analysis.before_after
    assert ba is not None
    asa = table.filter(pl.col("metric") == "Avg speed of answer").row(0, named=True)
    wait = ba["asa"]
    assert asa["change"] == report.change_text("asa", wait.difference.estimate, "en")
    assert asa["n"] == f"{wait.before.n:,} / {wait.after.n:,}"
    csat = table.filter(pl.col("metric") == "CSAT (top-2-box)").row(0, named=True)
    assert csat["change"].endswith(" pp") and " … " in csat["ci"]
    # One pair: the interval and the p-value adjusted together, and headed so.
    adjusted = ba["csat"].adjusted
    assert csat["ci"] == report.interval_text("csat", adjusted.low, adjusted.high, "en")
    assert csat["p"] == report.p_text(adjusted.p, "en")
    labels = report.labels(analysis, report.BEFORE_AFTER_COLUMNS, "en")
    assert (labels["ci"], labels["p"]) == (
        "95% CI (adjusted, 6 metrics)",
        "p (adjusted, 6 metrics)",
    )
    assert "adjusted together for the 6 metrics compared (Bonferroni)" in report.before_after_note(
        analysis, "en"
    )


@pytest.mark.parametrize(
    ("metric", "value", "lang", "text"),
    [
        ("nps", 3.14, "en", "+3.1"),
        ("csat", -2.25, "es", "-2,2 p.p."),
        ("asa", -17.4, "en", "-0:17"),
        ("asa", -0.3, "en", "0:00"),
        ("asa", 7.0, "es", "+0:07"),
        ("ces", 0.514, "es", "+0,51"),
    ],
)
def test_changes_are_shown_in_the_metrics_unit(
    metric: str, value: float, lang: str, text: str
) -> None:
    assert report.change_text(metric, value, lang) == text


def test_the_verdict_weighs_each_methods_own_numbers(analysis: ca.Analysis) -> None:
    v = report.verdict(analysis, "asa", "en")
    r, ba = analysis["asa"], analysis.before_after
    assert ba is not None and r.its is not None and r.did is not None
    found = {f.method: f for f in v.findings}
    assert sorted(found) == ["before_after", "its", "structural"]  # DiD left out: 5 units
    assert v.findings[0].method == methods.trust(analysis, "asa").method  # trusted first
    assert not v.higher_is_better  # a shorter wait is better
    adjusted, ba_finding = ba["asa"].adjusted, found["before_after"]  # the pair the table shows
    assert (ba_finding.low, ba_finding.high, ba_finding.p) == (
        adjusted.low, adjusted.high, adjusted.p,
    )  # fmt: skip
    assert ba_finding.mde == ba["asa"].mde and ba_finding.adjusted_for == 6
    assert (found["its"].estimate, found["its"].mde) == (r.its.effect.estimate, r.its.mde)
    assert r.structural is not None and found["structural"].p == r.structural.effect.p
    # Five queues: the DiD's p is by randomization, with no interval and no MDE, and it
    # can never reach 0.05: left out of the verdict.
    assert r.did.randomization is not None and math.isnan(r.did.mde)
    (did,) = v.left_out
    assert did.estimate == r.did.effect.estimate and did.p == r.did.effect.p
    assert (did.units, did.smallest_p) == (5, 0.2)
    en, es = report.verdict_text(analysis, "asa", "en"), report.verdict_text(analysis, "asa", "es")
    assert "Avg speed of answer" in en and "Interrupted time series" in en
    assert "Serie temporal interrumpida" in es


@pytest.mark.parametrize("metric", ca.Settings().metrics)  # the analysis's: the defaults
@pytest.mark.parametrize("lang", ["en", "es"])
def test_verdict_parts_are_the_full_verdict_split(
    analysis: ca.Analysis, lang: str, metric: str
) -> None:
    assert metric in analysis.settings.metrics
    headline, details = report.verdict_parts(analysis, metric, lang)  # type: ignore[arg-type]
    assert f"{headline} {details}" == report.verdict_text(analysis, metric, lang)  # type: ignore[arg-type]
    assert headline.endswith(".") and "= <" not in headline + details
    methods = [t(f"verdict.{m}", lang) for m in ("before_after", "its")]  # type: ignore[arg-type]
    assert [details.index(m) for m in methods] == sorted(details.index(m) for m in methods)
    # Five queues: the DiD cannot answer, so no verdict line quotes it.
    assert t("verdict.did", lang) not in headline + details  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("problem", "lang", "text"),
    [
        (ca.Problem.of("analysis.error.future", start=dt.date(2027, 3, 1)), "es", "1 mar 2027"),
        (
            ca.Problem.of("analysis.error.empty_scope", scope=(("queues", ("x", "y")),)),
            "en",
            "Queues: x, y",
        ),
        (ca.Problem.of("analysis.error.too_little_after", weeks=1, need=2, last=END), "en", "1"),
    ],
)
def test_problems_are_translated_with_their_values(
    problem: ca.Problem, lang: str, text: str
) -> None:
    rendered = report.problem_text(problem, lang)
    assert text in rendered and "{" not in rendered


# -- charts -------------------------------------------------------------------------------


def test_its_chart_draws_pre_fit_counterfactual_and_post_fit(analysis: ca.Analysis) -> None:
    result = analysis["asa"]
    assert result.its is not None
    fit = result.its.fit
    fig = change_charts.its_chart(fit, result.series, "asa", "en")
    names = [trace.name for trace in fig.data]
    assert names == [
        "Before", "After", "Pre-change trend", "Without the change (pre-trend extended)",
        "Post-change fit",
    ]  # fmt: skip
    pre, counterfactual, post = fig.data[2:]
    assert counterfactual.line.dash == "dash" and counterfactual.line.color == GREY
    assert len(pre.x) == result.its.n_before and len(post.x) == result.its.n_after
    # The dashed line starts at the last pre-change period, where the fits meet.
    assert counterfactual.x[0] == pre.x[-1] and counterfactual.y[0] == pytest.approx(pre.y[-1])
    assert list(counterfactual.y[1:]) == pytest.approx(
        fit.filter(pl.col("post"))["counterfactual"].to_list()
    )


def test_its_chart_shades_the_ramp_up(analysis: ca.Analysis) -> None:
    result = analysis["asa"]
    assert result.its is not None
    ramp = (dt.date(2024, 12, 30), dt.date(2025, 1, 13))
    fig = change_charts.its_chart(result.its.fit, result.series, "asa", "es", ramp)
    assert len(fig.layout.shapes) == 1 and fig.data[0].name == "Antes"


def test_event_chart_has_leads_lags_and_a_hollow_reference(analysis: ca.Analysis) -> None:
    event = analysis["asa"].event
    assert event is not None
    fig = change_charts.event_chart(event.table, "asa", "en")
    leads, lags, ref = fig.data
    assert all(x < -1 for x in leads.x) and all(x >= 0 for x in lags.x)
    assert list(ref.x) == [-1] and list(ref.y) == [0.0] and ref.marker.color == "white"
    assert len(leads.x) == event.n_leads and len(lags.x) == event.n_lags
    table = event.table.filter(pl.col("relative_period") == 0).row(0, named=True)
    assert lags.error_y.array[0] == pytest.approx(table["high"] - table["estimate"])


def test_event_chart_caption_names_the_hollow_reference_and_the_legend_clears_the_axis(
    analysis: ca.Analysis,
) -> None:
    event = analysis["nps"].event
    assert event is not None
    ref = event.table.filter(pl.col("se").is_null())["relative_period"].to_list()
    assert ref == [-1]
    assert "pooled (drawn hollow at zero at −1" in t("analysis.event.note", "en")
    assert "agrupadas (dibujada hueca en cero en −1" in t("analysis.event.note", "es")
    fig = change_charts.event_chart(event.table, "nps", "en")
    # The axis title sits under the tick labels; the legend goes below it, with room.
    assert fig.layout.xaxis.title.text == "Periods relative to the change"
    legend = fig.layout.legend
    assert (legend.yanchor, legend.orientation) == ("top", "h") and legend.y <= -0.2
    assert fig.layout.margin.b >= 90


@pytest.mark.parametrize("lang", ["en", "es"])
def test_chart_values_are_in_the_metrics_unit_as_in_the_tables(
    analysis: ca.Analysis, lang: str
) -> None:
    wait = analysis["asa"]
    assert wait.its is not None and wait.event is not None
    fig = change_charts.its_chart(wait.its.fit, wait.series, "asa", lang)  # type: ignore[arg-type]
    before = fig.data[0]
    assert list(before.text) == [report.level_text("asa", v, lang) for v in before.y]  # type: ignore[arg-type]
    assert all(re.fullmatch(r"\d+:\d\d", text) for text in before.text)  # m:ss, not seconds
    assert all(re.fullmatch(r"-?\d+:\d\d", text) for text in fig.layout.yaxis.ticktext)
    lags = change_charts.event_chart(wait.event.table, "asa", lang).data[1]  # type: ignore[arg-type]
    assert list(lags.text) == [report.change_text("asa", v, lang) for v in lags.y]  # type: ignore[arg-type]
    # NPS: one decimal in the hover, as in the tables (not 2, as plotly's default was).
    nps = analysis["nps"]
    assert nps.event is not None
    lags = change_charts.event_chart(nps.event.table, "nps", lang).data[1]  # type: ignore[arg-type]
    assert all(re.fullmatch(r"[-+]?\d+[.,]\d", text) for text in lags.text), lags.text
    assert fig.layout.separators == (",." if lang == "es" else ".,")


def test_few_units_say_the_did_p_is_by_randomization(analysis: ca.Analysis) -> None:
    row = report.did_table(analysis, "en").row(0, named=True)
    assert row["ci"] == "–" and row["mde"] == "–" and row["units"] == "5"
    assert row["p"].endswith("(randomization, min. 1/5)")
    assert report.did_table(analysis, "es")["p"][0].endswith("(aleatorización, mín. 1/5)")
    (note,) = report.notes(analysis["nps"], "en", "did")
    assert "the smallest possible p is 1/5" in note and "cannot show a change" in note
    assert "el menor p posible es 1/5" in report.notes(analysis["nps"], "es", "did")[0]
    assert "randomization" in summary.html(analysis, "en")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_sentence_reads_p_equals_less_than(analysis: ca.Analysis, lang: str) -> None:
    page = summary.html(analysis, lang)  # type: ignore[arg-type]
    assert "p = &lt;" not in page and "p = <" not in page
    for r in analysis.results:
        for line in report.notes(r, lang):  # type: ignore[arg-type]
            assert "p = <" not in line
    trends = report.did_table(analysis, lang)["pre_trend"].to_list()  # type: ignore[arg-type]
    assert all(re.fullmatch(r"(no )?[a-z ]+ \(p [=<] [0-9.,]+\)", s) for s in trends), trends


def test_a_counterfactual_beyond_the_metrics_range_is_flagged(
    store: Store, analysis: ca.Analysis
) -> None:
    # 30k calls: billing's weekly NPS rests on ~20 answers, and on 8 + 8 weeks a steep
    # chance pre-trend carries the extended line past +100.
    short = ca.Settings(metrics=("nps", "ces"), weeks_before=8, weeks_after=8)
    r = ca.analyse(store, analysis.change, short)["nps"]
    assert r.its is not None and r.its.fit["counterfactual"].max() > 100
    assert report.out_of_range(r) == r.its.fit["counterfactual"].max()
    (note,) = [n for n in report.notes(r, "en", "its") if "cannot take" in n]
    assert "reaches 134.8" in note
    assert report.out_of_range(analysis["nps"]) is None  # 12 + 12 weeks: within range
    assert report.out_of_range(analysis["ces"]) is None  # a score: no common range


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_change_pages_texts_have_no_emoji(lang: str) -> None:
    # Icons are Material icons (":material/...:"): a server or a headless browser may
    # have no emoji font, and an emoji shows as an empty box.
    emoji = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")
    texts = {
        k: v
        for k, v in catalog(lang).items()  # type: ignore[arg-type]
        if k.split(".")[0] in ("analysis", "registry", "verdict")
    }
    assert texts and not {k: v for k, v in texts.items() if emoji.search(v)}
