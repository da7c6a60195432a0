"""Pulso: the router. Page config, navigation, the shared filters the page applies."""

import streamlit as st

from analytics.i18n import t
from ui import auth, cache, context, errors, replica, scheduler

# Navigation section -> (script, title key, icon); the first page is the default.
NAV = {
    "nav.executive": [
        ("overview", "page.overview", "dashboard"),
        ("weekly", "weekly.page", "summarize"),
    ],
    "nav.satisfaction": [
        ("drivers", "drivers.page", "insights"),
        ("voice", "voice.page", "forum"),
        ("bias", "bias.page", "balance"),
        ("rankings", "rank.page", "leaderboard"),
    ],
    "nav.act": [
        ("followup", "followup.page", "support_agent"),
        ("fatigue", "fatigue.page", "mark_email_read"),
    ],
    "nav.changes": [
        ("registry", "registry.page", "event_note"),
        ("change_analysis", "analysis.page", "science"),
    ],
    "nav.data": [
        ("upload", "upload.page", "upload_file"),
        ("settings", "settings.page", "settings"),
    ],
}

st.set_page_config(page_title="Pulso", page_icon=":material/monitoring:", layout="wide")

lang = context.language()
replica.follow()  # a read-only replica: a newer published snapshot replaces the open one
context.open_store_or_stop(lang)
replica.banner(lang)
auth.sign_in(lang)  # the session's role and scope; the sign-in screen stops here
version = cache.current_version()
scheduler.start()  # alerts, and snapshots for replicas: the app runs them while it holds the store
pages = {
    t(section, lang): [
        st.Page(
            f"views/{name}.py",
            title=t(title, lang),
            icon=f":material/{icon}:",
            default=name == "overview",
        )
        for name, title, icon in entries
    ]
    for section, entries in NAV.items()
}
page = st.navigation(pages)
# The sidebar shows the filters this page applies (the default page's path is "").
filters = context.sidebar(lang, version, page.url_path or "overview")
st.session_state["pulso_context"] = context.Context(lang, filters, version)
errors.boundary(lambda: page.run(), lang)  # an error: a short message, a logged reference
