"""Upload page, part 6 (not a page: ``views/upload.py`` imports it): the batch log, each
load's rejected rows and data quality, and undoing a load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from analytics.i18n import Lang, moment, number, t
from analytics.ingest import (
    IngestError,
    UndoReport,
    list_batches,
    quality,
    rejected_rows,
    review,
    undo_batch,
)
from analytics.ingest.quality import Quality
from analytics.ingest.roundtrip import Shape
from ui import auth, cache, tables
from ui.errors import error
from ui.markdown import markdown_escape
from ui.tables import Col, ColumnKind
from views.upload_load import finished, show_quality, show_rejects


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
    kinds: dict[str, ColumnKind] = {"batch_id": "id", "loaded_at": "moment"}
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
        allowed = auth.needs("undo", lang)  # the engine refuses anyway
        if st.button(
            t("upload.undo.yes", lang), type="primary", key="upload_undo_yes", disabled=not allowed
        ):
            try:
                finished(undo_batch(cache.store(), batch))
            except IngestError as exc:
                failed = exc
    if failed is not None:
        error(failed, lang)
