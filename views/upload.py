"""Upload: load calls or survey responses from a file, check them, confirm, undo a load.

The page's parts are the ``views/upload_*.py`` modules beside it (not pages: app.py's
navigation does not list them), in the order the page shows them.
"""

import streamlit as st

from analytics import spark as spark_mode
from analytics.i18n import t
from ui import context
from views import upload_aliases, upload_file, upload_load, upload_log, upload_mapping

ctx = context.current()
lang = ctx.lang
st.title(t("upload.title", lang))
st.caption(t("upload.intro", lang))
if spark_mode.engine() == "spark":  # the pages read Spark; a load lands here first
    st.info(t("upload.spark_note", lang), icon=":material/cloud_sync:")

target = upload_file.pick_target(lang)
file = upload_file.pick_file(lang)
if file is None:
    upload_load.show_last(lang)
else:
    st.session_state.pop("upload_last", None)
    raw = upload_file.read(file, lang)
    if raw is not None:
        upload_file.show_facts(raw, lang)
        settled = upload_mapping.edit_mapping(raw, target, lang)
        if settled is not None:
            mapping, dayfirst = settled
            mapping = upload_aliases.attach(mapping)  # the value map: "Sur" read as "South"
            found = upload_load.check(raw, mapping, dayfirst, lang)
            if found is not None:
                upload_aliases.new_values(raw, found, lang)
                upload_load.confirm(raw, mapping, dayfirst, found, target, lang)

st.divider()
upload_log.batch_log(lang)
