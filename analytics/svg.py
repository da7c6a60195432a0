"""A plotly figure drawn as a static SVG: the one-page summary's chart, with no script.

The summary is a file a manager forwards: it must open offline, run nothing and stay
small. Inlining plotly.js would add 4.6 MB of script (and mail clients drop scripts);
kaleido needs a Chrome at run time, which a machine set up by ``make run`` may not
have. So this module draws, in plain SVG, the subset of plotly that
:func:`analytics.changes.charts.summary_chart` uses:

- scatter traces: lines (solid, dash, dot), markers (fill and outline), asymmetric
  error bars (``error_y.array`` / ``arrayminus``); a NaN or None value is a gap;
  ``fill="toself"`` (a confidence band): one filled polygon per run between gaps;
- shapes: lines and rectangles (``add_vline``, ``add_vrect``), in data or paper
  coordinates;
- annotations (no tag of plotly's HTML subset is drawn), the title, explicit ticks
  (``tickvals`` / ``ticktext``: the builder formats them, in the reader's language)
  and a legend row under the plot.

Dates on the x axis are days (``date.toordinal()``). Every text and attribute is
escaped, so a change's name or a queue's cannot add markup to the page. A figure's
text is plotly text, whose builders escape data (:func:`analytics.charts.plot_text`):
its entities are read as plotly reads them (:func:`plain`), so "&lt;b&gt;" is drawn
"<b>", as in the app, not "&lt;b&gt;".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import plotly.graph_objects as go

WIDTH, HEIGHT = 860, 300  # the plot with its title and axis labels; the legend adds rows
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 34, 28  # the plot area's margins (title, tick labels)
ROW = 18  # a legend row
FONT = "system-ui,-apple-system,'Segoe UI',sans-serif"
TEXT, MUTED, GRID = "#111827", "#4b5563", "#e5e7eb"
DASHES = {"dash": "6 4", "dot": "2 3", "dashdot": "6 3 2 3", "longdash": "10 4"}
CHAR_WIDTH = 7.0  # px per character at 12 px: enough to lay the legend out


@dataclass(frozen=True)
class Plot:
    """The plot area in pixels and the data ranges it shows."""

    x: tuple[float, float]
    y: tuple[float, float]
    width: float
    height: float

    def px(self, value: float) -> float:
        low, high = self.x
        return LEFT + (value - low) / (high - low or 1) * (self.width - LEFT - RIGHT)

    def py(self, value: float) -> float:
        low, high = self.y
        return self.height - BOTTOM - (value - low) / (high - low or 1) * self.inner_height

    @property
    def inner_height(self) -> float:
        return self.height - TOP - BOTTOM


def figure_svg(fig: go.Figure, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The figure as one ``<svg>`` element to inline in HTML (no script, no external
    reference, no namespace: HTML needs none). ``height`` holds the plot, its title
    and axis labels; each legend row adds to it."""
    plot = Plot(_x_range(fig), _y_range(fig), width, height)
    title = fig.layout.title.text or ""
    legend, rows = _legend(fig, plot)
    body = [
        f"<title>{escape(plain(title))}</title>",
        _text(LEFT, 20, title, size=14, weight="600"),
        *_y_ticks(fig, plot),
        *_x_ticks(fig, plot),
        *_shapes(fig, plot, "below"),
        *(part for trace in fig.data for part in _trace(trace, plot)),
        *_shapes(fig, plot, "above"),
        *_annotations(fig, plot),
        *legend,
    ]
    total = height + ROW * rows + 8
    return (
        f'<svg role="img" viewBox="0 0 {width} {total}" '
        f'width="100%" font-family="{escape(FONT)}" font-size="12">' + "".join(body) + "</svg>"
    )


# -- scales ----------------------------------------------------------------------------------


def number(value: Any) -> float:
    """A coordinate as a number: a date is its day ordinal, a missing value NaN."""
    if value is None:
        return math.nan
    if isinstance(value, dt.datetime):
        return value.toordinal() + (
            value - value.replace(hour=0, minute=0, second=0)
        ) / dt.timedelta(days=1)
    if isinstance(value, dt.date):
        return float(value.toordinal())
    if isinstance(value, str):
        return number(dt.date.fromisoformat(value[:10]))
    return float(value)


def _x_range(fig: go.Figure) -> tuple[float, float]:
    if fig.layout.xaxis.range is not None:
        low, high = fig.layout.xaxis.range
        return number(low), number(high)
    return _span(number(x) for trace in fig.data for x in trace.x or ())


def _y_range(fig: go.Figure) -> tuple[float, float]:
    if fig.layout.yaxis.range is not None:
        low, high = fig.layout.yaxis.range
        return number(low), number(high)
    values = [v for trace in fig.data for v in _bounds(trace)]
    low, high = _span(values)
    pad = (high - low) * 0.05 or 1.0
    return low - pad, high + pad


def _span(values: Iterable[float]) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    return (min(finite), max(finite)) if finite else (0.0, 1.0)


def _bounds(trace: Any) -> list[float]:
    """A trace's y values and the ends of its error bars."""
    ys = [number(y) for y in trace.y or ()]
    low, high = _errors(trace, ys)
    return [
        *ys,
        *(y - d for y, d in zip(ys, low, strict=True)),
        *(y + d for y, d in zip(ys, high, strict=True)),
    ]


def _errors(trace: Any, ys: Sequence[float]) -> tuple[list[float], list[float]]:
    """Each point's distance down and up to its error bar's ends (0: no bar)."""
    error = getattr(trace, "error_y", None)
    if error is None or error.array is None:
        return [0.0] * len(ys), [0.0] * len(ys)
    up = [number(v) for v in error.array]
    symmetric = error.symmetric is not False or error.arrayminus is None  # plotly's rule
    return (up if symmetric else [number(v) for v in error.arrayminus]), up


# -- axes -----------------------------------------------------------------------------------


def _y_ticks(fig: go.Figure, plot: Plot) -> list[str]:
    out = []
    for value, label in _ticks(fig.layout.yaxis, plot.y):
        y = plot.py(value)
        out.append(_line(LEFT, y, plot.width - RIGHT, y, GRID))
        out.append(_text(LEFT - 6, y + 4, label, anchor="end", color=MUTED))
    return out


def _x_ticks(fig: go.Figure, plot: Plot) -> list[str]:
    bottom = plot.height - BOTTOM
    out = [_line(LEFT, bottom, plot.width - RIGHT, bottom, MUTED)]
    for value, label in _ticks(fig.layout.xaxis, plot.x):
        x = plot.px(value)
        out.append(_line(x, bottom, x, bottom + 4, MUTED))
        out.append(_text(x, bottom + 17, label, anchor="middle", color=MUTED))
    return out


def _ticks(axis: Any, span: tuple[float, float]) -> list[tuple[float, str]]:
    """The axis's explicit ticks inside the range shown (none given: none drawn)."""
    values, labels = axis.tickvals or (), axis.ticktext or ()
    pairs = [(number(v), str(label)) for v, label in zip(values, labels, strict=False)]
    return [(v, label) for v, label in pairs if span[0] - 1e-9 <= v <= span[1] + 1e-9]


# -- traces ---------------------------------------------------------------------------------


def _trace(trace: Any, plot: Plot) -> list[str]:
    xs = [number(x) for x in trace.x or ()]
    ys = [number(y) for y in trace.y or ()]
    mode = trace.mode or "lines+markers"
    out = []
    if trace.fill == "toself":
        out += _polygons(xs, ys, trace.fillcolor, plot)
    elif "lines" in mode:
        out += _polylines(xs, ys, trace.line, plot)
    if "markers" in mode:
        out += _error_bars(trace, xs, ys, plot)
        out += _markers(xs, ys, trace.marker, plot)
    return out


def _polylines(xs: list[float], ys: list[float], line: Any, plot: Plot) -> list[str]:
    """One polyline per run of present points: a missing value breaks the line."""
    runs: list[list[str]] = [[]]
    for x, y in zip(xs, ys, strict=True):
        if math.isfinite(x) and math.isfinite(y):
            runs[-1].append(f"{plot.px(x):.1f},{plot.py(y):.1f}")
        elif runs[-1]:
            runs.append([])
    stroke = _attrs(stroke=line.color or TEXT, stroke_width=line.width or 2,
                    stroke_dasharray=DASHES.get(line.dash or ""))  # fmt: skip
    return [f'<polyline points="{" ".join(r)}" fill="none"{stroke}/>' for r in runs if len(r) > 1]


def _polygons(xs: list[float], ys: list[float], color: str | None, plot: Plot) -> list[str]:
    """A filled shape per run of present points, as plotly's "toself" closes each one."""
    runs: list[list[str]] = [[]]
    for x, y in zip(xs, ys, strict=True):
        if math.isfinite(x) and math.isfinite(y):
            runs[-1].append(f"{plot.px(x):.1f},{plot.py(y):.1f}")
        elif runs[-1]:
            runs.append([])
    fill = _attrs(fill=color or GRID, stroke="none")
    return [f'<polygon points="{" ".join(r)}"{fill}/>' for r in runs if len(r) > 2]


def _error_bars(trace: Any, xs: list[float], ys: list[float], plot: Plot) -> list[str]:
    error = trace.error_y
    if error is None or error.array is None:
        return []
    color, cap = error.color or TEXT, (error.width or 3)
    out = []
    for x, y, down, up in zip(xs, ys, *_errors(trace, ys), strict=True):
        if not all(math.isfinite(v) for v in (x, y, down, up)) or down == up == 0:
            continue
        px, top, bottom = plot.px(x), plot.py(y + up), plot.py(y - down)
        out.append(_line(px, top, px, bottom, color, error.thickness or 1))
        out += [_line(px - cap, e, px + cap, e, color, error.thickness or 1) for e in (top, bottom)]
    return out


def _markers(xs: list[float], ys: list[float], marker: Any, plot: Plot) -> list[str]:
    return [
        _circle(plot.px(x), plot.py(y), marker)
        for x, y in zip(xs, ys, strict=True)
        if math.isfinite(x) and math.isfinite(y)
    ]


def _circle(x: float, y: float, marker: Any) -> str:
    """A marker at a pixel: its fill and outline (one colour each, as here)."""
    fill = marker.color if isinstance(marker.color, str) else TEXT
    outline = marker.line.color if isinstance(marker.line.color, str) else fill
    style = _attrs(fill=fill, stroke=outline, stroke_width=marker.line.width or 1)
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{(marker.size or 6) / 2:g}"{style}/>'


# -- shapes, annotations, legend --------------------------------------------------------------


def _shapes(fig: go.Figure, plot: Plot, layer: str) -> list[str]:
    out = []
    for s in fig.layout.shapes:
        if (s.layer or "above") != layer:
            continue
        x0, x1 = (_x(s.xref, v, plot) for v in (s.x0, s.x1))
        y0, y1 = (_y(s.yref, v, plot) for v in (s.y0, s.y1))
        line = s.line
        if s.type == "rect":
            fill = _attrs(fill=s.fillcolor or GRID, stroke="none")
            out.append(f'<rect x="{min(x0, x1):.1f}" y="{min(y0, y1):.1f}" '
                       f'width="{abs(x1 - x0):.1f}" height="{abs(y1 - y0):.1f}"{fill}/>')  # fmt: skip
        elif s.type == "line":
            out.append(_line(x0, y0, x1, y1, line.color or MUTED, line.width or 1, line.dash))
    return out


def _x(ref: str | None, value: Any, plot: Plot) -> float:
    if ref in ("paper", "x domain"):
        return LEFT + number(value) * (plot.width - LEFT - RIGHT)
    return plot.px(number(value))


def _y(ref: str | None, value: Any, plot: Plot) -> float:
    if ref in ("paper", "y domain"):
        return plot.height - BOTTOM - number(value) * plot.inner_height
    return plot.py(number(value))


def _annotations(fig: go.Figure, plot: Plot) -> list[str]:
    anchors = {"left": "start", "right": "end", "center": "middle", None: "middle"}
    out = []
    for a in fig.layout.annotations:
        x, y = _x(a.xref, a.x, plot), _y(a.yref, a.y, plot)
        shift = {"start": 4, "end": -4, "middle": 0}[anchors[a.xanchor]]
        lift = -4 if a.yanchor == "bottom" else 12  # above the point, or hanging below it
        color, size = a.font.color or MUTED, a.font.size or 11
        out.append(_text(x + shift, y + lift, a.text or "", anchor=anchors[a.xanchor],
                         color=color, size=size))  # fmt: skip
    return out


def _legend(fig: go.Figure, plot: Plot) -> tuple[list[str], int]:
    """One entry per named trace, in rows under the axis labels; and how many rows."""
    x, row, out = float(LEFT), 0, []
    for trace in fig.data:
        if not trace.name or trace.showlegend is False:
            continue
        room = 28 + CHAR_WIDTH * len(trace.name)
        if x + room > plot.width - RIGHT and x > LEFT:
            x, row = float(LEFT), row + 1
        y = plot.height + ROW * row + 14
        if "lines" in (trace.mode or ""):
            line = trace.line
            out.append(_line(x, y - 4, x + 20, y - 4, line.color or TEXT, 2, line.dash))
        else:
            out.append(_circle(x + 10, y - 4, trace.marker))
        out.append(_text(x + 26, y, trace.name, color=TEXT))
        x += room + 12
    return out, row + 1 if out else 0


# -- elements -------------------------------------------------------------------------------


def _attrs(**values: object) -> str:
    """SVG attributes, escaped; None leaves one out; ``stroke_width`` is stroke-width."""
    return "".join(
        f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in values.items() if v is not None
    )


def _line(x0: float, y0: float, x1: float, y1: float, color: str, width: float = 1,
          dash: str | None = None) -> str:  # fmt: skip
    style = _attrs(stroke=color, stroke_width=width, stroke_dasharray=DASHES.get(dash or ""))
    return f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}"{style}/>'


def _text(x: float, y: float, text: str, *, anchor: str = "start", color: str = TEXT,
          size: float = 12, weight: str | None = None) -> str:  # fmt: skip
    style = _attrs(text_anchor=anchor, fill=color, font_size=size, font_weight=weight)
    return f'<text x="{x:.1f}" y="{y:.1f}"{style}>{escape(plain(text))}</text>'


# The entities plotly.js decodes in a figure's text (svg_text_utils.js), and numeric ones.
_ENTITIES = {"mu": "\u03bc", "amp": "&", "lt": "<", "gt": ">", "nbsp": "\u00a0",
             "times": "\u00d7", "plusmn": "\u00b1", "deg": "\u00b0"}  # fmt: skip
_ENTITY = re.compile(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);")


def plain(text: str) -> str:
    """A figure's text as plotly shows it: its entities decoded (unknown ones kept)."""

    def decode(match: re.Match[str]) -> str:
        code = match.group(1)
        if code.startswith("#"):
            point = int(code[2:], 16) if code[1] in "xX" else int(code[1:])
            return chr(point) if 0 < point <= 0x10FFFF else match.group(0)
        return _ENTITIES.get(code, match.group(0))

    return _ENTITY.sub(decode, text)
