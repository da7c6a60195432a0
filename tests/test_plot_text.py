"""Data values in charts read as written (issue 15, F2): plotly draws <a href>, <b>, <i>
and the like in every text, so each builder passes data through ``charts.plot_text``.

Each builder that takes data text gets hostile names; then no string anywhere in the
figure (axis labels, legend names, hover templates and texts, titles, annotations)
carries a tag from the data, and the escaped names are there. The static SVG of a
figure draws the names as the app shows them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

import plotly.graph_objects as go
import polars as pl
import pytest

from analytics import charts, svg
from analytics.changes import charts as change_charts
from analytics.drivers import charts as driver_charts

EVIL = '<a href="https://evil.example">x</a>'
BOLD = "<b>bold</b> & <i>it</i>"
NAMES = [EVIL, BOLD]
# Tags in the data's names; the builders' own markup (<br> between a group and its n,
# <extra> in hover templates) is not data.
DATA_TAGS = re.compile(r"<(a|b|i)\b|</(a|b|i)>", re.I)
DAYS = [dt.date(2026, 1, 5), dt.date(2026, 1, 12)]


def strings(value: object) -> Iterator[str]:
    """Every string in a figure's JSON."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)


def breakdown() -> go.Figure:
    frame = pl.DataFrame(
        {"team": NAMES, "value": [1.0, 2.0], "low": [0.5, 1.5], "high": [1.5, 2.5],
         "n": [40, 40], "low_sample": [False, True]}
    )  # fmt: skip
    return charts.breakdown(frame, "team", "NPS", "en")


def breakdown_against_target() -> go.Figure:
    frame = pl.DataFrame(
        {"team": NAMES, "value": [1.0, 2.0], "low": [0.5, 1.5], "high": [1.5, 2.5],
         "n": [40, 40], "low_sample": [False, False], "target": [1.2, None],
         "meets": [False, None], "sure": [False, False]}
    )  # fmt: skip
    return charts.breakdown(frame, "team", "NPS", "en", against_target=True)


def changes_on_a_trend() -> go.Figure:
    trend = pl.DataFrame(
        {"period": DAYS, "value": [1.0, 2.0], "low": [0.0, 1.0], "high": [2.0, 3.0],
         "n": [100, 100], "low_sample": [False, False], "partial": [False, False]}
    )  # fmt: skip
    fig = charts.trend(trend, "NPS", "en", "week")
    return charts.add_changes(fig, pl.DataFrame({"name": NAMES, "started_on": DAYS}))


def changes_on_a_line() -> go.Figure:
    fig = charts.line(pl.DataFrame({"period": DAYS, "y": [1.0, 2.0]}), "period", "y", "T", "es")
    return charts.add_changes(fig, pl.DataFrame({"name": NAMES, "started_on": DAYS}), tuple(DAYS))


def odds_ratios() -> go.Figure:
    frame = pl.DataFrame(
        {"driver": ["queue", "queue"], "level": NAMES, "reference": [BOLD, EVIL],
         "odds_ratio": [2.0, 0.5], "low": [1.5, 0.4], "high": [2.5, 0.6], "p": [0.01, 0.01]}
    )  # fmt: skip
    return driver_charts.odds_ratios(frame, "en")


def segments() -> go.Figure:
    frame = pl.DataFrame(
        {"dim": ["all", "queue", "queue"], "group": ["", EVIL, BOLD],
         "driver": ["queue"] * 3, "share": [50.0, 40.0, 30.0], "n": [900, 500, 400],
         "enough": [True] * 3}
    )  # fmt: skip
    return driver_charts.segments(frame, "en")


BUILDERS: dict[str, Callable[[], go.Figure]] = {
    "breakdown": breakdown,
    "breakdown_against_target": breakdown_against_target,
    "trend_with_changes": changes_on_a_trend,
    "line_with_changes": changes_on_a_line,
    "odds_ratios": odds_ratios,
    "segments": segments,
}


@pytest.mark.parametrize("build", list(BUILDERS.values()), ids=list(BUILDERS))
def test_no_data_tag_reaches_a_figure(build: Callable[[], go.Figure]) -> None:
    texts = list(strings(build().to_plotly_json()))
    assert [s for s in texts if DATA_TAGS.search(s)] == []
    shown = "\n".join(texts)
    assert charts.plot_text(EVIL) in shown and charts.plot_text(BOLD) in shown


def test_plot_text_escapes_what_plotly_reads_and_nothing_else() -> None:
    assert charts.plot_text(EVIL) == '&lt;a href="https://evil.example"&gt;x&lt;/a&gt;'
    assert charts.plot_text("R&D &lt;") == "R&amp;D &amp;lt;"  # an entity in data stays text
    assert charts.plot_text("Norte 'A'") == "Norte 'A'"
    assert charts.plot_text(42) == "42"


def test_the_change_charts_take_no_data_text() -> None:
    """Change analysis charts write only catalog words and numbers: their builders take
    a KPI key (checked against the catalog), never a name from the data."""
    with pytest.raises(ValueError, match="unknown KPI"):
        change_charts.level_ticks("<b>x</b>", [1.0, 2.0], "en")


def test_the_static_drawing_shows_the_names_as_the_app_does() -> None:
    drawing = svg.figure_svg(changes_on_a_trend())
    # drawn "<b>bold</b> & <i>it</i>": escaped once for SVG, not twice
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;it&lt;/i&gt;" in drawing
    assert "&amp;lt;" not in drawing and not re.search(r"<(a|b|i)\b", drawing)


def test_svg_plain_decodes_plotlys_entities_only() -> None:
    assert (
        svg.plain("&lt;b&gt; &amp;lt; &#42; &#x41; &quot; &bogus;") == "<b> &lt; * A &quot; &bogus;"
    )
