"""Settings, "Users and roles" and "Audit log" tabs (admins only).

Roles come from ``[pulso.roles]`` in ``.streamlit/secrets.toml`` (the deployer's, shown
read-only) and from the store's table edited here, which wins for the same e-mail or
group. A grant may carry a scope: the user then sees only those rows everywhere
(:mod:`analytics.access`). Every change here is written to the audit log, which the
second tab lists.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import access, audit, dimensions
from analytics.access import Forbidden, Grant
from analytics.i18n import Lang, t
from ui import auth, cache, tables
from ui.context import Context
from ui.tables import Col


def render(ctx: Context) -> None:
    lang = ctx.lang
    st.caption(t("access.users.intro", lang))
    if not auth.configured():
        st.info(t("access.users.no_auth", lang), icon=":material/info:")
    file_grants = auth.file_grants()
    stored = access.read_grants(cache.base_store())
    st.markdown(f"**{t('access.users.file', lang)}**")
    _grants_table(file_grants, lang)
    st.markdown(f"**{t('access.users.store', lang)}**")
    _grants_table(stored, lang)
    _form(ctx)
    if stored:
        _delete(stored, lang)


def _grants_table(grants: list[Grant], lang: Lang) -> None:
    if not grants:
        st.caption(t("access.users.none", lang))
        return
    frame = pl.DataFrame(
        {
            "principal": [g.principal for g in grants],
            "role": [auth.role_name(g.role, lang) for g in grants],
            "scope": [auth.scope_text(g.scope) or t("access.scope.all", lang) for g in grants],
        }
    )
    labels = {c: t(f"access.col.{c}", lang) for c in ("principal", "role", "scope")}
    tables.show(frame, tables.texts(labels), lang)


def _form(ctx: Context) -> None:
    lang = ctx.lang
    scoped = [d for d in dimensions.CATALOG if not d.coded]
    with st.form("access_grant", clear_on_submit=True):
        st.markdown(f"**{t('access.users.add', lang)}**")
        principal = st.text_input(
            t("access.col.principal", lang), help=t("access.principal_help", lang)
        )
        role = st.selectbox(
            t("access.col.role", lang),
            access.ROLES,
            format_func=lambda r: auth.role_name(r, lang),
        )
        dim = st.selectbox(
            t("access.scope.dimension", lang),
            [d.name for d in scoped],
            format_func=lambda n: t(dimensions.get(n).label, lang),
        )
        values = st.multiselect(
            t("access.scope.values", lang),
            cache.dimension_values(ctx.version, dim) if dim else [],
            placeholder=t("access.scope.all", lang),
        )
        if st.form_submit_button(t("access.users.save", lang), type="primary"):
            try:
                access.save_grant(
                    cache.store(), access.grant(principal, role, {dim: values} if values else None)
                )
            except Forbidden as exc:
                auth.refused(exc, lang)
            except ValueError:
                st.error(t("access.error.principal", lang))
            else:
                st.success(t("access.users.saved", lang, principal=principal.strip().lower()))


def _delete(stored: list[Grant], lang: Lang) -> None:
    with st.popover(t("access.users.delete", lang), icon=":material/delete:"):
        gone = st.selectbox(t("access.col.principal", lang), [g.principal for g in stored])
        if st.button(t("access.users.delete_yes", lang), type="primary", key="access_delete"):
            try:
                access.delete_grant(cache.store(), gone)
            except Forbidden as exc:
                auth.refused(exc, lang)
            else:
                st.rerun()


def render_audit(ctx: Context) -> None:
    """The newest lines of the audit log, newest first."""
    lang = ctx.lang
    st.caption(t("access.audit.intro", lang))
    log = audit.read(cache.base_store())
    if log.is_empty():
        st.caption(t("access.audit.empty", lang))
        return
    labels = {c: t(f"access.audit.col.{c}", lang) for c in audit.COLUMNS if c != "acted_at"}
    columns = tables.texts(labels) | {
        "acted_at": Col(t("access.audit.col.acted_at", lang), "moment")
    }
    tables.show(log.with_columns(pl.col("audit_id").cast(pl.String)), columns, lang)
