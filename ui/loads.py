"""Streamlit glue of the Upload page, second half: check, data quality, load, the result,
the batch log.

The first half (file, format facts, mapping) is ``ui.upload``; the words come from
``analytics.ingest.review``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from analytics.i18n import Lang, moment, number, t
from analytics.ingest import (
    ROW,
    BatchReport,
    IngestError,
    Mapping,
    RawTable,
    UndoReport,
    ingest,
    list_batches,
    load,
    quality,
    rejected_rows,
    review,
    undo_batch,
)
from analytics.ingest.model import Target
from analytics.ingest.quality import Quality
from analytics.ingest.roundtrip import Shape
from ui import cache, tables
from ui.markdown import markdown_escape
from ui.tables import Col, Kind
from ui.upload import error, first_line, forget, held, tag, who

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
    strict = st.checkbox(
        t("upload.strict", lang), help=t("upload.strict.help", lang), key="upload_strict"
    )
    if strict and found.validated.n_rejected:
        count = number(found.validated.n_rejected, lang, 0)
        st.error(t("upload.strict.blocked", lang, count=count), icon=":material/block:")
        return
    label = t("upload.confirm", lang, target=t(f"upload.target.{target}", lang).lower())
    if not st.button(
        label, type="primary", help=t("upload.confirm.help", lang), key="upload_confirm"
    ):
        return
    text = t("upload.loading", lang, file=raw.name)
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


# -- batch log -------------------------------------------------------------------------------


def batch_log(lang: Lang) -> None:
    st.header(t("upload.log", lang))
    undone = st.session_state.pop("upload_undone", None)
    if isinstance(undone, UndoReport):
        st.success(
            t("upload.undone", lang, batch=undone.batch_id,
              deleted=number(undone.deleted, lang, 0), restored=number(undone.restored, lang, 0)),
            icon=":material/undo:",
        )  # fmt: skip
    batches = list_batches(cache.store())
    if batches.is_empty():
        st.info(t("upload.log.empty", lang))
        return
    st.caption(t("upload.log.intro", lang))
    tables.show(review.batch_log(batches, lang), _log_columns(lang), lang, width="stretch")
    choices = review.batch_choices(batches, lang)
    pick = st.selectbox(
        t("upload.log.pick", lang),
        list(choices),
        format_func=choices.__getitem__,
        key="upload_batch",
    )
    row = batches.filter(pl.col("batch_id") == pick).row(0, named=True)
    if row["n_rejected"]:
        label = t("upload.log.rejects", lang, count=number(row["n_rejected"], lang, 0))
        with st.expander(label):
            rejects = rejected_rows(cache.store(), pick)
            shape = Shape.of(json.loads(row["details"] or "{}").get("facts", {}))
            show_rejects(rejects, lang, Path(row["file_name"]).stem, f"log_{pick}", shape)
    if row.get("quality"):
        _logged_quality(Quality.from_json(row["quality"]), lang)
    _undo(row, lang)


def _log_columns(lang: Lang) -> dict[str, Col]:
    kinds: dict[str, Kind] = {"batch_id": "id", "loaded_at": "moment"}
    kinds |= {c: "count" for c in review.LOG_COLUMNS if c.startswith("n_")}
    return {
        c: Col(t(f"upload.log.col.{c}", lang), kinds.get(c, "text")) for c in review.LOG_COLUMNS
    }


def _logged_quality(measured: Quality, lang: Lang) -> None:
    warnings = quality.lines(measured, lang, markdown_escape)
    with st.expander(t("quality.log", lang, count=number(len(warnings), lang, 0))):
        show_quality(measured, warnings, lang)


def _undo(row: dict[str, Any], lang: Lang) -> None:
    batch = row["batch_id"]
    if row["undone_at"] is not None:
        st.caption(t("upload.undone.already", lang, when=moment(row["undone_at"], lang)))
        return
    failed = None
    with st.popover(t("upload.undo", lang, batch=batch), icon=":material/undo:"):
        st.warning(
            t("upload.undo.confirm", lang, batch=batch, file=markdown_escape(row["file_name"]),
              inserted=number(row["n_inserted"], lang, 0), updated=number(row["n_updated"], lang, 0))
        )  # fmt: skip
        if st.button(t("upload.undo.yes", lang), type="primary", key="upload_undo_yes"):
            try:
                finished(undo_batch(cache.store(), batch))
            except IngestError as exc:
                failed = exc
    if failed is not None:
        error(failed, lang)
