"""Settings: targets, follow-up deadlines, alert rules, where alerts go, and what was sent.

Every value is checked before it is saved (a clear message, nothing written when a
value is wrong) and kept in the store, so that the command line's reports and alerts
read the same settings. The environment variables (``PULSO_FOLLOWUP_DAYS``...) are
the defaults until a value is saved here. The page's parts are the
``views/settings_*.py`` modules beside it, one per tab.
"""

import streamlit as st

from analytics.i18n import t
from ui import auth, context
from views import (
    settings_alerts,
    settings_channels,
    settings_followup,
    settings_targets,
    settings_users,
)

ctx = context.current()
lang = ctx.lang
st.title(t("settings.title", lang))
st.caption(t("settings.intro", lang))

# (icon, title key, the permission the tab needs, what it shows): targets need a
# manager, the rest an admin; the engine refuses a write anyway.
TABS = (
    ("flag", "settings.tab.targets", "targets", settings_targets.render),
    ("event_available", "settings.tab.followup", "settings", settings_followup.render),
    ("notifications", "settings.tab.rules", "alerts", settings_alerts.render_rules),
    ("send", "settings.tab.channels", "settings", settings_channels.render),
    ("history", "settings.tab.log", "alerts", settings_alerts.render_log),
    ("group", "access.tab.users", "roles", settings_users.render),
    ("policy", "access.tab.audit", "roles", settings_users.render_audit),
)
tabs = st.tabs([f":material/{icon}: {t(title, lang)}" for icon, title, _, _ in TABS])
for tab, (_, _, permission, render) in zip(tabs, TABS, strict=True):
    with tab:
        if auth.needs(permission, lang):
            render(ctx)
