"""Pulso: the router. Page config, shared filters bound to the URL, navigation."""

import streamlit as st

from analytics.i18n import t
from ui import context

st.set_page_config(page_title="Pulso", page_icon="📈", layout="wide")

lang = context.language()
version = context.open_store_or_stop(lang)
filters = context.sidebar(lang, version)
st.session_state["pulso_context"] = context.Context(lang, filters, version)

pages = [
    st.Page("views/overview.py", title=t("page.overview", lang), icon="📊", default=True),
]
st.navigation(pages).run()
