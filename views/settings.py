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

targets, deadlines, rules, channels, log, users, audit = st.tabs(
    [
        f":material/flag: {t('settings.tab.targets', lang)}",
        f":material/event_available: {t('settings.tab.followup', lang)}",
        f":material/notifications: {t('settings.tab.rules', lang)}",
        f":material/send: {t('settings.tab.channels', lang)}",
        f":material/history: {t('settings.tab.log', lang)}",
        f":material/group: {t('access.tab.users', lang)}",
        f":material/policy: {t('access.tab.audit', lang)}",
    ]
)
# Each tab needs its role (the engine refuses a write anyway): targets a manager's,
# the rest an admin's.
with targets:
    if auth.needs("targets", lang):
        settings_targets.render(ctx)
with deadlines:
    if auth.needs("settings", lang):
        settings_followup.render(ctx)
with rules:
    if auth.needs("alerts", lang):
        settings_alerts.render_rules(ctx)
with channels:
    if auth.needs("settings", lang):
        settings_channels.render(ctx)
with log:
    if auth.needs("alerts", lang):
        settings_alerts.render_log(ctx)
with users:
    if auth.needs("roles", lang):
        settings_users.render(ctx)
with audit:
    if auth.needs("roles", lang):
        settings_users.render_audit(ctx)
