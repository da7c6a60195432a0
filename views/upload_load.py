"""Upload page, part 5 (not a page: ``views/upload.py`` imports it): the check, the
data quality, the load with its progress, and what the load did.

The words come from ``analytics.ingest.review``; the batch log, where a load is
undone, is ``views/upload_log.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import streamlit as st

from analytics.access import Forbidden
from analytics.i18n import Lang, number, t
from analytics.ingest import (
    ROW,
    BatchReport,
    IngestError,
    Mapping,
    RawTable,
    UndoReport,
    fit,
    ingest,
    load,
    quality,
    rejected_rows,
    review,
)
from analytics.ingest.model import Target
from analytics.ingest.quality import Quality
from analytics.ingest.roundtrip import Shape
from analytics.store import StoreError
from ui import auth, cache, tables
from ui.errors import error, first_line
from ui.markdown import markdown_escape
from ui.session import forget, held, who
from ui.tables import Col
from views.upload_file import tag

SHOWN_ROWS = 100


# -- check and load --------------------------------------------------------------------------


def check(
    raw: RawTable, mapping: Mapping, dayfirst: bool | None, lang: Lang
) -> review.Preview | None:
    """Validate (whole file, or its first rows when big) and show what would load."""
    st.subheader(t("upload.preview", lang))
    try:
        found = held(
            "upload_preview",
            (raw.name, tag(raw), mapping, dayfirst),
            lambda: review.preview(raw, mapping, dayfirst),
        )
    except IngestError as exc:
        error(exc, lang)
        return None
    except Exception as exc:  # a reader's surprise met while checking
        st.error(t("upload.read_failed", lang, detail=first_line(exc)), icon=":material/error:")
        return None
    validated = found.validated
    skipped = sum(validated.skipped.values())
    _tiles([("ready", validated.good.height), ("rejected", validated.n_rejected), ("skipped", skipped)], lang)  # fmt: skip
    if skipped:
        st.caption(review.skipped_text(validated.skipped, lang))
    if not found.complete:
        st.caption(
            t(
                "upload.preview.partial", lang,
                checked=number(found.checked_rows, lang, 0), total=number(found.total_rows, lang, 0),
            )
        )  # fmt: skip
    _good_rows(validated.good, raw.facts.n_rows, lang)
    show_rejects(validated.rejects, lang, Path(raw.name).stem, "preview", Shape.of(raw.facts))
    return found


def _tiles(values: list[tuple[str, int]], lang: Lang) -> None:
    for col, (label, value) in zip(
        st.columns(len(values)), review.counts(values, lang), strict=True
    ):
        col.metric(label, value)


def _good_rows(good: pl.DataFrame, total: int, lang: Lang) -> None:
    if good.height == 0:
        return
    labels = {ROW: t("upload.col.row", lang)} | {
        c: t(f"upload.field.{c}", lang) for c in good.columns if c not in (ROW, "ces_scale")
    }
    shown = good.head(SHOWN_ROWS).rename(labels, strict=False)
    columns = tables.guess(shown, {c: c for c in shown.columns})  # headers: translated names
    with st.expander(t("upload.good", lang, shown=number(min(SHOWN_ROWS, good.height), lang, 0))):
        tables.show(shown, columns, lang, width="stretch")


def show_rejects(rejects: pl.DataFrame, lang: Lang, stem: str, key: str, shape: Shape) -> None:
    """The problems found (first rows on screen), and two downloads: the rejected rows
    in the file's own format to fix and load again, and the list of problems."""
    st.markdown(f"**{t('upload.rejects', lang)}**")
    if rejects.height == 0:
        st.caption(t("upload.rejects.none", lang))
        return
    table = review.rejects_table(rejects, lang)
    if table.height < rejects.height:
        shown, total = number(table.height, lang, 0), number(rejects.height, lang, 0)
        st.caption(t("upload.rejects.shown", lang, shown=shown, total=total))
    labels = {c: t(f"upload.col.{c}", lang) for c in table.columns}
    columns = tables.texts(labels) | {"row": Col(labels["row"], "id")}
    tables.show(table, columns, lang, width="stretch")
    fix = review.rejects_file(rejects, lang, shape)
    left, right = st.columns(2)
    left.download_button(
        t("upload.rejects.download_fix", lang, suffix=fix.suffix),
        data=fix.data,
        file_name=f"{stem}-rejected{fix.suffix}",
        mime=fix.mime,
        on_click="ignore",
        icon=":material/download:",
        help=t("upload.rejects.download_fix.help", lang),
        key=f"upload_rejects_fix_{key}",
    )
    right.download_button(
        t("upload.rejects.download", lang),
        data=lambda: review.rejects_csv(rejects, lang),
        file_name=f"{stem}-problems.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/list:",
        key=f"upload_rejects_{key}",
    )


def confirm(
    raw: RawTable,
    mapping: Mapping,
    dayfirst: bool | None,
    found: review.Preview,
    target: Target,
    lang: Lang,
) -> None:
    """The Confirm button; on click, load with a progress bar, then start over."""
    if found.complete and found.validated.good.height == 0:
        st.warning(t("upload.nothing", lang))
        return
    measured = _measure(raw, mapping, dayfirst, found, lang)
    refused = fit.preview_refusal(found.validated, measured) if measured is not None else None
    if refused is not None:  # most of a column unreadable: the load would refuse it
        error(refused, lang)
        return
    strict = st.checkbox(
        t("upload.strict", lang), help=t("upload.strict.help", lang), key="upload_strict"
    )
    if strict and found.validated.n_rejected:
        count = number(found.validated.n_rejected, lang, 0)
        st.error(t("upload.strict.blocked", lang, count=count), icon=":material/block:")
        return
    label = t("upload.confirm", lang, target=t(f"upload.target.{target}", lang).lower())
    allowed = auth.needs("load", lang)  # the engine refuses anyway
    if not st.button(
        label,
        type="primary",
        help=t("upload.confirm.help", lang),
        key="upload_confirm",
        disabled=not allowed,
    ):
        return
    text = t("upload.loading", lang, file=markdown_escape(raw.name))  # progress text is Markdown
    bar = st.progress(0.0, text=text)

    def progress(fraction: float) -> None:
        bar.progress(fraction, text=f"{text} {number(100 * fraction, lang, 0)} %")

    report = _load(raw, mapping, dayfirst, found, measured, progress, lang, strict)
    if report is not None:
        finished(report)


def _load(
    raw: RawTable,
    mapping: Mapping,
    dayfirst: bool | None,
    found: review.Preview,
    measured: Quality | None,
    progress: Callable[[float], None],
    lang: Lang,
    strict: bool,
) -> BatchReport | None:
    """The checked rows, or the whole file streamed when the preview checked only its
    first rows (that load measures the whole file itself); None when it failed."""
    try:
        if found.complete:
            return load(
                cache.store(), found.validated, loaded_by=who(), on_progress=progress,
                measured=measured, strict=strict,
            )  # fmt: skip
        return ingest(
            cache.store(), raw, mapping, dayfirst=dayfirst, loaded_by=who(),
            on_progress=progress, strict=strict,
        )  # fmt: skip
    except IngestError as exc:
        error(exc, lang, "upload.failed")
    except Forbidden as exc:  # the role may not load: its words, not a failure's
        auth.refused(exc, lang)
    except StoreError as exc:  # another program holds the store: who, and what to do
        detail = t(f"error.{exc.reason}", lang, path=exc.path, detail=exc.detail)
        st.error(t("upload.failed", lang, detail=markdown_escape(detail)), icon=":material/lock:")
    except Exception as exc:  # the load rolled back: say so, not a traceback
        st.error(t("upload.failed", lang, detail=first_line(exc)), icon=":material/error:")
    return None


def _measure(
    raw: RawTable, mapping: Mapping, dayfirst: bool | None, found: review.Preview, lang: Lang
) -> Quality | None:
    """The preview's data-quality report (measured once per file and mapping), shown
    before the Confirm button; None when it could not be measured (the load tries again)."""
    st.subheader(t("quality.title", lang))
    try:
        measured = held(
            "upload_quality",
            (raw.name, tag(raw), mapping, dayfirst),
            lambda: quality.measure(found.validated),
        )
    except Exception as exc:  # a reader's surprise: say it, keep the button
        st.caption(t("quality.failed", lang, detail=first_line(exc)))
        return None
    st.caption(t("quality.intro", lang))
    if not found.complete:
        st.caption(t("quality.partial", lang, checked=number(found.checked_rows, lang, 0)))
    show_quality(measured, quality.lines(measured, lang, markdown_escape), lang)
    return measured


def show_quality(measured: Quality, warnings: list[str], lang: Lang) -> None:
    """Warning lines, then one row per mapped field (filled, read, range, distinct)."""
    for line in warnings:
        st.warning(line, icon=":material/warning:")
    if not warnings:
        st.caption(t("quality.none", lang))
    # st.table, not st.dataframe: compact, and the page's tests find the batch log
    # as the last dataframe. Its cells are Markdown: the file's names are escaped.
    st.table(quality.table(measured, lang, markdown_escape), hide_index=True)


def finished(report: BatchReport | UndoReport) -> None:
    """After a load or an undo: fresh aggregates everywhere, the result on screen."""
    st.cache_data.clear()
    if isinstance(report, BatchReport):
        st.session_state["upload_last"] = report
        st.session_state["upload_batch"] = report.batch_id  # the log shows the new load
        st.session_state["upload_nonce"] = st.session_state.get("upload_nonce", 0) + 1
        forget("upload_raw", "upload_suggestion", "upload_preview", "upload_quality")
    else:
        st.session_state["upload_undone"] = report
        forget("upload_last")  # its counts no longer hold
    st.rerun()


def show_last(lang: Lang) -> None:
    """What the last load did, until another file is chosen."""
    report = st.session_state.get("upload_last")
    if isinstance(report, BatchReport):
        _loaded(report, lang)


def _loaded(report: BatchReport, lang: Lang) -> None:
    target = t(f"upload.target.{report.target}", lang).lower()
    file = markdown_escape(report.file_name)
    st.success(
        t("upload.loaded", lang, file=file, target=target, batch=report.batch_id),
        icon=":material/check_circle:",
    )
    skipped = sum(report.skipped.values())
    _tiles(
        [("inserted", report.inserted), ("updated", report.updated),
         ("unchanged", report.unchanged), ("rejected", report.rejected), ("skipped", skipped)],
        lang,
    )  # fmt: skip
    if skipped:
        st.caption(review.skipped_text(report.skipped, lang))
    for warning in report.warnings:
        st.warning(markdown_escape(review.warning_text(warning, lang)))
    if report.rejected:
        rejects = rejected_rows(cache.store(), report.batch_id)
        stem, shape = Path(report.file_name).stem, Shape.of(report.facts)
        show_rejects(rejects, lang, stem, f"batch_{report.batch_id}", shape)
