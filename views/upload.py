"""Upload: load calls or survey responses from a file, check them, confirm, undo a load."""

import streamlit as st

from analytics.i18n import t
from ui import aliases, context, loads, upload

ctx = context.current()
lang = ctx.lang
st.title(t("upload.title", lang))
st.caption(t("upload.intro", lang))

target = upload.pick_target(lang)
file = upload.pick_file(lang)
if file is None:
    loads.show_last(lang)
else:
    st.session_state.pop("upload_last", None)
    raw = upload.read(file, lang)
    if raw is not None:
        upload.show_facts(raw, lang)
        settled = upload.edit_mapping(raw, target, lang)
        if settled is not None:
            mapping, dayfirst = settled
            mapping = aliases.attach(mapping)  # the value map: "Sur" read as "South"
            found = loads.check(raw, mapping, dayfirst, lang)
            if found is not None:
                aliases.new_values(raw, found, lang)
                loads.confirm(raw, mapping, dayfirst, found, target, lang)

st.divider()
loads.batch_log(lang)
