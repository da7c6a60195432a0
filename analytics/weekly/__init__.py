"""The weekly review: one report of a week, a month or any dates, for a scope.

``build`` computes the sections with the functions the app's pages call (so the
report holds the app's numbers); ``html`` renders them as one self-contained page
(inline CSS and SVG, no script, no external reference), ``text`` as a plain-text
summary (e-mail text parts, chat), ``pdf`` as an A4 PDF with page numbers from the
same HTML (WeasyPrint, which needs the system's Pango library). For example::

    review = weekly.build(store, Filters(region=("North",)), weekly.week("2026-W47"), "es")
    Path("review.pdf").write_bytes(weekly.pdf(review))
"""

from __future__ import annotations

from analytics.weekly.build import Review, build
from analytics.weekly.pdf import PdfUnavailable, pdf
from analytics.weekly.period import Period, custom, last_complete_week, month, week
from analytics.weekly.render import html, text

__all__ = [
    "PdfUnavailable",
    "Period",
    "Review",
    "build",
    "custom",
    "html",
    "last_complete_week",
    "month",
    "pdf",
    "text",
    "week",
]
