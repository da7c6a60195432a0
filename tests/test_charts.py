"""Chart builders, tested on the figure's data rather than pixels."""

from __future__ import annotations

import datetime as dt

import polars as pl

from analytics import charts

TREND = pl.DataFrame(
    {
        "period": [dt.date(2026, 1, 5), dt.date(2026, 1, 12), dt.date(2026, 1, 19)],
        "value": [10.0, 12.0, 11.0],
        "low": [8.0, 9.0, 2.0],
        "high": [12.0, 15.0, 20.0],
        "n": [300, 250, 12],
        "low_sample": [False, False, True],
        "partial": [True, False, False],
    }
)


def test_trend_has_a_closed_ci_band_and_the_series() -> None:
    fig = charts.trend(TREND, "NPS", "en")
    band, line = fig.data
    assert band.fill == "toself" and band.mode == "lines"
    assert list(band.y) == [12.0, 15.0, 20.0, 2.0, 9.0, 8.0]  # high forward, low backward
    assert list(line.y) == [10.0, 12.0, 11.0]
    assert list(line.customdata) == [300, 250, 12]


def test_partial_and_low_sample_periods_are_hollow() -> None:
    line = charts.trend(TREND, "NPS", "en").data[1]
    assert list(line.marker.color) == ["white", charts.BLUE, "white"]


def test_changes_become_dashed_lines_with_labels() -> None:
    fig = charts.trend(TREND, "NPS", "en")
    changes = pl.DataFrame({"name": ["New IVR"], "started_on": [dt.date(2026, 1, 12)]})
    charts.add_changes(fig, changes)
    assert [s.x0 for s in fig.layout.shapes] == [dt.date(2026, 1, 12)]
    assert fig.layout.shapes[0].line.dash == "dash"
    assert [a.text for a in fig.layout.annotations] == ["New IVR"]


def test_change_names_are_shown_as_typed_not_as_html() -> None:
    """Plotly renders <b>, <a href>, <br>... in annotations and decodes &lt; &gt; &amp;:
    a name's markup must show as text (and no tag reach the page)."""
    names = ["<b>x</b>", "A & B <script>alert(1)</script>", 'Say "hi" & <br>bye']
    days = [dt.date(2026, 1, d) for d in (5, 12, 19)]
    fig = charts.add_changes(
        charts.trend(TREND, "NPS", "en"), pl.DataFrame({"name": names, "started_on": days})
    )
    assert [a.text for a in fig.layout.annotations] == [
        "&lt;b&gt;x&lt;/b&gt;",
        "A &amp; B &lt;script&gt;alert(1)&lt;/script&gt;",
        'Say "hi" &amp; &lt;br&gt;bye',  # quotes as typed: plotly has no &quot;
    ]
    assert not any("<" in a.text for a in fig.layout.annotations)


def test_breakdown_bars_best_on_top_with_asymmetric_errors() -> None:
    frame = pl.DataFrame(
        {
            "region": ["North", "South", None],
            "value": [40.0, 20.0, 5.0],
            "low": [35.0, 10.0, -20.0],
            "high": [44.0, 31.0, 30.0],
            "n": [500, 80, 10],
            "low_sample": [False, False, True],
        }
    )
    bar = charts.breakdown(frame, "region", "NPS", "es").data[0]
    assert list(bar.y) == ["(sin llamada vinculada)", "South", "North"]  # plotly draws bottom-up
    assert list(bar.error_x.array) == [25.0, 11.0, 4.0]
    assert list(bar.error_x.arrayminus) == [25.0, 10.0, 5.0]
    assert bar.marker.color[0] == charts.GREY


def test_line_draws_the_series_and_takes_change_marks() -> None:
    frame = pl.DataFrame(
        {"period": [dt.date(2026, 1, 5), dt.date(2026, 1, 12)], "share": [1.5, 2.5]}
    )
    fig = charts.line(frame, "period", "share", "Share over the limit", "en")
    assert list(fig.data[0].y) == [1.5, 2.5]
    assert fig.layout.title.text == "Share over the limit"
    changes = pl.DataFrame({"started_on": [dt.date(2026, 1, 8)], "name": ["<i>IVR</i>"]})
    charts.add_changes(fig, changes)
    assert [a.text for a in fig.layout.annotations] == ["&lt;i&gt;IVR&lt;/i&gt;"]


def test_spanish_date_axes_use_numeric_day_first_dates() -> None:
    """Plotly's bundle has English month names only: Spanish charts get 05/01/26."""
    frame = pl.DataFrame({"period": [dt.date(2026, 1, 5)], "share": [1.0]})
    es = charts.line(frame, "period", "share", "Cuota", "es").layout.xaxis
    assert [stop.value for stop in es.tickformatstops] == ["%d/%m/%y", "%m/%Y"]
    assert es.hoverformat == "%d/%m/%Y"
    en = charts.line(frame, "period", "share", "Share", "en").layout.xaxis
    assert not en.tickformatstops and en.hoverformat is None


def test_weekly_ticks_fall_on_mondays_and_percent_has_its_unit() -> None:
    """The points sit on Mondays (week starts): plotly's default ticks fell on Sundays."""
    fig = charts.trend(TREND, "CSAT", "es", grain="week", unit="percent")
    assert dt.date.fromisoformat(fig.layout.xaxis.tick0).weekday() == 0
    assert fig.layout.xaxis.dtick == 7 * charts.DAY_MS
    assert fig.layout.yaxis.ticksuffix == " %"
    assert fig.layout.margin.b >= 40  # room for the year under the dates
    months = charts.trend(TREND, "NPS", "en", grain="month")
    assert months.layout.xaxis.dtick == "M1" and months.layout.yaxis.ticksuffix is None


def test_breakdown_labels_are_text_not_html() -> None:
    frame = pl.DataFrame(
        {"team": ['<a href="https://evil.example">x</a>', "<b>bold</b>"], "value": [1.0, 2.0],
         "low": [0.5, 1.5], "high": [1.5, 2.5], "n": [40, 40], "low_sample": [False, False]}
    )  # fmt: skip
    labels = list(charts.breakdown(frame, "team", "NPS", "en").data[0].y)
    assert labels == [
        "&lt;b&gt;bold&lt;/b&gt;",
        '&lt;a href="https://evil.example"&gt;x&lt;/a&gt;',  # plotly has no &quot;
    ]
