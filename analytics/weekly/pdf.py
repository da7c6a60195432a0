"""The weekly review as an A4 PDF with page numbers, from the same HTML page.

WeasyPrint lays the page out (charts are its inline SVG, drawn as vectors) and adds
the ``@page`` rules below: A4, margins, "page / pages" at the foot of each page. It
is a Python package, but it needs the system's Pango library to lay text out; when
that cannot be loaded the error says exactly what to install (:class:`PdfUnavailable`).
"""

from __future__ import annotations

from types import ModuleType

from analytics.i18n import t
from analytics.weekly.build import Review
from analytics.weekly.render import html

PAGE_CSS = (
    "@page{size:A4;margin:16mm 14mm 18mm;"
    '@bottom-center{content:counter(page) " / " counter(pages);font:9px sans-serif;'
    "color:#6b7280}}"
    "body{margin:0;max-width:none;padding:0;font-size:11px}"
)
INSTALL = (
    "WeasyPrint (the PDF renderer) cannot load the system library Pango. Install it, "
    "then run again:\n"
    "  Debian/Ubuntu: sudo apt install libpango-1.0-0 libpangoft2-1.0-0\n"
    "  macOS: brew install pango\n"
    "  Windows: install the GTK runtime (MSYS2: pacman -S mingw-w64-x86_64-pango) and "
    "put its bin folder on PATH\n"
    "The HTML report needs none of this."
)


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made on this machine; ``str(error)`` says what to install."""


def pdf(review: Review) -> bytes:
    """The review as PDF bytes (A4, page numbers "1 / N" at the foot of each page)."""
    weasyprint = load()
    page = html(review)
    title = t("weekly.title", review.lang, period=review.period.name(review.lang))
    document = weasyprint.HTML(string=page, base_url=None)
    out = document.write_pdf(stylesheets=[weasyprint.CSS(string=PAGE_CSS)])
    if not isinstance(out, bytes):  # write_pdf returns the bytes when given no target
        raise RuntimeError(f"WeasyPrint returned no PDF for {title!r}")
    return out


def load() -> ModuleType:
    """The weasyprint module, or :class:`PdfUnavailable` saying what is missing."""
    try:
        import weasyprint
    except ImportError as exc:
        if getattr(exc, "name", None) == "weasyprint":
            raise PdfUnavailable(
                "WeasyPrint is not installed: pip install -r requirements.txt"
            ) from exc
        raise PdfUnavailable(f"{INSTALL}\n({exc})") from exc
    except OSError as exc:  # cffi could not open libpango / libgobject
        raise PdfUnavailable(f"{INSTALL}\n({exc})") from exc
    return weasyprint
