"""The batch log as the Upload page shows it: translated, and a picker of batches to undo.

Writing the log is :mod:`analytics.ingest.batchlog`'s; reading it back,
:func:`analytics.ingest.batches.list_batches`.
"""

from __future__ import annotations

import polars as pl

from analytics.i18n import MOMENT, Lang, moment, t
from analytics.ingest import columns as cols

#: The status (undone, and when) beside the file, where the table shows it without a
#: scroll: the account column is wide, and an undone load must not read as a live one.
LOG_COLUMNS = (
    "batch_id", "target", "file_name", "loaded_at", "status", "loaded_by", "n_rows",
    "n_inserted", "n_updated", "n_unchanged", "n_rejected", "n_skipped",
)  # fmt: skip


def batch_log(batches: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """The batch log for display: translated target and status (with the undo moment as
    the reader writes it), counts; ``loaded_at`` stays a datetime, for the table to write
    in the language and sort by (the file's SHA-256 stays in the store: no one reads it)."""
    undone = pl.col("undone_at").dt.strftime(MOMENT[lang])
    status = (
        pl.when(pl.col("undone_at").is_null())
        .then(pl.lit(t("upload.log.active", lang)))
        .otherwise(pl.concat_str(pl.lit(t("upload.log.undone", lang) + " "), undone))
    )
    target = pl.col("target").replace_strict(
        {k: t(f"upload.target.{k}", lang) for k in cols.TARGETS}, default=pl.col("target")
    )
    # Without sign-in a load is recorded under the computer's account ("root"): say so.
    account = pl.concat_str(pl.col("loaded_by"), pl.lit(f" ({t('upload.log.os_account', lang)})"))
    by = pl.when(pl.col("loaded_by").str.contains("@", literal=True)).then(pl.col("loaded_by"))
    loaded_by = by.otherwise(account)
    return batches.with_columns(target=target, status=status, loaded_by=loaded_by).select(
        LOG_COLUMNS
    )


def batch_choices(batches: pl.DataFrame, lang: Lang) -> dict[int, str]:
    """Batch id -> "12 · calls.csv · 2026-06-28 10:05" for a picker, newest first."""
    return {
        int(r["batch_id"]): " · ".join(
            (str(r["batch_id"]), r["file_name"], moment(r["loaded_at"], lang))
            + ((t("upload.log.undone", lang),) if r["undone_at"] is not None else ())
        )
        for r in batches.iter_rows(named=True)
    }
